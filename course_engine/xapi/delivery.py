"""Sending the outbox to an organisation's LRS: batches, retries with exponential back-off,
refusals kept with their reason.

A batch is posted to ``<endpoint>/statements`` (xAPI 1.0.3 §7.2.2, POST of an array) with the
version header and HTTP basic authentication. The LRS's answer decides each row's fate:

- 2xx: every statement in the batch is stored (``sent_at``).
- no answer, 5xx or 429, and 401/403 (the key is wrong or revoked, which is the connection's
  problem, not the statements'): nothing is lost; the rows wait ``30 s * 2^(attempts-1)`` (at
  most 6 hours) and the problem is shown on the settings page.
- another 4xx: the batch is sent again one statement at a time, so one bad statement never
  holds back the others; the one the LRS refuses is kept with the reason (``refused_at``) and
  listed for the org admin.

A resend can never duplicate: the statement and its id were fixed when the row was written,
and an LRS stores a statement id once (a second POST of the same statement is accepted and
ignored). On PostgreSQL a batch is locked while it is sent (``SKIP LOCKED``), so two workers
never send the same rows at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import encryption, outbound
from ..db import session
from .models import LrsConnection, OutboxStatement

BATCH_SIZE = 50
FIRST_WAIT = 30
LONGEST_WAIT = 6 * 3600
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


class LrsAway(RuntimeError):
    """Raised by the job so the queue retries it (the rows already record the attempt)."""


@dataclass
class Outcome:
    """What one pass over an organisation's outbox did."""

    sent: int = 0
    refused: int = 0
    waiting: int = 0
    problem: str = ""
    refusals: list[str] = field(default_factory=list)

    def add(self, other: "Outcome") -> None:
        self.sent += other.sent
        self.refused += other.refused
        self.waiting += other.waiting
        self.problem = other.problem or self.problem
        self.refusals += other.refusals


def wait_after(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones (exponential, capped)."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def statements_url(connection: LrsConnection) -> str:
    return connection.endpoint.rstrip("/") + "/statements"


def post_statements(connection: LrsConnection, bodies: list[dict]):
    """POST statements to the LRS; raises ``outbound.RemoteUnavailable``/``RemoteRefused``."""
    secret = encryption.unseal(connection.secret_sealed)
    return outbound.request("POST", statements_url(connection), json=bodies, auth=(connection.key, secret),
                            headers=XAPI_HEADERS)


def _connection_problem(exc: outbound.RemoteRefused) -> bool:
    return exc.status in (401, 403)


def due_rows(organisation_id: int, now: datetime, *, limit: int = BATCH_SIZE, waiting_too: bool = False):
    """The next rows to send, oldest first (locked on PostgreSQL, see the module docstring)."""
    query = (select(OutboxStatement).where(OutboxStatement.organisation_id == organisation_id,
                                           OutboxStatement.sent_at.is_(None), OutboxStatement.refused_at.is_(None))
             .order_by(OutboxStatement.created_at, OutboxStatement.id).limit(limit)
             .with_for_update(skip_locked=True))
    if not waiting_too:
        query = query.where(OutboxStatement.next_attempt_at.is_(None) | (OutboxStatement.next_attempt_at <= now))
    return list(session.scalars(query))


def send_batch(connection: LrsConnection, rows: list[OutboxStatement], now: datetime) -> Outcome:
    """Send ``rows``; update each with what happened (flushes, never commits)."""
    outcome = Outcome()
    if not rows:
        return outcome
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
    try:
        post_statements(connection, [row.statement for row in rows])
    except outbound.RemoteUnavailable as exc:
        return _wait(connection, rows, now, str(exc))
    except outbound.RemoteRefused as exc:
        if _connection_problem(exc):
            return _wait(connection, rows, now, f"The store refused our key: {exc}")
        if len(rows) > 1:
            for row in rows:
                row.attempts -= 1  # counted again when sent alone
            for row in rows:
                if outcome.problem:  # the store went away or refused our key meanwhile: the rest wait
                    row.attempts += 1
                    outcome.add(_wait(connection, [row], now, outcome.problem))
                else:
                    outcome.add(send_batch(connection, [row], now))
            return outcome
        row = rows[0]
        row.refused_at = now
        row.last_error = str(exc)[:500]
        row.next_attempt_at = None
        outcome.refused = 1
        outcome.refusals.append(f"{row.statement_id}: {row.last_error}")
    except encryption.SecretUnreadable as exc:
        return _wait(connection, rows, now, str(exc))
    else:
        for row in rows:
            row.sent_at = now
            row.last_error = ""
            row.next_attempt_at = None
        outcome.sent = len(rows)
        connection.last_problem = ""
    session.flush()
    return outcome


def _wait(connection: LrsConnection, rows: list[OutboxStatement], now: datetime, problem: str) -> Outcome:
    for row in rows:
        row.next_attempt_at = now + timedelta(seconds=wait_after(row.attempts))
        row.last_error = problem[:500]
    connection.last_problem = problem[:500]
    connection.last_problem_at = now
    session.flush()
    return Outcome(waiting=len(rows), problem=problem)


def retry_refused(organisation_id: int, now: datetime) -> int:
    """Put refused rows back in line (after the admin fixed what the store objected to)."""
    rows = session.scalars(select(OutboxStatement).where(OutboxStatement.organisation_id == organisation_id,
                                                         OutboxStatement.refused_at.is_not(None))).all()
    for row in rows:
        row.refused_at = None
        row.next_attempt_at = now
    session.flush()
    return len(rows)
