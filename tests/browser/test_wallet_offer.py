"""A learner adds a certificate's badge to a digital wallet: from My certificates, "Add to a
digital wallet" shows the offer page with a QR code and a same-device link. The QR code, read
back from the rendered page by a barcode reader (zxing-cpp), carries exactly the link; the
link's credential_offer_uri answers with the offer. Once a wallet has collected the badge the
page says so. Both states pass axe (WCAG 2.x A/AA) and reflow at 320 px."""
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .helpers import complete_module
from .test_invitation_journey import email_link

EMAIL = "wallet.holder@example.org"
NAME = "Ffion Pritchard-Ogunleye"
PASSWORD = "seven lanterns over a grey harbour"
SLUG = "its-silent-introduction"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _register(page, live_server):
    page.goto("/register")
    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto(email_link(live_server.last_email(EMAIL), "/confirm/"))
    page.wait_for_url(lambda url: "/confirm/" not in url)


def _decode_qr(png: bytes) -> str:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (requirements-dev.txt) reads the QR code back")
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1, f"{len(found)} barcodes found"
    return found[0].text


def test_a_learner_adds_a_badge_to_a_wallet(page, live_server, a11y):
    _register(page, live_server)
    complete_module(page, SLUG)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    number = page.locator(".cert-number").first.inner_text().strip()
    page.get_by_role("button", name=f"Add to a digital wallet (Introduction: \"It's silent\", {number})").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add to a digital wallet")
    expect(page.get_by_role("heading", name="Scan this with your wallet")).to_be_visible()
    qr = page.get_by_role("img", name=f"QR code of the wallet offer for certificate {number}")
    expect(qr).to_be_visible()
    link = page.get_by_role("link", name="Open in my wallet app").get_attribute("href")
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    (offer_uri,) = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    assert offer_uri.startswith(f"{live_server.url}/wallet/offers/")
    assert _decode_qr(qr.screenshot()) == link  # what a phone's camera reads is the link shown
    a11y.check(page, "wallet-offer", look=True)

    page.reload()  # the same offer is shown again (it lives in the session, not the address)
    assert page.get_by_role("link", name="Open in my wallet app").get_attribute("href") == link

    # A wallet takes it (the interop test runs a real wallet library; here only the page's states).
    offer = page.request.get(offer_uri).json()
    token = page.request.post(f"{live_server.url}/wallet/token", form={
        "grant_type": GRANT, "pre-authorized_code": offer["grants"][GRANT]["pre-authorized_code"]}).json()
    credential = page.request.post(f"{live_server.url}/wallet/credential",
                                   headers={"Authorization": f"Bearer {token['access_token']}"},
                                   data={"credential_configuration_id": offer["credential_configuration_ids"][0]})
    assert credential.status == 200
    page.get_by_role("link", name="Check whether my wallet has collected it").click()
    expect(page.get_by_text("Your wallet collected this badge")).to_be_visible()
    expect(page.get_by_role("button", name="Make a wallet offer (QR code)")).to_be_visible()
    a11y.check(page, "wallet-collected")
