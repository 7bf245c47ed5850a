"""Helpers for the Open Badges tests: the published schemas, and reading a JWT as it is
(without our code: a verifier's view)."""
from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft201909Validator
from sqlalchemy import select

from course_engine.certificates.models import BadgeCredential
from course_engine.db import session

SCHEMAS = Path(__file__).parent / "schemas"


@lru_cache(maxsize=None)
def validator(name: str = "achievementcredential") -> Draft201909Validator:
    """1EdTech's published Open Badges 3.0 schema (a copy; see schemas/SOURCE.md)."""
    schema = json.loads((SCHEMAS / f"ob_v3p0_{name}.json").read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(document: dict, name: str = "achievementcredential") -> list[str]:
    """Every way ``document`` fails the schema ([] when it passes)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(document)]


def _part(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def header_of(token: str) -> dict:
    return _part(token.split(".")[0])


def payload_of(token: str) -> dict:
    return _part(token.split(".")[1])


def badge_of(certificate) -> BadgeCredential:
    """The stored badge of a certificate (fails the test when there is none)."""
    session.commit()
    badge = session.scalar(select(BadgeCredential).where(BadgeCredential.certificate_id == certificate.id))
    assert badge is not None, f"no badge for {certificate.number}"
    return badge
