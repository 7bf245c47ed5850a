"""Checking an OID4VCI ``jwt`` key proof, when a wallet sends one (none is required: see
``wallet.py``): its type, an asymmetric algorithm, a signature by the key its header names
(``jwk``, or a ``did:jwk`` or ``did:key`` ``kid``, both resolved offline), our issuer as its
audience and a recent ``iat``.

Pure: plain values in, :class:`InvalidProof` (with a plain-ASCII reason for the wallet's
developer) out; it knows nothing of Flask or the database.
"""
from __future__ import annotations

import base64
import json
import warnings
from datetime import datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import JWKRegistry


class InvalidProof(ValueError):
    """A key proof that does not check out; the message says why."""


#: Key proofs accepted when a wallet sends one: asymmetric algorithms only (never ``none`` or a MAC).
PROOF_ALGORITHMS = ("Ed25519", "EdDSA", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384",
                    "RS512")
PROOF_TYPE = "openid4vci-proof+jwt"
#: A key proof may be this far in the future (clock skew), in seconds.
PROOF_MAX_SKEW = 60


def check(kind: Any, value: Any, *, audience: str, now: datetime, max_age: int) -> None:
    """Raise :class:`InvalidProof` unless ``value`` is a ``jwt`` key proof for ``audience``,
    signed by the key its header names, issued within ``max_age`` seconds before ``now``."""
    if kind != "jwt":
        raise InvalidProof("Only jwt key proofs are understood (and none is required).")
    if not isinstance(value, str) or value.count(".") != 2 or len(value) > 16 * 1024:
        raise InvalidProof("A jwt key proof must be a compact JWT.")
    try:
        header = json.loads(_b64decode(value.split(".")[0]))
    except ValueError:
        raise InvalidProof("The key proof's header is not JSON.") from None
    if not isinstance(header, dict) or header.get("typ") != PROOF_TYPE:
        raise InvalidProof(f"The key proof's typ must be {PROOF_TYPE}.")
    alg = header.get("alg")
    if alg not in PROOF_ALGORITHMS:
        raise InvalidProof("The key proof must be signed with an asymmetric algorithm.")
    key = proof_key(header)
    try:
        with warnings.catch_warnings():
            # EdDSA is the older name of Ed25519 (RFC 9864 deprecates it); wallets still send it.
            warnings.simplefilter("ignore", SecurityWarning)
            signed = jws.deserialize_compact(value, JWKRegistry.import_key(key), algorithms=[alg])
        claims = json.loads(signed.payload)
    except (JoseError, ValueError, TypeError):
        raise InvalidProof("The key proof's signature does not verify with the key it names.") from None
    if not isinstance(claims, dict):
        raise InvalidProof("The key proof's payload is not a JSON object.")
    named = claims.get("aud")
    if not (named == audience or (isinstance(named, list) and audience in named)):
        raise InvalidProof("The key proof's aud must be this Credential Issuer's identifier.")
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, (int, float)) or issued != issued:
        raise InvalidProof("The key proof has no iat.")
    age = now.timestamp() - issued
    if age > max_age or age < -PROOF_MAX_SKEW:
        raise InvalidProof("The key proof's iat is not recent: make a new proof.")


def proof_key(header: dict[str, Any]) -> dict[str, Any]:
    """The public key a key proof's header names: ``jwk``, or a ``kid`` that is a ``did:jwk`` or
    an Ed25519 or P-256 ``did:key`` (both resolve offline). Anything else cannot be checked."""
    named = [name for name in ("kid", "jwk", "x5c") if name in header]
    if len(named) != 1:
        raise InvalidProof("The key proof's header must name its key once: kid, jwk or x5c.")
    if named == ["jwk"]:
        key = header["jwk"]
        if not isinstance(key, dict) or any(k in key for k in ("d", "p", "q", "dp", "dq", "qi", "k")):
            raise InvalidProof("The key proof's jwk must be a public key.")
        return key
    if named == ["kid"] and isinstance(header["kid"], str):
        did = header["kid"].split("#")[0]
        try:
            if did.startswith("did:jwk:"):
                key = json.loads(_b64decode(did[len("did:jwk:"):]))
                if isinstance(key, dict) and "d" not in key and "k" not in key:
                    return key
            elif did.startswith("did:key:z"):
                return did_key_jwk(did[len("did:key:z"):])
        except ValueError:
            pass
    raise InvalidProof("The key proof's key cannot be resolved here: name it with a jwk header, "
                       "a did:jwk or an Ed25519 or P-256 did:key.")


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def did_key_jwk(encoded: str) -> dict[str, Any]:
    """A did:key's multibase (base58btc) multicodec key as a JWK: Ed25519 (0xed) or P-256 (0x1200)."""
    if not encoded or len(encoded) > 128 or any(c not in _BASE58 for c in encoded):
        raise ValueError("not base58btc")
    number = 0
    for char in encoded:
        number = number * 58 + _BASE58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(encoded) - len(encoded.lstrip("1"))) + raw
    if raw[:2] == b"\xed\x01" and len(raw) == 34:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64encode(raw[2:])}
    if raw[:2] == b"\x80\x24" and len(raw) == 35:
        from cryptography.hazmat.primitives.asymmetric import ec

        numbers = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:]).public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _b64encode(numbers.x.to_bytes(32, "big")),
                "y": _b64encode(numbers.y.to_bytes(32, "big"))}
    raise ValueError("not an Ed25519 or P-256 did:key")


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
