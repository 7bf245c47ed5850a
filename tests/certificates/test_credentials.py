"""Each certificate is also an Open Badges 3.0 OpenBadgeCredential, signed as a VC-JWT, that
passes 1EdTech's published JSON schema (course_engine/certificates/credentials.py)."""
import hashlib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from course_engine import encryption
from course_engine.certificates import badge_keys, credentials, services
from course_engine.certificates.models import BadgeKey
from course_engine.db import session, utcnow

from .badges import badge_of, header_of, payload_of, schema_errors
from .conftest import at


@pytest.fixture
def northshire(make_org, add_member, holder):
    org, _ = make_org("Northshire Council")
    add_member(org, holder)
    return org


def test_every_badge_passes_the_published_open_badges_schema(app, holder, northshire, complete, certificate_of):
    """A badge that expires, one that does not, and a re-issued one all validate against
    ob_v3p0_achievementcredential_schema.json (Draft 2019-09), as does the issuer profile."""
    expiring = certificate_of(complete(holder, "home-visit"))
    lasting = certificate_of(complete(holder, "recording-words"))
    renamed = services.reissue(lasting, "Zoë Murphy", utcnow(), "http://localhost")
    for certificate in (expiring, lasting, renamed):
        credential = credentials.credential_json(badge_of(certificate).jwt)
        assert schema_errors(credential) == [], certificate.number
    assert schema_errors(credentials.issuer_profile(), "profile") == []


def test_schema_check_can_fail(app, holder, complete, certificate_of):
    """The schema really checks: a badge without its issuer, or with a second context that is
    not Open Badges', fails it."""
    credential = credentials.credential_json(badge_of(certificate_of(complete(holder))).jwt)
    assert schema_errors({k: v for k, v in credential.items() if k != "issuer"})
    assert schema_errors({**credential, "@context": [credentials.VC_CONTEXT, "https://example.org/other.json"]})


