"""Read-only reporting queries for employers: completions, a person, a learner's own cells;
and, re-exported from their modules, the scope and filters (:mod:`.scope`) and the matrix and
summary (:mod:`.matrix`, the status rules in SQL). They return plain rows and dataclasses,
never ORM graphs (practice insights: ``insights.py``).

The screen and the CSV export of the same report call the same function, so they show
exactly the same rows and values. Every query is scoped to one organisation and, for a
manager, to the teams :func:`course_engine.orgs.services.visible_team_ids` allows. The number
of SQL statements per report is fixed, however many people there are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator

from sqlalchemy import func, select

from ..auth.models import User
from ..authoring.models import ModuleVersion
from ..db import session
from ..learner.models import Completion, ScenarioAttempt
from ..orgs.models import Membership, Organisation, Team
from ..quizzes.models import QuizAttempt
from .matrix import CHUNK, MatrixPage, Summary, Tally, iter_matrix, matrix_page, summary  # noqa: F401 (re-exported)
from .scope import (SORTS, Cell, Column, Filters, MatrixRow, Scope, columns_for, module_titles,  # noqa: F401
                    teams_in, utc_day)
from .status import Status, cell_status, effective_due, rule_book  # noqa: F401
from .status_sql import OPEN_STATUSES

#: Practice insights are shown only for groups of at least this many distinct learners.
MIN_GROUP = 5

# --- raw completions ------------------------------------------------------------------------

@dataclass(frozen=True)
class CompletionRow:
    name: str
    email: str
    team_name: str
    module_title: str
    version: int
    completed_at: datetime
    score_percent: float | None
    cpd_minutes: int


def completions(scope: Scope, filters: Filters, module_ids: list[int], *, limit: int | None = None,
                offset: int = 0) -> Iterator[CompletionRow]:
    """Completions of the visible people (team filter) for the given modules, newest first, streamed.

    The screen passes ``limit``/``offset``; the export streams every row.
    """
    if not module_ids:
        return
    query = (select(User.full_name, User.email, Team.name, ModuleVersion.title, ModuleVersion.number,
                    Completion.completed_at, Completion.score_percent, Completion.cpd_minutes)
             .select_from(Completion)
             .join(Membership, Membership.user_id == Completion.user_id)
             .join(User, User.id == Completion.user_id)
             .outerjoin(Team, Team.id == Membership.team_id)
             .join(ModuleVersion, ModuleVersion.id == Completion.version_id)
             .where(*scope.member_conditions(filters.team_id), Completion.module_id.in_(module_ids))
             .order_by(Completion.completed_at.desc(), Completion.id.desc()))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    result = session.execute(query, execution_options={"yield_per": CHUNK})
    try:
        for r in result:
            yield CompletionRow(r[0], r[1], r[2] or "", r[3], r[4], r[5], r[6], r[7])
    finally:
        result.close()


def count_completions(scope: Scope, filters: Filters, module_ids: list[int]) -> int:
    if not module_ids:
        return 0
    return session.scalar(
        select(func.count(Completion.id)).join(Membership, Membership.user_id == Completion.user_id)
        .where(*scope.member_conditions(filters.team_id), Completion.module_id.in_(module_ids))) or 0


# --- one person ---------------------------------------------------------------------------------

@dataclass
class PersonModule:
    column: Column
    cell: Cell
    attempts: int
    last_attempt_status: str | None
    last_active: datetime | None
    quiz_scores: list[float]
    completions: list[tuple[int, datetime, float | None]]


@dataclass
class Person:
    membership_id: int
    user_id: int
    name: str
    email: str
    team_name: str
    joined_at: datetime
    modules: list[PersonModule]


def person(scope: Scope, membership_id: int, today: date) -> Person | None:
    """A visible person's assigned modules with dates, attempts and quiz scores (None: not visible)."""
    row = session.execute(
        select(Membership.id, Membership.user_id, Membership.team_id, Membership.joined_at, User.full_name,
               User.email, Team.name)
        .join(User, User.id == Membership.user_id).outerjoin(Team, Team.id == Membership.team_id)
        .where(Membership.id == membership_id, *scope.member_conditions())).first()
    if row is None:
        return None
    book = rule_book(scope.organisation_id)
    requirements = book.requirements(row[0], row[2], row[3].date())
    titles = module_titles([r.module_id for r in requirements])
    module_ids = [r.module_id for r in requirements]
    done: dict[int, list] = {}
    for c_id, mid, at, score in session.execute(
            select(Completion.id, Completion.module_id, Completion.completed_at, Completion.score_percent)
            .where(Completion.user_id == row[1], Completion.module_id.in_(module_ids))
            .order_by(Completion.completed_at.desc())):
        done.setdefault(mid, []).append((c_id, at, score))
    attempts: dict[int, list] = {}
    for mid, status, last in session.execute(
            select(ScenarioAttempt.module_id, ScenarioAttempt.status, ScenarioAttempt.last_active_at)
            .where(ScenarioAttempt.user_id == row[1], ScenarioAttempt.module_id.in_(module_ids))
            .order_by(ScenarioAttempt.last_active_at)):
        attempts.setdefault(mid, []).append((status, last))
    scores: dict[int, list] = {}
    for mid, score in session.execute(
            select(QuizAttempt.module_id, QuizAttempt.score_percent)
            .where(QuizAttempt.user_id == row[1], QuizAttempt.module_id.in_(module_ids),
                   QuizAttempt.submitted_at.is_not(None)).order_by(QuizAttempt.submitted_at)):
        scores.setdefault(mid, []).append(score)
    modules = []
    for req in requirements:
        latest = done.get(req.module_id, [])
        completed_on = latest[0][1].date() if latest else None
        module_attempts = attempts.get(req.module_id, [])
        in_progress = any(s in OPEN_STATUSES for s, _ in module_attempts)
        status = cell_status(today=today, due_date=req.due_date, completed_on=completed_on, in_progress=in_progress,
                             recert_months=req.recert_months, window_days=req.window_days)
        cell = Cell(status, effective_due(status, req.due_date, completed_on, req.recert_months))
        slug, title = titles.get(req.module_id, (str(req.module_id), str(req.module_id)))
        modules.append(PersonModule(Column(req.module_id, slug, title), cell, len(module_attempts),
                                    module_attempts[-1][0].value if module_attempts else None,
                                    module_attempts[-1][1] if module_attempts else None,
                                    scores.get(req.module_id, []), latest))
    modules.sort(key=lambda m: m.column.title.lower())
    return Person(row[0], row[1], row[4], row[5], row[6] or "", row[3], modules)


