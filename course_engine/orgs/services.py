"""Organisations, teams, memberships, managers and delegates.

Invitations are in ``invitations.py`` and the bulk staff upload in ``staff_import.py``.
"""
from __future__ import annotations

import re

from sqlalchemy import bindparam, or_, select

from ..auth.models import Actor, User
from .. import signals
from ..audit import record_audit
from ..db import session, utcnow
from .models import ManagerDelegate, Membership, Organisation, OrgRole, Team, TeamManager


def _changed(membership: Membership) -> None:
    """Tell the features that keep per-member rows (employers' assignment cells)."""
    from flask import current_app

    signals.membership_changed.send(current_app._get_current_object(), membership=membership)


#: Slugs that would be shadowed by the blueprint's own fixed paths (``/orgs/join/<token>``).
RESERVED_SLUGS = frozenset({"join"})


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "organisation"
    return slug + "-org" if slug in RESERVED_SLUGS else slug


def create_organisation(name: str, slug: str | None = None) -> Organisation:
    """Create an organisation; its slug comes from the name unless given."""
    org = Organisation(name=name.strip(), slug=slug or slugify(name))
    session.add(org)
    session.flush()
    return org


def create_team(actor: Actor | None, organisation: Organisation, name: str, *, ip_address: str | None = None) -> Team:
    """Create a team (audited). Names are unique within an organisation."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("Enter a name for the team.")
    if session.scalar(select(Team.id).where(Team.organisation_id == organisation.id, Team.name == name)):
        raise ValueError(f"There is already a team called '{name}'. Choose another name.")
    team = Team(organisation_id=organisation.id, name=name)
    session.add(team)
    session.flush()
    record_audit(actor, "team.create", team, organisation=organisation, detail={"name": name}, ip_address=ip_address)
    return team


def add_member(actor: Actor | None, organisation: Organisation, user: User, role: OrgRole,
               team: Team | None = None, *, ip_address: str | None = None) -> Membership:
    """Add a person to an organisation (or reactivate and update their membership); audited."""
    membership = session.scalar(select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(organisation_id=organisation.id, user_id=user.id, role=role,
                                team_id=team.id if team else None, joined_at=utcnow())
        session.add(membership)
    else:
        membership.role = role
        membership.team_id = team.id if team else membership.team_id
        membership.deactivated_at = None
    session.flush()
    _changed(membership)
    record_audit(actor, "membership.add", user, organisation=organisation,
                 detail={"role": role.value, "team": team.name if team else None}, ip_address=ip_address)
    return membership


def set_team_manager(actor: Actor | None, membership: Membership, team: Team, *, ip_address: str | None = None) -> TeamManager:
    """Make a manager responsible for a team (audited)."""
    link = session.scalar(select(TeamManager).where(TeamManager.team_id == team.id,
                                                    TeamManager.membership_id == membership.id))
    if link is None:
        link = TeamManager(team_id=team.id, membership_id=membership.id)
        session.add(link)
        session.flush()
        record_audit(actor, "team.add_manager", team, organisation=team.organisation,
                     detail={"user_id": membership.user_id}, ip_address=ip_address)
    return link


def memberships_for(user: User) -> list[Membership]:
    """The person's current memberships, by organisation name."""
    return list(session.scalars(
        select(Membership).join(Organisation)
        .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None))
        .order_by(Organisation.name)))


def employer_organisations(user_id: int) -> list[tuple[str, str]]:
    """(slug, name) of organisations where the person is a current manager or org admin.

    One light query on every page (the menu), so it selects two columns, not models.
    """
    return [tuple(row) for row in session.execute(_EMPLOYER_ORGANISATIONS, {"user_id": user_id})]


def employer_memberships(user_id: int) -> list[Membership]:
    """The person's current manager and org admin memberships, by organisation name."""
    return list(session.scalars(
        select(Membership).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None),
               or_(Membership.role == OrgRole.manager, Membership.role == OrgRole.org_admin))
        .order_by(Organisation.name)))


_EMPLOYER_ORGANISATIONS = (
    select(Organisation.slug, Organisation.name).join(Membership, Membership.organisation_id == Organisation.id)
    .where(Membership.user_id == bindparam("user_id"), Membership.deactivated_at.is_(None),
           Membership.role.in_([OrgRole.manager, OrgRole.org_admin]))
    .order_by(Organisation.name))


