"""Open Badges pages: what we publish for verifiers, the learner's downloads (owner only), and
checking a pasted or uploaded badge at /verify/badge (course_engine/certificates/badge_routes.py)."""
import base64
import io
import json
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey

from course_engine.certificates import badge_verify, services
from course_engine.db import utcnow
from tests.conftest import Browser

from .badges import badge_of, header_of, payload_of, schema_errors
from .conftest import at


def _login(app, email):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def badges(app, make_user, holder, complete, certificate_of):
    """Zoë's badges in each state: valid, expired (completed in 2023, 12-month recertification),
    revoked, superseded by a re-issue, and the re-issue itself."""
    admin = make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)
    valid = certificate_of(complete(holder, "home-visit"))
    expired = certificate_of(complete(holder, "home-visit", now=at(2023, 2, 1)))
    revoked = certificate_of(complete(holder, "recording-words", now=at(2026, 1, 5)))
    services.revoke(revoked, admin, "Issued in error", at(2026, 2, 6))
    superseded = certificate_of(complete(holder, "recording-words"))
    replacement = services.reissue(superseded, "Zoë Murphy", utcnow(), "http://localhost")
    return {name: (c, badge_of(c).jwt) for name, c in [
        ("valid", valid), ("expired", expired), ("revoked", revoked), ("superseded", superseded),
        ("reissued", replacement)]}


