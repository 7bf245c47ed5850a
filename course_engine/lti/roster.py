"""Names and Role Provisioning Services: a course's members become members of a team.

An org admin picks a course the platform has launched from (its ``namesroleservice`` claim
gave us the membership URL) and a team; ``sync_members`` reads every page of the course's
membership and, for each active member: finds or creates the person exactly as a launch does
(by the platform's user id, never by email), makes them a member of the organisation with the
role their course roles imply, and puts learners in the team and instructors among its
managers. Nobody is removed: someone who left the course keeps their records and team, and
an admin decides what happens to them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from .. import outbound
from ..audit import record_audit
from ..auth.models import Actor
from ..db import session
from ..orgs import services as orgs_services
from ..orgs.models import OrgRole, Team, TeamManager
from . import launch, platform_api
from .models import Context

MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
#: The most pages of members read in one sync (a platform's page is often 100 or more people).
MAX_PAGES = 200


class SyncProblem(RuntimeError):
    """A sync that could not be done (message for the admin; ``status`` for the page)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class SyncResult:
    added: int = 0
    already: int = 0
    inactive: int = 0
    refused: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"{self.added} added to the team, {self.already} already there, {self.inactive} not active in the course"
        return text + (f", {len(self.refused)} whose access your organisation ended" if self.refused else "")


def sync_members(actor: Actor, context: Context, team: Team, *, now: datetime,
                 ip_address: str | None = None) -> SyncResult:
    """Bring the course's active members into ``team`` (audited with the counts).

    :raises SyncProblem: no membership URL, a team of another organisation, the platform away
        or refusing.
    """
    platform = context.platform
    if team.organisation_id != platform.organisation_id or team.archived_at is not None:
        raise SyncProblem("Choose one of the organisation's teams.")
    if not context.memberships_url:
        raise SyncProblem("The platform has not offered this course's member list (Names and Role Provisioning "
                          "Services). Turn it on for the tool in the platform, then launch once from the course.")
    result = SyncResult()
    url, host = context.memberships_url, urlsplit(context.memberships_url).netloc
    for _page in range(MAX_PAGES):
        try:
            response = platform_api.call(platform, "GET", url, [platform_api.NRPS_SCOPE], now,
                                         headers={"Accept": MEMBERSHIP_MEDIA_TYPE})
            body = response.json()
        except (outbound.RemoteUnavailable, outbound.RemoteRefused, outbound.UnsafeURL) as exc:
            raise SyncProblem(f"The platform did not give the course's members: {exc} Nothing was changed.",
                              502) from exc
        except ValueError:
            raise SyncProblem("The platform's member list is not readable JSON. Nothing was changed.", 502) from None
        members = body.get("members") if isinstance(body, dict) else None
        if not isinstance(members, list):
            raise SyncProblem("The platform's member list has no members. Nothing was changed.")
        for member in members:
            _sync_one(platform, team, member, result, now=now, ip_address=ip_address)
        following = response.links.get("next", {}).get("url")
        if not following or urlsplit(following).netloc != host:
            break  # the token is only ever sent to the platform that issued the first page
        url = following
    context.team_id = team.id
    context.last_synced_at = now
    session.flush()
    record_audit(actor, "lti.sync_members", context, organisation=platform.organisation, ip_address=ip_address,
                 detail={"team_id": team.id, "context": context.context_id, "added": result.added,
                         "already": result.already, "inactive": result.inactive, "refused": len(result.refused)})
    return result


def _sync_one(platform, team: Team, member, result: SyncResult, *, now: datetime, ip_address: str | None) -> None:
    if not isinstance(member, dict) or not isinstance(member.get("user_id"), str) or not member["user_id"]:
        return
    if member.get("status", "Active") != "Active":
        result.inactive += 1
        return
    instructor = launch.implies_instructor(member.get("roles"))
    user, _lti_user = launch.find_or_create_person(platform, member["user_id"][:255], member, now=now)
    try:
        membership = launch.admit(platform, user, instructor, ip_address=ip_address)
    except launch.LaunchRefused:
        result.refused.append(member["user_id"])
        return
    if membership.role == OrgRole.manager and instructor:
        already = session.scalar(select(TeamManager.id).where(TeamManager.team_id == team.id,
                                                              TeamManager.membership_id == membership.id))
        if already:
            result.already += 1
            return
        orgs_services.set_team_manager(None, membership, team, ip_address=ip_address)
        result.added += 1
    elif membership.role == OrgRole.learner and membership.team_id != team.id:
        orgs_services.change_member(None, membership, membership.role, team, ip_address=ip_address)
        result.added += 1
    else:
        result.already += 1
