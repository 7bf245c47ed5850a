"""Quizzes after a scenario: drawn per attempt, answers kept, graded once, retakes by the module's rules."""
from flask import Blueprint

bp = Blueprint("quizzes", __name__)


def init_app(app) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)


from . import routes  # noqa: E402,F401
