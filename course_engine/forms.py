"""The base form every feature's forms extend: WTForms with session-bound CSRF tokens; and
:class:`CreateForm`, for forms that create rows, with a one-time submission key."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app, request, session
from wtforms import FileField, Form, HiddenField
from wtforms.csrf.session import SessionCSRF

from . import submissions


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


class SubmissionKeyField(HiddenField):
    """The hidden one-time key of a form that creates rows (see ``course_engine.submissions``).

    Rendering makes a fresh key; a form shown again after an error keeps the key it was sent
    (that request claimed nothing), so sending it again still works.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=submissions.new_key, **kwargs)

    @property
    def sent(self) -> str | None:
        """The key this request carried (None when the form sent none: a new submission)."""
        return self.raw_data[0] if self.raw_data else None


class CreateForm(BaseForm):
    """A form whose valid submission creates rows: it carries a one-time submission key, which
    its view claims with :meth:`claim_submission` before the work, so a double click or a second
    tab never saves it twice. Templates render ``{{ form.submission_key }}`` next to
    ``{{ form.csrf_token }}``."""

    submission_key = SubmissionKeyField()

    def fingerprint(self, *extra: bytes) -> str:
        """A hash of the values sent (and of ``extra``, such as an uploaded file's bytes), so a
        repeat can tell a double click (the same values) from a changed copy of the form."""
        digest = hashlib.sha256()
        for field in self:
            if field.name in ("csrf_token", "submission_key") or isinstance(field, FileField):
                continue
            digest.update(repr((field.name, field.data)).encode())
        for part in extra:
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()

    def claim_submission(self, user_id: int, now, *extra: bytes) -> submissions.Submission:
        """``submissions.claim`` of this form's key and fingerprint: call it once the form is valid."""
        return submissions.claim(self.submission_key.sent, user_id, now, self.fingerprint(*extra))


class _TokenField:
    """The two things WTForms' SessionCSRF reads from a field when it checks a token."""

    def __init__(self, data: str | None):
        self.data = data

    @staticmethod
    def gettext(message: str) -> str:
        return message


def _session_csrf() -> SessionCSRF:
    csrf = SessionCSRF()
    csrf.form_meta = BaseForm.Meta()  # what SessionCSRF.setup_form would set from a form
    return csrf


def new_csrf_token() -> str:
    """A token any form's ``csrf_token`` field accepts, made without building a form.

    The same WTForms SessionCSRF and settings as :class:`BaseForm`, so hand-written forms and
    WTForms forms share one scheme; skipping the form object matters on the hottest pages.
    """
    return _session_csrf().generate_csrf_token(None)


def csrf_token_problem(token: str | None) -> str | None:
    """None when ``token`` is valid for this session, else WTForms' reason (missing, failed,
    expired)."""
    from wtforms.validators import ValidationError

    if "csrf" not in session:  # no page from this site was ever rendered for this session
        return "CSRF session token missing."
    try:
        _session_csrf().validate_csrf_token(None, _TokenField(token))
    except ValidationError as error:
        return str(error)
    return None
