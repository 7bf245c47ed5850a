"""Quizzes after a scenario: drawn per attempt, answers kept, graded once, retakes by the module's rules."""
from flask import Blueprint

bp = Blueprint("quizzes", __name__)


def init_app(app) -> None:
    """Register the blueprint and the quiz as a requirement of completing a module."""
    from ..learner.services import REQUIREMENTS
    from .completion import QuizRequirement

    app.register_blueprint(bp)
    requirements = app.extensions.setdefault(REQUIREMENTS, [])
    if not any(isinstance(r, QuizRequirement) for r in requirements):
        requirements.append(QuizRequirement())


from . import routes  # noqa: E402,F401
