"""An organisation admin invites a new person; they register through the link, complete a
module with a quiz retake, download their certificate and verify it; a logged-out visitor
verifies it by its number. Every page type passes axe and reflows at 320 px."""
import email
import io
import re
from email import policy

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import login
from .helpers import complete_module, open_org_page

ORG = "Demo Borough Council"
NEW_EMAIL = "new.starter@demo.example"
NEW_NAME = "Priya Okonkwo-Smith"
NEW_PASSWORD = "a kettle of quiet herons at dusk"
SLUG = "its-silent-introduction"


def email_link(message: str, pattern: str) -> str:
    """The first link in the plain-text body of an email that matches ``pattern``."""
    msg = email.message_from_string(message, policy=policy.default)
    body = msg.get_body(preferencelist=("plain", "html")).get_content()
    match = re.search(r"https?://\S*" + pattern + r"\S*", body)
    assert match, f"no link matching {pattern} in:\n{body}"
    return match.group(0).rstrip(".,)>\"'")


@pytest.fixture(scope="module")
def graduate(chromium, live_server, a11y):
    """The invitation journey up to the completed module; returns the certificate number."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)

    login(page, "admin@demo.example")
    open_org_page(page, ORG, "Invitations")
    a11y.check(page, "invitations")
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_label("Name (optional)").fill(NEW_NAME)
    page.get_by_label("Role").select_option(label="Learner")
    page.get_by_label("Team").select_option(label="Children in Need East")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("cell", name=NEW_EMAIL, exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    link = email_link(live_server.last_email(NEW_EMAIL), "/orgs/join/")
    page.goto(link)
    a11y.check(page, "register-through-invitation")
    page.get_by_label("Full name").fill(NEW_NAME)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_url(lambda url: "/orgs/join/" not in url)

    complete_module(page, SLUG, retake=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    number = page.locator(".cert-number").first.inner_text().strip()
    assert re.fullmatch(r"CE-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", number), number
    context.close()
    return number


def test_invitation_to_certificate(page, live_server, a11y, graduate):
    page.goto("/login")
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    a11y.check(page, "certificate-list")
    row = page.get_by_role("row").filter(has_text=graduate)
    assert "Valid" in row.inner_text()

    # A plain click downloads a file (the server says attachment), named for the module and number.
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("Download PDF")).click()
    download = info.value
    assert download.suggested_filename == f"cpd-certificate-{SLUG}-{graduate}.pdf"
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF-")
    # "View" opens the same PDF in the browser instead.
    view = page.request.get(row.get_by_role("link", name=re.compile("^View")).get_attribute("href"))
    assert view.ok and view.headers["content-disposition"].startswith("inline;") and view.body() == data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert NEW_NAME in text
    assert graduate in text.replace(" ", "") or graduate in text

    page.get_by_role("link", name=re.compile(r"verify$")).click()
    page.get_by_label("Certificate number").fill(graduate)
    page.get_by_role("button", name="Check certificate").click()
    result = page.get_by_role("region", name=re.compile("Valid"))
    assert "genuine and current" in result.inner_text()
    assert NEW_NAME in result.inner_text()


def test_visitor_verifies_a_certificate(page, live_server, a11y, graduate):
    """A logged-out visitor types the number, sees the holder and "valid"; a made-up number
    shows "not found"."""
    page.goto("/verify")
    page.get_by_label("Certificate number").fill(graduate.lower().replace("-", " "))
    page.get_by_role("button", name="Check certificate").click()
    heading = page.get_by_role("heading", level=2).first
    assert "Valid" in heading.inner_text()
    expect(page.get_by_role("definition").filter(has_text=NEW_NAME)).to_be_visible()
    a11y.check(page, "verification-valid")

    page.get_by_label("Certificate number").fill("CE-2026-ZZZZ-ZZZZ")
    page.get_by_role("button", name="Check certificate").click()
    assert "Not found" in page.get_by_role("heading", level=2).first.inner_text()
    a11y.check(page, "verification-not-found")


def test_holder_downloads_the_open_badge_and_a_visitor_checks_it(page, live_server, a11y, graduate):
    """The holder downloads the certificate's Open Badge (the signed .jwt); a logged-out visitor
    uploads it at /verify/badge and is told it is genuine and current, with the three checks;
    the same badge with a changed character is refused as changed since signing."""
    login(page, NEW_EMAIL, NEW_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    row = page.get_by_role("row").filter(has_text=graduate)
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("^Open Badge")).click()
    download = info.value
    assert download.suggested_filename == f"open-badge-{SLUG}-{graduate}.jwt"
    token = download.path().read_text()
    assert token.count(".") == 2
    page.get_by_role("button", name="Log out").click()

    page.goto("/verify/badge")
    a11y.check(page, "badge-check-form")
    page.get_by_label("Or choose the badge file").set_input_files(str(download.path()))
    page.get_by_role("button", name="Check badge").click()
    result = page.get_by_role("region", name=re.compile("Valid"))
    assert "genuine and current" in result.inner_text() and NEW_NAME in result.inner_text()
    assert "Signature: passed" in result.inner_text() and "Status: passed" in result.inner_text()
    a11y.check(page, "badge-check-valid", look=True)

    header, payload, signature = token.split(".")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    page.get_by_label("Paste the badge").fill(f"{header}.{flipped}.{signature}")
    page.get_by_role("button", name="Check badge").click()
    assert "changed since it was signed" in page.get_by_role("heading", level=2).first.inner_text()
    a11y.check(page, "badge-check-tampered", look=True)
