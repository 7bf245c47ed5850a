"""What every employer report shares: who may be seen (:class:`Scope`), the filters, the
matrix's row shape, the columns, and the UTC day of a datetime in SQL.

Every report is scoped to one organisation and, for a manager, to the teams
:func:`course_engine.orgs.services.visible_team_ids` allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import false, select

from ..authoring.models import ContentModule, ModuleVersion
from ..db import session, utc_day  # noqa: F401 (utc_day re-exported: it lives in the core)
from ..orgs.models import Membership, Team
from ..orgs.services import visible_team_ids
from .status import RuleBook, Status

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
