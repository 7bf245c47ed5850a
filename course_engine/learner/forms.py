"""Learner forms. The scenario's choice form is written by hand in the template (its options
come from content), and checked by the service."""
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm, CreateForm


class FinalReflectionForm(BaseForm):
    what_learned = TextAreaField(
        "What did you learn?", [DataRequired("Write what you learned from this module."), Length(max=10_000)],
        description="Social Work England's CPD record asks this. Your answer is private unless you choose to share it.")
    impact_on_practice = TextAreaField(
        "How will it change your practice?",
        [DataRequired("Write how this will change your practice, and the impact on the people you work with."),
         Length(max=10_000)],
        description="Think about the children and families you work with, and your own assumptions.")


class StartModuleForm(CreateForm):
    """The content-warning gate before a module starts. Checked on the server (the page sets
    ``novalidate``, so the browser's own bubble never replaces the error summary)."""

    acknowledge = BooleanField(
        "I have read the content warning and know where to find support",
        [DataRequired("Confirm that you have read the content warning and know where to find support.")])
