"""Guards for views that need a signed-in person (flask-login's ``login_required`` covers the rest)."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_login import current_user

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
