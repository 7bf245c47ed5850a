"""The Ed25519 keys that sign Open Badges credentials: made when first needed, stored sealed,
published at stable URLs, rotated without breaking a badge already issued.

A badge's JWS header names its key by URL (``kid`` = ``<BASE_URL>/badges/keys/<name>``), as
Open Badges 3.0 asks ("a URI that can be dereferenced to an object of type JWK"), and the
same JWK is in the key set at ``/badges/jwks.json`` with that URL as its ``kid``, so a
verifier such as panva's ``jose`` finds it either way. Retired keys are never withdrawn from
either: a learner shows a badge years after it was signed.

The algorithm is ``Ed25519`` (RFC 9864's fully specified name for EdDSA over Ed25519; joserfc
deprecates the older polymorphic ``EdDSA``).
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from sqlalchemy import select

from .. import encryption
from ..audit import record_audit
from ..db import session
from ..links import base_url
from .models import BadgeKey

ALGORITHM = "Ed25519"
KEY_PATH = "/badges/keys/"


def key_url(kid: str) -> str:
    """The public URL of a key (the ``kid`` in a badge's JWS header)."""
    return f"{base_url()}{KEY_PATH}{kid}"


def kid_from_url(url: str) -> str | None:
    """The key name in one of our key URLs, or None if ``url`` is not one of ours."""
    prefix = base_url() + KEY_PATH
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    name = url[len(prefix):]
    return name if name and len(name) <= 64 and name.replace("-", "").isalnum() else None


def _new_key(now: datetime) -> BadgeKey:
    kid = now.strftime("%Y%m%d") + "-" + secrets.token_hex(6)
    key = OKPKey.generate_key("Ed25519", private=True)
    public = {k: v for k, v in key.as_dict(private=False).items() if k != "kid"}
    row = BadgeKey(kid=kid, private_jwk_sealed=encryption.seal(json.dumps(key.as_dict(private=True))),
                   public_jwk=public, created_at=now)
    session.add(row)
    session.flush()
    return row


def signing_key(now: datetime) -> BadgeKey:
    """The key that signs now: the newest not retired (the first is made here).

    It is made inside the caller's unit of work: nothing signed with it is published before
    that commits, so a verifier never sees a badge whose key is not yet in the key set.
    """
    row = session.scalar(select(BadgeKey).where(BadgeKey.retired_at.is_(None))
                         .order_by(BadgeKey.created_at.desc(), BadgeKey.id.desc()).limit(1))
    return row if row is not None else _new_key(now)


def public_jwk(row: BadgeKey) -> dict[str, Any]:
    """The published JWK of a key: its public part, its URL as ``kid``, use and algorithm."""
    return {**row.public_jwk, "kid": key_url(row.kid), "use": "sig", "alg": ALGORITHM}


def published_keys() -> list[BadgeKey]:
    """Every key, oldest first: retired ones stay published so old badges verify."""
    return list(session.scalars(select(BadgeKey).order_by(BadgeKey.created_at, BadgeKey.id)))


def find_key(kid: str) -> BadgeKey | None:
    """The key with this name (retired or not)."""
    return session.scalar(select(BadgeKey).where(BadgeKey.kid == kid))


def jwks() -> dict[str, Any]:
    """The public key set. Empty until the first badge is signed."""
    return {"keys": [public_jwk(k) for k in published_keys()]}


def rotate(now: datetime) -> tuple[BadgeKey, list[BadgeKey]]:
    """Make a new signing key; the ones it replaces stop signing but stay published.

    Returns (new key, retired keys). Audited (by the system: an operator runs the command).
    """
    retired = list(session.scalars(select(BadgeKey).where(BadgeKey.retired_at.is_(None))))
    for key in retired:
        key.retired_at = now
    new = _new_key(now)
    record_audit(None, "badges.rotate_key", new, detail={"new_kid": new.kid, "retired": [k.kid for k in retired]})
    return new, retired


def sign(claims: dict[str, Any], now: datetime) -> tuple[str, str]:
    """A compact JWS of ``claims`` signed by the current key; returns (jws, key name).

    The header is ``alg``, ``kid`` (the key's URL) and ``typ: JWT``, the only headers Open
    Badges 3.0 allows.
    """
    row = signing_key(now)
    key = OKPKey.import_key(json.loads(encryption.unseal(row.private_jwk_sealed)))
    token = jwt.encode({"alg": ALGORITHM, "kid": key_url(row.kid), "typ": "JWT"}, claims, key,
                       algorithms=[ALGORITHM])
    return token, row.kid


class SignatureProblem(ValueError):
    """Why a JWS did not verify; ``reason`` is one of ``malformed``, ``unknown_key``, ``tampered``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def verify(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a compact JWS against our published keys; returns (header, claims).

    :raises SignatureProblem: not a JWS, a key that is not ours, or a signature that fails.
    """
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise SignatureProblem("malformed")
    try:
        header = json.loads(_b64decode(parts[0]))
    except ValueError:
        raise SignatureProblem("malformed") from None
    if not isinstance(header, dict):
        raise SignatureProblem("malformed")
    kid = kid_from_url(header.get("kid"))
    row = find_key(kid) if kid else None
    if row is None:
        raise SignatureProblem("unknown_key")
    if header.get("alg") != ALGORITHM:
        raise SignatureProblem("tampered")
    try:
        decoded = jwt.decode(token, OKPKey.import_key(dict(row.public_jwk)), algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        raise SignatureProblem("tampered") from None
    return dict(decoded.header), dict(decoded.claims)


def _b64decode(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
