"""Adding a badge to a digital wallet: OpenID for Verifiable Credential Issuance 1.0, the
pre-authorized code flow (course_engine/certificates/wallet.py, wallet_routes.py).

The whole flow with a real wallet library is test_wallet_interop.py; here each rule on its own,
through the app's HTTP endpoints as a wallet calls them (and the services, for time)."""
from __future__ import annotations

import base64
import json
import re
import time
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey
from sqlalchemy import func, select

from course_engine.certificates import key_proofs, services, wallet
from course_engine.certificates.models import WalletOffer
from course_engine.db import session, utcnow
from tests.conftest import Browser

from .badges import badge_of
from .conftest import at

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
ISSUER = "http://localhost"


def _login(app, email):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def zoe(app, holder, complete, certificate_of):
    """Zoë, signed in, with a current certificate (and its badge)."""
    certificate = certificate_of(complete(holder, "home-visit"))
    return _login(app, "zoe@example.org"), certificate


def _make_offer(browser, certificate) -> str:
    """Ask for an offer as the holder does; returns the openid-credential-offer:// link shown."""
    made = browser.post(f"/certificates/{certificate.number}/wallet", form_page="/certificates")
    assert made.status_code == 303
    page = browser.get(made.headers["Location"]).get_data(as_text=True)
    links = set(re.findall(r'href="(openid-credential-offer://[^"]+)"', page))
    assert len(links) == 1, page
    return unescape(links.pop())


def _offer_document(client, link: str) -> dict:
    """What a wallet reads from the link: the credential_offer_uri, fetched."""
    assert link.startswith("openid-credential-offer://?")
    (uri,) = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    response = client.get(urlsplit(uri).path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _code(client, link: str) -> str:
    return _offer_document(client, link)["grants"][GRANT]["pre-authorized_code"]


def _token(client, code: str, **extra):
    return client.post("/wallet/token", data={"grant_type": GRANT, "pre-authorized_code": code, **extra})


def _credential(client, access_token: str | None, body=None, **kw):
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return client.post("/wallet/credential", data=json.dumps(
        {"credential_configuration_id": wallet.CONFIGURATION_ID} if body is None else body),
        content_type="application/json", headers=headers, **kw)


def _offers() -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(WalletOffer))


# --- metadata -------------------------------------------------------------------------------

