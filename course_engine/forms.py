"""The base form every feature's forms extend: WTForms with session-bound CSRF tokens."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, request, session
from wtforms import Form
from wtforms.csrf.session import SessionCSRF


class BaseForm(Form):
    """A WTForms form with a CSRF token tied to the user's session.

    Build it with :meth:`from_request` in views so POST data is read only on POST.
    """

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = timedelta(hours=12)

        @property
        def csrf_secret(self):
            return current_app.config["SECRET_KEY"].encode()

        @property
        def csrf_context(self):
            return session

    @classmethod
    def from_request(cls, **kwargs):
        """Bind to the submitted form on POST, or render empty/with ``obj``/defaults on GET."""
        formdata = request.form if request.method == "POST" else None
        return cls(formdata=formdata, **kwargs)

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, message) for every error, in field order, for the summary at the top."""
        items = []
        for field in self:
            if field.name == "csrf_token":
                continue
            for message in field.errors:
                items.append((field.id, message))
        return items


class CSRFOnlyForm(BaseForm):
    """Used by the global CSRF check and for buttons that post no other data (log out)."""
