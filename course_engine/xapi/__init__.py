"""Learning records to an organisation's learning record store (xAPI 1.0.3).

``init_app`` registers the blueprint, the ``flask xapi`` commands, the settings page in the
organisation menu and the receivers that write statements to the outbox in the same unit of
work as the event: ``attempt_started``, ``module_completed``, ``quiz_attempt_graded``, and
``decision_recorded`` (which writes nothing: it queues the collection job, see services.py).
"""
from flask import Blueprint, current_app

bp = Blueprint("xapi", __name__)


def init_app(app) -> None:
    """Register the blueprint, commands, menu link and signal receivers."""
    from .. import signals
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .cli import xapi_cli

    app.register_blueprint(bp)
    app.cli.add_command(xapi_cli)
    add_to_org_menu(app, OrgMenuLink("Settings", "Learning records (xAPI)", "xapi.settings", admins_only=True,
                                     order=25))
    signals.attempt_started.connect(on_attempt_started)
    signals.module_completed.connect(on_module_completed)
    signals.quiz_attempt_graded.connect(on_quiz_graded)
    signals.decision_recorded.connect(on_decision_recorded)


def on_attempt_started(sender, attempt, now, **_kwargs) -> None:
    """``attempt_started``: the ``attempted`` rows, in the same unit of work."""
    from .services import record_attempt_started

    record_attempt_started(attempt, now)


def on_module_completed(sender, completion, now, **_kwargs) -> None:
    """``module_completed``: ``completed`` and ``passed`` rows, in the same unit of work."""
    from .services import record_completion

    record_completion(completion, now)


def on_quiz_graded(sender, quiz_attempt_id, now, **_kwargs) -> None:
    """``quiz_attempt_graded``: the quiz result row, in the same unit of work."""
    from .services import record_quiz_result

    record_quiz_result(quiz_attempt_id, now)


def on_decision_recorded(sender, **_kwargs) -> None:
    """``decision_recorded`` (a single-write view: no writes, no queries): queue collection."""
    from .services import queue_collection

    queue_collection(current_app._get_current_object())


from . import routes, worker  # noqa: E402,F401  (routes attach to bp; worker registers the jobs)
