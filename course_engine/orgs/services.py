"""Organisations, teams and memberships; the audit log that records administrative actions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import bindparam, delete, select

from .. import mail
from ..auth.models import Actor, SignedInUser, User
from ..auth.services import email_is_well_formed, normalise_email
from ..db import session, utcnow
from .models import (AuditLog, Invitation, ManagerDelegate, Membership, Organisation, OrgRole, StaffImport, Team,
                     TeamManager)


def record_audit(actor: Actor | None, action: str, target: Any, *, organisation: Organisation | None = None,
                 detail: dict[str, Any] | None = None) -> AuditLog:
    """Record who did what to whom (and when, and from where) in the audit log.

    :param actor: the person acting (None for the system, e.g. a scheduled command).
    :param action: a dotted verb such as ``team.create``.
    :param target: the model acted on; its class name and id are stored.
    """
    entry = _audit_entry(actor, action, target, organisation=organisation, detail=detail)
    session.add(entry)
    session.flush()
    return entry


def _audit_entry(actor: Actor | None, action: str, target: Any, *, organisation: Organisation | None = None,
                 detail: dict[str, Any] | None = None) -> AuditLog:
    return AuditLog(
        actor_id=actor.id if actor is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        action=action,
        # The signed-in person is a User, whichever form of it the caller holds.
        target_type="User" if isinstance(target, SignedInUser) else type(target).__name__,
        target_id=str(getattr(target, "id", target)),
        detail=detail or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )


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


def create_team(actor: Actor | None, organisation: Organisation, name: str) -> Team:
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


def add_member(actor: Actor | None, organisation: Organisation, user: User, role: OrgRole,
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


def set_team_manager(actor: Actor | None, membership: Membership, team: Team) -> TeamManager:
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


def employer_organisations(user_id: int) -> list[tuple[str, str]]:
    """(slug, name) of organisations where the person is a current manager or org admin.

    One light query on every page (the menu), so it selects two columns, not models.
    """
    return [tuple(row) for row in session.execute(_EMPLOYER_ORGANISATIONS, {"user_id": user_id})]


_EMPLOYER_ORGANISATIONS = (
    select(Organisation.slug, Organisation.name).join(Membership, Membership.organisation_id == Organisation.id)
    .where(Membership.user_id == bindparam("user_id"), Membership.deactivated_at.is_(None),
           Membership.role.in_([OrgRole.manager, OrgRole.org_admin]))
    .order_by(Organisation.name))


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


def rename_team(actor: Actor | None, team: Team, name: str) -> Team:
    """Rename a team (audited, with the old and new names).

    :raises OrgError: empty name or a name another team of the organisation has.
    """
    new_name = _team_name(team.organisation, name, team)
    old_name = team.name
    if new_name != old_name:
        team.name = new_name
        session.flush()
        record_audit(actor, "team.rename", team, organisation=team.organisation,
                     detail={"from": old_name, "to": new_name})
    return team


def archive_team(actor: Actor | None, team: Team, *, now=None) -> Team:
    """Archive a team: hidden from lists and pickers; its people keep their records and team."""
    if team.archived_at is None:
        team.archived_at = now or utcnow()
        session.flush()
        record_audit(actor, "team.archive", team, organisation=team.organisation, detail={"name": team.name})
    return team


def restore_team(actor: Actor | None, team: Team) -> Team:
    """Bring an archived team back into lists and pickers (audited)."""
    if team.archived_at is not None:
        team.archived_at = None
        session.flush()
        record_audit(actor, "team.restore", team, organisation=team.organisation, detail={"name": team.name})
    return team


def active_teams(organisation: Organisation) -> list[Team]:
    """The organisation's teams that are not archived, by name (for lists and pickers)."""
    return list(session.scalars(select(Team).where(Team.organisation_id == organisation.id,
                                                   Team.archived_at.is_(None)).order_by(Team.name)))


# --- members -----------------------------------------------------------------------------

def deactivate_member(actor: Actor | None, membership: Membership, *, now=None) -> Membership:
    """Deactivate a leaver: they lose access to the organisation; their records stay.

    :raises OrgError: for deactivating yourself (an admin could lock everyone out).
    """
    if actor is not None and membership.user_id == actor.id:
        raise OrgError("You can't deactivate yourself. Ask another organisation admin.")
    if membership.deactivated_at is None:
        membership.deactivated_at = now or utcnow()
        session.flush()
        record_audit(actor, "membership.deactivate", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id})
    return membership


