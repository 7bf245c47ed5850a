"""Read-only reporting queries for employers: the matrix, the summary, completions, a person.
They return plain rows and dataclasses, never ORM graphs (practice insights: ``insights.py``).

Over 400 lines because the people x modules stream and every report built on it (summary,
matrix page, CSV, a person, a learner's own cells) share its scope, filters and row shape;
splitting them would spread one statement's contract over several files.

The screen and the CSV export of the same report call the same function here, so they show
exactly the same rows and values. Every query is scoped to one organisation and, for a
manager, to the teams :func:`course_engine.orgs.services.visible_team_ids` allows.

The number of SQL statements per report is fixed: people and their per-module facts come
back from one statement streamed in order, however many people there are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterator, NamedTuple

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from ..auth.models import User
from ..authoring.models import ContentModule, ModuleVersion
from ..db import session
from ..learner.models import AttemptStatus, Completion, ScenarioAttempt
from ..orgs.models import Membership, Organisation, Team
from ..orgs.services import visible_team_ids
from ..quizzes.models import QuizAttempt
from .status import STATUS_ORDER, RuleBook, Status, cell_status, effective_due, rule_book

#: Rows fetched from the database at a time when streaming.
CHUNK = 1000
#: Practice insights are shown only for groups of at least this many distinct learners.
MIN_GROUP = 5
OPEN_STATUSES = (AttemptStatus.in_progress, AttemptStatus.scenario_done)


# --- a UTC calendar day in SQL, cheap to read back -------------------------------------------

class utc_day(FunctionElement):
    """The UTC calendar day of a UTC datetime column (a str on SQLite, a date on PostgreSQL).

    Decided by the database, so reports never parse full datetimes row by row.
    """

    type = NullType()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _utc_day_default(element, compiler, **kw):
    return "date(%s)" % compiler.process(element.clauses, **kw)


@compiles(utc_day, "postgresql")
def _utc_day_pg(element, compiler, **kw):
    return "CAST((%s) AT TIME ZONE 'UTC' AS DATE)" % compiler.process(element.clauses, **kw)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- scope and filters ---------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Whose records a viewer may see: one organisation, and (managers) some of its teams."""

    organisation_id: int
    #: None: every team and people with no team (org admin).
    team_ids: frozenset[int] | None

    @classmethod
    def for_member(cls, membership: Membership) -> "Scope":
        visible = visible_team_ids(membership)
        return cls(membership.organisation_id, None if visible is None else frozenset(visible))

    def sees_team(self, team_id: int | None) -> bool:
        return self.team_ids is None or team_id in self.team_ids

    def member_conditions(self, team_id: int | None = None) -> list:
        conditions = [Membership.organisation_id == self.organisation_id, Membership.deactivated_at.is_(None)]
        if self.team_ids is not None:
            conditions.append(Membership.team_id.in_(sorted(self.team_ids)) if self.team_ids else false())
        if team_id is not None:
            conditions.append(Membership.team_id == team_id)
        return conditions

    def member_user_ids(self, team_id: int | None = None):
        """A subquery of the user ids of the visible current members."""
        return select(Membership.user_id).where(*self.member_conditions(team_id))


SORTS = ("name", "team")


@dataclass(frozen=True)
class Filters:
    """The matrix and export filters (all optional), and the sort.

    ``sort`` is ``name``, ``team`` or ``status:<module id>`` (most urgent first).
    """

    team_id: int | None = None
    module_id: int | None = None
    status: Status | None = None
    sort: str = "name"

    @property
    def sort_module_id(self) -> int | None:
        if self.sort.startswith("status:") and self.sort[7:].isdigit():
            return int(self.sort[7:])
        return None


@dataclass(frozen=True)
class Column:
    """An assigned module, as a matrix column."""

    module_id: int
    slug: str
    title: str


class Cell(NamedTuple):
    """One person's status for one assigned module, and the date to act by."""

    status: Status
    due_date: date | None


@dataclass
class MatrixRow:
    membership_id: int
    user_id: int
    name: str
    email: str
    team_name: str
    team_id: int | None
    #: One per column: None where the module is not assigned to this person.
    cells: list[Cell | None]