# --- a learner's own cells across organisations ----------------------------------------------

@dataclass(frozen=True)
class OwnCell:
    slug: str
    title: str
    status: Status
    due_date: date | None
    organisation_name: str


def cells_for_user(user_id: int, today: date) -> list[OwnCell]:
    """This person's assigned modules in every organisation they belong to."""
    memberships = session.execute(
        select(Membership.id, Membership.organisation_id, Membership.team_id, Membership.joined_at, Organisation.name)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None))
        .order_by(Organisation.name)).all()
    plans = []
    for m_id, org_id, team_id, joined, org_name in memberships:
        book = rule_book(org_id)
        plans.append((org_name, book.requirements(m_id, team_id, joined.date())))
    module_ids = sorted({r.module_id for _, reqs in plans for r in reqs})
    if not module_ids:
        return []
    done = dict(session.execute(
        select(Completion.module_id, func.max(Completion.completed_at))
        .where(Completion.user_id == user_id, Completion.module_id.in_(module_ids))
        .group_by(Completion.module_id)).all())
    open_modules = set(session.scalars(
        select(ScenarioAttempt.module_id).where(ScenarioAttempt.user_id == user_id,
                                                ScenarioAttempt.module_id.in_(module_ids),
                                                ScenarioAttempt.status.in_(OPEN_STATUSES)).distinct()))
    titles = module_titles(module_ids)
    cells = []
    for org_name, reqs in plans:
        for req in reqs:
            completed_on = done[req.module_id].date() if req.module_id in done else None
            status = cell_status(today=today, due_date=req.due_date, completed_on=completed_on,
                                 in_progress=req.module_id in open_modules, recert_months=req.recert_months,
                                 window_days=req.window_days)
            slug, title = titles.get(req.module_id, (str(req.module_id), str(req.module_id)))
            cells.append(OwnCell(slug, title, status, effective_due(status, req.due_date, completed_on,
                                                                     req.recert_months), org_name))
    return cells
