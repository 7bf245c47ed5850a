"""Keeping :class:`.models.AssignmentCell` current, and rebuilding it.

One row per current member and assigned module: the requirement (earliest due date,
shortest recertification, widest window: the merge :class:`.status.RuleBook` does) and the
two facts (latest completion day, open attempts) from ``learner_module_state``. The reports
judge the status from it with today's date (:mod:`.status_sql`), so nothing here depends on
the day.

Writers, each in the transaction of the change, each one DELETE and one INSERT ... SELECT
(the requirement SQL of :mod:`.status_sql`) or one UPDATE:

* an assignment made or removed (``services.create_assignment`` / ``remove_assignment``):
  the organisation's rows for that module, :func:`refresh`;
* a membership added, reactivated, deactivated, moved to another team or given another role
  (``signals.membership_changed`` from ``orgs.services``): that membership's rows;
* an attempt started or a module completed (``signals.attempt_started`` /
  ``module_completed``, after ``learner_module_state`` was updated): the facts of that
  person's rows for the module, :func:`refresh_facts`.

Deleting a person, a membership or an organisation deletes the rows (``ON DELETE CASCADE``).
:func:`rebuild` recomputes every organisation's rows (``flask employers rebuild-status``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import Integer, bindparam, delete, except_, func, literal, select, update

from ..db import session
from ..learner.models import LearnerModuleState
from ..orgs.models import Organisation
from .models import AssignmentCell
from .scope import Scope
from .status_sql import people_cte, requirements_cte

CELL = AssignmentCell.__table__
STATE = LearnerModuleState.__table__
COLUMNS = ["membership_id", "module_id", "organisation_id", "user_id", "team_id", "due", "recert_months",
           "window_days", "last_completed_on", "open_attempts"]


def computed_rows(organisation_id: int, module_ids: Iterable[int] | None = None,
                  membership_ids: Iterable[int] | None = None):
    """The rows as the assignments, memberships and learner facts say they should be."""
    scope = Scope(organisation_id, None)
    people = people_cte(scope, only=sorted(membership_ids) if membership_ids is not None else None)
    req = requirements_cte(scope, people, sorted(module_ids) if module_ids is not None else None)
    return (select(req.c.membership_id, req.c.module_id, literal(organisation_id, Integer),
                   req.c.user_id, req.c.team_id, req.c.due, req.c.recert_months, req.c.window_days,
                   STATE.c.last_completed_on, func.coalesce(STATE.c.open_attempts, 0))
            .select_from(req.outerjoin(STATE, (STATE.c.user_id == req.c.user_id)
                                       & (STATE.c.module_id == req.c.module_id))))


def _where(organisation_id: int, module_ids, membership_ids) -> list:
    where = [CELL.c.organisation_id == organisation_id]
    if module_ids is not None:
        where.append(CELL.c.module_id.in_(sorted(module_ids)))
    if membership_ids is not None:
        where.append(CELL.c.membership_id.in_(sorted(membership_ids)))
    return where


def refresh(organisation_id: int, module_ids: Iterable[int] | None = None,
            membership_ids: Iterable[int] | None = None) -> None:
    """Rewrite the organisation's rows (only those modules / memberships, if given)."""
    module_ids = list(module_ids) if module_ids is not None else None
    membership_ids = list(membership_ids) if membership_ids is not None else None
    session.execute(delete(CELL).where(*_where(organisation_id, module_ids, membership_ids)))
    session.execute(CELL.insert().from_select(COLUMNS, computed_rows(organisation_id, module_ids, membership_ids)))


def _facts_update():
    state = (STATE.c.user_id == CELL.c.user_id) & (STATE.c.module_id == CELL.c.module_id)
    return (update(CELL).where(CELL.c.user_id == bindparam("cell_user"), CELL.c.module_id == bindparam("cell_module"))
            .values(last_completed_on=select(STATE.c.last_completed_on).where(state).scalar_subquery(),
                    open_attempts=func.coalesce(select(STATE.c.open_attempts).where(state).scalar_subquery(), 0)))


#: Built once: it runs on every attempt started and module completed.
_FACTS_UPDATE = _facts_update()


def refresh_facts(user_id: int, module_id: int) -> None:
    """Copy the person's learner_module_state row for the module into their cells (every
    organisation they belong to): one UPDATE, by the (user, module) index."""
    session.execute(_FACTS_UPDATE, {"cell_user": user_id, "cell_module": module_id})


# --- receivers --------------------------------------------------------------------------------

def on_membership_changed(sender, membership, **_kwargs) -> None:
    refresh(membership.organisation_id, membership_ids=[membership.id])


def on_attempt_started(sender, attempt, **_kwargs) -> None:
    refresh_facts(attempt.user_id, attempt.module_id)


def on_module_completed(sender, completion, **_kwargs) -> None:
    refresh_facts(completion.user_id, completion.module_id)


# --- rebuilding -------------------------------------------------------------------------------

def differences(organisation_id: int) -> int:
    """How many of the organisation's rows differ from what they should be (either way)."""
    stored = select(*(CELL.c[name] for name in COLUMNS)).where(CELL.c.organisation_id == organisation_id)
    computed = computed_rows(organisation_id)
    missing = select(func.count()).select_from(except_(computed, stored).subquery())
    extra = select(func.count()).select_from(except_(stored, computed).subquery())
    return (session.scalar(missing) or 0) + (session.scalar(extra) or 0)


@dataclass
class Rebuild:
    organisations: int = 0
    rows: int = 0
    differed: int = 0
    rewritten: int = 0

    def summary(self, check_only: bool) -> str:
        did = "would rewrite" if check_only else "rewrote"
        return (f"assignment_cell: {self.organisations} organisations checked, {self.rows} rows in the table; "
                f"{self.differed} differed; {did} {self.rewritten} organisations")


def rebuild(check_only: bool = False, echo: Callable[[str], None] = lambda _m: None,
            commit: Callable[[], None] = lambda: None) -> Rebuild:
    """Make every organisation's rows what they should be, one organisation per transaction;
    an organisation whose rows already match is not written. Run after learner_module_state
    is rebuilt (its facts are copied from there)."""
    result = Rebuild()
    for org_id, slug in session.execute(select(Organisation.id, Organisation.slug).order_by(Organisation.id)).all():
        differed = differences(org_id)
        result.organisations += 1
        result.differed += differed
        if differed:
            result.rewritten += 1
            if not check_only:
                refresh(org_id)
        result.rows += session.scalar(select(func.count()).select_from(CELL)
                                      .where(CELL.c.organisation_id == org_id)) or 0
        commit()
        if differed:
            echo(f"  {slug}: {differed} rows differed{'' if check_only else ' (rewritten)'}")
    return result
