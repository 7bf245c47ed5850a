"""``flask reminders send``: email learners and managers about due and overdue learning."""
import click
from flask.cli import AppGroup

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