def test_issuer_and_authorization_server_metadata_are_published(client):
    """/.well-known/openid-credential-issuer names us as issuer (BASE_URL), the credential
    endpoint and one jwt_vc_json configuration for OpenBadgeCredential with no key binding (so no
    proof types); /.well-known/oauth-authorization-server names the token endpoint and the
    pre-authorized grant without client authentication. Public, JSON, any origin."""
    issuer = client.get("/.well-known/openid-credential-issuer")
    assert issuer.status_code == 200 and issuer.mimetype == "application/json"
    assert issuer.headers["Access-Control-Allow-Origin"] == "*"
    body = issuer.get_json()
    assert body["credential_issuer"] == ISSUER and body["credential_endpoint"] == f"{ISSUER}/wallet/credential"
    (config_id, config), = body["credential_configurations_supported"].items()
    assert config_id == wallet.CONFIGURATION_ID and config["format"] == "jwt_vc_json"
    assert config["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert config["credential_signing_alg_values_supported"] == ["Ed25519"]
    assert "cryptographic_binding_methods_supported" not in config and "proof_types_supported" not in config
    assert "nonce_endpoint" not in body
    server = client.get("/.well-known/oauth-authorization-server").get_json()
    assert server["issuer"] == ISSUER and server["token_endpoint"] == f"{ISSUER}/wallet/token"
    assert server["grant_types_supported"] == [GRANT] and server["pre-authorized_grant_anonymous_access_supported"]


# --- the whole flow, and the page -------------------------------------------------------------

def test_the_holder_offers_and_a_wallet_receives_the_same_signed_badge(app, zoe):
    """Offer (QR code and link) -> offer document -> token -> credential: the credential is the
    certificate's stored VC-JWT, byte for byte; the page then says the wallet collected it."""
    browser, certificate = zoe
    page = browser.get(f"/certificates/{certificate.number}/wallet").get_data(as_text=True)
    assert "Make a wallet offer" in page and "openid-credential-offer://" not in page  # only after the POST
    link = _make_offer(browser, certificate)
    page = browser.get(f"/certificates/{certificate.number}/wallet").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "works <strong>once</strong>" in page  # the QR code, shown again
    wallet_client = app.test_client()  # the wallet: no cookies of the holder's
    document = _offer_document(wallet_client, link)
    assert document["credential_issuer"] == ISSUER
    assert document["credential_configuration_ids"] == [wallet.CONFIGURATION_ID]
    assert set(document["grants"][GRANT]) == {"pre-authorized_code"}  # no tx_code: see wallet.py
    token = _token(wallet_client, document["grants"][GRANT]["pre-authorized_code"])
    assert token.status_code == 200 and token.headers["Cache-Control"].startswith("no-store")
    assert token.get_json()["token_type"] == "Bearer" and token.get_json()["expires_in"] == 300
    response = _credential(wallet_client, token.get_json()["access_token"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"credentials": [{"credential": badge_of(certificate).jwt}]}
    page = browser.get(f"/certificates/{certificate.number}/wallet").get_data(as_text=True)
    assert "Your wallet collected this badge" in page and "openid-credential-offer://" not in page


def test_the_certificates_page_has_the_add_to_wallet_button(zoe):
    """Each valid certificate's row posts to its wallet page (a form with the CSRF token)."""
    browser, certificate = zoe
    page = browser.get("/certificates").get_data(as_text=True)
    assert f'action="/certificates/{certificate.number}/wallet"' in page and "Add to a digital wallet" in page


def test_the_older_draft_request_shape_is_accepted(app, zoe):
    """Wallets on drafts 13/14 name the credential by format and type rather than configuration id."""
    browser, certificate = zoe
    code = _code(app.test_client(), _make_offer(browser, certificate))
    access = _token(app.test_client(), code).get_json()["access_token"]
    response = _credential(app.test_client(), access, {"format": "jwt_vc_json", "credential_definition": {
        "type": ["VerifiableCredential", "OpenBadgeCredential"]}})
    assert response.status_code == 200 and response.get_json()["credentials"][0]["credential"] == badge_of(certificate).jwt


# --- single use, expiry, replacement ---------------------------------------------------------------

def test_the_code_and_the_access_token_each_work_once(app, zoe):
    """A second token request with the same code is invalid_grant; a second credential request
    with the same token is invalid_token (401, with WWW-Authenticate); the offer document is
    gone once the code is used."""
    browser, certificate = zoe
    client = app.test_client()
    link = _make_offer(browser, certificate)
    code = _code(client, link)
    access = _token(client, code).get_json()["access_token"]
    again = _token(client, code)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert "already been used" in again.get_json()["error_description"]
    (uri,) = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    assert client.get(urlsplit(uri).path).status_code == 404
    assert _credential(client, access).status_code == 200
    second = _credential(client, access)
    assert second.status_code == 401 and second.get_json()["error"] == "invalid_token"
    assert second.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_the_code_expires_after_ten_minutes_and_the_token_after_five(app, holder, complete, certificate_of):
    """Checked with the services' clock: the code is refused from OFFER_MINUTES after the offer,
    the access token from TOKEN_SECONDS after the exchange."""
    certificate = certificate_of(complete(holder, "home-visit"))
    start = utcnow()
    offer = wallet.create_offer(certificate, holder.id, start)
    code = wallet.code_for(offer.token)
    with pytest.raises(wallet.OAuthError) as late:
        wallet.exchange_code({"grant_type": GRANT, "pre-authorized_code": code}, start + timedelta(minutes=10))
    assert late.value.error == "invalid_grant" and "expired" in late.value.description
    assert wallet.offer_document(offer.token, start + timedelta(minutes=10)) is None
    just_in_time = start + timedelta(minutes=9, seconds=59)
    access = wallet.exchange_code({"grant_type": GRANT, "pre-authorized_code": code}, just_in_time)
    body = {"credential_configuration_id": wallet.CONFIGURATION_ID}
    with pytest.raises(wallet.OAuthError) as stale:
        wallet.deliver(access.token, body, just_in_time + timedelta(seconds=300))
    assert stale.value.error == "invalid_token" and stale.value.status == 401
    assert wallet.deliver(access.token, body, just_in_time + timedelta(seconds=299)) == badge_of(certificate).jwt


def test_a_new_offer_replaces_the_unused_one(app, zoe):
    """The holder makes a second offer: the first one's code is refused, saying why."""
    browser, certificate = zoe
    client = app.test_client()
    first = _code(client, _make_offer(browser, certificate))
    second = _code(client, _make_offer(browser, certificate))
    refused = _token(client, first)
    assert refused.status_code == 400 and "replaced by a newer one" in refused.get_json()["error_description"]
    assert _token(client, second).status_code == 200


# --- who may offer, and what ---------------------------------------------------------------------------

def test_another_persons_certificate_cannot_be_offered(app, make_user, zoe):
    """Another learner asking for an offer of Zoë's certificate gets 404 and no offer is made;
    someone not signed in is sent to sign in."""
    _browser, certificate = zoe
    make_user(email="other@example.org", full_name="Other Learner")
    other = _login(app, "other@example.org")
    url = f"/certificates/{certificate.number}/wallet"
    assert other.get(url).status_code == 404
    assert other.post(url, form_page="/certificates").status_code == 404
    assert app.test_client().get(url).status_code == 302
    assert _offers() == 0


def test_the_offer_post_needs_its_csrf_token(zoe):
    """Signed in but without our CSRF token (a cross-site form): 400, and no offer is made."""
    browser, certificate = zoe
    response = browser.client.post(f"/certificates/{certificate.number}/wallet")
    assert response.status_code == 400 and _offers() == 0


def test_revoked_and_superseded_certificates_are_refused_at_every_step(app, make_user, zoe):
    """No offer for a revoked certificate (the page says why); an offer made before revocation
    cannot be exchanged; a token obtained before revocation gets credential_request_denied.
    A superseded certificate is refused the same way."""
    browser, certificate = zoe
    admin = make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)
    client = app.test_client()
    before_token = _code(client, _make_offer(browser, certificate))
    access = _token(client, before_token).get_json()["access_token"]
    unexchanged = _code(client, _make_offer(browser, certificate))
    services.revoke(certificate, admin, "Issued in error", utcnow())
    session.commit()
    refused = _token(client, unexchanged)
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    assert "revoked" in refused.get_json()["error_description"]
    denied = _credential(client, access)
    assert denied.status_code == 400 and denied.get_json()["error"] == "credential_request_denied"
    made = browser.post(f"/certificates/{certificate.number}/wallet", form_page="/certificates")
    page = browser.get(made.headers["Location"]).get_data(as_text=True)
    assert "has been revoked" in page and "openid-credential-offer://" not in page and "Make a wallet offer" not in page


def test_a_superseded_certificate_is_not_offered(app, holder, complete, certificate_of):
    """After a re-issue, the old certificate's offer is refused and points to the new one."""
    certificate = certificate_of(complete(holder, "home-visit"))
    services.reissue(certificate, "Zoë Murphy", utcnow(), ISSUER)
    session.commit()
    with pytest.raises(ValueError, match="re-issued"):
        wallet.create_offer(certificate, holder.id, utcnow())


# --- bad requests: the spec's errors, never a 500 ---------------------------------------------------

@pytest.mark.parametrize("form, error", [
    ({}, "invalid_request"),
    ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": GRANT}, "invalid_request"),
    ({"grant_type": GRANT, "pre-authorized_code": "not-one-of-ours"}, "invalid_grant"),
    ({"grant_type": GRANT, "pre-authorized_code": "x" * 10_000}, "invalid_grant"),
])
def test_bad_token_requests_get_the_oauth_error(client, form, error):
    """Missing or unknown grant, missing or unknown code: 400 with the RFC 6749 error code."""
    response = client.post("/wallet/token", data=form)
    assert response.status_code == 400 and response.get_json()["error"] == error
    assert response.get_json()["error_description"].isascii()


def test_a_nul_byte_is_refused_before_the_token_endpoint_reads_it(client):
    """The app refuses NUL bytes in any form (inputs.py) with a JSON 400 here, never a 500."""
    response = client.post("/wallet/token", data={"grant_type": GRANT, "pre-authorized_code": "a\x00b"})
    assert response.status_code == 400 and response.is_json


def test_a_transaction_code_is_refused_when_none_was_asked_for(app, zoe):
    """The spec: a tx_code the server does not expect is invalid_request (and the code survives)."""
    browser, certificate = zoe
    client = app.test_client()
    code = _code(client, _make_offer(browser, certificate))
    response = _token(client, code, tx_code="1234")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert _token(client, code).status_code == 200


def test_a_token_request_that_is_not_a_form_is_refused(client):
    """JSON (or anything but a form) at the token endpoint: invalid_request, not a 500."""
    response = client.post("/wallet/token", data='{"grant_type": "x"}', content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "},
                                     {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer " + "x" * 5000}])
def test_a_credential_request_without_a_valid_token_is_401(client, headers):
    """RFC 6750: invalid_token with a WWW-Authenticate header, whatever the body."""
    response = client.post("/wallet/credential", data="{}", content_type="application/json", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("body, content_type, error", [
    ("not json", "application/json", "invalid_credential_request"),
    ("[1, 2]", "application/json", "invalid_credential_request"),
    ("{}", "application/json", "invalid_credential_request"),
    ('{"credential_configuration_id": "UniversityDegree"}', "application/json", "unknown_credential_configuration"),
    ('{"credential_identifier": "x"}', "application/json", "unknown_credential_identifier"),
    ('{"format": "ldp_vc", "credential_definition": {"type": ["X"]}}', "application/json",
     "unknown_credential_configuration"),
    ('{"credential_configuration_id": "' + wallet.CONFIGURATION_ID + '"}', "application/x-www-form-urlencoded",
     "invalid_credential_request"),
    ('{"credential_configuration_id": "' + wallet.CONFIGURATION_ID + '", "proofs": {"jwt": []}}', "application/json",
     "invalid_proof"),
    ('{"credential_configuration_id": "' + wallet.CONFIGURATION_ID + '", "proofs": {"di_vp": [{}]}}',
     "application/json", "invalid_proof"),
])
def test_bad_credential_requests_get_the_spec_error_and_leave_the_token_usable(app, zoe, body, content_type, error):
    """A malformed or unknown request is a 400 with the spec's code; it does not use up the
    token (the request's unit of work is rolled back), so the wallet can correct itself."""
    browser, certificate = zoe
    client = app.test_client()
    access = _token(client, _code(client, _make_offer(browser, certificate))).get_json()["access_token"]
    response = client.post("/wallet/credential", data=body, content_type=content_type,
                           headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 400 and response.get_json()["error"] == error
    assert _credential(client, access).status_code == 200


# --- key proofs (none required; one sent is checked) --------------------------------------------------

def _proof(key, alg: str, header: dict, **claims) -> str:
    payload = {"aud": ISSUER, "iat": int(time.time()), **claims}
    return jwt.encode({"alg": alg, "typ": "openid4vci-proof+jwt", **header}, payload, key, algorithms=[alg])


#: did:key test vector (P-256) with its private key, from w3c-ccg/did-method-key
#: test-vectors/nist-curves.json.
DID_KEY_P256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
DID_KEY_P256_JWK = {"kty": "EC", "crv": "P-256", "x": "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI",
                    "y": "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU", "d": "YjRs6vNvw4sYrzVVY8ipkEpDAD9PFqw1sUnvPRMA-WI"}


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _good_proofs():
    ed = OKPKey.generate_key("Ed25519", private=True)
    ec = ECKey.import_key(DID_KEY_P256_JWK)
    public_ed = ed.as_dict(private=False)
    did_jwk = "did:jwk:" + _b64(public_ed)
    return {
        "jwk header, Ed25519": _proof(ed, "Ed25519", {"jwk": public_ed}),
        "did:jwk kid": _proof(ed, "Ed25519", {"kid": did_jwk + "#0"}),
        "did:key kid, P-256 (test vector)": _proof(ec, "ES256", {"kid": f"{DID_KEY_P256}#{DID_KEY_P256[8:]}"}),
        "aud as a list": _proof(ed, "Ed25519", {"jwk": public_ed}, aud=[ISSUER, "https://other.example"]),
    }


def _bad_proofs():
    ed = OKPKey.generate_key("Ed25519", private=True)
    other = OKPKey.generate_key("Ed25519", private=True)
    public_ed = ed.as_dict(private=False)
    good = _proof(ed, "Ed25519", {"jwk": public_ed})
    return {
        "signed by another key": _proof(other, "Ed25519", {"jwk": public_ed}),
        "aud of another issuer": _proof(ed, "Ed25519", {"jwk": public_ed}, aud="https://issuer.example"),
        "no aud": jwt.encode({"alg": "Ed25519", "typ": "openid4vci-proof+jwt", "jwk": public_ed},
                             {"iat": int(time.time())}, ed, algorithms=["Ed25519"]),
        "iat an hour ago": _proof(ed, "Ed25519", {"jwk": public_ed}, iat=int(time.time()) - 3600),
        "iat in the future": _proof(ed, "Ed25519", {"jwk": public_ed}, iat=int(time.time()) + 3600),
        "typ JWT": jwt.encode({"alg": "Ed25519", "typ": "JWT", "jwk": public_ed}, {"aud": ISSUER, "iat": int(time.time())},
                              ed, algorithms=["Ed25519"]),
        "private key in the header": _proof(ed, "Ed25519", {"jwk": ed.as_dict(private=True)}),
        "kid and jwk": _proof(ed, "Ed25519", {"jwk": public_ed, "kid": "did:example:1"}),
        "unresolvable kid": _proof(ed, "Ed25519", {"kid": "did:web:wallet.example#key-1"}),
        "alg none": _b64({"alg": "none", "typ": "openid4vci-proof+jwt", "jwk": public_ed}) + "." + good.split(".")[1] + ".",
        "alg HS256": _b64({"alg": "HS256", "typ": "openid4vci-proof+jwt", "jwk": public_ed}) + "." + good.split(".")[1]
        + "." + good.split(".")[2],
        "tampered payload": good.split(".")[0] + "." + _b64({"aud": ISSUER, "iat": int(time.time()) - 1}) + "."
        + good.split(".")[2],
        "not a JWT": "not-a-jwt",
    }


@pytest.mark.parametrize("name", list(_good_proofs()))
def test_a_key_proof_that_checks_out_is_accepted(app, zoe, name):
    """Signed by the key its header names (jwk, did:jwk, did:key), aud us, iat now: the badge is
    delivered (unbound: the same stored JWT), in the current shape and draft 13's single proof."""
    browser, certificate = zoe
    client = app.test_client()
    proof = _good_proofs()[name]
    for body in ({"credential_configuration_id": wallet.CONFIGURATION_ID, "proofs": {"jwt": [proof]}},
                 {"format": "jwt_vc_json", "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
                  "proof": {"proof_type": "jwt", "jwt": proof}}):
        access = _token(client, _code(client, _make_offer(browser, certificate))).get_json()["access_token"]
        response = _credential(client, access, body)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["credentials"][0]["credential"] == badge_of(certificate).jwt


@pytest.mark.parametrize("name", list(_bad_proofs()))
def test_a_key_proof_that_does_not_check_out_is_refused(app, zoe, name):
    """Wrong signature, audience, time, type or key naming: invalid_proof (400), nothing delivered."""
    browser, certificate = zoe
    client = app.test_client()
    access = _token(client, _code(client, _make_offer(browser, certificate))).get_json()["access_token"]
    response = _credential(client, access, {"credential_configuration_id": wallet.CONFIGURATION_ID,
                                            "proofs": {"jwt": [_bad_proofs()[name]]}})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_proof", response.get_json()
    assert response.get_json()["error_description"].isascii()


def test_did_key_ed25519_resolves_to_the_published_test_vector():
    """did:key Ed25519 test vector (w3c-ccg/did-method-key test-vectors/ed25519-x25519.json)."""
    assert key_proofs.did_key_jwk("6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp") == {
        "kty": "OKP", "crv": "Ed25519", "x": "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}
    public = {k: v for k, v in DID_KEY_P256_JWK.items() if k != "d"}
    assert key_proofs.did_key_jwk(DID_KEY_P256[9:]) == public


# --- rate limit ---------------------------------------------------------------------------------

def test_failed_token_requests_are_rate_limited_per_address(make_app):
    """Like sign-in: after WALLET_TOKEN_LIMIT_PER_ADDRESS failures, 429 with Retry-After (JSON);
    successes do not count."""
    app = make_app(WALLET_TOKEN_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    answers = [client.post("/wallet/token", data={"grant_type": GRANT, "pre-authorized_code": f"guess-{n}"}).status_code
               for n in range(4)]
    assert answers == [400, 400, 400, 429]
    limited = client.post("/wallet/token", data={"grant_type": GRANT, "pre-authorized_code": "guess"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers and limited.is_json


def test_services_refuse_an_offer_by_anyone_but_the_holder(app, make_user, holder, complete, certificate_of):
    """create_offer takes plain values; a user id that is not the holder's is refused."""
    certificate = certificate_of(complete(holder, "home-visit", now=at(2026, 1, 2)))
    stranger = make_user(email="s@example.org")
    with pytest.raises(ValueError):
        wallet.create_offer(certificate, stranger.id, utcnow())
