"""The learner journey: my learning, catalogue, module page, scenario player, reflection, completion."""
from flask import Blueprint

from ..navigation import NavLink

bp = Blueprint("learner", __name__)

#: 'Modules' (the catalogue) in the menu.
NAV_LINK = NavLink("Modules", "learner.catalogue", "/modules")


def init_app(app) -> None:
    """Register the blueprint and the "Modules" menu link."""
    from .. import signals
    from ..navigation import add_to_menu
    from .services import complete_after_quiz

    app.register_blueprint(bp)
    add_to_menu(app, NAV_LINK)
    # Connected once per process (blinker keeps one entry per receiver function).
    signals.quiz_attempt_graded.connect(complete_after_quiz)


from . import routes  # noqa: E402,F401
