"""Certificate forms: revoke (admins), the public look-up by number, and checking a badge."""
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm
from .services import REASON_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RevokeForm(BaseForm):
    """Revoke a certificate: the reason is kept for the audit log, never shown publicly."""

    reason = TextAreaField(
        "Reason for revoking", [DataRequired("Enter the reason for revoking this certificate."),
                                Length(max=REASON_MAX, message=f"Keep the reason under {REASON_MAX} characters.")],
        filters=[_strip],
        description="Recorded in the audit log. The public verification page shows only that it was revoked and when.")


class VerifyNumberForm(Form):
    """The public look-up by certificate number. A GET form: it changes nothing, so no CSRF
    token (and a verifier can bookmark or share the result)."""

    number = StringField(
        "Certificate number", [DataRequired("Enter the certificate number, for example CE-2026-7K3Q-9XTM."),
                               Length(max=40, message="A certificate number is 17 characters, like CE-2026-7K3Q-9XTM.")],
        filters=[_strip],
        description="Printed at the top right of the certificate, for example CE-2026-7K3Q-9XTM. "
                    "Capitals, spaces and hyphens do not matter.")

    def error_summary(self) -> list[tuple[str, str]]:
        return [(f.id, m) for f in self for m in f.errors]


class VerifyBadgeForm(BaseForm):
    """Check an Open Badge: paste it, or upload its file (the file input is drawn beside this
    field in the template; WTForms reads only the text)."""

    #: Errors about the uploaded file (set by the route; the file is not a WTForms field).
    credential_file_errors: tuple[str, ...] = ()

    credential = TextAreaField(
        "Paste the badge", filters=[_strip],
        description="The contents of the .jwt file: three long parts separated by dots. "
                    "Or leave this empty and choose the file below.")
