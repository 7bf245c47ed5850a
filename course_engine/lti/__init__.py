"""LTI 1.3 tool with LTI Advantage: launches from an organisation's LMS (Moodle, Totara and
others), deep linking, grades back to the LMS (AGS) and course rosters into teams (NRPS).

``init_app`` registers the blueprint, the ``flask lti`` commands and the ``module_completed``
receiver that queues scores for the platforms a learner launched the module from.
"""
from flask import Blueprint

bp = Blueprint("lti", __name__)


def init_app(app) -> None:
    """Register the blueprint, commands and the completion receiver."""
    from .. import signals
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .cli import lti_cli

    app.register_blueprint(bp)
    app.cli.add_command(lti_cli)
    add_to_org_menu(app, OrgMenuLink("Settings", "LMS (LTI)", "lti.overview", admins_only=True, order=20))
    signals.module_completed.connect(queue_scores_on_completion)


def queue_scores_on_completion(sender, completion, now, **_kwargs) -> None:
    """``module_completed`` receiver: write the score outbox rows in the same unit of work."""
    from .grades import queue_scores

    queue_scores(completion, now)


from . import grades, routes  # noqa: E402,F401  (routes attach to bp; grades registers its job)
