"""Organisation administration forms."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm


class TeamForm(BaseForm):
    name = StringField("Team name", [DataRequired("Enter a name for the team."), Length(max=200)])
