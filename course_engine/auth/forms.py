"""Account forms. Field rules live here; account rules (policy, uniqueness) in services."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..forms import BaseForm

def _strip(value):
    return value.strip() if isinstance(value, str) else value


_EMAIL = [DataRequired("Enter your email address."), Email("Enter an email address like name@example.org."),
          Length(max=320)]


class RegisterForm(BaseForm):
    full_name = StringField("Full name", [DataRequired("Enter your name as it should appear on certificates."),
                                          Length(max=200)],
                            description="As it should appear on your CPD certificates.")
    email = EmailField("Email address", _EMAIL, filters=[_strip])
    password = PasswordField("Password", [DataRequired("Choose a password.")],
                             description="At least 12 characters. A phrase of several words works well.")


class LoginForm(BaseForm):
    email = EmailField("Email address", _EMAIL, filters=[_strip])
    password = PasswordField("Password", [DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(BaseForm):
    email = EmailField("Email address", _EMAIL, filters=[_strip])


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", [DataRequired("Choose a new password.")],
                             description="At least 12 characters. A phrase of several words works well.")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", [DataRequired("Enter your current password.")])
    password = PasswordField("New password", [DataRequired("Choose a new password.")],
                             description="At least 12 characters.")


class ChangeNameForm(BaseForm):
    full_name = StringField("Full name", [DataRequired("Enter your name as it should appear on certificates."),
                                          Length(max=200)],
                            description="Certificates issued after this change use the new name.")