def _tamper(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = payload_of(token)
    claims.update(changes)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{body}.{signature}"


def _foreign(token: str, kid: str) -> str:
    """The same claims signed by a key that is not ours."""
    key = OKPKey.generate_key("Ed25519", private=True)
    return jwt.encode({"alg": "Ed25519", "kid": kid, "typ": "JWT"}, payload_of(token), key, algorithms=["Ed25519"])


# --- published ----------------------------------------------------------------------------

def test_issuer_profile_keys_and_achievement_are_published_without_signing_in(client, badges):
    """The issuer profile (valid against the OB 3.0 Profile schema), the JWKS, each key at its
    kid URL and the achievement are public JSON; unknown ones are 404."""
    token = badges["valid"][1]
    profile = client.get("/badges/issuer")
    assert profile.status_code == 200 and profile.mimetype == "application/ld+json"
    assert schema_errors(profile.get_json(force=True), "profile") == []
    keys = client.get("/badges/jwks.json").get_json(force=True)["keys"]
    kid = header_of(token)["kid"]
    assert [k["kid"] for k in keys] == [kid]
    single = client.get(kid.removeprefix("http://localhost"))
    assert single.status_code == 200 and single.get_json(force=True) == keys[0]
    achievement = client.get("/badges/achievements/home-visit/1").get_json(force=True)
    assert achievement["id"] == payload_of(token)["credentialSubject"]["achievement"]["id"]
    assert client.get("/badges/keys/20260101-000000000000").status_code == 404
    assert client.get("/badges/achievements/home-visit/9").status_code == 404
    assert client.get("/badges/status/99").status_code == 404


def test_status_list_is_a_signed_credential_with_the_revoked_and_superseded_bits(client, badges):
    """/badges/status/1 is a VC-JWT signed by our key, whose list has exactly the revoked and
    the superseded badges' bits set."""
    from course_engine.certificates import badge_keys, status_list

    response = client.get("/badges/status/1")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    assert "max-age" in response.headers["Cache-Control"]
    _header, claims = badge_keys.verify(response.get_data(as_text=True))
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = status_list.decode(claims["credentialSubject"]["encodedList"])
    set_bits = {name for name, (_c, token) in badges.items()
                if status_list.bit(bits, int(payload_of(token)["credentialStatus"]["statusListIndex"]))}
    assert set_bits == {"revoked", "superseded"}


# --- downloads ----------------------------------------------------------------------------

def test_holder_downloads_the_signed_badge_and_its_json(app, badges):
    """The holder gets the JWT exactly as issued and the JSON credential, as attachments."""
    certificate, token = badges["valid"]
    browser = _login(app, "zoe@example.org")
    signed = browser.get(f"/certificates/{certificate.number}/badge.jwt")
    assert signed.status_code == 200 and signed.get_data(as_text=True) == token
    assert signed.headers["Content-Disposition"].startswith('attachment; filename="open-badge-home-visit-')
    readable = browser.get(f"/certificates/{certificate.number}/badge.json")
    assert readable.status_code == 200 and "attachment" in readable.headers["Content-Disposition"]
    credential = json.loads(readable.get_data(as_text=True))
    assert schema_errors(credential) == [] and "iss" not in credential
    page = browser.get("/certificates").get_data(as_text=True)
    assert f"/certificates/{certificate.number}/badge.jwt" in page and 'href="/verify/badge"' in page


def test_nobody_else_downloads_a_badge(app, make_user, badges):
    """Another learner gets 404; someone not signed in is sent to sign in."""
    certificate, _token = badges["valid"]
    make_user(email="other@example.org", full_name="Other Learner")
    other = _login(app, "other@example.org")
    assert other.get(f"/certificates/{certificate.number}/badge.jwt").status_code == 404
    assert other.get(f"/certificates/{certificate.number}/badge.json").status_code == 404
    assert app.test_client().get(f"/certificates/{certificate.number}/badge.jwt").status_code == 302


# --- checking -----------------------------------------------------------------------------

@pytest.mark.parametrize("state, outcome, words", [
    ("valid", "valid", "This badge is genuine and current."),
    ("reissued", "valid", "This badge is genuine and current."),
    ("expired", "expired", "This badge is genuine but has expired."),
    ("revoked", "revoked", "It was revoked on 6 February 2026."),
    ("superseded", "superseded", "replaced by a newer one"),
])
def test_pasted_badges_are_checked_for_signature_dates_and_status(client, badges, state, outcome, words):
    """Each state gives its own answer in words, with the facts the signed badge states."""
    browser = Browser(client)
    response = browser.post("/verify/badge", {"credential": badges[state][1]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and words in page
    assert ("Seeing the child" in page and "45 minutes" in page) or ("Recording the child" in page and "30 minutes" in page)
    assert response.headers["Cache-Control"] == "no-store"
    as_json = browser.post("/verify/badge", {"credential": badges[state][1]}, headers={"Accept": "application/json"})
    assert as_json.get_json()["outcome"] == outcome


@pytest.mark.parametrize("make_bad, outcome, status, words", [
    (lambda t: _tamper(t, name="A module I never took"), "tampered", 200, "changed since it was signed"),
    (lambda t: _tamper(t, validUntil="2099-01-01T00:00:00Z"), "tampered", 200, "changed since it was signed"),
    (lambda t: _foreign(t, header_of(t)["kid"]), "tampered", 200, "changed since it was signed"),
    (lambda t: _foreign(t, "https://badges.example.org/keys/1"), "unknown_key", 200, "not signed by one of our keys"),
    (lambda t: json.dumps(payload_of(t)), "unsigned", 400, "carries no signature"),
    (lambda t: "not a badge at all", "malformed", 400, "not an Open Badge we can read"),
    (lambda t: t.split(".")[0] + ".e30", "malformed", 400, "not an Open Badge we can read"),
])
def test_tampered_foreign_and_garbled_badges_fail_with_a_clear_message(client, badges, make_bad, outcome, status, words):
    """A changed claim, our kid with another key's signature, another issuer's key, the
    unsigned JSON copy and garbage: each is refused with its own message, never a 500."""
    browser = Browser(client)
    bad = make_bad(badges["valid"][1])
    response = browser.post("/verify/badge", {"credential": bad})
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert browser.post("/verify/badge", {"credential": bad}, headers={"Accept": "application/json"}
                        ).get_json()["outcome"] == outcome


def test_an_uploaded_badge_file_is_checked(client, badges):
    """Uploading the .jwt file works as pasting it; a binary or oversized file is a clear 4xx."""
    browser = Browser(client)
    upload = {"credential_file": (io.BytesIO(badges["valid"][1].encode()), "badge.jwt")}
    response = browser.post("/verify/badge", upload, content_type="multipart/form-data")
    assert response.status_code == 200 and "genuine and current" in response.get_data(as_text=True)
    binary = {"credential_file": (io.BytesIO(b"\xff\xfe\x00binary"), "photo.png")}
    response = browser.post("/verify/badge", binary, content_type="multipart/form-data")
    assert response.status_code == 400 and "not a badge" in response.get_data(as_text=True)
    huge = {"credential_file": (io.BytesIO(b"a" * 200_000), "huge.jwt")}
    response = browser.post("/verify/badge", huge, content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than any badge" in response.get_data(as_text=True)


def test_the_certificate_verify_page_points_to_the_badge_check(client):
    """Someone given a badge file rather than a number finds the badge check from /verify."""
    assert 'href="/verify/badge"' in client.get("/verify").get_data(as_text=True)


def test_an_empty_form_asks_for_a_badge_and_the_form_needs_its_csrf_token(client, badges):
    """Nothing pasted: a 400 with the error summary. A POST without the CSRF token is refused."""
    browser = Browser(client)
    response = browser.post("/verify/badge", {"credential": "  "})
    assert response.status_code == 400 and "Paste the badge, or choose its file." in response.get_data(as_text=True)
    assert client.post("/verify/badge", data={"credential": badges["valid"][1]}).status_code == 400


def test_dates_are_checked_against_now(app, badges):
    """A badge checked before its validFrom is not yet valid; after validUntil, expired."""
    _certificate, token = badges["valid"]
    claims = payload_of(token)
    assert badge_verify.check_text(token, utcnow() - timedelta(days=2)).outcome == "not_yet_valid"
    assert badge_verify.check_text(token, utcnow()).outcome == "valid"
    from datetime import datetime

    after = datetime.fromisoformat(claims["validUntil"]) + timedelta(seconds=1)
    assert badge_verify.check_text(token, after).outcome == "expired"


def test_a_status_list_pasted_as_a_badge_is_not_taken_for_one(client, badges):
    """Our own signed status list is not an OpenBadgeCredential: the answer says so."""
    status_token = client.get("/badges/status/1").get_data(as_text=True)
    answer = Browser(client).post("/verify/badge", {"credential": status_token}, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "not_a_badge"
    assert answer.get_json()["facts"] is None
