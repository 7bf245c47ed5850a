"""LTI forms: an org admin registers a platform; syncs a course into a team; an instructor
picks modules to place in a course."""
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm
from ..inputs import choice_id


def _strip(value):
    return value.strip() if isinstance(value, str) else value


#: An id choice: None for none, -1 (not a choice: a clear form error) for anything not an id.
_int_or_none = choice_id


_URL = [Length(max=500)]


class PlatformForm(BaseForm):
    """The values the platform shows for the tool (Moodle: "Tool configuration details")."""

    name = StringField("Name (for you)", [Length(max=200)], filters=[_strip], description="Like: Council Moodle")
    issuer = StringField("Platform ID (issuer)", [DataRequired("Enter the platform's issuer.")] + _URL,
                         filters=[_strip], description="Moodle: Platform ID, your Moodle's address.")
    client_id = StringField("Client ID", [DataRequired("Enter the client id the platform gave the tool."),
                                          Length(max=255)], filters=[_strip])
    deployment_ids = TextAreaField("Deployment ID", [DataRequired("Enter the deployment id."), Length(max=2000)],
                                   description="One a line if there are several.")
    auth_login_url = StringField("Authentication request URL", [DataRequired("Enter the authentication request URL.")]
                                 + _URL, filters=[_strip], description="Moodle: …/mod/lti/auth.php")
    auth_token_url = StringField("Access token URL", [DataRequired("Enter the access token URL.")] + _URL,
                                 filters=[_strip], description="Moodle: …/mod/lti/token.php")
    key_set_url = StringField("Public keyset URL", [DataRequired("Enter the public keyset URL.")] + _URL,
                              filters=[_strip], description="Moodle: …/mod/lti/certs.php")
    instructor_team = SelectField("Instructors become managers of", coerce=_int_or_none, validate_choice=True)

    def set_choices(self, teams):
        self.instructor_team.choices = [SelectChoice("", "No team (managers without a team)")] + [
            SelectChoice(t.id, t.name) for t in teams]


class SyncForm(BaseForm):
    """Bring a course's members into a team."""

    team = SelectField("Team", coerce=_int_or_none, validate_choice=True,
                       validators=[DataRequired("Choose a team.")])

    def set_choices(self, teams):
        self.team.choices = [SelectChoice(t.id, t.name) for t in teams]


class DeepLinkForm(BaseForm):
    """The modules an instructor places in their course."""

    modules = SelectMultipleField("Modules", validators=[DataRequired("Choose at least one module.")])
