"""``flask reminders send``: email learners and managers about due and overdue learning."""
import click
from flask.cli import AppGroup

from .. import db

reminders_cli = AppGroup("reminders", help="Reminder emails about assigned learning.")


@reminders_cli.command("send")
def send_command():
    """Send today's reminders (safe to run hourly: at most one per person per day)."""
    from .reminders import send_reminders

    click.echo("Checking assignments...")
    run = send_reminders(db.utcnow(), echo=click.echo)
    db.commit_and_run_callbacks()
    click.echo(run.summary())