def reactivate_member(actor: Actor | None, membership: Membership) -> Membership:
    """Give a deactivated person their access back, with their old role and team (audited)."""
    if membership.deactivated_at is not None:
        membership.deactivated_at = None
        session.flush()
        record_audit(actor, "membership.reactivate", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id})
    return membership


def change_member(actor: Actor | None, membership: Membership, role: OrgRole, team: Team | None) -> Membership:
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
            remove_team_manager(actor, link.team, membership)
        for delegation in session.scalars(select(ManagerDelegate).where(
                (ManagerDelegate.manager_membership_id == membership.id)
                | (ManagerDelegate.delegate_membership_id == membership.id))):
            remove_delegate(actor, delegation)
    membership.role = role
    membership.team_id = team.id if team else None
    session.flush()
    after = {"role": membership.role.value, "team_id": membership.team_id}
    if before != after:
        record_audit(actor, "membership.update", membership.user, organisation=membership.organisation,
                     detail={"membership_id": membership.id, "before": before, "after": after})
    return membership


# --- managers and delegates --------------------------------------------------------------

def assign_team_manager(actor: Actor | None, team: Team, membership: Membership) -> TeamManager:
    """Make a current manager of the same organisation responsible for a team (audited).

    :raises OrgError: the person is not a current manager of this organisation, or the team is archived.
    """
    if (membership.organisation_id != team.organisation_id or membership.role != OrgRole.manager
            or membership.deactivated_at is not None):
        raise OrgError("Choose a current manager of this organisation. To make someone a manager, "
                       "change their role on their page first.")
    if team.archived_at is not None:
        raise OrgError("This team is archived: restore it first.")
    return set_team_manager(actor, membership, team)


def remove_team_manager(actor: Actor | None, team: Team, membership: Membership) -> None:
    """Stop a manager managing a team (audited); nothing happens if they did not."""
    link = session.scalar(select(TeamManager).where(TeamManager.team_id == team.id,
                                                    TeamManager.membership_id == membership.id))
    if link is not None:
        session.delete(link)
        session.flush()
        record_audit(actor, "team.remove_manager", team, organisation=team.organisation,
                     detail={"user_id": membership.user_id})


def add_delegate(actor: Actor | None, manager: Membership, delegate: Membership) -> ManagerDelegate:
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
                             "delegate_user_id": delegate.user_id})
    return link


def remove_delegate(actor: Actor | None, delegation: ManagerDelegate) -> None:
    """End a delegation (audited): the delegate no longer sees the manager's teams."""
    manager = delegation.manager
    detail = {"manager_membership_id": delegation.manager_membership_id,
              "delegate_membership_id": delegation.delegate_membership_id,
              "delegate_user_id": delegation.delegate.user_id}
    session.delete(delegation)
    session.flush()
    record_audit(actor, "manager.remove_delegate", manager.user, organisation=manager.organisation, detail=detail)


# --- invitations -------------------------------------------------------------------------

INVITATION_SALT = "course-engine.invitation"


def _invitation_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(invitation: Invitation) -> str:
    """A signed link token naming the invitation, its organisation, email, role and team."""
    return _invitation_serializer().dumps({
        "i": invitation.id, "o": invitation.organisation_id, "e": invitation.email,
        "r": invitation.role.value, "t": invitation.team_id})


def invitation_expires_at(invitation: Invitation):
    """When the latest link sent for this invitation stops working."""
    return invitation.sent_at + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"])


