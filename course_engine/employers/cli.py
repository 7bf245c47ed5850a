"""``flask reminders send``: email learners and managers about due and overdue learning."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import db, jobs, submissions

reminders_cli = AppGroup("reminders", help="Reminder emails about assigned learning.")


@reminders_cli.command("send")
def send_command():
    """Send today's reminders (safe to run hourly: at most one per person per day), and delete
    form submission keys older than a day (course_engine/submissions.py).

    With a queue (JOBS_BACKEND=rq) this queues the job for a worker and returns at once."""
    from .reminders import send_reminders

    if jobs.queued():
        jobs.enqueue("employers.send_reminders")
        db.commit_and_run_callbacks()
        click.echo("Queued the reminders job; a queue worker (flask jobs worker) sends them.")
        return

    click.echo("Checking assignments...")
    now = db.utcnow()
    run = send_reminders(now, echo=click.echo)
    purged = submissions.purge(now)  # this command already runs hourly: the keys' housekeeping rides on it
    db.commit_and_run_callbacks()
    click.echo(f"Deleted {purged} form submission keys older than a day.")
    click.echo(run.summary())


employers_cli = AppGroup("employers", help="Employer reports.")


@employers_cli.command("rebuild-status")
@click.option("--batch", default=10_000, show_default=True, help="Learner ids per batch (one transaction each).")
@click.option("--check", "check_only", is_flag=True, help="Only count the rows that differ; write nothing.")
def rebuild_status_command(batch: int, check_only: bool):
    """Recompute what the reports read: the per-learner, per-module facts
    (learner_module_state) from the attempts and completions, then each organisation's
    assignment cells (assignment_cell); batches and organisations that already match are left
    alone.

    Run it after loading data behind the application's back (a restore, a bulk import) or
    after deploying the migration that adds the table while learners were working. With
    ``--check`` it exits 1 if any row differs."""
    from ..learner import module_state
    from . import cells

    if batch < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch")
    click.echo("Checking learner_module_state against the attempts and completions...")
    facts = module_state.rebuild(batch=batch, check_only=check_only, echo=click.echo, commit=db.commit_and_run_callbacks)
    click.echo("Checking assignment_cell against the assignments, memberships and facts...")
    resolved = cells.rebuild(check_only=check_only, echo=click.echo, commit=db.commit_and_run_callbacks)
    click.echo(facts.summary(check_only))
    click.echo(resolved.summary(check_only))
    if check_only and (facts.differed or resolved.differed):
        raise SystemExit(1)


@employers_cli.command("refresh-insights")
@click.option("--organisation", "slug", default=None, help="Only this organisation (its slug).")
def refresh_insights_command(slug: str | None):
    """Recount the practice insights figures (insight_figure) of every organisation, or one,
    each in its own transaction. The pages queue this per organisation when their figures are
    over 15 minutes old; run it after a bulk import, or from cron if no queue worker runs."""
    from . import insight_figures
    from ..orgs.models import Organisation

    if slug is not None and db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is None:
        raise click.BadParameter(f"no organisation has the slug {slug!r}", param_hint="--organisation")
    click.echo("Counting practice insights figures...")
    done = insight_figures.refresh_all(slug, echo=click.echo, commit=db.commit_and_run_callbacks)
    click.echo(f"Refreshed {len(done)} organisations: {sum(d.rows for d in done)} figures "
               f"in {sum(d.seconds for d in done):.1f} s.")
