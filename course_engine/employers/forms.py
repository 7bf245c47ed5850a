"""Forms for assignments."""
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import DataRequired, NumberRange, Optional

from ..forms import CreateForm
from ..inputs import choice_id


class AssignmentForm(CreateForm):
    """Assign a module to the organisation, a team or a person, with a due date rule."""

    module = SelectField("Module", coerce=choice_id, choices=[], validators=[DataRequired("Choose a module.")])
    target = RadioField("Assign to", choices=[C("organisation", "Everyone in the organisation"), C("team", "A team"),
                                              C("person", "One person")], default="team",
                        validators=[DataRequired("Choose who to assign it to.")])
    team = SelectField("Team", coerce=choice_id, choices=[], validate_choice=False, validators=[Optional()])
    person_email = StringField("Person's email address", validators=[Optional()],
                               description="They must be a member of this organisation.")
    due = RadioField("Due", choices=[C("none", "No due date"), C("date", "By a date"),
                                     C("days", "Within a number of days of joining")], default="date",
                     validators=[DataRequired("Choose when it is due.")])
    due_date = DateField("Due date", validators=[Optional()], description="For example, 2027-03-31.")
    due_days = IntegerField("Days after joining", validators=[Optional(), NumberRange(1, 3650)],
                            description="People who had already joined count from the day you assign it.")
    recert_months = IntegerField("Recertify every (months)", validators=[Optional(), NumberRange(1, 120)],
                                 description="Leave empty if a completion never expires.")
    recert_window_days = IntegerField("Recertification window opens (days before expiry)", default=30,
                                      validators=[Optional(), NumberRange(0, 365)])

    def validate(self, extra_validators=None):
        """Field rules, then the ones that depend on other answers (Optional() would skip them)."""
        ok = super().validate(extra_validators)
        if self.due.data == "date" and self.due_date.data is None and not self.due_date.errors:
            self.due_date.errors = list(self.due_date.errors) + ["Enter the due date as year-month-day, for example 2027-03-31."]
        if self.due.data == "days" and self.due_days.data is None and not self.due_days.errors:
            self.due_days.errors = list(self.due_days.errors) + ["Enter how many days after joining it is due."]
        if self.target.data == "team" and not self.team.data:
            self.team.errors = list(self.team.errors) + ["Choose a team."]
        if self.target.data == "person" and not (self.person_email.data or "").strip():
            self.person_email.errors = list(self.person_email.errors) + ["Enter the person's email address."]
        if not self.module.data:
            self.module.errors = list(self.module.errors) + ["Choose a module."] if not self.module.errors else self.module.errors
        return ok and not any(f.errors for f in self)


class ExportForm(CreateForm):
    """Ask for a full-organisation export (prepared in the background)."""

    kind = RadioField("What to export", choices=[C("matrix", "People by module (matrix): every person and assigned module, with status and due date"),
                                                C("completions", "Completions: every completion of an assigned module")],
                      default="matrix", validators=[DataRequired("Choose what to export.")])
