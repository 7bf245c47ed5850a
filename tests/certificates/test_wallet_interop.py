"""A real wallet library collects a badge: Sphereon's OID4VCI client (@sphereon/oid4vci-client,
run under node by tests/certificates/node/wallet.mjs) does the whole pre-authorized code flow
against the app served on loopback, starting from the offer link the holder's page shows; then
the independent verifier (verify.mjs, panva's jose) checks the credential it received.

Nothing here speaks OID4VCI itself: the holder uses the site over HTTP as a browser does
(sign in, press "Add to a digital wallet", read the link), and the wallet is Sphereon's code."""
from __future__ import annotations

import html
import json
import re
import subprocess

import pytest
import requests
from sqlalchemy import select

from course_engine import create_app
from course_engine.certificates import services
from course_engine.db import commit_and_run_callbacks, dispose_engines, session, utcnow
from tests.conftest import PASSWORD, copy_sample_content, csrf_from, sync_sample_content
from tests.loopback import LoopbackServer

from .badges import badge_of
from .conftest import DATA, NODE


@pytest.fixture
def served(make_app, make_user, tmp_path):
    """The app on loopback (BASE_URL = its address: the issuer identifier, key URLs and status
    list URLs point at it), Zoë with a current certificate, and a twin app for the test's reads."""
    app = make_app()
    server = LoopbackServer(app)
    app.config["BASE_URL"] = app.config["_TEST_CONFIG"]["BASE_URL"] = server.url
    twin = create_app(app.config["_TEST_CONFIG"])
    try:
        with twin.app_context():
            from course_engine.learner import services as learner
            from course_engine.learner.models import AttemptStatus

            sync_sample_content(*copy_sample_content(twin, DATA))
            holder = make_user(email="zoe@example.org", full_name="Zoë Ní Bhriain")
            make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)
            now = utcnow()
            module, _version = learner.published_module("home-visit")
            attempt = learner.start_attempt(holder.id, module, now)
            attempt.ending_scene_id = "safe-end"
            attempt.status = AttemptStatus.scenario_done
            learner.save_final_reflection(attempt, "To see the child alone.", "I will record it.", now)
            completion = learner.try_complete(attempt, now)
            commit_and_run_callbacks()
            certificate = services.current_certificate_for_completion(completion.id)
            number, stored = certificate.number, badge_of(certificate).jwt
            session.remove()
        yield server, twin, number, stored, tmp_path
    finally:
        server.stop()
        with twin.app_context():
            dispose_engines(twin)


def _holder_offer_link(server, number: str) -> str:
    """Sign in as Zoë over HTTP, press "Add to a digital wallet" on My certificates, and read the
    offer link from the page it leads to (what the QR code carries)."""
    browser = requests.Session()
    login = browser.get(f"{server.url}/login", timeout=10)
    signed_in = browser.post(f"{server.url}/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf_from(login.text), "email": "zoe@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302
    listing = browser.get(f"{server.url}/certificates", timeout=10)
    assert f'action="/certificates/{number}/wallet"' in listing.text
    page = browser.post(f"{server.url}/certificates/{number}/wallet", timeout=10,
                        data={"csrf_token": csrf_from(listing.text)})
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    (link,) = set(re.findall(r'href="(openid-credential-offer://[^"]+)"', page.text))
    return html.unescape(link)


def _wallet(node_packages, link: str, *options: str) -> dict:
    done = subprocess.run([NODE, str(node_packages / "wallet.mjs"), link, *options], cwd=node_packages,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verify(node_verifier, server, token: str, tmp_path) -> dict:
    path = tmp_path / "received.jwt"
    path.write_text(token, encoding="utf-8")
    done = subprocess.run([NODE, str(node_verifier), str(path), f"{server.url}/badges/jwks.json"],
                          cwd=node_verifier.parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_real_wallet_client_collects_the_badge_and_an_independent_verifier_accepts_it(
        node_packages, node_verifier, served):
    """Sphereon's client, from the holder's offer link to the credential: it receives the
    certificate's stored VC-JWT byte for byte (never re-signed), and jose verifies it against
    our published keys and status list. The same link then fails: the code works once. The
    holder's page says the wallet collected the badge."""
    server, _twin, number, stored, tmp_path = served
    link = _holder_offer_link(server, number)
    received = _wallet(node_packages, link)
    assert received["ok"], received.get("error")
    assert received["issuer"] == server.url and received["tokenType"] == "Bearer"
    assert received["configurationIds"] == ["OpenBadgeCredential_jwt_vc_json"]
    assert received["credential"] == stored
    verdict = _verify(node_verifier, server, received["credential"], tmp_path)
    assert verdict["outcome"] == "valid", verdict
    assert verdict["payload"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    again = _wallet(node_packages, link)
    assert not again["ok"], again  # the offer's code was used: the offer document is gone (404)
    assert "http code 404" in again["error"]


def test_a_key_proof_from_a_real_wallet_is_checked(node_packages, served):
    """Sphereon's client always sends a jwt key proof (typ openid4vci-proof+jwt, a jwk header, aud
    and iat): signed by a key other than the one it names, the credential request is refused."""
    server, _twin, number, _stored, _tmp_path = served
    refused = _wallet(node_packages, _holder_offer_link(server, number), "--wrong-key")
    assert not refused["ok"] and "credential" not in refused
    assert "/wallet/credential" in refused["error"] and "status: 400" in refused["error"]  # invalid_proof


def test_a_real_wallet_client_is_refused_a_revoked_certificate(node_packages, served):
    """Revoked after the offer was made: Sphereon's client gets no credential (the token request
    is refused with invalid_grant)."""
    server, twin, number, _stored, _tmp_path = served
    link = _holder_offer_link(server, number)
    with twin.app_context():
        from course_engine.auth.models import User

        admin = session.scalar(select(User).where(User.email == "site@example.org"))
        services.revoke(services.find_by_number(number), admin, "Issued in error", utcnow())
        commit_and_run_callbacks()
        session.remove()
    refused = _wallet(node_packages, link)
    assert not refused["ok"] and "credential" not in refused
    assert "/wallet/token" in refused["error"] and "status: 400" in refused["error"]  # invalid_grant
