"""The bulk staff upload: preview what a CSV of people would do, then do exactly that.

The file itself is read by ``staff_csv.py``; this module plans and applies it.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from .. import mail
from ..audit import record_audit
from ..auth.models import Actor, User
from ..db import session, utcnow
from ..links import external_url
from .invitations import send_invitation
from .models import Invitation, Membership, Organisation, OrgRole, StaffImport, Team
from .services import OrgError, add_member

#: What each planned outcome of a staff upload is called on the preview.
IMPORT_ACTIONS = {
    "invite": "Invite new person",
    "add": "Add existing account",
    "unchanged": "No change",
    "rejected": "Rejected",
}

#: The fields of a plan that must be the same at confirmation as in the preview.
_PLAN_KEY = ("line", "email", "action", "team_id", "role", "user_id")


class AlreadyApplied(OrgError):
    """The upload was applied already (by this request's twin, or earlier): not an error to the
    person, who is shown the outcome, the people list."""


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


def apply_staff_import(actor: Actor, staff_import: StaffImport, *, now=None, ip_address: str | None = None) -> dict[str, int]:
    """Do exactly what the preview showed: invite new people and add existing accounts (audited).

    :raises OrgError: already applied, too old, or the organisation changed since the preview
        so that the plan would now differ (nothing is written then; upload the file again).
    """
    now = now or utcnow()
    # Claim the upload before anything else: a double click or a second tab sends the confirm
    # twice at once, and both would see "not applied yet". The conditional UPDATE lets only one
    # through (PostgreSQL makes the second wait for the first's row lock, then finds it
    # applied; SQLite's write lock serialises them the same way). A refusal below rolls the
    # claim back with everything else.
    claimed = session.execute(
        update(StaffImport).where(StaffImport.id == staff_import.id, StaffImport.applied_at.is_(None))
        .values(applied_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        raise AlreadyApplied("This upload has already been applied.")
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
        record_audit(actor, "invitation.create", invitation, organisation=organisation, detail={
            "email": invitation.email, "role": invitation.role.value, "team": team.name if team else None,
            "staff_import_id": staff_import.id}, ip_address=ip_address)
        send_invitation(invitation, actor, team=team)
    for item in staff_import.plan:
        if item["action"] == "add":
            user = session.get(User, item["user_id"])
            add_member(actor, organisation, user, OrgRole(item["role"]), teams.get(item["team_id"]), ip_address=ip_address)
            _send_added(organisation, user, actor)
    staff_import.applied_at = now
    counts = import_summary(staff_import.plan)
    record_audit(actor, "staff_import.apply", staff_import, organisation=organisation,
                 detail={"filename": staff_import.filename, **counts}, ip_address=ip_address)
    return counts


def _send_added(organisation: Organisation, user: User, actor: Actor | None) -> None:
    url = external_url("learner.my_learning")
    mail.send(user.email, f"You've been added to {organisation.name}",
              f"Hello {user.full_name},\n\n{actor.full_name if actor else 'An administrator'} has added you to "
              f"{organisation.name} on {current_app.config['SITE_NAME']}. Log in to see your learning:\n{url}\n")
