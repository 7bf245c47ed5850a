"""LTI registrations (an org admin's platforms and deployments), what a launch records, and
the deep-linking response.

The launch checks themselves are in ``launch.py``; grades in ``grades.py``; rosters in
``roster.py``; the tool's keys in ``keys.py``.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .. import outbound
from ..audit import record_audit
from ..auth.models import Actor
from ..db import session
from ..links import external_url
from ..orgs.models import Organisation, Team
from . import keys, launch
from .models import Context, Deployment, LearnerLink, LtiUser, Platform, ResourceLink

DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
#: The custom parameter that names the module a resource link launches.
MODULE_PARAMETER = "module"


class RegistrationProblem(ValueError):
    """A registration setting the org admin can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Registration:
    """What the org admin typed (plain values from the form)."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str]
    instructor_team: Team | None


def parse_deployment_ids(text: str) -> list[str]:
    ids = []
    for raw in re.split(r"[\s,;]+", text or ""):
        if raw and raw not in ids:
            if len(raw) > 255:
                raise RegistrationProblem("A deployment id can be at most 255 characters.", "deployment_ids")
            ids.append(raw)
    return ids


def platforms_of(organisation: Organisation) -> list[Platform]:
    return list(session.scalars(select(Platform).where(Platform.organisation_id == organisation.id)
                                .order_by(Platform.name)))


def save_platform(actor: Actor, organisation: Organisation, registration: Registration, *,
                  platform: Platform | None = None, now: datetime, ip_address: str | None = None) -> Platform:
    """Register a platform, or change a registration (audited).

    :raises RegistrationProblem: an unsafe URL, an issuer and client id already registered,
        no deployment id, a team of another organisation.
    """
    for field_name in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        try:
            outbound.check_url(getattr(registration, field_name))
        except outbound.UnsafeURL as exc:
            raise RegistrationProblem(str(exc), field_name) from exc
    if not registration.deployment_ids:
        raise RegistrationProblem("Enter the deployment id the platform shows for this tool.", "deployment_ids")
    team = registration.instructor_team
    if team is not None and (team.organisation_id != organisation.id or team.archived_at is not None):
        raise RegistrationProblem("Choose one of the organisation's teams.", "instructor_team")
    clash = select(Platform.id).where(Platform.issuer == registration.issuer.strip(),
                                      Platform.client_id == registration.client_id.strip())
    if platform is not None:
        clash = clash.where(Platform.id != platform.id)
    if session.scalar(clash):
        raise RegistrationProblem("This issuer and client id are already registered. Each registration in the "
                                  "platform gets its own client id.", "client_id")
    action = "lti.update_platform" if platform is not None else "lti.register_platform"
    if platform is None:
        platform = Platform(organisation_id=organisation.id, created_at=now)
        session.add(platform)
    platform.name = registration.name.strip() or registration.issuer
    platform.issuer = registration.issuer.strip()
    platform.client_id = registration.client_id.strip()
    platform.auth_login_url = registration.auth_login_url.strip()
    platform.auth_token_url = registration.auth_token_url.strip()
    platform.key_set_url = registration.key_set_url.strip()
    platform.instructor_team_id = team.id if team else None
    current = {d.deployment_id: d for d in platform.deployments}
    for deployment_id, row in current.items():
        if deployment_id not in registration.deployment_ids:
            platform.deployments.remove(row)
    for deployment_id in registration.deployment_ids:
        if deployment_id not in current:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
    session.flush()
    record_audit(actor, action, platform, organisation=organisation, ip_address=ip_address, detail={
        "name": platform.name, "issuer": platform.issuer, "client_id": platform.client_id,
        "auth_login_url": platform.auth_login_url, "auth_token_url": platform.auth_token_url,
        "key_set_url": platform.key_set_url, "deployment_ids": registration.deployment_ids,
        "instructor_team_id": platform.instructor_team_id})
    return platform


def set_platform_enabled(actor: Actor, platform: Platform, enabled: bool, *, now: datetime,
                         ip_address: str | None = None) -> None:
    """Turn launches (and score posting) from a platform off or back on (audited)."""
    platform.disabled_at = None if enabled else (platform.disabled_at or now)
    session.flush()
    record_audit(actor, "lti.enable_platform" if enabled else "lti.disable_platform", platform,
                 organisation=platform.organisation, ip_address=ip_address)


def contexts_of(organisation: Organisation) -> list[Context]:
    """Courses launched from, newest registrations first."""
    return list(session.scalars(select(Context).join(Platform).where(Platform.organisation_id == organisation.id)
                                .order_by(Context.title)))


# --- what a launch records --------------------------------------------------------------

def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def record_context(platform: Platform, claims: dict[str, Any]) -> Context | None:
    """The course the launch came from, with its member-list URL if the platform offers one."""
    claim = claims.get(launch.CONTEXT)
    if not isinstance(claim, dict) or not isinstance(claim.get("id"), str):
        return None
    context = session.scalar(select(Context).where(Context.platform_id == platform.id,
                                                   Context.context_id == claim["id"][:255]))
    if context is None:
        context = Context(platform_id=platform.id, context_id=claim["id"][:255])
        session.add(context)
    context.title = _text(claim.get("title")) or _text(claim.get("label")) or context.title or claim["id"][:255]
    nrps = claims.get(launch.NRPS)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        context.memberships_url = nrps["context_memberships_url"][:500]
    session.flush()
    return context


def module_of(claims: dict[str, Any]) -> str | None:
    """The module a resource link launches: the ``module`` custom parameter."""
    custom = claims.get(launch.CUSTOM)
    slug = custom.get(MODULE_PARAMETER) if isinstance(custom, dict) else None
    return slug[:120] if isinstance(slug, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) else None


def record_resource_link(platform: Platform, claims: dict[str, Any], user, lti_user: LtiUser, *,
                         now: datetime) -> ResourceLink:
    """The resource link launched (its module and line item) and that this person launched it."""
    claim = claims[launch.RESOURCE_LINK]
    context = record_context(platform, claims)
    link = session.scalar(select(ResourceLink).where(ResourceLink.platform_id == platform.id,
                                                     ResourceLink.resource_link_id == claim["id"][:255]))
    if link is None:
        link = ResourceLink(platform_id=platform.id, resource_link_id=claim["id"][:255])
        session.add(link)
    link.context_id = context.id if context else link.context_id
    link.title = _text(claim.get("title")) or link.title
    link.module_slug = module_of(claims) or link.module_slug
    ags = claims.get(launch.AGS_ENDPOINT)
    if isinstance(ags, dict):
        if isinstance(ags.get("lineitem"), str):
            link.lineitem_url = ags["lineitem"][:500]
        scopes = ags.get("scope")
        if isinstance(scopes, list):
            link.ags_scopes = " ".join(s for s in scopes if isinstance(s, str))[:1000]
    session.flush()
    learner = session.scalar(select(LearnerLink).where(LearnerLink.resource_link_id == link.id,
                                                       LearnerLink.user_id == user.id))
    if learner is None:
        session.add(LearnerLink(resource_link_id=link.id, user_id=user.id, lti_user_id=lti_user.id, last_launch_at=now))
    else:
        learner.last_launch_at = now
    session.flush()
    return link


# --- deep linking ------------------------------------------------------------------------

def deep_linking_request(launch_: launch.Launch) -> dict[str, Any]:
    """What the session keeps while an instructor picks modules (plain values)."""
    settings = launch_.claims.get(launch.DEEP_LINKING_SETTINGS)
    if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
        raise launch.LaunchRefused("The deep-linking request has no return URL.", "malformed")
    accepts = settings.get("accept_types") or []
    if isinstance(accepts, list) and accepts and "ltiResourceLink" not in accepts:
        raise launch.LaunchRefused("The platform does not accept LTI resource links here.", "accept_types")
    return {"platform_id": launch_.platform.id, "deployment_id": launch_.deployment.deployment_id,
            "return_url": settings["deep_link_return_url"], "data": settings.get("data"),
            "multiple": settings.get("accept_multiple", True) is not False}


def deep_linking_response(platform: Platform, request: dict[str, Any], modules: list[tuple[str, str]],
                          now: datetime) -> str:
    """The signed LtiDeepLinkingResponse placing ``modules`` ((slug, title)) in the course: each
    an LTI resource link to our launch URL with the module as a custom parameter and a line item
    out of 100, so the platform makes a grade column for it."""
    moment = int(now.timestamp())
    items = [{"type": "ltiResourceLink", "title": title, "url": external_url("lti.launch_message"),
              "custom": {MODULE_PARAMETER: slug},
              "lineItem": {"scoreMaximum": 100, "label": title, "resourceId": slug}} for slug, title in modules]
    claims = {"iss": platform.client_id, "aud": platform.issuer, "iat": moment, "exp": moment + 600,
              "nonce": secrets.token_urlsafe(18),
              launch.DEPLOYMENT_ID: request["deployment_id"], launch.MESSAGE_TYPE: DEEP_LINKING_RESPONSE,
              launch.VERSION: "1.3.0", DL_CONTENT_ITEMS: items}
    if request.get("data") is not None:
        claims[DL_DATA] = request["data"]
    return keys.sign(claims, now)
