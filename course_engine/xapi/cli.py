"""``flask xapi send``: drain every organisation's outbox now (cron, or after an outage)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..db import session, utcnow
from .models import LrsConnection, OutboxStatement


@click.group("xapi", cls=AppGroup)
def xapi_cli():
    """Learning records (xAPI) for organisations' learning record stores."""


@xapi_cli.command("send")
@click.option("--all", "waiting_too", is_flag=True, help="Also send rows still waiting out their back-off.")
def send_command(waiting_too):
    """Collect and send every pending statement, with progress and a one-line summary."""
    from .delivery import Outcome
    from .worker import drain

    now = utcnow()
    connections = session.scalars(select(LrsConnection).where(LrsConnection.enabled.is_(True))
                                  .order_by(LrsConnection.organisation_id)).all()
    total = Outcome()
    for connection in connections:
        name = connection.organisation.name

        def progress(outcome, name=name):
            click.echo(f"  {name}: sent {outcome.sent}, refused {outcome.refused}, waiting {outcome.waiting}")

        total.add(drain(connection, now, waiting_too=waiting_too, progress=progress))
    pending = session.scalar(select(func.count()).select_from(OutboxStatement).where(
        OutboxStatement.sent_at.is_(None), OutboxStatement.refused_at.is_(None))) or 0
    click.echo(f"Sent {total.sent} statement{'s' if total.sent != 1 else ''} to {len(connections)} "
               f"store{'s' if len(connections) != 1 else ''}; {total.refused} refused; {pending} still pending"
               + (f" ({total.problem})" if total.problem else "") + ".")
