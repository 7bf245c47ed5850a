"""Cross-cutting protection: CSRF on every state-changing request, security headers,
cookies that are Secure over HTTPS, and rate limiting with storage shared by workers."""
from __future__ import annotations

from flask import abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from .forms import csrf_token_problem, new_csrf_token

#: One limiter for the app. Storage comes from RATELIMIT_STORAGE_URI (memory:// or redis://),
#: so several gunicorn workers share counts when Redis is configured.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


def init_app(app) -> None:
    """Wire headers, CSRF, cookies and the limiter into the app."""
    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = _SessionInterface()
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    @app.before_request
    def _check_csrf():
        if request.method not in STATE_CHANGING_METHODS:
            return None
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, "csrf_exempt_because", None):
            return None  # a machine-to-machine view: see csrf_exempt
        token = request.form.get("csrf_token")
        if token is None:
            token = request.headers.get("X-CSRFToken")
        if csrf_token_problem(token) is not None:
            abort(400, description="This form has expired or did not come from this site. "
                                   "Go back, reload the page and try again: nothing was saved.")
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in response.headers and _signed_in():
            # Everything a signed-in person is sent is theirs (journal, results, CPD record,
            # exports, people pages): never kept by a browser or a shared proxy. A view that
            # serves something public (a logo, a stylesheet) sets its own Cache-Control.
            response.headers["Cache-Control"] = "no-store"
        return response


def _signed_in() -> bool:
    """Whether the response goes to a signed-in person, read from the session cookie or the
    person already loaded: never a database query (this runs for the 503 page too)."""
    from flask import session

    if "_user_id" in session:
        return True
    user = g.get("_login_user")
    return bool(getattr(user, "is_authenticated", False))


def csrf_exempt(because: str):
    """Declare a machine-to-machine view exempt from the CSRF check: the one way to do it.

    Another system posts here (an LMS's LTI launch), so no form of ours carries a CSRF token;
    ``because`` names what authenticates the request instead, and must be one of two things:
    the standard's own signature, checked by the view before it trusts or writes anything, or
    a view that writes nothing at all (declare it ``db.transaction(TransactionMode.read_only)``,
    which makes any write raise). ``tests/test_security.py`` finds every exempt view and proves
    one or the other for each.
    """
    if not because or not because.strip():
        raise ValueError("say what authenticates the request instead of the CSRF token")

    def mark(view):
        view.csrf_exempt_because = because
        return view

    return mark


def csrf_exempt_views(app) -> dict[str, str]:
    """Endpoint -> reason, for every view exempt from the CSRF check."""
    return {endpoint: view.csrf_exempt_because for endpoint, view in app.view_functions.items()
            if getattr(view, "csrf_exempt_because", None)}


def csrf_token() -> str:
    """The current session's CSRF token (a template global for hand-written forms).

    Made once per request: a page with several forms shares one token.
    """
    token = g.get("_csrf_token")
    if token is None:
        token = g._csrf_token = new_csrf_token()
    return token
