"""The matrix (people x assigned modules), its pages and the summary, with the status rules
judged by the database (:mod:`.status_sql`).

Why in SQL: an organisation of 20,000 has 240,000 cells; the summary only needs their counts
and a matrix page only 50 people's, so the database counts and picks the page, and Python
builds just the rows it shows. The full CSV streams every cell from one statement
(server-side cursor, ``yield_per``), so its memory stays flat.

The screen and the CSV export call the same functions here, so they show exactly the same
rows and values. The number of statements per report is fixed, however many people.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from sqlalchemy import and_, case, func, literal, null, select, union_all

from ..db import session
from ..orgs.models import Membership, Team
from .scope import Cell, Column, Filters, MatrixRow, Scope, _day, columns_for
from .status import STATUS_ORDER, RuleBook, Status, rule_book
from .status_sql import assigned, cells_cte, has_cells, people_cte, tune_for_reports

#: Rows fetched from the database at a time when streaming.
CHUNK = 1000
STATUS_BY_VALUE = {s.value: s for s in Status}


def _order(people, cells, filters: Filters, module_ids: list[int]):
    """ORDER BY for the filters' sort (then membership id), and any join it needs."""
    if filters.sort == "id":
        return [people.c.membership_id], None
    keys = [func.lower(people.c.full_name), people.c.membership_id]
    if filters.sort == "team":
        keys = [case((people.c.team_name.is_(None), 1), else_=0), people.c.team_name, *keys]
    sort_module = filters.sort_module_id
    if sort_module is not None and sort_module in module_ids:
        sorter = cells.alias("sorter")
        join = (sorter, and_(sorter.c.membership_id == people.c.membership_id, sorter.c.module_id == sort_module))
        return [func.coalesce(sorter.c.rank, 99), *keys], join
    return keys, None


def _chosen(people, cells, filters: Filters):
    """Conditions for who is on the matrix: someone with a cell (of the wanted status)."""
    picked = select(cells.c.membership_id)
    if filters.status is not None:
        picked = picked.where(cells.c.status == filters.status.value)
    return people.c.membership_id.in_(picked)


def _stream(statement):
    """Rows of a statement, a chunk at a time (a server-side cursor on PostgreSQL). Options on
    the statement, not the session's connection, which the rest of the request shares."""
    result = session.connection().execute(statement.execution_options(yield_per=CHUNK))
    try:
        for chunk in result.partitions(CHUNK):
            yield from chunk
    finally:
        result.close()


def _matrix_rows(scope: Scope, filters: Filters, today: date, columns: list[Column], only=None) -> Iterator[MatrixRow]:
    """The rows, in order: one statement, one result row per cell, grouped here per person."""
    module_ids = [c.module_id for c in columns]
    position = {mid: i for i, mid in enumerate(module_ids)}
    people = people_cte(scope, filters, only)
    cells = cells_cte(scope, today, module_ids, people, only)
    keys, join = _order(people, cells, filters, module_ids)
    query = (select(people.c.membership_id, people.c.user_id, people.c.team_id, people.c.full_name, people.c.email,
                    people.c.team_name, cells.c.module_id, cells.c.status, cells.c.due)
             .select_from(people).join(cells, cells.c.membership_id == people.c.membership_id))
    if join is not None:
        query = query.outerjoin(*join)
    if filters.status is not None and only is None:  # a page's people were chosen already
        query = query.where(_chosen(people, cells, filters))
    query = query.order_by(*keys, cells.c.module_id)
    row: MatrixRow | None = None
    width = len(module_ids)
    for r in _stream(query):
        if row is None or row.membership_id != r[0]:
            if row is not None:
                yield row
            row = MatrixRow(r[0], r[1], r[3], r[4], r[5] or "", r[2], [None] * width)
        row.cells[position[r[6]]] = Cell(STATUS_BY_VALUE[r[7]], _day(r[8]))
    if row is not None:
        yield row


