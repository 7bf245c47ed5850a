"""Read-only queries for organisation pages (lists of people, teams and invitations)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..auth.models import User
from ..db import session
from .models import Invitation, ManagerDelegate, Membership, Organisation, OrgRole, Team, TeamManager

#: People-page status filter values.
STATUSES = ("active", "deactivated", "all")


@dataclass(frozen=True)
class PersonRow:
    membership: Membership
    user: User
    team_name: str | None


def people(organisation: Organisation, visible: set[int] | None, *, team_id: int | None = None,
           status: str = "active", page: int = 1, per_page: int = 100) -> tuple[list[PersonRow], bool]:
    """A page of the organisation's people, by name, and whether there is a next page.

    :param visible: team ids the viewer may see (None: everyone, for org admins); a manager sees
        the people whose team is one of theirs.
    """
    query = (select(Membership, User, Team.name)
             .join(User, User.id == Membership.user_id)
             .outerjoin(Team, Team.id == Membership.team_id)
             .where(Membership.organisation_id == organisation.id))
    if visible is not None:
        query = query.where(Membership.team_id.in_(visible or {-1}))
    if team_id is not None:
        query = query.where(Membership.team_id == team_id)
    if status == "active":
        query = query.where(Membership.deactivated_at.is_(None))
    elif status == "deactivated":
        query = query.where(Membership.deactivated_at.is_not(None))
    rows = session.execute(query.order_by(func.lower(User.full_name), User.id)
                           .limit(per_page + 1).offset((page - 1) * per_page)).all()
    return [PersonRow(m, u, t) for m, u, t in rows[:per_page]], len(rows) > per_page


def team_members(team: Team) -> list[tuple[Membership, User]]:
    """A team's current members, by name."""
    return session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.team_id == team.id, Membership.deactivated_at.is_(None))
        .order_by(func.lower(User.full_name), User.id)).all()


def team_managers(team: Team) -> list[tuple[Membership, User]]:
    """The managers of a team (current or not), by name."""
    return session.execute(
        select(Membership, User).join(TeamManager, TeamManager.membership_id == Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(TeamManager.team_id == team.id).order_by(func.lower(User.full_name))).all()


def current_managers(organisation: Organisation, exclude: set[int] = frozenset()) -> list[tuple[Membership, User]]:
    """The organisation's current managers (for pickers), by name."""
    query = (select(Membership, User).join(User, User.id == Membership.user_id)
             .where(Membership.organisation_id == organisation.id, Membership.role == OrgRole.manager,
                    Membership.deactivated_at.is_(None)))
    if exclude:
        query = query.where(Membership.id.not_in(exclude))
    return session.execute(query.order_by(func.lower(User.full_name))).all()


def managed_teams(membership: Membership) -> list[Team]:
    """The teams a manager manages themselves, by name."""
    return list(session.scalars(select(Team).join(TeamManager, TeamManager.team_id == Team.id)
                                .where(TeamManager.membership_id == membership.id).order_by(Team.name)))


DelegationRows = list[tuple[ManagerDelegate, User]]


def delegations(membership: Membership) -> tuple[DelegationRows, DelegationRows]:
    """(this manager's delegates, the managers this person is a delegate for), with the other person."""
    given = session.execute(
        select(ManagerDelegate, User).join(Membership, Membership.id == ManagerDelegate.delegate_membership_id)
        .join(User, User.id == Membership.user_id)
        .where(ManagerDelegate.manager_membership_id == membership.id).order_by(func.lower(User.full_name))).all()
    received = session.execute(
        select(ManagerDelegate, User).join(Membership, Membership.id == ManagerDelegate.manager_membership_id)
        .join(User, User.id == Membership.user_id)
        .where(ManagerDelegate.delegate_membership_id == membership.id).order_by(func.lower(User.full_name))).all()
    return given, received


def invitations(organisation: Organisation, visible: set[int] | None, *, limit: int = 200) -> list[Invitation]:
    """The organisation's invitations, newest first; a manager sees those to their teams."""
    query = select(Invitation).where(Invitation.organisation_id == organisation.id)
    if visible is not None:
        query = query.where(Invitation.team_id.in_(visible or {-1}))
    return list(session.scalars(query.order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(limit)))
