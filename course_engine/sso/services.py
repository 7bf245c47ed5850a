"""Single sign-on with an organisation's OpenID Connect provider.

The flow is the authorisation code flow with PKCE (S256), through Authlib's OAuth 2 client:
``begin_sign_in`` makes the authorisation URL and the values the browser's session keeps
(state, nonce, code verifier); ``finish_sign_in`` exchanges the code at the token endpoint and
verifies the id_token (``signed_tokens.verify``: the provider's keys, issuer, audience, expiry,
nonce); ``sign_in_person`` finds the person by the provider's subject, never by email.

A first sign-in creates the account and the membership only where the organisation allows
it, and only for an email in a domain the organisation owns. An email that already has an
account is never taken over: its owner types their password once to connect it
(``connect_account``). Services take plain values; the routes keep the session.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from requests import RequestException
from sqlalchemy import func, select

from .. import encryption, outbound, signed_tokens
from ..audit import record_audit
from ..auth import services as auth_services
from ..auth.models import Actor, User
from ..db import session
from ..links import external_url
from ..orgs import services as orgs_services
from ..orgs.models import Membership, Organisation, OrgRole, Team
from .models import SsoConfig, SsoEmailDomain, SsoIdentity, SsoUsedState

#: What we ask the provider for: the subject (openid), an email and a name.
SCOPES = "openid email profile"
#: A sign-in must come back from the provider within this many seconds.
SIGN_IN_MAX_AGE = 600

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SettingsProblem(ValueError):
    """A setting the org admin can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class SignInRefused(Exception):
    """A sign-in we refuse; the message is for the person, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 400, reason: str = ""):
        super().__init__(message)
        self.status = status
        self.reason = reason


# --- settings ----------------------------------------------------------------------------

def config_for(organisation: Organisation) -> SsoConfig | None:
    return session.scalar(select(SsoConfig).where(SsoConfig.organisation_id == organisation.id))


def parse_domains(text: str) -> list[str]:
    """Email domains from a textarea (one a line, or separated by commas or spaces)."""
    domains = []
    for raw in re.split(r"[\s,;]+", text or ""):
        domain = raw.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN_RE.match(domain):
            raise SettingsProblem(f"'{raw}' is not an email domain (like council.gov.uk).", "domains")
        if domain not in domains:
            domains.append(domain)
    return domains


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, checked (OpenID Connect Discovery 1.0, section 4.3):
    it must state exactly this issuer and name the endpoints we use."""
    issuer = issuer.strip()
    try:
        outbound.check_url(issuer)
        document = outbound.get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    except outbound.UnsafeURL as exc:
        raise SettingsProblem(str(exc), "issuer") from exc
    except (outbound.RemoteUnavailable, outbound.RemoteRefused) as exc:
        raise SettingsProblem(f"The provider's discovery document could not be read: {exc} "
                              "Check the issuer URL.", "issuer") from exc
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        stated = document.get("issuer") if isinstance(document, dict) else None
        raise SettingsProblem(f"The provider says its issuer is '{stated}', not '{issuer}'. "
                              "Type the issuer exactly as the provider states it.", "issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(key)
        if not isinstance(value, str):
            raise SettingsProblem(f"The provider's discovery document has no {key}.", "issuer")
        try:
            outbound.check_url(value)
        except outbound.UnsafeURL as exc:
            raise SettingsProblem(f"The provider's {key}: {exc}", "issuer") from exc
    return document


@dataclass(frozen=True)
class Settings:
    """What the org admin typed (plain values, from the form)."""

    issuer: str
    client_id: str
    #: None or "": keep the stored secret.
    client_secret: str | None
    domains: list[str]
    enabled: bool
    join_on_first_sign_in: bool
    join_role: OrgRole
    join_team: Team | None
    password_login_allowed: bool


def save_settings(actor: Actor, organisation: Organisation, settings: Settings, *, now: datetime,
                  ip_address: str | None = None) -> SsoConfig:
    """Create or change the organisation's single sign-on (audited, never with the secret).

    :raises SettingsProblem: an unreachable or inconsistent provider, a domain another
        organisation owns, no secret, a team of another organisation.
    """
    document = discover(settings.issuer)
    if not settings.client_id.strip():
        raise SettingsProblem("Enter the client id (application id) the provider gave you.", "client_id")
    if settings.join_team is not None and (settings.join_team.organisation_id != organisation.id
                                           or settings.join_team.archived_at is not None):
        raise SettingsProblem("Choose one of the organisation's teams.", "join_team")
    if settings.join_role == OrgRole.org_admin:
        raise SettingsProblem("New people can join as learners or managers; make admins by hand.", "join_role")
    config = config_for(organisation)
    if config is None and not settings.client_secret:
        raise SettingsProblem("Enter the client secret the provider gave you.", "client_secret")
    taken = session.execute(
        select(SsoEmailDomain.domain).join(SsoConfig)
        .where(SsoEmailDomain.domain.in_(settings.domains or [""]),
               SsoConfig.organisation_id != organisation.id)).scalars().all()
    if taken:
        raise SettingsProblem(f"Another organisation already signs in people at {', '.join(sorted(taken))}. "
                              "Contact us if that domain is yours.", "domains")
    if not settings.domains:
        raise SettingsProblem("Enter at least one email domain your organisation owns.", "domains")
    if config is None:
        config = SsoConfig(organisation_id=organisation.id)
        session.add(config)
    secret_changed = bool(settings.client_secret)
    if secret_changed:
        config.client_secret_sealed = encryption.seal(settings.client_secret)
        config.client_secret_hint = encryption.last_characters(settings.client_secret)
    config.issuer = settings.issuer.strip()
    config.client_id = settings.client_id.strip()
    config.authorization_endpoint = document["authorization_endpoint"]
    config.token_endpoint = document["token_endpoint"]
    config.jwks_uri = document["jwks_uri"]
    config.enabled = settings.enabled
    config.join_on_first_sign_in = settings.join_on_first_sign_in
    config.join_role = settings.join_role
    config.join_team_id = settings.join_team.id if settings.join_team else None
    config.password_login_allowed = settings.password_login_allowed
    config.updated_at = now
    current = {d.domain: d for d in config.domains}
    for domain, row in current.items():
        if domain not in settings.domains:
            config.domains.remove(row)
    for domain in settings.domains:
        if domain not in current:
            config.domains.append(SsoEmailDomain(domain=domain))
    session.flush()
    record_audit(actor, "sso.configure", config, organisation=organisation, ip_address=ip_address, detail={
        "issuer": config.issuer, "client_id": config.client_id, "domains": settings.domains,
        "enabled": config.enabled, "join_on_first_sign_in": config.join_on_first_sign_in,
        "join_role": config.join_role.value, "join_team_id": config.join_team_id,
        "password_login_allowed": config.password_login_allowed, "secret_changed": secret_changed})
    return config


# --- which organisation signs this email in ------------------------------------------------

def config_for_email(email: str) -> SsoConfig | None:
    """The enabled configuration whose owned domains include this email's domain."""
    domain = email.rpartition("@")[2].lower()
    if not domain:
        return None
    return session.scalar(select(SsoConfig).join(SsoEmailDomain)
                          .where(SsoEmailDomain.domain == domain, SsoConfig.enabled.is_(True)))


def organisation_sign_in(email: str) -> auth_services.OrganisationSignIn | None:
    """The login page's finder (``auth.services.add_organisation_sign_in``).

    Password login is off only for *current members* of the organisation whose email is in
    its domains, so an organisation can never lock out people who are not its own.
    """
    config = config_for_email(email)
    if config is None:
        return None
    password_allowed = config.password_login_allowed
    if not password_allowed:
        is_member = session.scalar(
            select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id)
            .where(User.email == email, Membership.organisation_id == config.organisation_id,
                   Membership.deactivated_at.is_(None)))
        password_allowed = not is_member
    url = external_url("sso.start", org_slug=config.organisation.slug, login_hint=email)
    return auth_services.OrganisationSignIn(config.organisation.name, url, password_allowed)


