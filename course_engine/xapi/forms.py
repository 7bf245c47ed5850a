"""The org admin's LRS settings form."""
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LrsSettingsForm(BaseForm):
    """Where statements go, with what credentials, and what is sent (off by default)."""

    endpoint = StringField("xAPI endpoint", [DataRequired("Enter the learning record store's xAPI endpoint."),
                                             Length(max=500)], filters=[_strip],
                           description="The address your learning record store gives for xAPI, like "
                                       "https://lrs.example.gov.uk/xAPI/ (statements are sent to it + /statements).")
    key = StringField("Key (user name)", [DataRequired("Enter the key the learning record store gave you."),
                                          Length(max=255)], filters=[_strip])
    secret = PasswordField("Secret (password)", [Optional(), Length(max=1000)],
                           description="Stored encrypted; leave empty to keep the one stored.")
    enabled = BooleanField("Send learning records to this store")
    send_modules = BooleanField("Modules: started, completed and passed, with score and time spent", default=True)
    send_decisions = BooleanField("Decisions: each choice made in a scenario, with its judgement", default=True)
    send_quizzes = BooleanField("Quizzes: each graded quiz attempt, passed or failed, with its score", default=True)
    actor_email = BooleanField("Identify people by their email address instead of an anonymous id",
                               description="Off: each person is a random id that only course-engine can match to them. "
                                           "Turn this on only if your store must know people's email addresses.")
