"""Calls to other systems (an LMS, an identity provider): one HTTP client with timeouts, and
the rule on which addresses an organisation's settings may make the server call.

Organisation admins type URLs (an issuer, a JWKS URL, a token endpoint) that the server then
fetches, so a URL is checked before every call: HTTPS only, and never an address inside the
server's own network (loopback, private, link-local), which would let a form read internal
services. ``INTEGRATIONS_ALLOW_HTTP`` lifts both rules for development and the tests, whose
counterparts run on loopback over plain HTTP.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

#: Seconds to wait for another system to connect and to answer.
TIMEOUT = (5, 15)


class RemoteUnavailable(RuntimeError):
    """The other system did not answer, or answered that it is busy or broken (5xx, 429):
    worth trying again later."""


class RemoteRefused(RuntimeError):
    """The other system answered with a refusal (4xx) or something unreadable: trying again
    unchanged will not help."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class UnsafeURL(ValueError):
    """A URL the server must not call (message safe to show the admin who typed it)."""


def check_url(url: str, *, allow_http: bool | None = None) -> str:
    """The URL, if the server may call it; raises :class:`UnsafeURL` with the reason otherwise."""
    if allow_http is None:
        allow_http = bool(current_app.config.get("INTEGRATIONS_ALLOW_HTTP"))
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURL(f"'{url}' is not a web address: it should start with https://.")
    if parts.scheme != "https" and not allow_http:
        raise UnsafeURL(f"'{url}' must start with https:// (the connection must be encrypted).")
    if parts.username or parts.password:
        raise UnsafeURL("A web address here must not contain a user name or password.")
    if not allow_http:
        for address in _addresses(parts.hostname):
            if not address.is_global:
                raise UnsafeURL(f"'{parts.hostname}' is an address inside this server's network; "
                                "use the system's public address.")
    return url.strip()


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        raise UnsafeURL(f"'{host}' cannot be found. Check the address.") from None
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Call another system; raises :class:`RemoteUnavailable` or :class:`RemoteRefused`.

    Redirects are not followed: each URL we call is one an admin (or a signed message) gave.
    """
    check_url(url)
    kwargs.setdefault("timeout", TIMEOUT)
    kwargs.setdefault("allow_redirects", False)
    headers = {"User-Agent": f"{current_app.config['SITE_NAME']} (course-engine)", **kwargs.pop("headers", {})}
    try:
        response = requests.request(method, url, headers=headers, **kwargs)
    except requests.RequestException as exc:
        raise RemoteUnavailable(f"{urlsplit(url).netloc} did not answer ({exc.__class__.__name__}).") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RemoteUnavailable(f"{urlsplit(url).netloc} answered {response.status_code}.")
    if response.status_code >= 300:
        raise RemoteRefused(f"{urlsplit(url).netloc} answered {response.status_code}: {_short(response.text)}",
                            response.status_code)
    return response


def get_json(url: str, **kwargs: Any) -> Any:
    """GET a JSON document (a discovery document, a key set)."""
    response = request("GET", url, **kwargs)
    try:
        return response.json()
    except ValueError:
        raise RemoteRefused(f"{urlsplit(url).netloc} did not answer with JSON.", response.status_code) from None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"