# --- the flow ----------------------------------------------------------------------------

def _client(config: SsoConfig, redirect_uri: str) -> OAuth2Session:
    secret = encryption.unseal(config.client_secret_sealed) if config.client_secret_sealed else None
    return OAuth2Session(config.client_id, secret, scope=SCOPES, redirect_uri=redirect_uri,
                         code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def begin_sign_in(config: SsoConfig, *, redirect_uri: str, now: datetime,
                  login_hint: str | None = None) -> tuple[str, str, dict[str, Any]]:
    """(authorisation URL, state, what the session keeps under that state until the callback)."""
    if not config.enabled:
        raise SignInRefused("Single sign-on is turned off for this organisation. Log in with your password.", 404)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _state = _client(config, redirect_uri).create_authorization_url(
        config.authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier, **extra)
    pending = {"config_id": config.id, "nonce": nonce, "verifier": verifier, "at": int(now.timestamp())}
    return url, state, pending


def finish_sign_in(pending: dict[str, Any] | None, *, state: str, code: str, redirect_uri: str,
                   now: datetime) -> tuple[SsoConfig, dict[str, Any]]:
    """Check the state, exchange the code and verify the id_token: (config, verified claims).

    :raises SignInRefused: a state this browser did not start or that was used already, a
        sign-in that took too long, a refused code, a token that fails verification.
    """
    if not pending or not isinstance(pending, dict):
        raise SignInRefused("This sign-in was not started in this browser, or has been used already. "
                            "Start again from the login page.", 400, "state")
    if session.scalar(select(SsoUsedState.id).where(SsoUsedState.state_hash == state_hash(state))):
        raise SignInRefused("This sign-in has been used already. Start again from the login page.", 400, "state")
    if int(now.timestamp()) - int(pending.get("at", 0)) > SIGN_IN_MAX_AGE:
        raise SignInRefused("This sign-in took too long. Start again from the login page.", 400, "expired")
    config = session.get(SsoConfig, pending.get("config_id"))
    if config is None or not config.enabled:
        raise SignInRefused("Single sign-on is turned off for this organisation.", 404, "disabled")
    if not code:
        raise SignInRefused("Your organisation's sign-in did not send a sign-in code. Start again.", 400, "code")
    try:
        outbound.check_url(config.token_endpoint)
        token = _client(config, redirect_uri).fetch_token(
            config.token_endpoint, code=code, code_verifier=pending.get("verifier"), timeout=outbound.TIMEOUT)
    except OAuthError as exc:
        raise SignInRefused(f"Your organisation's sign-in refused the sign-in code ({exc.error}). "
                            "Start again.", 400, "code") from exc
    except (RequestException, outbound.UnsafeURL, ValueError) as exc:
        raise SignInRefused("Your organisation's sign-in system did not answer. Try again in a few minutes.",
                            502, "unavailable") from exc
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not id_token:
        raise SignInRefused("Your organisation's sign-in sent no id_token.", 400, "malformed")
    try:
        claims = signed_tokens.verify(id_token, jwks_url=config.jwks_uri, issuer=config.issuer,
                                      audience=config.client_id, now=now, nonce=pending.get("nonce"))
    except signed_tokens.TokenRejected as exc:
        raise SignInRefused(str(exc), 400, exc.reason) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused("Your organisation's sign-in did not say who you are (sub).", 400, "malformed")
    session.add(SsoUsedState(state_hash=state_hash(state), used_at=now))
    return config, claims


def _email_from(claims: dict[str, Any]) -> str | None:
    """The email the provider gives (``email``; Entra ID without the optional claim: a UPN
    that is an address). Used only to create an account, never to find one."""
    for key in ("email", "preferred_username", "upn"):
        value = claims.get(key)
        if isinstance(value, str) and auth_services.email_is_well_formed(value):
            return auth_services.normalise_email(value)
    return None


def _name_from(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    return name or email.split("@")[0]


@dataclass(frozen=True)
class SignedIn:
    user: User
    organisation: Organisation
    #: True when this sign-in created the account.
    created: bool


@dataclass(frozen=True)
class NeedsConnect:
    """The email already has an account: its owner must type their password once."""

    email: str
    organisation: Organisation


def _membership(organisation: Organisation, user: User) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.organisation_id == organisation.id,
                                                   Membership.user_id == user.id))


