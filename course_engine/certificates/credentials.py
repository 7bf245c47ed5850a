"""Every certificate as an Open Badges 3.0 ``OpenBadgeCredential``, signed as a VC-JWT.

What goes in (each has a test in ``tests/certificates/test_credentials.py``):

- ``@context``: the VC Data Model 2.0 context, then the Open Badges 3.0.3 context.
- ``issuer``: the service's profile (``/badges/issuer``: the site's name and address). The
  learner's organisation, when the certificate names one, is named in the credential's
  ``description``: the service issues the badge; the organisation is where the learner did it.
- ``credentialSubject``: an opaque ``urn:uuid`` for the learner (the same for all their badges,
  so a verifier sees they belong together, and derived from nothing a reader can reverse), and
  two identity objects: the email hashed with a per-badge salt (anyone who knows the learner's
  email can check it; nobody can read it) and the name as printed on the certificate. It
  holds the achievement and ``creditsEarned``: the CPD time in hours.
- ``achievement``: the module version (name, summary, criteria, the Social Work England and
  PCF standards it declares as ``alignment``, ``creditsAvailable`` in hours), published at
  ``/badges/achievements/<slug>/<version>``.
- ``validFrom`` is the certificate's issue time; ``validUntil`` the start (00:00 UTC) of the
  day it expires, when it expires. ``awardedDate`` is the issue time.
- ``credentialStatus``: a ``BitstringStatusListEntry`` (``status_list.py``).
- The JWT claims Open Badges 3.0 requires mirror it: ``iss``, ``jti``, ``sub``, ``nbf`` and
  ``exp`` (when it expires). ``iat`` is left out: its relation to the credential is undefined.

A certificate's badge is signed when the certificate is issued and kept as issued; a badge
is never re-signed (a re-issued certificate gets its own badge, and the old one's bit is set).
"""
from __future__ import annotations

import base64
import hashlib
import json
import hmac
import re
import secrets
import uuid
from datetime import datetime, time, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..auth.models import User
from ..authoring.models import ContentModule, ModuleVersion
from ..db import session
from ..learner.models import Completion
from ..links import base_url, external_url
from . import badge_keys, status_list
from .models import BadgeCredential, Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"

#: The frameworks a module's ``standards`` may name, with the page that publishes them
#: (docs/sources/verified-facts.md: F-SWE-1-5, F-PCF-STRUCTURE).
FRAMEWORKS = {
    "SWE": ("Social Work England professional standards",
            "https://www.socialworkengland.org.uk/standards/professional-standards/"),
    "PCF": ("BASW Professional Capabilities Framework",
            "https://www.basw.co.uk/pcf/understanding-the-pcf/"),
}
_STANDARD_RE = re.compile(r"\s*(SWE|PCF)\s+([0-9][0-9.–-]*)\s*(?::\s*(.*))?\s*$", re.S)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def issuer_profile() -> dict[str, Any]:
    """The service's issuer ``Profile`` (embedded in every badge, and served at its ``id``)."""
    return {"id": external_url("certificates.badge_issuer"), "type": ["Profile"],
            "name": current_app.config["SITE_NAME"], "url": base_url() + "/"}


