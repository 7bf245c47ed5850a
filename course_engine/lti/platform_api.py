"""Calling a platform's LTI Advantage services (grades, rosters) with an access token.

The token comes from the platform's token endpoint by the client-credentials grant with a
JWT client assertion signed by our tool key (1EdTech Security Framework 1.0, section 4.1):
``iss`` and ``sub`` our client id, ``aud`` the token endpoint, a short expiry and a ``jti``
that is never reused. Tokens are kept in this process until a minute before they expire.
"""
from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime
from typing import Any

from .. import outbound
from . import keys
from .models import Platform

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

_lock = threading.Lock()
#: (platform id, scopes) -> (access token, monotonic expiry)
_tokens: dict[tuple[int, str], tuple[str, float]] = {}


def client_assertion(platform: Platform, now: datetime) -> str:
    moment = int(now.timestamp())
    return keys.sign({"iss": platform.client_id, "sub": platform.client_id, "aud": platform.auth_token_url,
                      "iat": moment, "exp": moment + 300, "jti": secrets.token_urlsafe(18)}, now)


def access_token(platform: Platform, scopes: list[str], now: datetime) -> str:
    """A bearer token for ``scopes`` (cached). :raises outbound.RemoteUnavailable / RemoteRefused."""
    key = (platform.id, " ".join(sorted(scopes)))
    with _lock:
        cached = _tokens.get(key)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    response = outbound.request("POST", platform.auth_token_url, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion(platform, now),
        "scope": key[1],
    })
    try:
        body = response.json()
        token, lifetime = body["access_token"], int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise outbound.RemoteRefused("The platform's token endpoint did not answer with an access token.") from None
    with _lock:
        _tokens[key] = (token, time.monotonic() + max(0, lifetime - 60))
    return token


def forget_tokens(platform_id: int | None = None) -> None:
    """Drop cached tokens (one platform's after a 401, or all)."""
    with _lock:
        for key in [k for k in _tokens if platform_id is None or k[0] == platform_id]:
            del _tokens[key]


def call(platform: Platform, method: str, url: str, scopes: list[str], now: datetime, **kwargs: Any):
    """Call a service URL with a bearer token; a 401 gets one fresh token and one more try."""
    for attempt in (1, 2):
        token = access_token(platform, scopes, now)
        headers = {"Authorization": f"Bearer {token}", **kwargs.get("headers", {})}
        try:
            return outbound.request(method, url, **{**kwargs, "headers": headers})
        except outbound.RemoteRefused as exc:
            if exc.status == 401 and attempt == 1:
                forget_tokens(platform.id)
                continue
            raise
    raise AssertionError("unreachable")