def _ensure_member(config: SsoConfig, user: User, *, ip_address: str | None) -> None:
    """Current membership, joining where the organisation allows it; else refused."""
    membership = _membership(config.organisation, user)
    if membership is not None and membership.deactivated_at is not None:
        raise SignInRefused(f"{config.organisation.name} has ended your access. Ask your organisation admin.",
                            403, "deactivated")
    if membership is None:
        if not config.join_on_first_sign_in:
            raise SignInRefused(f"{config.organisation.name} does not let new people join by signing in. "
                                "Ask your organisation admin for an invitation.", 403, "join_not_allowed")
        orgs_services.add_member(None, config.organisation, user, config.join_role, config.join_team,
                                 ip_address=ip_address)


def sign_in_person(config: SsoConfig, claims: dict[str, Any], *, now: datetime,
                   ip_address: str | None = None) -> SignedIn | NeedsConnect:
    """The person the verified claims name, found by (organisation, issuer, subject).

    :raises SignInRefused: inactive account, ended membership, an email outside the
        organisation's domains, joining not allowed.
    """
    organisation = config.organisation
    identity = session.scalar(select(SsoIdentity).where(
        SsoIdentity.organisation_id == organisation.id, SsoIdentity.issuer == config.issuer,
        SsoIdentity.subject == claims["sub"]))
    if identity is not None:
        user = identity.user
        if not user.is_active_account:
            raise SignInRefused("This account has been closed.", 403, "inactive")
        _ensure_member(config, user, ip_address=ip_address)
        identity.last_sign_in_at = now
        user.last_login_at = now
        session.flush()
        return SignedIn(user, organisation, created=False)
    email = _email_from(claims)
    if email is None:
        raise SignInRefused("Your organisation's sign-in did not give an email address, which a new account "
                            "needs. Ask your identity administrator to send the email claim.", 403, "no_email")
    domain = email.rpartition("@")[2]
    if domain not in {d.domain for d in config.domains}:
        raise SignInRefused(f"{organisation.name} has not said it owns the email domain {domain}, so we can't "
                            "create an account for this address.", 403, "domain_not_owned")
    if auth_services.find_user_by_email(email) is not None:
        return NeedsConnect(email, organisation)
    if not config.join_on_first_sign_in:
        raise SignInRefused(f"{organisation.name} does not let new people join by signing in. "
                            "Ask your organisation admin for an invitation.", 403, "join_not_allowed")
    user = auth_services.create_external_account(email, _name_from(claims, email), email_confirmed=True, now=now)
    _ensure_member(config, user, ip_address=ip_address)
    _link(config, user, claims["sub"], now=now, ip_address=ip_address, created=True)
    return SignedIn(user, organisation, created=True)


