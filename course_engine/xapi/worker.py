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
from ..learner.models import ScenarioAttempt
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


@jobs.job("xapi.collect_attempt", backoff=(30, 120, 600))
def collect_attempt_job(attempt_id: int) -> str:
    """After a decision: write its ``answered`` rows, then queue delivery to whoever receives it."""
    if not services.any_enabled():
        services.remember_none_enabled(current_app._get_current_object())
        return "none enabled"
    attempt = session.get(ScenarioAttempt, attempt_id)
    if attempt is None:
        return "no attempt"
    now = utcnow()
    organisations = []
    for connection in services.receiving_connections(attempt.user_id, attempt.module_id, now):
        if services.collect_decisions(connection, now, attempt_id=attempt_id):
            organisations.append(connection.organisation_id)
    for organisation_id in organisations:
        jobs.enqueue("xapi.send", organisation_id=organisation_id)
    return f"collected for {len(organisations)}"
