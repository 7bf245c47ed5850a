"""CPD record forms. Dates and minutes are parsed here with messages that name the field, so
a typo gets a clear error rather than WTForms' generic "Not a valid ... value"."""
from __future__ import annotations

from datetime import date, datetime

from wtforms import Field, FileField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from ..forms import CreateForm
from .standards import CODES, STANDARD_4
from .models import ACTIVITY_TYPE_LABELS, PEER_FORMAT_LABELS, ActivityType, PeerFormat
from .services import MINUTES_MAX, ROLE_MAX_CHARS, TEXT_MAX_CHARS, TITLE_MAX_CHARS

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


def parse_day(text: str | None) -> date | None:
    """A date typed as 2026-03-17 (what date inputs send), 17/03/2026 or 17 March 2026; None if not one."""
    text = " ".join((text or "").split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class DayField(StringField):
    """A date typed as text, kept as typed when it is wrong; ``day`` is the parsed date (or None).

    A text input rather than ``type=date`` (as GOV.UK advises): browsers blank a native date
    input they cannot parse, so a mistyped date would be lost along with its error.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, what: str = "the date", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what

    @property
    def day(self) -> date | None:
        return self.data if isinstance(self.data, date) else parse_day(self.data)

    def _value(self):
        if isinstance(self.data, date):
            return self.data.strftime("%d/%m/%Y")
        return self.data or ""

    def pre_validate(self, form):
        what = self.what
        if isinstance(self.data, date):
            return
        if not (self.data or "").strip():
            raise ValidationError(f"Enter {what}.")
        if self.day is None:
            raise ValidationError(f"{what[0].upper()}{what[1:]} must be a real date, for example 17/03/2026.")


class MinutesField(StringField):
    """Whole minutes, typed as text with a numeric keyboard (GOV.UK's advice over ``type=number``,
    which silently drops what it cannot parse); ``minutes`` is the parsed number (or None)."""

    widget = TextInput()

    def __call__(self, **kwargs):
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(**kwargs)

    @property
    def minutes(self) -> int | None:
        text = str(self.data if self.data is not None else "").strip()
        return int(text) if text.isdigit() else None

    def pre_validate(self, form):
        value = self.minutes
        if value is None or not 1 <= value <= MINUTES_MAX:
            raise ValidationError(f"Enter the time it took in minutes, as a whole number from 1 to {MINUTES_MAX:,}.")


class EntryForm(CreateForm):
    """A piece of CPD done elsewhere, with the fields Social Work England's record asks for."""

    activity_type = SelectField(
        "Type of CPD", choices=[SelectChoice("", "Choose a type")] + [SelectChoice(t.value, ACTIVITY_TYPE_LABELS[t]) for t in ActivityType],
        validators=[DataRequired("Choose the type of CPD.")], validate_choice=False,
        description="These types are ours, to help you sort your record; choose the closest.")
    title = StringField("Title", [DataRequired("Enter a title for this CPD."), Length(max=TITLE_MAX_CHARS)],
                        description="For example, the name of the course, article or event.")
    activity_date = DayField("Date", what="the date you did this CPD",
                             description="The day you did it, or finished it. For example, 17/03/2026.")
    minutes = MinutesField("Time spent, in minutes", description="For example, 90 for an hour and a half.")
    description = TextAreaField(
        "Description, and why it is relevant",
        [DataRequired("Describe the CPD and why it is relevant to your practice."), Length(max=TEXT_MAX_CHARS)],
        description="What you did, and why it matters for your practice.")
    what_learned = TextAreaField("What I learned", [DataRequired("Write what you learned."),
                                                    Length(max=TEXT_MAX_CHARS)])
    impact_on_practice = TextAreaField(
        "The impact on my practice and on the people I work with",
        [DataRequired("Write the impact on your practice and on the people you work with."),
         Length(max=TEXT_MAX_CHARS)],
        description="What you will do differently, and what it means for the children, families and adults you work with.")
    standard_4_parts = SelectMultipleField(
        "The parts of Social Work England's standard 4 this evidences (optional)",
        choices=[SelectChoice(p.code, p.label) for p in STANDARD_4], validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description="Social Work England's CPD form asks which parts of standard 4 your CPD shows. "
                    "Choose any that apply.")

    def validate_standard_4_parts(self, field: Field) -> None:
        if any(code not in CODES for code in field.data or []):
            raise ValidationError("Choose the parts of standard 4 from the list.")

    def validate_activity_type(self, field: Field) -> None:
        if field.data and field.data not in {t.value for t in ActivityType}:
            raise ValidationError("Choose the type of CPD from the list.")


class PeerReflectionForm(CreateForm):
    """What the learner took from discussing a piece of CPD with a colleague."""

    discussed_on = DayField("Date of the discussion", what="the date of the discussion",
                            description="For example, 17/03/2026.")
    peer_role = StringField(
        "Your colleague's role", [DataRequired("Enter your colleague's role (not their name)."),
                                  Length(max=ROLE_MAX_CHARS)],
        description="Their role, not their name: for example, senior practitioner or family support worker. "
                    "Keep names out of your record.")
    format = RadioField("How did you discuss it?", choices=[SelectChoice(f.value, PEER_FORMAT_LABELS[f]) for f in PeerFormat],
                        validators=[DataRequired("Choose how you discussed it.")],
                        validate_choice=False)
    what_learned = TextAreaField(
        "What I learned from the discussion",
        [DataRequired("Write what you learned from discussing it with your colleague."), Length(max=TEXT_MAX_CHARS)],
        description="What your colleague's view added, challenged or confirmed.")

    def validate_format(self, field: Field) -> None:
        if field.data and field.data not in {f.value for f in PeerFormat}:
            raise ValidationError("Choose how you discussed it from the list.")


class EvidenceForm(CreateForm):
    """One evidence file for an entry (the file itself is read from ``request.files`` by the route)."""

    file = FileField("Evidence file", description="A PDF, a PNG or JPEG image, or a Word document (.docx). "
                                                  "Files are checked by what they contain, not by their name.")