def test_the_badge_says_what_the_certificate_says(app, holder, northshire, complete, certificate_of):
    """Contexts and types; the module as the achievement (name, summary, criteria, standards,
    CPD hours); the learner's organisation named; validFrom = issue, validUntil = the day the
    certificate expires; a BitstringStatusListEntry."""
    certificate = certificate_of(complete(holder, "home-visit", now=at(2026, 3, 4)))
    credential = credentials.credential_json(badge_of(certificate).jwt)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {"id": "http://localhost/badges/issuer", "type": ["Profile"],
                                    "name": app.config["SITE_NAME"], "url": "http://localhost/"}
    assert "Northshire Council" in credential["description"] and certificate.number in credential["description"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Seeing the child: a first home visit"
    assert achievement["id"] == "http://localhost/badges/achievements/home-visit/1"
    assert achievement["creditsAvailable"] == 0.75 and credential["credentialSubject"]["creditsEarned"] == 0.75
    assert "final reflection" in achievement["criteria"]["narrative"]
    assert achievement["alignment"] == [{
        "type": ["Alignment"], "targetName": "Social Work England standard 1.5",
        "targetUrl": "https://www.socialworkengland.org.uk/standards/professional-standards/",
        "targetFramework": "Social Work England professional standards", "targetCode": "1.5"}, {
        "type": ["Alignment"], "targetName": "PCF domain 4", "targetUrl": "https://www.basw.co.uk/pcf/understanding-the-pcf/",
        "targetFramework": "BASW Professional Capabilities Framework", "targetCode": "4"}]
    assert credential["validFrom"] == "2026-03-04T12:00:00Z" == credential["awardedDate"]
    assert credential["validUntil"] == "2027-03-04T00:00:00Z"  # expired *on* that day, as the certificate
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == "http://localhost/badges/status/1"
    assert 0 <= int(status["statusListIndex"]) < 131072


def test_alignments_read_the_declared_standards_and_invent_nothing():
    """Long-form standards keep their words; a framework we hold no source for is left out."""
    found = credentials.alignments(["SWE 4.8: reflect on your own values", "SWE 1.1–1.4: value individuals",
                                    "KSS 3: something", "PCF 3: Diversity and equality"])
    assert [(a["targetCode"], a["targetName"]) for a in found] == [
        ("4.8", "Social Work England standard 4.8: reflect on your own values"),
        ("1.1–1.4", "Social Work England standard 1.1–1.4: value individuals"),
        ("3", "PCF domain 3: Diversity and equality")]


def test_the_learner_is_identified_by_hashed_email_and_name_never_the_plain_email(app, holder, complete, certificate_of):
    """credentialSubject: an opaque urn:uuid (the same in all the learner's badges), the email
    as Open Badges' salted sha256 IdentityHash, the name as printed. The plain email appears
    nowhere in the signed badge."""
    first = badge_of(certificate_of(complete(holder, "home-visit")))
    second = badge_of(certificate_of(complete(holder, "recording-words")))
    subject = payload_of(first.jwt)["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:") and subject["id"] == payload_of(second.jwt)["credentialSubject"]["id"]
    email, name = subject["identifier"]
    assert email["identityType"] == "emailAddress" and email["hashed"] is True
    assert email["identityHash"] == "sha256$" + hashlib.sha256(("zoe@example.org" + email["salt"]).encode()).hexdigest()
    assert name == {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Zoë Ní Bhriain"}
    assert "zoe@example.org" not in json.dumps(payload_of(first.jwt))


def test_jwt_header_and_claims_follow_open_badges(app, holder, complete, certificate_of):
    """Header: alg Ed25519, kid = the key's URL, typ JWT, nothing else. Claims: iss, jti,
    sub, nbf and exp mirror issuer.id, id, credentialSubject.id, validFrom and validUntil."""
    token = badge_of(certificate_of(complete(holder, "home-visit", now=at(2026, 3, 4)))).jwt
    header, claims = header_of(token), payload_of(token)
    row = session.scalar(select(BadgeKey))
    assert header == {"alg": "Ed25519", "kid": f"http://localhost/badges/keys/{row.kid}", "typ": "JWT"}
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["jti"].startswith("urn:uuid:") and claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime(2026, 3, 4, 12, tzinfo=timezone.utc).timestamp())
    assert claims["exp"] == int(datetime(2027, 3, 4, tzinfo=timezone.utc).timestamp())


def test_a_badge_that_never_expires_has_no_valid_until_nor_exp(app, holder, complete, certificate_of):
    """recording-words has no recertify_months: no validUntil, no exp."""
    claims = payload_of(badge_of(certificate_of(complete(holder, "recording-words"))).jwt)
    assert "validUntil" not in claims and "exp" not in claims


def test_private_keys_are_stored_sealed_and_never_published(app, holder, complete, certificate_of):
    """The private JWK is kept only sealed (encryption.seal); the JWKS and key URL carry the
    public part (crv, x), never ``d``."""
    certificate_of(complete(holder))
    row = session.scalar(select(BadgeKey))
    assert '"d"' not in row.private_jwk_sealed and "d" in json.loads(encryption.unseal(row.private_jwk_sealed))
    published = badge_keys.jwks()["keys"]
    assert [set(k) for k in published] == [{"kty", "crv", "x", "kid", "use", "alg"}]
    assert published[0]["crv"] == "Ed25519" and published[0]["alg"] == "Ed25519"


def test_rotation_signs_new_badges_with_the_new_key_and_keeps_old_ones_verifying(app, holder, complete, certificate_of):
    """After a rotation new badges name the new key; the old key stays in the JWKS, and a badge
    it signed still verifies."""
    old = badge_of(certificate_of(complete(holder, "home-visit")))
    new_key, retired = badge_keys.rotate(utcnow())
    session.commit()
    assert [k.kid for k in retired] == [old.kid]
    new = badge_of(certificate_of(complete(holder, "recording-words")))
    assert new.kid == new_key.kid != old.kid
    assert {k["kid"] for k in badge_keys.jwks()["keys"]} == {badge_keys.key_url(old.kid), badge_keys.key_url(new.kid)}
    _header, claims = badge_keys.verify(old.jwt)
    assert claims["id"] == old.credential_id


def test_a_certificate_without_a_badge_gets_one_from_issue_missing(app, holder, complete, certificate_of):
    """Certificates issued before badges existed get theirs from ``issue_missing``, once."""
    certificate = certificate_of(complete(holder))
    session.delete(badge_of(certificate))
    session.commit()
    assert credentials.issue_missing(utcnow()) == 1
    assert credentials.issue_missing(utcnow()) == 0
    assert schema_errors(credentials.credential_json(badge_of(certificate).jwt)) == []


def test_badge_commands_rotate_the_key_and_sign_missing_badges(app, holder, complete, certificate_of, monkeypatch):
    """``flask certificates rotate-badge-key`` makes a new key and keeps the old one published;
    ``issue-missing-badges`` signs badges for certificates whose signing failed."""
    first = certificate_of(complete(holder, "home-visit"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "rotate-badge-key"])
    assert result.exit_code == 0 and "1 retired (still published)" in result.output
    session.rollback()
    assert len(badge_keys.jwks()["keys"]) == 2 and badge_keys.verify(badge_of(first).jwt)

    monkeypatch.setattr(credentials, "build", lambda *_a: (_ for _ in ()).throw(RuntimeError("x")))
    second = certificate_of(complete(holder, "recording-words"))  # the certificate stands without its badge
    assert credentials.credential_of(second) is None
    monkeypatch.undo()
    result = runner.invoke(args=["certificates", "issue-missing-badges"])
    assert result.exit_code == 0 and "Signed 1 missing badge." in result.output
    session.rollback()
    assert schema_errors(credentials.credential_json(badge_of(second).jwt)) == []
