"""The matrix judged in Python, cell by cell, with :class:`.status.RuleBook` and
:func:`.status.cell_status`: the specification that :mod:`.status_sql` is tested against.

The reports themselves use :mod:`.matrix` (the rules in SQL). This is what they did before:
three narrow statements walked in step, every cell judged here. It is kept, and kept
correct, because it states the rules in plain Python; ``tests/employers/test_status_sql.py``
compares the two over many generated organisations.
"""
from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import and_, case, func, select

from ..auth.models import User
from ..db import session
from ..learner.models import Completion, ScenarioAttempt
from ..orgs.models import Membership, Team
from .scope import Cell, Column, Filters, MatrixRow, Scope, _day, columns_for, utc_day
from .status import RuleBook, cell_status, effective_due, rule_book
from .status_sql import OPEN_STATUSES

#: Rows fetched from the database at a time when streaming.
CHUNK = 1000

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


def python_matrix(scope: Scope, filters: Filters, today: date, book: RuleBook | None = None,
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
