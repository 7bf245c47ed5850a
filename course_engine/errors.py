"""Friendly error pages in the site's layout, JSON errors for JSON routes, never a traceback."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

#: What each status means to a person, and what they can do about it.
MESSAGES = {
    400: ("Something in that request was not right", "Go back, check what you entered and try again."),
    403: ("You don't have access to this page", "If you think you should, ask your organisation's administrator."),
    404: ("Page not found", "Check the address, or go back to your learning."),
    405: ("That action isn't available here", "Go back and use the buttons on the page."),
    413: ("That file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: ("Sorry, something went wrong on our side", "Your saved work is safe. Please try again in a moment."),
}


def wants_json() -> bool:
    """JSON for ``.json`` URLs, the health check and clients that ask only for JSON."""
    if request.path.endswith(".json") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def init_app(app) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _render(error.code or 500, error.description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _render(error.code or 500, error.description)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, None)


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