def _link(config: SsoConfig, user: User, subject: str, *, now: datetime, ip_address: str | None,
          created: bool) -> SsoIdentity:
    identity = SsoIdentity(organisation_id=config.organisation_id, user_id=user.id, issuer=config.issuer,
                           subject=subject, created_at=now, last_sign_in_at=now)
    session.add(identity)
    session.flush()
    record_audit(user, "sso.account_created" if created else "sso.account_connected", user,
                 organisation=config.organisation, detail={"issuer": config.issuer}, ip_address=ip_address)
    return identity


def connect_account(config: SsoConfig, subject: str, email: str, password: str, *, now: datetime,
                    ip_address: str | None = None) -> User | None:
    """Connect an existing account to the provider's subject, once its password is typed.

    Returns None for a wrong password. :raises SignInRefused: as ``sign_in_person``.
    """
    user = auth_services.find_user_by_email(email)
    if user is None or not auth_services.verify_password(user.password_hash, password) or not user.is_active_account:
        return None
    _ensure_member(config, user, ip_address=ip_address)
    if session.scalar(select(SsoIdentity.id).where(SsoIdentity.organisation_id == config.organisation_id,
                                                   SsoIdentity.issuer == config.issuer,
                                                   SsoIdentity.subject == subject)) is None:
        _link(config, user, subject, now=now, ip_address=ip_address, created=False)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    user.last_login_at = now
    session.flush()
    return user