def alignments(standards: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """``Alignment`` objects for the standards a module declares (``SWE 1.5: ...``, ``PCF 3: ...``).

    A standard naming no framework we know is left out rather than given an invented URL.
    """
    found = []
    for text in standards or ():
        match = _STANDARD_RE.match(text or "")
        if not match:
            continue
        framework, code, words = match.groups()
        name, url = FRAMEWORKS[framework]
        label = f"{'Social Work England standard' if framework == 'SWE' else 'PCF domain'} {code}"
        found.append({"type": ["Alignment"], "targetName": f"{label}: {words}" if words else label,
                      "targetUrl": url, "targetFramework": name, "targetCode": code})
    return found


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def achievement(slug: str, version: ModuleVersion) -> dict[str, Any]:
    """The ``Achievement`` of a module version: what every holder of its badge did."""
    steps = "worked through the fictional case to one of its endings"
    if version.has_quiz:
        steps += ", passed the module's quiz"
    return {
        "id": external_url("certificates.badge_achievement", slug=slug, version=version.number),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": version.title,
        "description": version.summary,
        "criteria": {"narrative": f"The learner {steps} and wrote a final reflection on what they will do "
                                  f"differently in practice, in Social Work England's terms."},
        "alignment": alignments(version.standards),
        "creditsAvailable": _hours(version.cpd_minutes),
        "version": str(version.number),
        "inLanguage": "en-GB",
    }


def subject_id(user_id: int) -> str:
    """The learner's opaque id in their badges (an HMAC of their account id, as a UUID)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), f"badge-subject:{user_id}".encode(),
                      hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


def hashed_email(email: str, salt: str) -> str:
    """Open Badges' IdentityHash of an email: ``sha256$`` + hex(sha256(email + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def build(certificate: Certificate, credential_id: str, number: int, index: int) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of ``certificate`` (see the rules above)."""
    completion = session.get(Completion, certificate.completion_id)
    version = session.get(ModuleVersion, completion.version_id)
    slug = session.scalar(select(ContentModule.slug).where(ContentModule.id == completion.module_id))
    user = session.get(User, certificate.user_id)
    issued = _seconds(certificate.issued_at)
    salt = secrets.token_hex(8)
    where = f" at {certificate.organisation_name}" if certificate.organisation_name else ""
    minutes = certificate.cpd_minutes
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.module_title,
        "description": (f"CPD certificate {certificate.number}: {certificate.holder_name}{where} completed "
                        f"the module {certificate.module_title} (version {certificate.module_version_number}, "
                        f"{minutes} minutes of CPD) on {certificate.completed_on.isoformat()}."),
        "issuer": issuer_profile(),
        "validFrom": _iso(issued),
        "awardedDate": _iso(issued),
        "credentialSubject": {
            "id": subject_id(certificate.user_id),
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                 "identityHash": hashed_email(user.email, salt), "salt": salt},
                {"type": "IdentityObject", "identityType": "name", "hashed": False,
                 "identityHash": certificate.holder_name},
            ],
            "achievement": achievement(slug, version),
            "creditsEarned": _hours(minutes),
        },
        "credentialStatus": status_list.entry(number, index),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if certificate.expires_on is not None:
        credential["validUntil"] = _iso(datetime.combine(certificate.expires_on, time(0), tzinfo=timezone.utc))
    return credential


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with the JWT claims Open Badges 3.0 requires beside it."""
    claims = dict(credential)
    claims.update(iss=credential["issuer"]["id"], jti=credential["id"], sub=credential["credentialSubject"]["id"],
                  nbf=int(datetime.fromisoformat(credential["validFrom"]).timestamp()))
    if "validUntil" in credential:
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    return claims


def jwt_claims_for_list(document: dict[str, Any]) -> dict[str, Any]:
    """A status list credential with its JWT claims (its issuer is the profile's URL)."""
    return {**document, "iss": document["issuer"], "jti": document["id"], "sub": document["credentialSubject"]["id"],
            "nbf": int(datetime.fromisoformat(document["validFrom"]).timestamp())}


#: The JWT claims beside the credential in a badge's payload (left out of its JSON copy).
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp")


def credential_json(token: str) -> dict[str, Any]:
    """The credential in one of our own stored JWTs, without the JWT claims (for reading)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {k: v for k, v in claims.items() if k not in JWT_CLAIMS}


def issue(certificate: Certificate, now: datetime) -> BadgeCredential:
    """Sign ``certificate``'s badge and keep it (once: an existing one is returned)."""
    existing = session.scalar(select(BadgeCredential).where(BadgeCredential.certificate_id == certificate.id))
    if existing is not None:
        return existing
    number, index = status_list.allocate()
    credential_id = uuid.uuid4().urn
    token, kid = badge_keys.sign(jwt_claims(build(certificate, credential_id, number, index)), now)
    row = BadgeCredential(certificate_id=certificate.id, credential_id=credential_id, status_list=number,
                          status_index=index, kid=kid, jwt=token, issued_at=now)
    session.add(row)
    session.flush()
    return row


def credential_of(certificate: Certificate) -> BadgeCredential | None:
    """The badge of a certificate (None for one issued before badges, until backfilled)."""
    return session.scalar(select(BadgeCredential).where(BadgeCredential.certificate_id == certificate.id))


def by_credential_id(credential_id: str) -> BadgeCredential | None:
    """The badge with this ``id``/``jti``."""
    if not isinstance(credential_id, str) or len(credential_id) > 64:
        return None
    return session.scalar(select(BadgeCredential).where(BadgeCredential.credential_id == credential_id))


def issue_missing(now: datetime) -> int:
    """Sign a badge for every certificate that has none (issued before badges existed)."""
    missing = session.scalars(select(Certificate).where(
        ~select(BadgeCredential.id).where(BadgeCredential.certificate_id == Certificate.id).exists())
        .order_by(Certificate.id)).all()
    for certificate in missing:
        issue(certificate, now)
    return len(missing)