def has_employer_role():
    """SQL: the person (``User.id``, correlated) is a current manager or org admin somewhere."""
    # Two comparisons rather than IN (...): an IN list is re-rendered into the SQL on every
    # execution, and this runs on every request.
    return (select(Membership.id)
            .where(Membership.user_id == User.id, Membership.deactivated_at.is_(None),
                   or_(Membership.role == OrgRole.manager, Membership.role == OrgRole.org_admin))
            .exists())


def visible_team_ids(membership: Membership) -> set[int] | None:
    """Teams this member may see: None means every team (org admin).

    A manager sees the teams they manage and, as a delegate, the teams of every current
    manager who delegated to them (one step: a delegate's own delegates do not inherit them).
    Learners see no teams.
    """
    if membership.role == OrgRole.org_admin:
        return None
    if membership.role != OrgRole.manager or membership.deactivated_at is not None:
        return set()
    delegators = (select(ManagerDelegate.manager_membership_id)
                  .join(Membership, Membership.id == ManagerDelegate.manager_membership_id)
                  .where(ManagerDelegate.delegate_membership_id == membership.id,
                         Membership.role == OrgRole.manager, Membership.deactivated_at.is_(None)))
    return set(session.scalars(
        select(TeamManager.team_id).where(
            (TeamManager.membership_id == membership.id) | TeamManager.membership_id.in_(delegators))))


class OrgError(ValueError):
    """A problem the person can fix, with a message safe to show them."""


# --- teams -------------------------------------------------------------------------------

def _team_name(organisation: Organisation, name: str, team: Team | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise OrgError("Enter a name for the team.")
    if len(name) > 200:
        raise OrgError("Team names can be at most 200 characters.")
    clash = select(Team.id).where(Team.organisation_id == organisation.id, Team.name == name)
    if team is not None:
        clash = clash.where(Team.id != team.id)
    if session.scalar(clash):
        raise OrgError(f"There is already a team called '{name}'. Choose another name.")
    return name


def rename_team(actor: Actor | None, team: Team, name: str, *, ip_address: str | None = None) -> Team:
    """Rename a team (audited, with the old and new names).

    :raises OrgError: empty name or a name another team of the organisation has.
    """
    new_name = _team_name(team.organisation, name, team)
    old_name = team.name
    if new_name != old_name:
        team.name = new_name
        session.flush()
        record_audit(actor, "team.rename", team, organisation=team.organisation,
                     detail={"from": old_name, "to": new_name}, ip_address=ip_address)
    return team


def archive_team(actor: Actor | None, team: Team, *, now=None, ip_address: str | None = None) -> Team:
    """Archive a team: hidden from lists and pickers; its people keep their records and team."""
    if team.archived_at is None:
        team.archived_at = now or utcnow()
        session.flush()
        record_audit(actor, "team.archive", team, organisation=team.organisation, detail={"name": team.name}, ip_address=ip_address)
    return team


def restore_team(actor: Actor | None, team: Team, *, ip_address: str | None = None) -> Team:
    """Bring an archived team back into lists and pickers (audited)."""
    if team.archived_at is not None:
        team.archived_at = None
        session.flush()
        record_audit(actor, "team.restore", team, organisation=team.organisation, detail={"name": team.name}, ip_address=ip_address)
    return team


def active_teams(organisation: Organisation) -> list[Team]:
    """The organisation's teams that are not archived, by name (for lists and pickers)."""
    return list(session.scalars(select(Team).where(Team.organisation_id == organisation.id,
                                                   Team.archived_at.is_(None)).order_by(Team.name)))


# --- members -----------------------------------------------------------------------------

def deactivate_member(actor: Actor | None, membership: Membership, *, now=None, ip_address: str | None = None) -> Membership:
    """Deactivate a leaver: they lose access to the organisation; their records stay.

    :raises OrgError: for deactivating yourself (an admin could lock everyone out).
    """
    if actor is not None and membership.user_id == actor.id:
        raise OrgError("You can't deactivate yourself. Ask another organisation admin.")
    if membership.deactivated_at is None:
        membership.deactivated_at = now or utcnow()
        session.flush()
        _changed(membership)
        record_audit(actor, "membership.deactivate", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id}, ip_address=ip_address)
    return membership


def reactivate_member(actor: Actor | None, membership: Membership, *, ip_address: str | None = None) -> Membership:
    """Give a deactivated person their access back, with their old role and team (audited)."""
    if membership.deactivated_at is not None:
        membership.deactivated_at = None
        session.flush()
        _changed(membership)
        record_audit(actor, "membership.reactivate", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id}, ip_address=ip_address)
    return membership


