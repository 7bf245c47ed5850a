"""Single sign-on forms: the org admin's settings, and connecting an existing account."""
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm
from ..inputs import choice_id
from ..orgs.models import OrgRole


def _strip(value):
    return value.strip() if isinstance(value, str) else value


#: An id choice: None for none, -1 (not a choice: a clear form error) for anything not an id.
_int_or_none = choice_id


class SsoSettingsForm(BaseForm):
    """The organisation's OpenID Connect provider (org admin)."""

    issuer = StringField("Issuer URL", [DataRequired("Enter the provider's issuer URL."), Length(max=500)],
                         filters=[_strip],
                         description="Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0")
    client_id = StringField("Client id (application id)", [DataRequired("Enter the client id."), Length(max=255)],
                            filters=[_strip])
    client_secret = PasswordField("Client secret", [Optional(), Length(max=1000)],
                                  description="Stored encrypted; leave empty to keep the one stored.")
    domains = TextAreaField("Email domains your organisation owns", [DataRequired("Enter at least one email domain."),
                                                                      Length(max=4000)],
                            description="One a line, like council.gov.uk. People with these addresses are offered "
                                        "\"Sign in with your organisation\".")
    enabled = BooleanField("Single sign-on is on", default=True)
    join_on_first_sign_in = BooleanField("New people may join the organisation when they first sign in")
    join_role = SelectField("Role of people who join this way",
                            choices=[SelectChoice(r.value, r.label) for r in (OrgRole.learner, OrgRole.manager)],
                            default=OrgRole.learner.value)
    join_team = SelectField("Team of people who join this way", coerce=_int_or_none, validate_choice=True)
    password_login_allowed = BooleanField("Members with these email domains may also log in with a password",
                                          default=True)

    def set_choices(self, teams):
        self.join_team.choices = [SelectChoice("", "No team")] + [SelectChoice(t.id, t.name) for t in teams]


class ConnectForm(BaseForm):
    """Type the existing account's password once, to connect it to the organisation's sign-in."""

    password = PasswordField("Password", [DataRequired("Enter your password.")])
