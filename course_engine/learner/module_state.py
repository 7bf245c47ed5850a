"""Keeping :class:`.models.LearnerModuleState` current, and rebuilding it from the records.

Why: the employer reports judge every person x assigned module on two facts, the day of the
latest completion and whether an attempt is open. Finding them among every attempt and
completion of 20,000 people cost most of a report's time; reading one narrow row per person
and module does not.

Writers (every event that changes the facts; each adds one upsert to its own transaction):

* :func:`record_started` - an attempt started (``services.start_attempt``), which also
  abandons the open attempt there was, if any: ``open_attempts`` + 1 - (abandoned);
* :func:`record_completed` - a completion recorded (``services.try_complete``), which also
  closes the attempt: the latest completion day, ``open_attempts`` - (closed).

Nothing else changes an attempt's openness or adds or removes a completion: a choice or the
scenario's ending moves an attempt between "in progress" and "after the scenario", both open;
completions are never revoked; deleting a person deletes their attempts, completions and
these rows (``ON DELETE CASCADE``). Certificates are not read by the status rules.

The counts are deltas, not recounts, so two requests at once (two tabs) add up rather than
overwrite each other: the abandoning and closing UPDATEs are conditional on the attempt still
being open, and only the one that changed it counts it.

:func:`rebuild` recomputes the rows from the attempts and completions (``flask employers
rebuild-status``), batch by batch of learners, and says how many differed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy import Date, Integer, and_, bindparam, case, cast, delete, except_, func, literal, null, or_, select, union_all

from ..db import session, utc_day
from .models import AttemptStatus, Completion, LearnerModuleState, ScenarioAttempt

OPEN = (AttemptStatus.in_progress, AttemptStatus.scenario_done)
STATE = LearnerModuleState.__table__


@functools.lru_cache(maxsize=4)  # one per dialect: built once, as the player's hot statements are
def _upsert_statement(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(STATE).values(user_id=bindparam("user_id"), module_id=bindparam("module_id"),
                                     open_attempts=bindparam("open_delta"),
                                     last_completed_on=bindparam("completed_on", type_=Date))
    new, old = statement.excluded.last_completed_on, STATE.c.last_completed_on
    return statement.on_conflict_do_update(
        index_elements=[STATE.c.user_id, STATE.c.module_id],
        set_={"open_attempts": STATE.c.open_attempts + statement.excluded.open_attempts,
              "last_completed_on": case((or_(old.is_(None), and_(new.is_not(None), new > old)), new), else_=old)})


def _upsert(user_id: int, module_id: int, open_delta: int, completed_on: date | None):
    """One INSERT ... ON CONFLICT DO UPDATE: add ``open_delta`` and keep the later completion day."""
    session.execute(_upsert_statement(session.get_bind().dialect.name),
                    {"user_id": user_id, "module_id": module_id, "open_delta": open_delta, "completed_on": completed_on})


def record_started(user_id: int, module_id: int, abandoned: int) -> None:
    """An attempt was started (and ``abandoned`` open attempts were abandoned by it)."""
    _upsert(user_id, module_id, 1 - abandoned, None)


def record_completed(user_id: int, module_id: int, completed_at: datetime, closed: int) -> None:
    """A completion was recorded at ``completed_at`` (and ``closed`` open attempts closed by it)."""
    moment = completed_at.replace(tzinfo=timezone.utc) if completed_at.tzinfo is None else completed_at
    _upsert(user_id, module_id, -closed, moment.astimezone(timezone.utc).date())


# --- rebuilding from the records --------------------------------------------------------------

def source_rows(first_user: int | None = None, last_user: int | None = None):
    """What the rows should be, from the attempts and completions (learners in the id range)."""
    attempts = select(ScenarioAttempt.user_id, ScenarioAttempt.module_id,
                      case((ScenarioAttempt.status.in_(OPEN), 1), else_=0).label("open"),
                      cast(null(), Date).label("day"))
    completions = select(Completion.user_id, Completion.module_id, literal(0, Integer).label("open"),
                         utc_day(Completion.completed_at).label("day"))
    if first_user is not None:
        attempts = attempts.where(ScenarioAttempt.user_id.between(first_user, last_user))
        completions = completions.where(Completion.user_id.between(first_user, last_user))
    facts = union_all(attempts, completions).subquery("facts")
    return (select(facts.c.user_id, facts.c.module_id, func.max(facts.c.day).label("last_completed_on"),
                   func.sum(facts.c.open).label("open_attempts"))
            .group_by(facts.c.user_id, facts.c.module_id))


def refresh_learner(user_id: int) -> None:
    """Recompute one learner's rows from their records (for records written behind the
    application's back: an import, a repair, test data). Not for concurrent use."""
    session.execute(delete(STATE).where(STATE.c.user_id == user_id))
    session.execute(STATE.insert().from_select(["user_id", "module_id", "last_completed_on", "open_attempts"],
                                               source_rows(user_id, user_id)))


def _stored_rows(first_user: int, last_user: int):
    return (select(STATE.c.user_id, STATE.c.module_id, STATE.c.last_completed_on, STATE.c.open_attempts)
            .where(STATE.c.user_id.between(first_user, last_user)))


def differences(first_user: int, last_user: int) -> int:
    """How many rows differ between the table and the records (either way), for these learners."""
    source, stored = source_rows(first_user, last_user), _stored_rows(first_user, last_user)
    missing = select(func.count()).select_from(except_(source, stored).subquery())
    extra = select(func.count()).select_from(except_(stored, source).subquery())
    return (session.scalar(missing) or 0) + (session.scalar(extra) or 0)


@dataclass
class Rebuild:
    learners: int = 0
    rows: int = 0
    differed: int = 0
    batches_rewritten: int = 0

    def summary(self, check_only: bool) -> str:
        did = "would rewrite" if check_only else "rewrote"
        return (f"learner_module_state: {self.learners} learners checked, {self.rows} rows in the table; "
                f"{self.differed} differed from the records; {did} {self.batches_rewritten} batches")


def rebuild(batch: int = 10_000, check_only: bool = False, echo: Callable[[str], None] = lambda _m: None,
            commit: Callable[[], None] = lambda: None) -> Rebuild:
    """Make the table equal the records, ``batch`` learner ids at a time (each batch its own
    transaction via ``commit``): a batch that already matches is not written.

    Safe while learners work on PostgreSQL: a batch deletes and re-inserts its rows in one
    transaction; a learner's upsert waits for it and then adds to the rebuilt row.
    """
    from ..auth.models import User

    result = Rebuild()
    top = session.scalar(select(func.max(User.id))) or 0
    for first in range(1, top + 1, batch):
        last = first + batch - 1
        learners = session.scalar(select(func.count()).select_from(User).where(User.id.between(first, last))) or 0
        differed = differences(first, last)
        result.learners += learners
        result.differed += differed
        if differed and not check_only:
            session.execute(delete(STATE).where(STATE.c.user_id.between(first, last)))
            session.execute(STATE.insert().from_select(
                ["user_id", "module_id", "last_completed_on", "open_attempts"], source_rows(first, last)))
            result.batches_rewritten += 1
        elif differed:
            result.batches_rewritten += 1
        result.rows += session.scalar(select(func.count()).select_from(STATE)
                                      .where(STATE.c.user_id.between(first, last))) or 0
        commit()
        echo(f"  learners {first}-{min(last, top)}: {differed} rows differed"
             f"{' (rewritten)' if differed and not check_only else ''}")
    return result
