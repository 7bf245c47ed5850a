"""LTI 1.3 launches: OIDC third-party login initiation, the id_token check, and who the
launch is for.

1. The platform sends the browser to ``/lti/login`` (``begin``): we find the registration by
   issuer and client id and send the browser to the platform's authorisation endpoint with a
   ``state`` and a ``nonce``. Nothing is written: the state is signed by us (it names the
   registration and the nonce) and a cookie ties it to this browser.
2. The platform posts the id_token to ``/lti/launch`` (``verify``): the state must be ours,
   recent and this browser's; the id_token must pass ``signed_tokens.verify`` against the
   platform's key set (issuer, audience/azp, expiry, our nonce); the nonce must never have been
   used (recorded now); the LTI claims must be LTI 1.3 with a deployment registered for it.
3. ``admit``: the person is found by (registration, ``sub``), or created, never by email, and
   is a member of the registration's organisation only, with the role their LTI roles imply.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import signed_tokens
from ..audit import record_audit
from ..auth import services as auth_services
from ..db import session
from ..links import base_url, external_url
from ..orgs import services as orgs_services
from ..orgs.models import Membership, OrgRole
from .models import Deployment, LtiUser, Platform, UsedNonce

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE, VERSION, DEPLOYMENT_ID = LTI + "message_type", LTI + "version", LTI + "deployment_id"
TARGET_LINK_URI, RESOURCE_LINK, ROLES = LTI + "target_link_uri", LTI + "resource_link", LTI + "roles"
CONTEXT, CUSTOM = LTI + "context", LTI + "custom"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

#: A launch must come back from the platform within this many seconds of its login initiation.
STATE_MAX_AGE = 600
_STATE_SALT = "course-engine.lti-state"
#: The cookie that ties a state to the browser that started it (hashes of recent states).
STATE_COOKIE = "ce_lti_state"
_STATES_KEPT = 4

#: LIS roles (context, institution or system) that make someone an instructor here.
_INSTRUCTOR_ROLES = {"Instructor", "Administrator", "ContentDeveloper"}


class LaunchRefused(Exception):
    """A login initiation or launch we refuse: ``reason`` for tests and logs, the message for people."""

    def __init__(self, message: str, reason: str, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_STATE_SALT)


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()[:32]


def find_platform(issuer: str, client_id: str | None) -> Platform:
    """The registration a login initiation names.

    :raises LaunchRefused: unknown, ambiguous (several client ids and none given) or turned off.
    """
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        query = query.where(Platform.client_id == client_id)
    platforms = list(session.scalars(query))
    if not platforms:
        raise LaunchRefused("This learning platform is not registered with course-engine. Ask your "
                            "organisation admin to register it (issuer and client id).", "unknown_platform", 404)
    if len(platforms) > 1:
        raise LaunchRefused("The platform did not say which registration (client_id) this launch is for.",
                            "ambiguous_platform")
    platform = platforms[0]
    if platform.disabled_at is not None:
        raise LaunchRefused("Your organisation has turned off launches from this platform.", "disabled", 403)
    return platform


def begin(params: dict[str, str], *, now: datetime) -> tuple[str, str]:
    """Answer a login initiation: (the platform's authorisation URL to send the browser to,
    the state, whose hash the route keeps in this browser's cookie). Writes nothing."""
    issuer, login_hint = params.get("iss"), params.get("login_hint")
    target = params.get("target_link_uri") or ""
    if not issuer or not login_hint:
        raise LaunchRefused("The platform's login request is missing iss or login_hint.", "malformed")
    if not (target == base_url() or target.startswith(base_url() + "/")):
        raise LaunchRefused("The platform asked to launch an address that is not part of this site "
                            "(target_link_uri).", "target")
    platform = find_platform(issuer, params.get("client_id"))
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in {d.deployment_id for d in platform.deployments}:
        raise LaunchRefused(f"Deployment '{deployment}' is not registered for this platform. Ask your "
                            "organisation admin to add it.", "deployment", 403)
    nonce = secrets.token_urlsafe(24)
    state = _serializer().dumps({"p": platform.id, "n": nonce, "r": secrets.token_urlsafe(8)})
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": external_url("lti.launch_message"),
             "login_hint": login_hint, "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + separator + urlencode(query), state


def remembered_states(cookie: str | None, state: str | None = None) -> str:
    """The cookie's value: recent state hashes, plus ``state``'s if given (newest last)."""
    hashes = [h for h in (cookie or "").split(".") if h]
    if state is not None:
        hashes.append(state_hash(state))
    return ".".join(hashes[-_STATES_KEPT:])


@dataclass(frozen=True)
class Launch:
    """A verified launch: the registration, the deployment and the id_token's claims."""

    platform: Platform
    deployment: Deployment
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return self.claims[MESSAGE_TYPE]

    @property
    def is_instructor(self) -> bool:
        return implies_instructor(self.claims.get(ROLES))


def implies_instructor(roles: Any) -> bool:
    """True for LIS instructor, administrator or content-developer roles (sub-roles included)."""
    if not isinstance(roles, list):
        return False
    # "...membership#Instructor", "...membership/Instructor#TeachingAssistant" (a sub-role),
    # "...institution/person#Administrator", or the short form "Instructor".
    return any(part in _INSTRUCTOR_ROLES for role in roles if isinstance(role, str)
               for part in role.rsplit("/", 1)[-1].split("#"))


def verify(id_token: str, state: str, cookie: str | None, *, now: datetime) -> Launch:
    """Every check of a launch (see the module docstring); records the nonce as used.

    :raises LaunchRefused: with the first check that fails.
    """
    if not id_token or not state:
        raise LaunchRefused("The launch is missing its id_token or state.", "malformed")
    try:
        data = _serializer().loads(state, max_age=STATE_MAX_AGE)
    except SignatureExpired:
        raise LaunchRefused("This launch took too long. Go back to your course and open the activity again.",
                            "expired_state") from None
    except BadSignature:
        raise LaunchRefused("This launch did not start here (the state is not ours). Go back to your course "
                            "and open the activity again.", "state") from None
    if state_hash(state) not in (cookie or "").split("."):
        raise LaunchRefused("Your browser did not keep the cookie this launch needs, so we can't tell the "
                            "launch is yours. Open the activity in a new window (or allow cookies for this "
                            "site) and try again.", "cookie")
    platform = session.get(Platform, data.get("p")) if isinstance(data, dict) else None
    if platform is None or platform.disabled_at is not None:
        raise LaunchRefused("This platform is no longer registered here.", "unknown_platform", 404)
    try:
        claims = signed_tokens.verify(id_token, jwks_url=platform.key_set_url, issuer=platform.issuer,
                                      audience=platform.client_id, now=now, nonce=data.get("n"))
    except signed_tokens.TokenRejected as exc:
        raise LaunchRefused(str(exc), exc.reason) from exc
    nonce = claims["nonce"]
    if session.scalar(select(UsedNonce.id).where(UsedNonce.platform_id == platform.id, UsedNonce.nonce == nonce)):
        raise LaunchRefused("This launch has been used already. Go back to your course and open the activity "
                            "again.", "replay")
    if claims.get(VERSION) != "1.3.0":
        raise LaunchRefused("The launch is not LTI 1.3.0.", "version")
    if claims.get(MESSAGE_TYPE) not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
        raise LaunchRefused(f"course-engine does not handle {claims.get(MESSAGE_TYPE)!r} messages.", "message_type")
    deployment = next((d for d in platform.deployments if d.deployment_id == claims.get(DEPLOYMENT_ID)), None)
    if deployment is None:
        raise LaunchRefused(f"Deployment '{claims.get(DEPLOYMENT_ID)}' is not registered for this platform. Ask "
                            "your organisation admin to add it.", "deployment", 403)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise LaunchRefused("The launch does not say who you are (sub): anonymous launches are not supported.",
                            "anonymous")
    if claims[MESSAGE_TYPE] == RESOURCE_LINK_REQUEST and not isinstance(
            (claims.get(RESOURCE_LINK) or {}).get("id") if isinstance(claims.get(RESOURCE_LINK), dict) else None, str):
        raise LaunchRefused("The launch has no resource link id.", "malformed")
    session.add(UsedNonce(platform_id=platform.id, nonce=nonce[:128], used_at=now))
    return Launch(platform, deployment, claims)


def _name(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
    return name or "Learner"


def find_or_create_person(platform: Platform, subject: str, claims: dict[str, Any], *, now: datetime):
    """(account, LtiUser) for the platform's ``sub``. A new account takes the platform's email if
    no account has it; otherwise (or with no email) it gets an address nobody receives mail at,
    and the person can set their own later. An existing account is never found by email."""
    lti_user = session.scalar(select(LtiUser).where(LtiUser.platform_id == platform.id, LtiUser.subject == subject))
    if lti_user is not None:
        lti_user.last_launch_at = now
        return lti_user.user, lti_user
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    user = None
    if email and auth_services.email_is_well_formed(email):
        try:
            user = auth_services.create_external_account(email, _name(claims), email_confirmed=False, now=now)
        except auth_services.EmailAlreadyRegistered:
            user = None
    if user is None:
        placeholder = f"lti-{platform.id}-{hashlib.sha256(subject.encode()).hexdigest()[:20]}@lti.invalid"
        user = auth_services.create_external_account(placeholder, _name(claims), email_confirmed=False, now=now)
    lti_user = LtiUser(platform_id=platform.id, subject=subject, user_id=user.id, created_at=now, last_launch_at=now)
    session.add(lti_user)
    session.flush()
    record_audit(None, "lti.account_created", user, organisation=platform.organisation,
                 detail={"platform_id": platform.id})
    return user, lti_user


_RANK = {OrgRole.learner: 0, OrgRole.manager: 1, OrgRole.org_admin: 2}


def admit(platform: Platform, user, instructor: bool, *, ip_address: str | None = None) -> Membership:
    """The person's current membership of the platform's organisation, with at least the role
    their LTI roles imply (learner; instructor -> manager of the registration's team). A launch
    raises a role, never lowers one (an org admin's change by hand stands).

    :raises LaunchRefused: the organisation ended the person's membership.
    """
    organisation = platform.organisation
    implied = OrgRole.manager if instructor else OrgRole.learner
    membership = session.scalar(select(Membership).where(Membership.organisation_id == organisation.id,
                                                         Membership.user_id == user.id))
    if membership is not None and membership.deactivated_at is not None:
        raise LaunchRefused(f"{organisation.name} has ended your access to course-engine. Ask your organisation "
                            "admin.", "deactivated", 403)
    if membership is None:
        membership = orgs_services.add_member(None, organisation, user, implied, None, ip_address=ip_address)
    elif _RANK[membership.role] < _RANK[implied]:
        orgs_services.change_member(None, membership, implied, membership.team, ip_address=ip_address)
    if membership.role == OrgRole.manager and platform.instructor_team is not None and instructor:
        orgs_services.set_team_manager(None, membership, platform.instructor_team, ip_address=ip_address)
    return membership
