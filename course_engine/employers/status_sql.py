"""The status rules of :mod:`.status`, written as one SQL statement the database runs.

Why: judging every person x module in Python made the reports grow linearly with learners
(about 2 s for the summary of an organisation of 20,000), and so did resolving the
assignments and finding the facts in SQL on every request (about 0.5 to 2 s on the national
data). Now the requirement and the facts are kept per cell (:mod:`.cells`) and the database
judges only the status, due date and expiry, which depend on today's date.

:mod:`.status` stays the specification: ``tests/employers/test_status_sql.py`` checks that
this statement gives the same status and date as :func:`.status.cell_status` and
:class:`.status.RuleBook` for many generated organisations, on SQLite and PostgreSQL.

The rules, as SQL (see :mod:`.status` for them in words):

* requirements (:func:`requirements_cte`): every active assignment meets the people it
  targets (organisation: everyone; team: its members; person: that membership); per person
  and module the earliest due date (an absolute date, or N days after the later of joining
  and the assignment being made), the shortest recertification period and the widest window
  apply. This is written per member and module into ``assignment_cell`` whenever an
  assignment or membership changes (:mod:`.cells`), and the reports read those rows;
* facts: the UTC day of the latest completion, and whether an attempt is open, from
  :class:`course_engine.learner.models.LearnerModuleState` (one row per person and module,
  kept current by the learner's events), copied into each ``assignment_cell``;
* status: the CASE in :func:`cells` (same order of precedence as :func:`.status.cell_status`).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, and_, case, false, func, literal, null, or_, select, text, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from ..auth.models import User
from ..db import session
from ..learner.models import AttemptStatus
from ..orgs.models import Membership, Team
from .models import Assignment, AssignmentCell, TargetKind
from .scope import Filters, Scope, utc_day
from .status import DEFAULT_WINDOW_DAYS, DUE_SOON_DAYS, STATUS_RANK, Status

OPEN_STATUSES = (AttemptStatus.in_progress, AttemptStatus.scenario_done)


class add_days(FunctionElement):
    """``day + n`` days (a date on PostgreSQL, an ISO string on SQLite)."""

    type = NullType()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_sqlite(element, compiler, **kw):
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '+' || ({days}) || ' days')"


@compiles(add_days, "postgresql")
def _add_days_pg(element, compiler, **kw):
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({day} AS DATE) + ({days}))"


class add_months(FunctionElement):
    """:func:`course_engine.dates.add_months` in SQL: the same day N months later, or that
    month's last day (NULL months: NULL)."""

    type = NullType()
    inherit_cache = True
    name = "add_months"


@compiles(add_months)
def _add_months_sqlite(element, compiler, **kw):
    # SQLite rolls 31 Jan + 1 month over into March; the month's last day caps it.
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    return (f"min(date({day}, '+' || ({months}) || ' months'), "
            f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))")


@compiles(add_months, "postgresql")
def _add_months_pg(element, compiler, **kw):
    # PostgreSQL's month arithmetic already keeps to the month's last day.
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(CAST({day} AS DATE) + ({months}) * INTERVAL '1 month' AS DATE)"


class later_day(FunctionElement):
    """The later of two days (GREATEST on PostgreSQL, max() on SQLite)."""

    type = NullType()
    inherit_cache = True
    name = "later_day"


@compiles(later_day)
def _later_sqlite(element, compiler, **kw):
    return "max(%s)" % compiler.process(element.clauses, **kw)


@compiles(later_day, "postgresql")
def _later_pg(element, compiler, **kw):
    return "GREATEST(%s)" % compiler.process(element.clauses, **kw)


class earlier_day(FunctionElement):
    """The earlier of two days (LEAST on PostgreSQL, min() on SQLite)."""

    type = NullType()
    inherit_cache = True
    name = "earlier_day"


@compiles(earlier_day)
def _earlier_sqlite(element, compiler, **kw):
    return "min(%s)" % compiler.process(element.clauses, **kw)


@compiles(earlier_day, "postgresql")
def _earlier_pg(element, compiler, **kw):
    return "LEAST(%s)" % compiler.process(element.clauses, **kw)


def people_cte(scope: Scope, filters: Filters | None = None, only=None):
    """The visible current members with what a report shows of them."""
    where = list(scope.member_conditions(filters.team_id if filters else None))
    if only is not None:
        where.append(Membership.id.in_(only))
    return (select(Membership.id.label("membership_id"), Membership.user_id, Membership.team_id,
                   utc_day(Membership.joined_at).label("joined_on"), User.full_name, User.email,
                   Team.name.label("team_name"))
            .join(User, User.id == Membership.user_id).outerjoin(Team, Team.id == Membership.team_id)
            .where(*where).cte("people"))