def change_member(actor: Actor | None, membership: Membership, role: OrgRole, team: Team | None, *, ip_address: str | None = None) -> Membership:
    """Change a member's role and team (audited).

    Someone who stops being a manager stops managing teams and loses delegations both ways.

    :raises OrgError: for changing your own role, or a team of another organisation or archived.
    """
    if actor is not None and membership.user_id == actor.id and role != membership.role:
        raise OrgError("You can't change your own role. Ask another organisation admin.")
    if team is not None and (team.organisation_id != membership.organisation_id or team.archived_at is not None):
        raise OrgError("Choose one of the organisation's teams.")
    before = {"role": membership.role.value, "team_id": membership.team_id}
    if membership.role == OrgRole.manager and role != OrgRole.manager:
        for link in session.scalars(select(TeamManager).where(TeamManager.membership_id == membership.id)):
            remove_team_manager(actor, link.team, membership, ip_address=ip_address)
        for delegation in session.scalars(select(ManagerDelegate).where(
                (ManagerDelegate.manager_membership_id == membership.id)
                | (ManagerDelegate.delegate_membership_id == membership.id))):
            remove_delegate(actor, delegation, ip_address=ip_address)
    membership.role = role
    membership.team_id = team.id if team else None
    session.flush()
    _changed(membership)
    after = {"role": membership.role.value, "team_id": membership.team_id}
    if before != after:
        record_audit(actor, "membership.update", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id, "before": before, "after": after}, ip_address=ip_address)
    return membership


# --- managers and delegates --------------------------------------------------------------

def assign_team_manager(actor: Actor | None, team: Team, membership: Membership, *, ip_address: str | None = None) -> TeamManager:
    """Make a current manager of the same organisation responsible for a team (audited).

    :raises OrgError: the person is not a current manager of this organisation, or the team is archived.
    """
    if (membership.organisation_id != team.organisation_id or membership.role != OrgRole.manager
            or membership.deactivated_at is not None):
        raise OrgError("Choose a current manager of this organisation. To make someone a manager, "
                       "change their role on their page first.")
    if team.archived_at is not None:
        raise OrgError("This team is archived: restore it first.")
    return set_team_manager(actor, membership, team, ip_address=ip_address)


def remove_team_manager(actor: Actor | None, team: Team, membership: Membership, *, ip_address: str | None = None) -> None:
    """Stop a manager managing a team (audited); nothing happens if they did not."""
    link = session.scalar(select(TeamManager).where(TeamManager.team_id == team.id,
                                                    TeamManager.membership_id == membership.id))
    if link is not None:
        session.delete(link)
        session.flush()
        record_audit(actor, "team.remove_manager", team, organisation=team.organisation,
                     detail={"user_id": membership.user_id}, ip_address=ip_address)


def add_delegate(actor: Actor | None, manager: Membership, delegate: Membership, *, ip_address: str | None = None) -> ManagerDelegate:
    """Let ``delegate`` (another current manager of the same organisation) see ``manager``'s teams.

    :raises OrgError: either is not a current manager, they are the same person, or different organisations.
    """
    for person in (manager, delegate):
        if person.role != OrgRole.manager or person.deactivated_at is not None:
            raise OrgError("Both people must be current managers of the organisation.")
    if manager.organisation_id != delegate.organisation_id:
        raise OrgError("Both people must be current managers of the organisation.")
    if manager.id == delegate.id:
        raise OrgError("A manager can't be their own delegate.")
    link = session.scalar(select(ManagerDelegate).where(ManagerDelegate.manager_membership_id == manager.id,
                                                        ManagerDelegate.delegate_membership_id == delegate.id))
    if link is None:
        link = ManagerDelegate(organisation_id=manager.organisation_id, manager_membership_id=manager.id,
                               delegate_membership_id=delegate.id)
        session.add(link)
        session.flush()
        record_audit(actor, "manager.add_delegate", manager.user, organisation=manager.organisation,
                     detail={"manager_membership_id": manager.id, "delegate_membership_id": delegate.id,
                             "delegate_user_id": delegate.user_id}, ip_address=ip_address)
    return link


def remove_delegate(actor: Actor | None, delegation: ManagerDelegate, *, ip_address: str | None = None) -> None:
    """End a delegation (audited): the delegate no longer sees the manager's teams."""
    manager = delegation.manager
    detail = {"manager_membership_id": delegation.manager_membership_id,
              "delegate_membership_id": delegation.delegate_membership_id,
              "delegate_user_id": delegation.delegate.user_id}
    session.delete(delegation)
    session.flush()
    record_audit(actor, "manager.remove_delegate", manager.user, organisation=manager.organisation, detail=detail, ip_address=ip_address)
