"""Guards for views that need a signed-in person (flask-login's ``login_required`` covers the rest)."""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from . import login_manager
from .services import RowsWithUser, page_rows


def login_required_with(**pages: RowsWithUser):
    """``login_required``, and the page's own rows fetched in the same round trip as the person.

    ``@login_required_with(position=services.POSITION)`` passes the view ``position``: the
    page's query (see :class:`~course_engine.auth.services.RowsWithUser`) run with the
    signed-in person's id and the view's URL values, and parsed. The person is loaded as
    usual (flask-login, session protection, remember-me cookies); if something in the
    request loaded them earlier, the page's rows are fetched on their own.
    """
    ((name, page),) = pages.items()

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g._rows_with_user = (page, kwargs)  # read by the user loader (auth/__init__.py)
            try:
                signed_in = current_user.is_authenticated
            finally:
                del g._rows_with_user
            if not signed_in:
                return login_manager.unauthorized()
            rows = g.pop("_rows_fetched_with_user", None)
            if rows is None:
                rows = page_rows(page, current_user.id, kwargs)
            return view(*args, **kwargs, **{name: page.parse(rows)})

        return wrapped

    return decorator


def site_role_required(role: str):
    """Require a site-wide role: ``author`` or ``site_admin`` (site admins have every role)."""
    if role not in ("author", "site_admin"):
        raise ValueError(f"unknown site role {role!r}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_site_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def has_site_role(user, role: str) -> bool:
    """Whether ``user`` (signed in) has the site-wide role (site admins have every role)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_site_admin:
        return True
    return role == "author" and user.is_author