def requirements_cte(scope: Scope, people, module_ids: list[int] | None):
    """Per person and module: the due date, recertification months and window that apply
    (``module_ids`` None: every assigned module). What :mod:`.cells` stores per cell."""
    active = (select(Assignment.module_id, Assignment.target_kind, Assignment.team_id, Assignment.membership_id,
                     Assignment.due_date, Assignment.due_days_after_joining.label("due_days"),
                     utc_day(Assignment.created_at).label("created_on"),
                     func.nullif(Assignment.recert_months, 0).label("recert_months"),
                     func.coalesce(Assignment.recert_window_days, DEFAULT_WINDOW_DAYS).label("window_days"))
              .where(Assignment.organisation_id == scope.organisation_id, Assignment.removed_at.is_(None),
                     *([] if module_ids is None else [Assignment.module_id.in_(module_ids)]))
              .cte("active"))
    relative = add_days(later_day(people.c.joined_on, active.c.created_on), active.c.due_days)
    # As RuleBook merges them: an assignment with both a date and "N days" (which the forms
    # never make) counts the earlier.
    due = case((and_(active.c.due_date.is_not(None), active.c.due_days.is_not(None)),
                earlier_day(active.c.due_date, relative)),
               (active.c.due_date.is_not(None), active.c.due_date),
               (active.c.due_days.is_not(None), relative),
               else_=null())

    def meeting(kind: TargetKind, condition):
        return (select(people.c.membership_id, people.c.user_id, people.c.team_id, active.c.module_id, due.label("due"),
                       active.c.recert_months, active.c.window_days)
                .select_from(people.join(active, and_(active.c.target_kind == kind.value, condition))))

    applied = union_all(meeting(TargetKind.organisation, true()),
                        meeting(TargetKind.team, active.c.team_id == people.c.team_id),
                        meeting(TargetKind.person, active.c.membership_id == people.c.membership_id)).subquery("applied")
    return (select(applied.c.membership_id, applied.c.user_id, applied.c.team_id, applied.c.module_id,
                   func.min(applied.c.due).label("due"),
                   func.min(applied.c.recert_months).label("recert_months"),
                   func.max(applied.c.window_days).label("window_days"))
            .group_by(applied.c.membership_id, applied.c.user_id, applied.c.team_id, applied.c.module_id)
            .subquery("requirement"))


def has_cells(scope: Scope, membership_id, module_ids: list[int]):
    """Whether the membership has an assignment cell among ``module_ids`` (one index probe)."""
    cell = AssignmentCell.__table__
    return (select(cell.c.membership_id).where(cell.c.membership_id == membership_id,
                                               cell.c.organisation_id == scope.organisation_id,
                                               cell.c.module_id.in_(module_ids)).exists())


def assigned(scope: Scope, people, module_ids: list[int]):
    """Whether a person has anything assigned among ``module_ids`` (no cell judged: cheap)."""
    active = (select(Assignment.target_kind, Assignment.team_id, Assignment.membership_id)
              .where(Assignment.organisation_id == scope.organisation_id, Assignment.removed_at.is_(None),
                     Assignment.module_id.in_(module_ids)))
    kind = Assignment.target_kind
    return or_(active.where(kind == TargetKind.organisation.value).exists(),
               people.c.team_id.in_(active.with_only_columns(Assignment.team_id).where(kind == TargetKind.team.value)),
               people.c.membership_id.in_(active.with_only_columns(Assignment.membership_id)
                                          .where(kind == TargetKind.person.value)))


def cells_cte(scope: Scope, today: date, module_ids: list[int], people=None, only=None):
    """Every visible person x assigned module among ``module_ids``: status, date to act by, rank.

    Read from :class:`.models.AssignmentCell` (the requirement and the facts, kept resolved
    per member and module by :mod:`.cells`), so only the status itself, which depends on
    today, is judged here. ``people`` is not needed (the rows carry the team); callers join
    it for names and the team filter. ``only``: just these memberships (a page's people).
    """
    cell = AssignmentCell.__table__
    where = [cell.c.organisation_id == scope.organisation_id, cell.c.module_id.in_(module_ids)]
    if only is not None:
        where.append(cell.c.membership_id.in_(only))
    if scope.team_ids is not None:
        where.append(cell.c.team_id.in_(sorted(scope.team_ids)) if scope.team_ids else false())
    facts = (select(cell.c.membership_id, cell.c.team_id, cell.c.module_id, cell.c.due, cell.c.window_days,
                    cell.c.last_completed_on.label("completed_on"),
                    add_months(cell.c.last_completed_on, cell.c.recert_months).label("expires_on"),
                    (cell.c.open_attempts > 0).label("open"))
             .where(*where).subquery("facts"))
    day = literal(today, type_=Date)
    soon = literal(today + timedelta(days=DUE_SOON_DAYS), type_=Date)
    completed = facts.c.completed_on.is_not(None)
    status = case(
        (and_(completed, facts.c.expires_on.is_(None)), Status.completed.value),
        (and_(completed, facts.c.expires_on <= day), Status.expired.value),
        (and_(completed, facts.c.expires_on <= add_days(day, facts.c.window_days)), Status.due_soon.value),
        (completed, Status.completed.value),
        (and_(facts.c.due.is_not(None), facts.c.due < day), Status.overdue.value),
        (and_(facts.c.due.is_not(None), facts.c.due <= soon), Status.due_soon.value),
        (facts.c.open, Status.in_progress.value),
        else_=Status.not_started.value)
    judged = select(facts.c.membership_id, facts.c.team_id, facts.c.module_id, status.label("status"),
                    case((completed, facts.c.expires_on), else_=facts.c.due).label("due")).subquery("judged")
    rank = case(*((judged.c.status == s.value, r) for s, r in STATUS_RANK.items()), else_=99)
    return select(judged.c.membership_id, judged.c.team_id, judged.c.module_id, judged.c.status, judged.c.due,
                  rank.label("rank")).cte("cell")


def tune_for_reports() -> None:
    """On PostgreSQL, for this transaction only: no JIT, and room to hash in memory.

    Why: the report statement's estimated cost is high enough for PostgreSQL to JIT-compile
    it, which took longer than running it (measured on the national data: 11.6 s of JIT for
    a statement that runs in well under that; see docs/performance.md), and its hash
    aggregates of 160,000 cells spilled to disk with the default 4 MB ``work_mem``. The CSV
    reads every row of its server-side cursor, so it is planned for all rows
    (``cursor_tuple_fraction`` 1), not for the first tenth.
    Set locally (``set_config(..., true)``, one statement): it ends with the transaction, so nothing leaks to the next request on a
    pooled or transaction-pooled connection.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true), "
                             "set_config('cursor_tuple_fraction', '1', true)"))