def create_invitation(actor: Actor | None, organisation: Organisation, email: str, role: OrgRole,
                      team: Team | None = None, *, full_name: str = "", now=None) -> Invitation:
    """Invite someone by email (audited); the link is emailed after the commit.

    A pending invitation to the same email in the same organisation is replaced (revoked), so
    only the newest link works and it carries the newest role and team.

    :raises OrgError: bad email, a team of another organisation or archived, or already a member.
    """
    now = now or utcnow()
    email = normalise_email(email)
    if not email or len(email) > 320 or not email_is_well_formed(email):
        raise OrgError("Enter an email address like name@example.org.")
    if team is not None and (team.organisation_id != organisation.id or team.archived_at is not None):
        raise OrgError("Choose one of the organisation's teams.")
    existing = session.scalar(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, User.email == email))
    if existing is not None and existing.deactivated_at is None:
        raise OrgError(f"{email} is already a member of {organisation.name}.")
    for old in session.scalars(select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.email == email,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        revoke_invitation(actor, old, now=now, reason="replaced")
    invitation = Invitation(organisation_id=organisation.id, email=email, full_name=" ".join(full_name.split()),
                            role=role, team_id=team.id if team else None,
                            invited_by_id=actor.id if actor else None, created_at=now, sent_at=now)
    session.add(invitation)
    session.flush()
    record_audit(actor, "invitation.create", invitation, organisation=organisation,
                 detail={"email": email, "role": role.value, "team": team.name if team else None})
    _send_invitation(invitation, actor)
    return invitation


def resend_invitation(actor: Actor | None, invitation: Invitation, *, now=None) -> Invitation:
    """Send a fresh link for a pending invitation; the expiry clock restarts (audited)."""
    if not invitation.is_pending:
        raise OrgError("Only a pending invitation can be sent again.")
    invitation.sent_at = now or utcnow()
    session.flush()
    record_audit(actor, "invitation.resend", invitation, organisation=invitation.organisation,
                 detail={"email": invitation.email})
    _send_invitation(invitation, actor)
    return invitation


def revoke_invitation(actor: Actor | None, invitation: Invitation, *, now=None, reason: str = "revoked") -> None:
    """Withdraw a pending invitation: its links stop working (audited)."""
    if invitation.is_pending:
        invitation.revoked_at = now or utcnow()
        session.flush()
        record_audit(actor, "invitation.revoke", invitation, organisation=invitation.organisation,
                     detail={"email": invitation.email, "reason": reason})


def _send_invitation(invitation: Invitation, actor: Actor | None, team: Team | None = None) -> None:
    org = invitation.organisation
    if team is None and invitation.team_id:
        team = session.get(Team, invitation.team_id)
    days = max(1, current_app.config["INVITATION_MAX_AGE"] // 86400)
    who = f"{actor.full_name} has" if actor is not None else "You have been"
    invited = "invited you" if actor is not None else "invited"
    where = f" in the team {team.name}" if team else ""
    url = _external_url("orgs.join", token=invitation_token(invitation))
    mail.send(
        invitation.email,
        f"You're invited to join {org.name} on {current_app.config['SITE_NAME']}",
        f"Hello{(' ' + invitation.full_name) if invitation.full_name else ''},\n\n"
        f"{who} {invited} to join {org.name} as {invitation.role.label.lower()}{where}, "
        "to take part in its CPD learning.\n\n"
        f"Accept the invitation here:\n{url}\n\n"
        f"The link works for {days} days and only once. If you weren't expecting this, you can ignore it.",
    )


def _external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, inside a request or not (a CLI command, a test's setup)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


@dataclass(frozen=True)
class InvitationCheck:
    """What an invitation link leads to: the invitation, or why it can't be used."""

    invitation: Invitation | None
    problem: str | None = None
    #: "invalid", "expired", "used" or "revoked" when there is a problem.
    reason: str | None = None


def check_invitation_token(token: str) -> InvitationCheck:
    """The pending invitation a link names, or a clear reason it can't be used."""
    from itsdangerous import BadSignature, SignatureExpired

    serializer = _invitation_serializer()
    expired = False
    try:
        data = serializer.loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired as exc:
        expired = True
        try:
            data = serializer.load_payload(exc.payload)
        except BadSignature:
            data = None
    except BadSignature:
        data = None
    invitation = session.get(Invitation, data.get("i")) if isinstance(data, dict) and isinstance(
        data.get("i"), int) else None
    if invitation is None or invitation.organisation_id != data.get("o") or invitation.email != data.get("e"):
        return InvitationCheck(None, "This invitation link is not valid. Check that you copied the whole link "
                                     "from the email, or ask your organisation for a new invitation.", "invalid")
    org = invitation.organisation
    if invitation.accepted_at is not None:
        return InvitationCheck(None, f"This invitation to {org.name} has already been used. If you accepted "
                                     "it, log in to continue.", "used")
    if invitation.revoked_at is not None:
        return InvitationCheck(None, f"This invitation to {org.name} has been withdrawn. If you think that's a "
                                     "mistake, ask the person who invited you for a new one.", "revoked")
    if expired:
        return InvitationCheck(None, f"This invitation to {org.name} has expired. Ask the person who invited you "
                                     "to send it again.", "expired")
    return InvitationCheck(invitation)


def accept_invitation(invitation: Invitation, user: User, *, now=None) -> Membership:
    """Join the organisation through an invitation, as the person it was sent to (audited).

    Someone who is already a current member keeps their role and team; a deactivated member
    comes back with the invited role and team. Following the link proves the email address.

    :raises OrgError: the invitation is not pending, or was sent to another email.
    """
    now = now or utcnow()
    if not invitation.is_pending:
        raise OrgError("This invitation has already been used or withdrawn.")
    if normalise_email(user.email) != invitation.email:
        raise OrgError("This invitation was sent to another email address.")
    org = invitation.organisation
    membership = session.scalar(select(Membership).where(Membership.organisation_id == org.id,
                                                         Membership.user_id == user.id))
    if membership is None or membership.deactivated_at is not None:
        team = session.get(Team, invitation.team_id) if invitation.team_id else None
        if team is not None and team.archived_at is not None:
            team = None
        membership = add_member(user, org, user, invitation.role, team)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    invitation.accepted_at = now
    invitation.accepted_user_id = user.id
    session.flush()
    record_audit(user, "invitation.accept", invitation, organisation=org,
                 detail={"email": invitation.email, "membership_id": membership.id})
    return membership


def register_through_invitation(invitation: Invitation, full_name: str, password: str, *, now=None) -> User:
    """Create an account for the invited email (confirmed by the link) and join the organisation.

    :raises AccountError: unacceptable name or password, or the email now has an account.
    """
    from ..auth.services import AccountError, register_user

    if not " ".join(full_name.split()):
        raise AccountError("Enter your name as it should appear on certificates.", "full_name")
    user = register_user(full_name, invitation.email, password)
    user.email_confirmed_at = now or utcnow()
    session.flush()
    record_audit(user, "user.register", user, organisation=invitation.organisation,
                 detail={"via": "invitation", "invitation_id": invitation.id})
    accept_invitation(invitation, user, now=now)
    return user


# --- bulk staff upload -------------------------------------------------------------------

#: What each planned outcome of a staff upload is called on the preview.
IMPORT_ACTIONS = {
    "invite": "Invite new person",
    "add": "Add existing account",
    "unchanged": "No change",
    "rejected": "Rejected",
}

#: The fields of a plan that must be the same at confirmation as in the preview.
_PLAN_KEY = ("line", "email", "action", "team_id", "role", "user_id")


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_staff_import(organisation: Organisation, rows: list[dict], *, now=None) -> list[dict]:
    """What confirming an upload would do for each row: invite, add, no change, or reject (why).

    Reads only; nothing is written. The queries are batched, so the number does not grow with
    the number of rows beyond one per 500.

    :param rows: :class:`~course_engine.orgs.staff_csv.StaffRow` dicts from the file.
    """
    now = now or utcnow()
    teams: dict[str, list[Team]] = {}
    for team in session.scalars(select(Team).where(Team.organisation_id == organisation.id)):
        teams.setdefault(team.name.lower(), []).append(team)
    emails = sorted({r["email"] for r in rows if not r["problem"]})
    users: dict[str, User] = {}
    members: dict[int, Membership] = {}
    pending: dict[str, Invitation] = {}
    cutoff = now - timedelta(seconds=current_app.config["INVITATION_MAX_AGE"])
    for chunk in _chunks(emails):
        users.update((u.email, u) for u in session.scalars(select(User).where(User.email.in_(chunk))))
        pending.update((i.email, i) for i in session.scalars(select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.email.in_(chunk),
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.sent_at > cutoff)))
    for chunk in _chunks(sorted(u.id for u in users.values())):
        members.update((m.user_id, m) for m in session.scalars(select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id.in_(chunk))))
    team_names = {t.id: t.name for ts in teams.values() for t in ts}

    plan = []
    for row in rows:
        item = {"line": row["line"], "name": row["name"], "email": row["email"], "team": row["team"],
                "role": row["role"], "team_id": None, "user_id": None}
        plan.append(item)
        if row["problem"]:
            item.update(action="rejected", reason=row["problem"])
            continue
        if row["team"]:
            candidates = teams.get(row["team"].lower(), [])
            team = next((t for t in candidates if t.name == row["team"]), candidates[0] if candidates else None)
            if team is None:
                item.update(action="rejected",
                            reason=f"no team called '{row['team']}': create it first or fix the spelling")
                continue
            if team.archived_at is not None:
                item.update(action="rejected",
                            reason=f"the team '{team.name}' is archived: restore it first or choose another team")
                continue
            item.update(team=team.name, team_id=team.id)
        user = users.get(row["email"])
        if user is not None:
            item["user_id"] = user.id
            membership = members.get(user.id)
            if not user.is_active_account:
                item.update(action="rejected", reason="this person's account is closed")
            elif membership is not None and membership.deactivated_at is not None:
                item.update(action="rejected", reason=(
                    f"deactivated on {membership.deactivated_at:%d %b %Y}: reactivate them on their page "
                    "if they have come back"))
            elif membership is not None:
                current = f"{membership.role.label}, {team_names.get(membership.team_id, 'no team')}"
                differs = (membership.role.value != row["role"]
                           or (item["team_id"] is not None and membership.team_id != item["team_id"]))
                item.update(action="unchanged", reason=f"already a member ({current})" + (
                    ": change their role or team on their page" if differs else ""))
            else:
                item.update(action="add", reason="has an account: will be added to the organisation")
        elif row["email"] in pending:
            item.update(action="unchanged",
                        reason=f"already invited on {pending[row['email']].sent_at:%d %b %Y}: no change")
        else:
            item.update(action="invite", reason="will be sent an invitation")
    return plan


def create_staff_import(actor: Actor, organisation: Organisation, filename: str, rows: list[dict], *,
                        now=None) -> StaffImport:
    """Keep a previewed upload (rows and plan) until it is confirmed; writes no people.

    Previews of this organisation that were never confirmed and are too old to be are deleted
    here, so the names and emails in them are not kept for longer than needed.
    """
    now = now or utcnow()
    stale = now - timedelta(seconds=current_app.config["STAFF_IMPORT_MAX_AGE"])
    session.execute(delete(StaffImport).where(StaffImport.organisation_id == organisation.id,
                                              StaffImport.applied_at.is_(None), StaffImport.created_at < stale))
    staff_import = StaffImport(organisation_id=organisation.id, created_by_id=actor.id, created_at=now,
                               filename=filename[:255], rows=rows, plan=plan_staff_import(organisation, rows, now=now))
    session.add(staff_import)
    session.flush()
    return staff_import


def import_summary(plan: list[dict]) -> dict[str, int]:
    """How many rows of a plan have each outcome."""
    counts = {action: 0 for action in IMPORT_ACTIONS}
    for item in plan:
        counts[item["action"]] += 1
    return counts


def apply_staff_import(actor: Actor, staff_import: StaffImport, *, now=None) -> dict[str, int]:
    """Do exactly what the preview showed: invite new people and add existing accounts (audited).

    :raises OrgError: already applied, too old, or the organisation changed since the preview
        so that the plan would now differ (nothing is written then; upload the file again).
    """
    now = now or utcnow()
    if staff_import.applied_at is not None:
        raise OrgError("This upload has already been applied.")
    if now - staff_import.created_at > timedelta(seconds=current_app.config["STAFF_IMPORT_MAX_AGE"]):
        raise OrgError("This preview is too old to apply. Upload the file again to see an up-to-date preview.")
    organisation = staff_import.organisation
    fresh = plan_staff_import(organisation, staff_import.rows, now=now)

    def key(plan):
        return [tuple(item.get(k) for k in _PLAN_KEY) for item in plan]

    if key(fresh) != key(staff_import.plan):
        raise OrgError("Something in the organisation changed since the preview (a team, a member or an "
                       "invitation), so nothing has been applied. Upload the file again to see an "
                       "up-to-date preview.")
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.organisation_id == organisation.id))}
    # The plan was just re-checked, so invitations are written in one batch rather than through
    # create_invitation's per-person checks: thousands of rows stay quick.
    invitations = [Invitation(organisation_id=organisation.id, email=item["email"], full_name=item["name"],
                              role=OrgRole(item["role"]), team_id=item["team_id"], invited_by_id=actor.id,
                              created_at=now, sent_at=now)
                   for item in staff_import.plan if item["action"] == "invite"]
    session.add_all(invitations)
    session.flush()
    for invitation in invitations:
        team = teams.get(invitation.team_id) if invitation.team_id else None
        session.add(_audit_entry(actor, "invitation.create", invitation, organisation=organisation, detail={
            "email": invitation.email, "role": invitation.role.value, "team": team.name if team else None,
            "staff_import_id": staff_import.id}))
        _send_invitation(invitation, actor, team=team)
    for item in staff_import.plan:
        if item["action"] == "add":
            user = session.get(User, item["user_id"])
            add_member(actor, organisation, user, OrgRole(item["role"]), teams.get(item["team_id"]))
            _send_added(organisation, user, actor)
    staff_import.applied_at = now
    counts = import_summary(staff_import.plan)
    record_audit(actor, "staff_import.apply", staff_import, organisation=organisation,
                 detail={"filename": staff_import.filename, **counts})
    return counts


def _send_added(organisation: Organisation, user: User, actor: Actor | None) -> None:
    url = _external_url("learner.my_learning")
    mail.send(user.email, f"You've been added to {organisation.name}",
              f"Hello {user.full_name},\n\n{actor.full_name if actor else 'An administrator'} has added you to "
              f"{organisation.name} on {current_app.config['SITE_NAME']}. Log in to see your learning:\n{url}\n")
