"""Organisations, teams and memberships; the audit log that records administrative actions."""
from __future__ import annotations

import re
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from ..auth.models import User
from ..db import session, utcnow
from .models import AuditLog, Membership, Organisation, OrgRole, Team, TeamManager


def record_audit(actor: User | None, action: str, target: Any, *, organisation: Organisation | None = None,
                 detail: dict[str, Any] | None = None) -> AuditLog:
    """Record who did what to whom (and when, and from where) in the audit log.

    :param actor: the person acting (None for the system, e.g. a scheduled command).
    :param action: a dotted verb such as ``team.create``.
    :param target: the model acted on; its class name and id are stored.
    """
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        action=action,
        target_type=type(target).__name__,
        target_id=str(getattr(target, "id", target)),
        detail=detail or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    session.add(entry)
    session.flush()
    return entry


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "organisation"


def create_organisation(name: str, slug: str | None = None) -> Organisation:
    org = Organisation(name=name.strip(), slug=slug or slugify(name))
    session.add(org)
    session.flush()
    return org


def create_team(actor: User | None, organisation: Organisation, name: str) -> Team:
    """Create a team (audited). Names are unique within an organisation."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("Enter a name for the team.")
    if session.scalar(select(Team.id).where(Team.organisation_id == organisation.id, Team.name == name)):
        raise ValueError(f"There is already a team called '{name}'. Choose another name.")
    team = Team(organisation_id=organisation.id, name=name)
    session.add(team)
    session.flush()
    record_audit(actor, "team.create", team, organisation=organisation, detail={"name": name})
    return team


def add_member(actor: User | None, organisation: Organisation, user: User, role: OrgRole,
               team: Team | None = None) -> Membership:
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
    record_audit(actor, "membership.add", user, organisation=organisation,
                 detail={"role": role.value, "team": team.name if team else None})
    return membership


def set_team_manager(actor: User | None, membership: Membership, team: Team) -> TeamManager:
    """Make a manager responsible for a team (audited)."""
    link = session.scalar(select(TeamManager).where(TeamManager.team_id == team.id,
                                                    TeamManager.membership_id == membership.id))
    if link is None:
        link = TeamManager(team_id=team.id, membership_id=membership.id)
        session.add(link)
        session.flush()
        record_audit(actor, "team.add_manager", team, organisation=team.organisation,
                     detail={"user_id": membership.user_id})
    return link


def memberships_for(user: User) -> list[Membership]:
    """The person's current memberships, by organisation name."""
    return list(session.scalars(
        select(Membership).join(Organisation)
        .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None))
        .order_by(Organisation.name)))


def visible_team_ids(membership: Membership) -> set[int] | None:
    """Teams this member may see: None means every team (org admin); a manager sees theirs."""
    if membership.role == OrgRole.org_admin:
        return None
    if membership.role == OrgRole.manager:
        return set(session.scalars(select(TeamManager.team_id).where(TeamManager.membership_id == membership.id)))
    return set()