def module_titles(module_ids) -> dict[int, tuple[str, str]]:
    """{module id: (slug, title of the current version)} (one query)."""
    if not module_ids:
        return {}
    rows = session.execute(
        select(ContentModule.id, ContentModule.slug, ModuleVersion.title)
        .outerjoin(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
        .where(ContentModule.id.in_(sorted(module_ids)))).all()
    return {r[0]: (r[1], r[2] or r[1]) for r in rows}


def columns_for(book: RuleBook, filters: Filters | None = None) -> list[Column]:
    """The matrix columns: assigned modules by title (just one with a module filter)."""
    titles = module_titles(book.module_ids)
    columns = [Column(mid, *titles.get(mid, (str(mid), str(mid)))) for mid in book.module_ids]
    columns.sort(key=lambda c: c.title.lower())
    if filters is not None and filters.module_id is not None:
        columns = [c for c in columns if c.module_id == filters.module_id]
    return columns


def teams_in(scope: Scope) -> list[tuple[int, str]]:
    """The visible, unarchived teams (id, name) by name."""
    query = select(Team.id, Team.name).where(Team.organisation_id == scope.organisation_id,
                                             Team.archived_at.is_(None)).order_by(Team.name)
    if scope.team_ids is not None:
        query = query.where(Team.id.in_(sorted(scope.team_ids)) if scope.team_ids else false())
    return [(r[0], r[1]) for r in session.execute(query)]


# --- the people x modules stream -------------------------------------------------------------

def _statements(scope: Scope, module_ids: list[int], filters: Filters, only=None):
    """Three narrow statements in the same order: the visible people, the day of each one's
    latest completion per module, and the modules each one has an attempt open at.

    Each is ordered by the sort, then membership id, so the three are walked in step and a
    report streams in constant memory with a fixed number of statements. The facts are
    grouped next to the (user, module, ...) indexes, never as wide rows. ``sort="id"`` (for
    summaries, where order does not matter) skips sorting altogether; ``only`` limits the
    statements to some membership ids (one page of people).
    """
    where = list(scope.member_conditions(filters.team_id))
    if only is not None:
        where.append(Membership.id.in_(only))
    if filters.sort == "id":
        sort_keys, joins = [Membership.id], False
    else:
        sort_keys, joins = [func.lower(User.full_name), Membership.id], True
        if filters.sort == "team":
            sort_keys = [case((Team.name.is_(None), 1), else_=0), Team.name, *sort_keys]

    def facts(*columns, join_on, group_column):
        query = select(Membership.id, *columns)
        if joins:
            query = query.join(User, User.id == Membership.user_id).outerjoin(Team, Team.id == Membership.team_id)
        group = [Membership.id, User.id, Team.id] if joins else [Membership.id]
        return query.join(*join_on).where(*where).group_by(*group, group_column).order_by(*sort_keys)

    people = (select(Membership.id, Membership.user_id, Membership.team_id, utc_day(Membership.joined_at),
                     User.full_name, User.email, Team.name)
              .join(User, User.id == Membership.user_id).outerjoin(Team, Team.id == Membership.team_id)
              .where(*where).order_by(*sort_keys))
    completions = facts(Completion.module_id, utc_day(func.max(Completion.completed_at)),
                        join_on=(Completion, and_(Completion.user_id == Membership.user_id,
                                                  Completion.module_id.in_(module_ids))),
                        group_column=Completion.module_id)
    open_attempts = facts(ScenarioAttempt.module_id,
                          join_on=(ScenarioAttempt, and_(ScenarioAttempt.user_id == Membership.user_id,
                                                         ScenarioAttempt.module_id.in_(module_ids),
                                                         ScenarioAttempt.status.in_(OPEN_STATUSES))),
                          group_column=ScenarioAttempt.module_id)
    return people, completions, open_attempts


def _stream(connection, statement):
    """Rows of a statement, fetched a chunk at a time (cheaper than row by row)."""
    # Options on the statement, not the session's connection: that one is shared with the
    # rest of the request and must not turn into a server-side cursor for everything.
    result = connection.execute(statement.execution_options(yield_per=CHUNK))
    try:
        for chunk in result.partitions(CHUNK):
            yield from chunk
    finally:
        result.close()


def iter_matrix(scope: Scope, filters: Filters, today: date, book: RuleBook | None = None,
                columns: list[Column] | None = None) -> Iterator[MatrixRow]:
    """The matrix rows for these filters, in order, streamed.

    People with nothing assigned among the columns are left out; with a status filter, only
    people with at least one cell of that status are kept. Sorting by a module's status has
    to see every row first; the other sorts stream in constant memory.
    """
    book = book if book is not None else rule_book(scope.organisation_id)
    columns = columns if columns is not None else columns_for(book, filters)
    if not columns:
        return
    module_ids = [c.module_id for c in columns]
    position = {mid: i for i, mid in enumerate(module_ids)}
    sort_module = filters.sort_module_id
    rows = _rows(scope, filters, today, book, module_ids, position)
    if sort_module is None or sort_module not in position:
        yield from rows
        return
    index = position[sort_module]
    collected = list(rows)
    collected.sort(key=lambda r: (r.cells[index].status.rank if r.cells[index] else 99))
    yield from collected


def _rows(scope, filters, today, book, module_ids, position, only=None) -> Iterator[MatrixRow]:
    people_stmt, done_stmt, open_stmt = _statements(scope, module_ids, filters, only)
    connection = session.connection()
    people = _stream(connection, people_stmt)
    done = _stream(connection, done_stmt)
    opened = _stream(connection, open_stmt)
    wanted = filters.status
    width = len(module_ids)
    memo: dict = {}
    sentinel = (None, None, None)
    try:
        next_done, next_open = next(done, sentinel), next(opened, sentinel)
        for person in people:
            membership_id = person[0]
            facts: dict[int, list] = {}
            while next_done[0] == membership_id:
                facts[next_done[1]] = [_day(next_done[2]), False]
                next_done = next(done, sentinel)
            while next_open[0] == membership_id:
                facts.setdefault(next_open[1], [None, False])[1] = True
                next_open = next(opened, sentinel)
            built = _build(person, facts, book, today, position, width, wanted, memo)
            if built is not None:
                yield built
    finally:
        people.close()
        done.close()
        opened.close()


def _build(row, facts, book: RuleBook, today, position, width, wanted, memo: dict) -> MatrixRow | None:
    membership_id, user_id, team_id, joined, name, email, team_name = row
    cells: list[Cell | None] = [None] * width
    any_cell = matched = False
    for req in book.requirements(membership_id, team_id, _day(joined)):
        index = position.get(req.module_id)
        if index is None:
            continue
        completed_on, open_ = facts.get(req.module_id, (None, False))
        # Many people share a requirement (and, with recertification, a completion day): work
        # each combination out once. Without recertification the day of completion changes nothing.
        key = (req, completed_on if req.recert_months else completed_on is not None, open_)
        cell = memo.get(key)
        if cell is None:
            status = cell_status(today=today, due_date=req.due_date, completed_on=completed_on, in_progress=open_,
                                 recert_months=req.recert_months, window_days=req.window_days)
            cell = Cell(status, effective_due(status, req.due_date, completed_on, req.recert_months))
            if len(memo) > 8192:  # bounded, so a streamed export stays flat in memory
                memo.clear()
            memo[key] = cell
        cells[index] = cell
        any_cell = True
        if cell.status is wanted:
            matched = True
    if not any_cell or (wanted is not None and not matched):
        return None
    return MatrixRow(membership_id, user_id, name, email, team_name or "", team_id, cells)


@dataclass
class MatrixPage:
    columns: list[Column]
    rows: list[MatrixRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def matrix_page(scope: Scope, filters: Filters, today: date, page: int, per_page: int = 50) -> MatrixPage:
    """One page of the matrix, and how many rows there are in all (same rows as the export).

    Without a status filter or status sort, who is on the matrix depends only on their
    assignments, so the page is chosen from the people alone and only its people's facts are
    read. Otherwise every row is computed (as the export does) and the page kept.
    """
    book = rule_book(scope.organisation_id)
    columns = columns_for(book, filters)
    start, stop = (page - 1) * per_page, page * per_page
    rows, total = [], 0
    if not columns:
        return MatrixPage(columns, rows, total, page, per_page)
    if filters.status is None and filters.sort_module_id is None:
        module_ids = {c.module_id for c in columns}
        people_stmt = _statements(scope, [c.module_id for c in columns], filters)[0]
        chosen = []
        for person in _stream(session.connection(), people_stmt):
            requirements = book.requirements(person[0], person[2], _day(person[3]))
            if any(req.module_id in module_ids for req in requirements):
                if start <= total < stop:
                    chosen.append(person[0])
                total += 1
        if chosen:
            position = {c.module_id: i for i, c in enumerate(columns)}
            rows = list(_rows(scope, filters, today, book, [c.module_id for c in columns], position, only=chosen))
        return MatrixPage(columns, rows, total, page, per_page)
    for row in iter_matrix(scope, filters, today, book, columns):
        if start <= total < stop:
            rows.append(row)
        total += 1
    return MatrixPage(columns, rows, total, page, per_page)


# --- the summary ------------------------------------------------------------------------------

@dataclass
class Tally:
    label: str
    counts: dict[Status, int] = field(default_factory=lambda: {s: 0 for s in STATUS_ORDER})
    key: int | None = None

    @property
    def assigned(self) -> int:
        return sum(self.counts.values())


@dataclass
class Summary:
    by_team: list[Tally]
    by_module: list[Tally]
    total: Tally
    people: int


def summary(scope: Scope, today: date) -> Summary:
    """Figures per team and per module: assigned, and how many of each status."""
    book = rule_book(scope.organisation_id)
    columns = columns_for(book)
    by_module = [Tally(c.title, key=c.module_id) for c in columns]
    by_team: dict[str, Tally] = {}
    total = Tally("All")
    people = 0
    for row in iter_matrix(scope, Filters(sort="id"), today, book, columns):
        people += 1
        team = by_team.get(row.team_name)
        if team is None:
            team = by_team[row.team_name] = Tally(row.team_name or "No team")
        for index, cell in enumerate(row.cells):
            if cell is not None:
                team.counts[cell.status] += 1
                by_module[index].counts[cell.status] += 1
                total.counts[cell.status] += 1
    teams = sorted(by_team.values(), key=lambda t: (t.label == "No team", t.label.lower()))
    return Summary(teams, by_module, total, people)


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
