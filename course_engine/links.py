"""Absolute links to the site's own pages, for emails, certificates and other systems.

One place builds them, from ``BASE_URL`` (the public address; see config.py) and Flask's
URL map, so a link in an email, on a certificate's QR code and in a reminder all agree,
inside a request or not (a CLI command, a scheduled job, a test's setup).
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """``BASE_URL`` + the path of ``endpoint`` (e.g. ``external_url("orgs.join", token=...)``)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        # Outside a request there is no URL adapter; bind one (the host part is not used).
        path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return base_url() + path


def base_url() -> str:
    """The site's public address without a trailing slash."""
    return current_app.config["BASE_URL"].rstrip("/")
