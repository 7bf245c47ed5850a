"""Certificate forms: revoke (admins) and the public look-up by number."""
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
