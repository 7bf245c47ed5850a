"""The delivery jobs: collect what the player recorded, then send the outbox in batches.

Each batch is committed as soon as the LRS has answered, so a long drain keeps what it has
done if it stops half way. When the store is away the job commits the rows' next times and
raises, so the queue (RQ) retries it on its own back-off; with the inline backend run
``flask xapi send`` from cron, as for LTI scores.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..db import session, utcnow
from . import delivery, services
from .models import LrsConnection


def drain(connection: LrsConnection, now: datetime, *, waiting_too: bool = False,
          progress: Callable[[delivery.Outcome], None] | None = None) -> delivery.Outcome:
    """Collect the organisation's decisions, then send every due row, batch by batch
    (committing each); stops at the first batch the store cannot take now."""
    total = delivery.Outcome()
    services.collect_decisions(connection, now)
    session.commit()
    while True:
        rows = delivery.due_rows(connection.organisation_id, now, waiting_too=waiting_too)
        if not rows:
            break
        outcome = delivery.send_batch(connection, rows, now)
        session.commit()
        total.add(outcome)
        if progress:
            progress(outcome)
        if outcome.problem:
            break
    return total


@jobs.job("xapi.send", backoff=(30, 60, 120, 240, 480, 960, 1920, 3600))
def send_job(organisation_id: int) -> str:
    """Send one organisation's outbox; raise when the store is away so the queue retries."""
    connection = session.scalar(select(LrsConnection).where(LrsConnection.organisation_id == organisation_id))
    if connection is None or not connection.enabled:
        return "off"
    outcome = drain(connection, utcnow())
    if outcome.problem:
        raise delivery.LrsAway(f"organisation {organisation_id}: {outcome.problem}; retried later")
    return f"sent {outcome.sent}, refused {outcome.refused}"


@jobs.job("xapi.collect", backoff=(30, 120, 600))
def collect_job() -> str:
    """The service-wide collection (queued by player moves, at most one per
    services.COLLECT_WINDOW): every switched-on organisation's new ``answered`` rows, then
    delivery queued for each that has some."""
    if not services.any_enabled():
        services.remember_none_enabled(current_app._get_current_object())
        return "none enabled"
    now = utcnow()
    connections = session.scalars(select(LrsConnection).where(
        LrsConnection.enabled.is_(True), LrsConnection.send_decisions.is_(True))
        .order_by(LrsConnection.organisation_id)).all()
    organisations = [c.organisation_id for c in connections if services.collect_decisions(c, now)]
    services.queue_delivery(organisations)
    return f"collected for {len(organisations)} of {len(connections)}"


@jobs.job("xapi.collect_attempt", backoff=(30, 120, 600))
def collect_attempt_job(attempt_id: int) -> str:
    """The job player moves queued before the service-wide one: kept so that jobs already in
    a queue when this version is deployed still run; does the service-wide collection."""
    return collect_job()