def iter_matrix(scope: Scope, filters: Filters, today: date, book: RuleBook | None = None,
                columns: list[Column] | None = None) -> Iterator[MatrixRow]:
    """The matrix rows for these filters, in order, streamed in constant memory.

    People with nothing assigned among the columns are left out; with a status filter, only
    people with at least one cell of that status are kept; ``sort=status:<module>`` puts the
    most urgent first (the database sorts, so nothing is collected here).
    """
    book = book if book is not None else rule_book(scope.organisation_id)
    columns = columns if columns is not None else columns_for(book, filters)
    if not columns:
        return
    tune_for_reports()
    yield from _matrix_rows(scope, filters, today, columns)


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

    The database picks the page's people (and counts everyone, with a window count); only
    their rows are then built. Without a status filter or status sort, who is on the matrix
    depends only on their assignments, so no cell is judged to choose the page.
    """
    book = rule_book(scope.organisation_id)
    columns = columns_for(book, filters)
    if not columns:
        return MatrixPage(columns, [], 0, page, per_page)
    module_ids = [c.module_id for c in columns]
    tune_for_reports()
    people = people_cte(scope, filters)
    if filters.status is None and filters.sort_module_id not in module_ids:
        # Who is on the matrix depends only on their assignments: no cell is judged.
        cells, keys, join, chosen = None, *_order(people, None, filters, module_ids), assigned(scope, people, module_ids)
    else:
        cells = cells_cte(scope, today, module_ids, people)
        keys, join = _order(people, cells, filters, module_ids)
        chosen = _chosen(people, cells, filters)
    query = select(people.c.membership_id, func.count().over().label("total")).select_from(people)
    if join is not None:
        query = query.outerjoin(*join)
    query = query.where(chosen).order_by(*keys)
    picked = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    if not picked:
        total = session.scalar(select(func.count()).select_from(
            select(people.c.membership_id).where(chosen).subquery())) or 0
        return MatrixPage(columns, [], total, page, per_page)
    rows = list(_matrix_rows(scope, filters, today, columns, only=[r[0] for r in picked]))
    return MatrixPage(columns, rows, picked[0][1], page, per_page)


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
    """Figures per team and per module: assigned, and how many of each status.

    One statement: the cells counted per team name, module and status, and (the second
    branch of the union) the people with any cell per team name, counted from the
    memberships (an index probe each) rather than by de-duplicating the cells.
    """
    book = rule_book(scope.organisation_id)
    columns = columns_for(book)
    by_module = [Tally(c.title, key=c.module_id) for c in columns]
    total = Tally("All")
    if not columns:
        return Summary([], by_module, total, 0)
    tune_for_reports()
    module_ids = [c.module_id for c in columns]
    cells = cells_cte(scope, today, module_ids)
    # Grouped by team id on the narrow cells, team names joined to the few groups afterwards.
    counts = (select(cells.c.team_id, cells.c.module_id, cells.c.status, func.count().label("n"))
              .group_by(cells.c.team_id, cells.c.module_id, cells.c.status))
    heads = (select(Membership.team_id, null(), null(), func.count())
             .where(*scope.member_conditions(), has_cells(scope, Membership.id, module_ids))
             .group_by(Membership.team_id))
    grouped = union_all(counts, heads).subquery("grouped")
    statement = (select(func.coalesce(Team.name, literal("")), grouped.c.module_id, grouped.c.status, grouped.c.n)
                 .select_from(grouped).outerjoin(Team, Team.id == grouped.c.team_id))
    module_tally = {t.key: t for t in by_module}
    by_team: dict[str, Tally] = {}
    people_count = 0
    for team_name, module_id, status, n in session.execute(statement):
        tally = by_team.get(team_name)
        if tally is None:
            tally = by_team[team_name] = Tally(team_name or "No team")
        if module_id is None:
            people_count += n
            continue
        status = STATUS_BY_VALUE[status]
        tally.counts[status] += n
        module_tally[module_id].counts[status] += n
        total.counts[status] += n
    teams = sorted(by_team.values(), key=lambda t: (t.label == "No team", t.label.lower()))
    return Summary(teams, by_module, total, people_count)
