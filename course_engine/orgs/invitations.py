"""Invitations: a signed, expiring, single-use link that lets a person join an organisation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import mail
from ..audit import record_audit
from ..auth.models import Actor, User
from ..auth.services import email_is_well_formed, normalise_email
from ..db import session, utcnow
from ..links import external_url
from .models import Invitation, Membership, Organisation, OrgRole, Team
from .services import OrgError, add_member

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
                      team: Team | None = None, *, full_name: str = "", now=None, ip_address: str | None = None) -> Invitation:
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
        revoke_invitation(actor, old, now=now, reason="replaced", ip_address=ip_address)
    invitation = Invitation(organisation_id=organisation.id, email=email, full_name=" ".join(full_name.split()),
                            role=role, team_id=team.id if team else None,
                            invited_by_id=actor.id if actor else None, created_at=now, sent_at=now)
    session.add(invitation)
    session.flush()
    record_audit(actor, "invitation.create", invitation, organisation=organisation,
                 detail={"email": email, "role": role.value, "team": team.name if team else None}, ip_address=ip_address)
    send_invitation(invitation, actor)
    return invitation


def resend_invitation(actor: Actor | None, invitation: Invitation, *, now=None, ip_address: str | None = None) -> Invitation:
    """Send a fresh link for a pending invitation; the expiry clock restarts (audited)."""
    if not invitation.is_pending:
        raise OrgError("Only a pending invitation can be sent again.")
    invitation.sent_at = now or utcnow()
    session.flush()
    record_audit(actor, "invitation.resend", invitation, organisation=invitation.organisation,
                 detail={"email": invitation.email}, ip_address=ip_address)
    send_invitation(invitation, actor)
    return invitation


def revoke_invitation(actor: Actor | None, invitation: Invitation, *, now=None, reason: str = "revoked", ip_address: str | None = None) -> None:
    """Withdraw a pending invitation: its links stop working (audited)."""
    if invitation.is_pending:
        invitation.revoked_at = now or utcnow()
        session.flush()
        record_audit(actor, "invitation.revoke", invitation, organisation=invitation.organisation,
                     detail={"email": invitation.email, "reason": reason}, ip_address=ip_address)


def send_invitation(invitation: Invitation, actor: Actor | None, team: Team | None = None) -> None:
    """Email the invitation's link (after the commit, like every email)."""
    org = invitation.organisation
    if team is None and invitation.team_id:
        team = session.get(Team, invitation.team_id)
    days = max(1, current_app.config["INVITATION_MAX_AGE"] // 86400)
    who = f"{actor.full_name} has" if actor is not None else "You have been"
    invited = "invited you" if actor is not None else "invited"
    where = f" in the team {team.name}" if team else ""
    url = external_url("orgs.join", token=invitation_token(invitation))
    mail.send(
        invitation.email,
        f"You're invited to join {org.name} on {current_app.config['SITE_NAME']}",
        f"Hello{(' ' + invitation.full_name) if invitation.full_name else ''},\n\n"
        f"{who} {invited} to join {org.name} as {invitation.role.label.lower()}{where}, "
        "to take part in its CPD learning.\n\n"
        f"Accept the invitation here:\n{url}\n\n"
        f"The link works for {days} days and only once. If you weren't expecting this, you can ignore it.",
    )


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


def accept_invitation(invitation: Invitation, user: User, *, now=None, ip_address: str | None = None) -> Membership:
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
        membership = add_member(user, org, user, invitation.role, team, ip_address=ip_address)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    invitation.accepted_at = now
    invitation.accepted_user_id = user.id
    session.flush()
    record_audit(user, "invitation.accept", invitation, organisation=org,
                 detail={"email": invitation.email, "membership_id": membership.id}, ip_address=ip_address)
    return membership


def register_through_invitation(invitation: Invitation, full_name: str, password: str, *, now=None, ip_address: str | None = None) -> User:
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
                 detail={"via": "invitation", "invitation_id": invitation.id}, ip_address=ip_address)
    accept_invitation(invitation, user, now=now, ip_address=ip_address)
    return user
