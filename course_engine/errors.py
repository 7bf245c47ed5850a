"""Friendly error pages in the site's layout, JSON errors for JSON routes, never a traceback.

Three kinds of failure that are not bugs get their own answer rather than a 500: a value the
database cannot hold (``DataError``, ``OverflowError``: 400, the last net behind inputs.py), the
same form saved twice at once (a unique constraint refusing the second copy: 409, the last net
behind ``db.insert_unless_exists`` and the claims; the first copy is saved), and the database
being away (a lost or refused connection: 503 with ``Retry-After``, drawn without
touching the database, since the layout's menu would read the signed-in person from it).
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

#: What each status means to a person, and what they can do about it.
MESSAGES = {
    400: ("Something in that request was not right", "Go back, check what you entered and try again."),
    403: ("You don't have access to this page", "If you think you should, ask your organisation's administrator."),
    404: ("Page not found", "Check the address, or go back to your learning."),
    405: ("That action isn't available here", "Go back and use the buttons on the page."),
    409: ("That was already saved", "The form was probably sent twice (a double click or a second tab). "
                                    "The first one was saved: go back and check."),
    413: ("That file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    503: ("The service is briefly unavailable", "Your work is saved up to your last step. Please try again in a minute."),
    500: ("Sorry, something went wrong on our side", "Your saved work is safe. Please try again in a moment."),
}


def wants_json() -> bool:
    """JSON for ``.json`` URLs, the health check, the wallet endpoints (OpenID for Verifiable
    Credential Issuance: only wallets call them) and clients that ask only for JSON."""
    if request.path.endswith(".json") or request.path == "/healthz" or request.path.startswith(("/wallet/", "/.well-known/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def init_app(app) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code == 429:
            return too_many()
        return _render(error.code or 500, error.description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _render(error.code or 500, error.description)
        if is_database_unavailable(error):
            app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, error)
            return unavailable()
        if is_duplicate(error):
            app.logger.info("a duplicate refused by a unique constraint on %s %s: %s", request.method, request.path,
                            error.orig)
            return _render(409, None)
        if is_bad_value(error):
            app.logger.info("a value the database cannot hold on %s %s: %s", request.method, request.path, error)
            return _render(400, BAD_VALUE)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, None)


BAD_VALUE = "A value in that request is out of range or not allowed. Go back, check what you entered and try again."
#: Seconds a person (or a client) is asked to wait when the database is away.
RETRY_AFTER_SECONDS = 30


def is_bad_value(error: BaseException) -> bool:
    """A value the database (or its driver) refused as a value, not a bug in a query:
    a number beyond 64 bits, text PostgreSQL cannot hold, a malformed number or date."""
    if isinstance(error, OverflowError):
        return True
    return isinstance(error, sa_exc.DataError) or isinstance(getattr(error, "orig", None), OverflowError)


def is_duplicate(error: BaseException) -> bool:
    """A row the database refused because an equal one exists (a unique constraint): two copies
    of one form at once, where the write was not made idempotent. Not a foreign key or a NOT
    NULL: those are bugs, and stay a 500."""
    if not isinstance(error, sa_exc.IntegrityError):
        return False
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation (psycopg)
        return True
    return "UNIQUE constraint failed" in str(orig)  # SQLite


def is_database_unavailable(error: BaseException) -> bool:
    """A lost or refused database connection: SQLAlchemy's ``OperationalError`` and
    ``InterfaceError`` (the driver could not reach or lost the server), or any DBAPI error
    it marked as a disconnect. Not ``IntegrityError`` or ``DataError``: those are answers."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.InterfaceError):
        return True
    if isinstance(error, sa_exc.OperationalError):
        # psycopg raises OperationalError for a refused, lost or timed-out connection. SQLite
        # raises it for mistakes in a query too ("no such table"): only a locked or unreadable
        # database file is "away" there; the rest stays a 500 (a bug to fix).
        import sqlite3

        if isinstance(error.orig, sqlite3.OperationalError):
            text = str(error.orig).lower()
            return "locked" in text or "unable to open" in text or "disk i/o" in text
        return True
    return isinstance(error, sa_exc.PendingRollbackError) and "connection" in str(error).lower()


def too_many():
    """429 with how long to wait, in seconds (the limit that was reached says when it resets),
    and ``Retry-After``. Waits grow with the limits (a minute, then longer: see config.py)."""
    import math
    import time

    from .security import limiter

    wait = 60
    try:
        limits = [limit for limit in limiter.current_limits if getattr(limit, "breached", False)]
    except Exception:  # noqa: BLE001 - outside a limited view: the default wait
        limits = []
    if limits:  # the longest of the limits reached: the honest wait
        wait = max(1, math.ceil(max(limit.reset_at for limit in limits) - time.time()))
    response, code = _as_response(_render(429, f"Please wait {wait} seconds, then try again."))
    response.status_code = code
    response.headers["Retry-After"] = str(wait)
    return response


def _as_response(result):
    from flask import make_response

    if isinstance(result, tuple):
        return make_response(result[0]), result[1]
    return result, result.status_code


def unavailable():
    """The 503 page: plain HTML (or JSON) that needs no database, with ``Retry-After``."""
    title, detail = MESSAGES[503]
    if wants_json():
        response = jsonify({"error": {"status": 503, "title": title, "detail": detail}})
    else:
        # Straight from the Jinja environment: render_template runs the context processors, and
        # flask-login's loads the signed-in person from the database that is away.
        from flask import current_app

        body = current_app.jinja_env.get_template("errors/unavailable.html").render(title=title, detail=detail)
        response = current_app.response_class(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(code: int, description: str | None):
    title, advice = MESSAGES.get(code, (f"Error {code}", "Please go back and try again."))
    # Werkzeug's default descriptions are written for developers; show ours unless a view
    # gave a specific, user-facing description.
    detail = description if description and not _is_default_description(code, description) else advice
    if wants_json():
        response = jsonify({"error": {"status": code, "title": title, "detail": detail}})
        response.status_code = code
        return response
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def _is_default_description(code: int, description: str) -> bool:
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions.get(code)
    if description == InternalServerError.description:
        return True
    return exc is not None and description == exc.description
