"""Organisation administration forms. Choices that depend on the organisation are set by the view."""
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import BaseForm, CreateForm
from ..inputs import choice_id
from .models import OrgRole


def _strip(value):
    return value.strip() if isinstance(value, str) else value


#: An id choice: None for none, -1 (not a choice: a clear form error) for anything not an id.
_int_or_none = choice_id


def _role_choices(roles=tuple(OrgRole)):
    return [SelectChoice(role.value, role.label) for role in roles]


class TeamForm(CreateForm):
    name = StringField("Team name", [DataRequired("Enter a name for the team."), Length(max=200)])


class InviteForm(CreateForm):
    """Invite one person. Managers get only the learner role and their own teams as choices."""

    email = EmailField("Email address", [DataRequired("Enter the person's email address."),
                                         Email("Enter an email address like name@example.org."), Length(max=320)],
                       filters=[_strip])
    full_name = StringField("Name (optional)", [Optional(), Length(max=200)], filters=[_strip],
                            description="Used to greet them; they can correct it when they accept.")
    role = SelectField("Role", choices=_role_choices(), default=OrgRole.learner.value,
                       validate_choice=True)
    team = SelectField("Team", coerce=_int_or_none, validate_choice=True)

    def set_choices(self, teams, roles=tuple(OrgRole), team_required=False):
        self.role.choices = _role_choices(roles)
        choices = [SelectChoice(t.id, t.name) for t in teams]
        self.team.choices = choices if team_required else [SelectChoice("", "No team")] + choices


class MemberForm(BaseForm):
    """Change a member's role and team (org admin)."""

    role = SelectField("Role", choices=_role_choices())
    team = SelectField("Team", coerce=_int_or_none)

    def set_choices(self, teams):
        self.team.choices = [SelectChoice("", "No team")] + [SelectChoice(t.id, t.name) for t in teams]


class PickMemberForm(BaseForm):
    """Choose one person (a manager for a team, or a delegate for a manager)."""

    membership_id = SelectField("Person", coerce=_int_or_none,
                                validators=[DataRequired("Choose a person.")])

    def set_choices(self, rows, label="Person"):
        self.membership_id.label.text = label
        self.membership_id.choices = [SelectChoice(m.id, f"{u.full_name} ({u.email})") for m, u in rows]


class JoinForm(BaseForm):
    """A new person registers through an invitation: the email is fixed by the invitation."""

    full_name = StringField("Full name", [DataRequired("Enter your name as it should appear on certificates."),
                                          Length(max=200)],
                            description="As it should appear on your CPD certificates.")
    password = PasswordField("Password", [DataRequired("Choose a password.")],
                             description="At least 12 characters. A phrase of several words works well.")
