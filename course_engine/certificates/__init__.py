"""Certificates: issued on completion, downloaded by their holder, verified by anyone.

``init_app`` registers the blueprint, connects the ``module_completed`` receiver (which issues
the certificate inside the completion's unit of work), the home page's
``course_engine.completion_links`` extension point and the "Certificates" menu item.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app

bp = Blueprint("certificates", __name__)

log = logging.getLogger(__name__)

#: ``app.extensions`` key marking an app with certificates installed (the signal is global
#: to the process; apps without the feature ignore it).
EXTENSION = "course_engine.certificates"


def init_app(app) -> None:
    """Install certificates into ``app``: blueprint, completion receiver, home links, menu."""
    from .. import signals
    from ..navigation import NavLink, OrgMenuLink, add_to_menu, add_to_org_menu
    from .routes import completion_links

    app.register_blueprint(bp)
    app.extensions[EXTENSION] = True
    app.extensions["course_engine.completion_links"] = completion_links
    add_to_menu(app, NavLink("Certificates", "certificates.list_certificates", "/certificates"))
    add_to_org_menu(app, OrgMenuLink("Learning", "Certificates", "certificates.org_certificates", admins_only=True,
                                     also=("certificates.org_certificate",), order=20))
    # Connected once per process (blinker keeps one entry per receiver function).
    signals.module_completed.connect(issue_on_completion)


def issue_on_completion(sender, completion, now, **_kwargs) -> None:
    """``module_completed`` receiver: issue the certificate at once, in the same transaction.

    Drawing happens inside a savepoint: if it ever fails, the learner's completion still
    stands (it is what matters for their CPD); My certificates then offers to issue it, and
    ``flask certificates issue-missing`` issues every missing one.
    """
    if not current_app.extensions.get(EXTENSION):
        return
    from ..db import session
    from . import services

    try:
        with session.begin_nested():
            services.issue_for_completion(completion, now, current_app.config["BASE_URL"],
                                          current_app.config["SITE_NAME"])
    except Exception:  # noqa: BLE001 - see the docstring: never lose a completion to a drawing bug
        log.exception("Certificate for completion %s could not be issued; it will be retried", completion.id)


@bp.cli.command("issue-missing")
def issue_missing_command():
    """Issue a certificate for every completion that has none (after first installing
    certificates on a site with completions, or after a drawing failure)."""
    import click
    from sqlalchemy import select

    from ..db import commit_and_run_callbacks, session, utcnow
    from ..learner.models import Completion
    from . import services

    from .. import jobs

    user_ids = session.scalars(select(Completion.user_id).distinct().order_by(Completion.user_id)).all()
    if jobs.queued():  # a large re-issue: batches of people, each a job a worker on any host may take
        batches = [user_ids[i:i + ISSUE_BATCH] for i in range(0, len(user_ids), ISSUE_BATCH)]
        for batch in batches:
            jobs.enqueue(services.ISSUE_JOB, user_ids=batch)
        commit_and_run_callbacks()
        click.echo(f"Queued {len(batches)} job{'s' if len(batches) != 1 else ''} for {len(user_ids)} "
                   f"people with completions; queue workers (flask jobs worker) draw the certificates.")
        return
    issued = 0
    for user_id in user_ids:
        issued += len(services.issue_missing(user_id, utcnow(), current_app.config["BASE_URL"],
                                             current_app.config["SITE_NAME"]))
    commit_and_run_callbacks()
    click.echo(f"Issued {issued} missing certificate{'s' if issued != 1 else ''}.")


#: People per ``certificates.issue_missing`` job.
ISSUE_BATCH = 100


@bp.cli.command("issue-missing-badges")
def issue_missing_badges_command():
    """Sign an Open Badge for every certificate that has none (issued before badges existed)."""
    import click

    from ..db import commit_and_run_callbacks, utcnow
    from . import credentials

    signed = credentials.issue_missing(utcnow())
    commit_and_run_callbacks()
    click.echo(f"Signed {signed} missing badge{'s' if signed != 1 else ''}.")


@bp.cli.command("rotate-badge-key")
def rotate_badge_key_command():
    """Make a new badge signing key. The old keys stay published, so every badge verifies."""
    import click

    from ..db import commit_and_run_callbacks, utcnow
    from . import badge_keys

    new, retired = badge_keys.rotate(utcnow())
    commit_and_run_callbacks()
    click.echo(f"New badge key {new.kid}; {len(retired)} retired (still published).")


from . import badge_routes, routes, wallet_routes  # noqa: E402,F401
