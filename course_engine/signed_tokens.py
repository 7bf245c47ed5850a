"""Verifying signed tokens (JWTs) from other systems: an LMS's LTI launch, an identity
provider's id_token. joserfc does the JOSE work; the rules every token must pass are here once,
each refusal with a reason code (for tests and logs) and a sentence (for the person).

A token is accepted only when: it is a compact JWS signed with an asymmetric algorithm we
allow (never ``none`` or a shared-secret HMAC, which would let anyone holding the client id
sign), by a key in the sender's published key set; ``iss`` is exactly the expected issuer;
``aud`` names us (and, with several audiences, ``azp`` is us); ``exp`` is in the future and
``iat`` not in the future (both with a minute's leeway for clocks); ``nonce`` is the one we
issued, when we issued one.

The sender's key set is fetched from its JWKS URL and kept for an hour; a token signed with
a key id we have not seen makes us fetch the set again (at most once a minute), so a sender's
key rotation works without anyone touching our settings.
"""
from __future__ import annotations

import json
import threading
import time
from base64 import urlsafe_b64decode
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import outbound

#: Signature algorithms we accept: asymmetric only.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
#: Seconds of clock difference tolerated on ``exp`` and ``iat``.
LEEWAY = 60
#: Seconds a fetched key set is kept; and the least time between two fetches of one set.
KEY_SET_TTL = 3600
KEY_SET_MIN_REFETCH = 60


class TokenRejected(ValueError):
    """A token that must not be trusted. ``reason`` is a short code; the message is for people."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _b64_json(part: str) -> dict[str, Any]:
    try:
        value = json.loads(urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, TypeError):
        raise TokenRejected("malformed", "The sign-in message is damaged (it is not a readable token).") from None
    if not isinstance(value, dict):
        raise TokenRejected("malformed", "The sign-in message is damaged (it is not a readable token).")
    return value


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a compact JWS *without checking anything*: only to find out who
    says they sent it, so the right keys can check it."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 64 * 1024:
        raise TokenRejected("malformed", "The sign-in message is damaged (it is not a readable token).")
    header, claims, _signature = token.split(".")
    return _b64_json(header), _b64_json(claims)


class _KeySetCache:
    """Key sets by JWKS URL, shared by the threads of one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[float, KeySet]] = {}

    def get(self, url: str, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        with self._lock:
            cached = self._sets.get(url)
        if cached is not None:
            fetched_at, keys = cached
            age = now - fetched_at
            if age < KEY_SET_TTL and not (refresh and age >= KEY_SET_MIN_REFETCH):
                return keys
        try:
            document = outbound.get_json(url)
            keys = KeySet.import_key_set(document)
        except (outbound.RemoteUnavailable, outbound.RemoteRefused) as exc:
            if cached is not None:
                return cached[1]
            raise TokenRejected("keys_unavailable", f"The sender's keys could not be fetched: {exc}") from exc
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise TokenRejected("keys_unavailable", "The sender's published keys are not a readable key set.") from exc
        with self._lock:
            self._sets[url] = (now, keys)
        return keys

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()


#: The one cache of other systems' key sets in this process.
remote_key_sets = _KeySetCache()


def _has_kid(keys: KeySet, kid: str | None) -> bool:
    return kid is None or any(k.kid == kid for k in keys.keys)


def verify(token: str, *, jwks_url: str | None = None, keys: KeySet | None = None, issuer: str,
           audience: str, now: datetime, nonce: str | None = None,
           algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS) -> dict[str, Any]:
    """The claims of ``token`` once it has passed every rule in this module's docstring.

    :param jwks_url: where the sender publishes its keys (or give ``keys``).
    :param issuer: the exact ``iss`` expected.
    :param audience: who we are to the sender (our client id).
    :param now: the time to check ``exp`` and ``iat`` against.
    :param nonce: the nonce we sent, if the flow has one.
    :raises TokenRejected: with the first rule it breaks.
    """
    header, _claims = unverified_parts(token)
    alg = header.get("alg")
    if alg not in algorithms:
        raise TokenRejected("algorithm", f"The sign-in message is signed with {alg!r}, which is not accepted.")
    kid = header.get("kid")
    if keys is None:
        if jwks_url is None:
            raise ValueError("give jwks_url or keys")
        keys = remote_key_sets.get(jwks_url)
        if not _has_kid(keys, kid):
            keys = remote_key_sets.get(jwks_url, refresh=True)
    if not _has_kid(keys, kid):
        raise TokenRejected("unknown_key", "The sign-in message is signed with a key the sender does not publish.")
    try:
        decoded = jwt.decode(token, keys, algorithms=list(algorithms))
    except JoseError as exc:
        raise TokenRejected("signature", "The sign-in message's signature is not valid: it was changed "
                                         "or not signed by the system it claims to come from.") from exc
    claims = decoded.claims
    check_claims(claims, issuer=issuer, audience=audience, now=now, nonce=nonce)
    return claims


def check_claims(claims: dict[str, Any], *, issuer: str, audience: str, now: datetime,
                 nonce: str | None = None) -> None:
    """The registered-claim rules (after the signature has been checked)."""
    if claims.get("iss") != issuer:
        raise TokenRejected("issuer", "The sign-in message comes from another issuer than the one registered.")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if audience not in audiences:
        raise TokenRejected("audience", "The sign-in message was meant for another application.")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != audience:
        raise TokenRejected("audience", "The sign-in message was issued to another application (azp).")
    moment = int(now.timestamp())
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
        raise TokenRejected("malformed", "The sign-in message has no valid expiry (exp, iat).")
    if exp + LEEWAY < moment:
        raise TokenRejected("expired", "The sign-in message has expired. Go back and start again.")
    if iat - LEEWAY > moment:
        raise TokenRejected("not_yet_valid", "The sign-in message is dated in the future: check the clocks.")
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and nbf - LEEWAY > moment:
        raise TokenRejected("not_yet_valid", "The sign-in message is not valid yet.")
    if nonce is not None and claims.get("nonce") != nonce:
        raise TokenRejected("nonce", "The sign-in message does not belong to this sign-in (nonce).")
