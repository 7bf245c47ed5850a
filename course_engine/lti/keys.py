"""The tool's signing keys: generated when first needed, stored sealed, published at the JWKS
URL, rotated with the old key still published for a while.

Platforms fetch our key set to check what we sign: deep-linking responses and the client
assertions that get us access tokens for grades and rosters. Moodle and Totara fetch it when
they need it, others cache it, so a retired key stays in the set for ``LTI_KEY_OVERLAP_DAYS``.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey
from flask import current_app
from sqlalchemy import insert, or_, select

from .. import encryption
from ..audit import record_audit
from ..db import get_engine, session
from .models import ToolKey

ALGORITHM = "RS256"


def _key_values(now: datetime) -> dict[str, Any]:
    kid = now.strftime("%Y%m%d") + "-" + secrets.token_hex(6)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    return {"kid": kid, "private_jwk_sealed": encryption.seal(json.dumps(key.as_dict(private=True))),
            "public_jwk": key.as_dict(private=False), "created_at": now}


def _newest_signing_key() -> ToolKey | None:
    return session.scalar(select(ToolKey).where(ToolKey.retired_at.is_(None))
                          .order_by(ToolKey.created_at.desc(), ToolKey.id.desc()))


def signing_key(now: datetime) -> ToolKey:
    """The key that signs now: the newest not retired.

    The very first key is made here, in a transaction of its own committed at once (not the
    caller's unit of work): a platform checks what we sign by fetching our key set in another
    request, which must already see the key. Two first keys made at the same moment are both
    published, so nothing breaks. Call it before the caller writes anything (SQLite would
    make the separate transaction wait for the caller's).
    """
    row = _newest_signing_key()
    if row is None:
        with get_engine().begin() as connection:
            connection.execute(insert(ToolKey).values(**_key_values(now)))
        row = _newest_signing_key()
    return row


def published_keys(now: datetime) -> list[ToolKey]:
    """Keys in the JWKS: every key not retired, and retired ones until their time is up."""
    return list(session.scalars(select(ToolKey).where(
        or_(ToolKey.published_until.is_(None), ToolKey.published_until > now)).order_by(ToolKey.created_at)))


def jwks(now: datetime) -> dict[str, Any]:
    """The public key set (makes the first key if none exists, so the URL works from day one)."""
    signing_key(now)
    return {"keys": [dict(k.public_jwk) for k in published_keys(now)]}


def rotate(now: datetime, *, overlap_days: int | None = None) -> tuple[ToolKey, list[ToolKey]]:
    """Make a new signing key; the ones it replaces stay published for ``overlap_days``.

    Returns (new key, retired keys). Audited (by the system: an operator runs the command).
    """
    if overlap_days is None:
        overlap_days = int(current_app.config["LTI_KEY_OVERLAP_DAYS"])
    retired = list(session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))))
    for key in retired:
        key.retired_at = now
        key.published_until = now + timedelta(days=overlap_days)
    new = ToolKey(**_key_values(now))
    session.add(new)
    session.flush()
    record_audit(None, "lti.rotate_key", new, detail={"new_kid": new.kid, "retired": [k.kid for k in retired],
                                                      "published_until": (now + timedelta(days=overlap_days)).isoformat()})
    return new, retired


def sign(claims: dict[str, Any], now: datetime) -> str:
    """A compact JWS of ``claims``, signed by the current key (its kid in the header)."""
    row = signing_key(now)
    key = RSAKey.import_key(json.loads(encryption.unseal(row.private_jwk_sealed)))
    return jwt.encode({"alg": ALGORITHM, "kid": row.kid, "typ": "JWT"}, claims, key, algorithms=[ALGORITHM])
