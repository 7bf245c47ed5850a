"""Checking a badge someone pasted or uploaded: signature, dates, status, in that order.

The answer is one outcome with a message written for an employer or a regulator, and the
three checks behind it, so they see what passed as well as what failed:

- ``malformed``: not a JWT or JSON at all; ``unsigned``: the readable JSON copy (no proof);
- ``unknown_key``: signed by a key that is not one of ours (not issued here, or forged);
- ``tampered``: our key, but the signature does not match the contents (changed after signing);
- ``not_yet_valid``, ``expired``: the dates in the badge, against ``now``;
- ``revoked``, ``superseded``: its bit is set in our status list;
- ``valid``.

What a verifier is shown about the holder is only what the signed badge itself says.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ..db import session
from . import badge_keys, credentials, status_list
from .models import Certificate

MESSAGES = {
    "valid": "This badge is genuine and current.",
    "expired": "This badge is genuine but has expired.",
    "not_yet_valid": "This badge is genuine but not valid yet.",
    "revoked": "This badge has been revoked and must not be relied on.",
    "superseded": "This badge has been replaced by a newer one (re-issued, for example after a change of name). "
                  "Ask the holder for their current badge.",
    "tampered": "This badge has been changed since it was signed: its contents do not match its signature. "
                "Do not rely on it.",
    "unknown_key": "This badge was not signed by one of our keys, so it was not issued by this service "
                   "(or it has been forged). Do not rely on it.",
    "unsigned": "This is the readable copy of a badge (JSON), which carries no signature, so it proves nothing "
                "on its own. Paste or upload the signed badge: the .jwt file.",
    "malformed": "That is not an Open Badge we can read. Paste the whole contents of the .jwt file (three "
                 "parts separated by dots), or upload the file.",
    "not_a_badge": "This was signed by us but is not an Open Badges credential (it may be a status list).",
}
#: Outcomes that mean "genuine": the facts of the badge are shown with them.
GENUINE = {"valid", "expired", "not_yet_valid", "revoked", "superseded"}


@dataclass
class Check:
    """One of the three checks: what it is, whether it passed, and what was found."""

    label: str
    passed: bool | None
    detail: str


@dataclass
class BadgeCheck:
    """The answer: an outcome, its message, the checks and (when genuine) the badge's facts."""

    outcome: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] | None = None
    revoked_on: date | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.outcome]

    @property
    def genuine(self) -> bool:
        return self.outcome in GENUINE

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "message": self.message,
                "checks": [{"check": c.label, "passed": c.passed, "detail": c.detail} for c in self.checks],
                "facts": self.facts}


def _when(value: str | None) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%-d %B %Y") if moment else ""


def _facts(claims: dict[str, Any]) -> dict[str, Any]:
    subject = claims.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    names = [i.get("identityHash") for i in subject.get("identifier") or []
             if isinstance(i, dict) and i.get("identityType") == "name" and not i.get("hashed")]
    return {"holder_name": names[0] if names else None, "badge_name": claims.get("name"),
            "description": claims.get("description"), "achievement": achievement.get("name"),
            "criteria": (achievement.get("criteria") or {}).get("narrative"),
            "alignments": [a.get("targetName") for a in achievement.get("alignment") or [] if isinstance(a, dict)],
            "cpd_hours": subject.get("creditsEarned"), "issuer": (claims.get("issuer") or {}).get("name"),
            "valid_from": _day(_when(claims.get("validFrom"))), "valid_until": _day(_when(claims.get("validUntil"))),
            "credential_id": claims.get("id")}


def check_text(text: str, now: datetime) -> BadgeCheck:
    """Check what someone pasted or uploaded (a compact JWS, or JSON) as of ``now``."""
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return BadgeCheck("malformed")
        if isinstance(parsed, dict) and isinstance(parsed.get("jwt"), str):
            text = parsed["jwt"].strip()
        else:
            return BadgeCheck("unsigned", [Check("Signature", False, "No signature: this is JSON without a proof.")])
    try:
        _header, claims = badge_keys.verify(text)
    except badge_keys.SignatureProblem as problem:
        detail = {"malformed": "Not a signed badge.",
                  "unknown_key": "The key named in the badge is not one of ours.",
                  "tampered": "The signature does not match the contents."}[problem.reason]
        return BadgeCheck(problem.reason, [Check("Signature", False, detail)])
    checks = [Check("Signature", True, "Signed with one of our published keys; the contents are as signed.")]
    if "OpenBadgeCredential" not in (claims.get("type") or []):
        return BadgeCheck("not_a_badge", checks)
    return _check_claims(claims, checks, now)


def _check_claims(claims: dict[str, Any], checks: list[Check], now: datetime) -> BadgeCheck:
    valid_from, valid_until = _when(claims.get("validFrom")), _when(claims.get("validUntil"))
    consistent = (claims.get("iss") == (claims.get("issuer") or {}).get("id") and claims.get("jti") == claims.get("id")
                  and claims.get("sub") == (claims.get("credentialSubject") or {}).get("id")
                  and valid_from is not None and claims.get("nbf") == int(valid_from.timestamp())
                  and (claims.get("exp") == (int(valid_until.timestamp()) if valid_until else None)))
    if not consistent:
        checks[0] = Check("Signature", False, "Signed, but the JWT claims do not match the credential.")
        return BadgeCheck("tampered", checks)
    facts = _facts(claims)
    outcome = "valid"
    if valid_from > now:
        outcome = "not_yet_valid"
        checks.append(Check("Dates", False, f"Valid from {_day(valid_from)}."))
    elif valid_until is not None and valid_until <= now:
        outcome = "expired"
        checks.append(Check("Dates", False, f"Expired on {_day(valid_until)}."))
    else:
        until = f" until {_day(valid_until)}" if valid_until else "; it does not expire"
        checks.append(Check("Dates", True, f"Valid from {_day(valid_from)}{until}."))
    status, revoked_on = _status(claims)
    if status is None:
        checks.append(Check("Status", None, "The badge names no status list of ours, so revocation could not be checked."))
    elif status == "current":
        checks.append(Check("Status", True, "Not revoked (checked in our status list just now)."))
    else:
        outcome = status
        checks.append(Check("Status", False, "Revoked." if status == "revoked" else "Replaced by a re-issued badge."))
    return BadgeCheck(outcome, checks, facts, revoked_on)


def _status(claims: dict[str, Any]) -> tuple[str | None, date | None]:
    """("current" | "revoked" | "superseded" | None when it cannot be read, revocation date)."""
    entry = claims.get("credentialStatus") or {}
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError):
        return None, None
    url = entry.get("statusListCredential")
    number = next((n for n in _numbers(url) if status_list.list_url(n) == url), None)
    if number is None or not 0 <= index < status_list.LIST_SIZE:
        return None, None
    if index not in status_list.set_indexes(number):
        return "current", None
    badge = credentials.by_credential_id(claims.get("id"))
    certificate = session.get(Certificate, badge.certificate_id) if badge else None
    if certificate is not None and certificate.revoked_at is None and certificate.superseded_by_id is not None:
        return "superseded", None
    revoked = certificate.revoked_at.astimezone(timezone.utc).date() if certificate and certificate.revoked_at else None
    return "revoked", revoked


def _numbers(url: Any) -> list[int]:
    if not isinstance(url, str):
        return []
    tail = url.rstrip("/").rpartition("/")[2]
    return [int(tail)] if tail.isdigit() and len(tail) < 9 else []
