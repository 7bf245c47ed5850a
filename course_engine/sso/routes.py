"""Single sign-on pages: start, the provider's callback, connecting an existing account, and
the org admin's settings.

The browser's session keeps each sign-in in progress under its ``state`` (nonce, PKCE code
verifier, where to go next) and gives it up at the callback, whatever happens; the database
remembers every state that signed someone in, so a replayed callback is refused even with
the session it came with.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session as http_session, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from ..db import session, utcnow
from ..links import external_url
from ..orgs import services as orgs_services
from ..orgs.access import org_role_required
from ..orgs.models import Organisation, OrgRole, Team
from ..security import limiter
from . import bp, services
from .forms import ConnectForm, SsoSettingsForm
from .models import SsoConfig

_PENDING = "sso_pending"
_CONNECT = "sso_connect"
#: Sign-ins a browser may have in progress at once (several tabs); older ones are dropped.
_MAX_PENDING = 3


def _redirect_uri() -> str:
    return external_url("sso.callback")


def _safe_next(target: str | None) -> str | None:
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return None


def _problem(exc: services.SignInRefused):
    return render_template("sso/problem.html", problem=str(exc), reason=exc.reason), exc.status


@bp.route("/sso/<org_slug>/start")
def start(org_slug: str):
    """Send the browser to the organisation's provider (a link: see auth's OrganisationSignIn)."""
    org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    config = services.config_for(org) if org else None
    if config is None:
        abort(404)
    login_hint = (request.args.get("login_hint") or "").strip()[:320] or None
    try:
        url, state, pending = services.begin_sign_in(config, redirect_uri=_redirect_uri(), now=utcnow(),
                                                     login_hint=login_hint)
    except services.SignInRefused as exc:
        return _problem(exc)
    pending["next"] = _safe_next(request.args.get("next"))
    in_progress = dict(http_session.get(_PENDING) or {})
    in_progress[state] = pending
    http_session[_PENDING] = dict(list(in_progress.items())[-_MAX_PENDING:])
    return redirect(url)


@bp.route("/sso/callback")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
def callback():
    """The provider sends the browser back here with a code (or an error)."""
    state = request.args.get("state") or ""
    in_progress = dict(http_session.get(_PENDING) or {})
    pending = in_progress.pop(state, None) if state else None
    http_session[_PENDING] = in_progress  # used or not, this state is spent for this browser
    if request.args.get("error"):
        description = (request.args.get("error_description") or request.args["error"])[:300]
        return _problem(services.SignInRefused(
            f"Your organisation's sign-in did not sign you in: {description}", 400, "provider_error"))
    now = utcnow()
    try:
        config, claims = services.finish_sign_in(pending, state=state, code=request.args.get("code") or "",
                                                 redirect_uri=_redirect_uri(), now=now)
        outcome = services.sign_in_person(config, claims, now=now, ip_address=request.remote_addr)
    except services.SignInRefused as exc:
        return _problem(exc)
    next_url = (pending or {}).get("next")
    if isinstance(outcome, services.NeedsConnect):
        http_session[_CONNECT] = {"config_id": config.id, "sub": claims["sub"], "email": outcome.email,
                                  "at": int(now.timestamp()), "next": next_url}
        return redirect(url_for("sso.connect"))
    _start_session(outcome.user)
    if outcome.created:
        flash(f"Welcome, {outcome.user.full_name}. You've joined {outcome.organisation.name}.", "success")
    return redirect(next_url or url_for("main.home"))


def _start_session(user) -> None:
    # A fresh session at sign-in defeats session fixation, as auth does.
    http_session.clear()
    login_user(user)


def _pending_connect():
    pending = http_session.get(_CONNECT)
    if not isinstance(pending, dict) or int(utcnow().timestamp()) - int(pending.get("at", 0)) > services.SIGN_IN_MAX_AGE:
        return None, None
    config = session.get(SsoConfig, pending.get("config_id"))
    return (pending, config) if config is not None and config.enabled else (None, None)


@bp.route("/sso/connect", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def connect():
    """An email that already has an account: its password, once, connects it to the provider."""
    pending, config = _pending_connect()
    if pending is None:
        return _problem(services.SignInRefused("This sign-in has expired. Start again from the login page.",
                                               400, "expired"))
    form = ConnectForm.from_request()
    status = 200
    if request.method == "POST" and form.validate():
        try:
            user = services.connect_account(config, pending["sub"], pending["email"], form.password.data,
                                            now=utcnow(), ip_address=request.remote_addr)
        except services.SignInRefused as exc:
            return _problem(exc)
        if user is not None:
            _start_session(user)
            flash(f"Your account is connected to {config.organisation.name}'s sign-in.", "success")
            return redirect(pending.get("next") or url_for("main.home"))
        form.password.errors.append("That password is not right. If you have forgotten it, reset it from the login page.")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("sso/connect.html", form=form, email=pending["email"],
                           organisation=config.organisation), status


# --- the org admin's settings -------------------------------------------------------------

def _settings_page(org, membership, form, config, status=200):
    return render_template("sso/settings.html", org=org, membership=membership, form=form, config=config,
                           redirect_uri=_redirect_uri()), status


@bp.route("/orgs/<org_slug>/sso", methods=["GET"])
@org_role_required(OrgRole.org_admin)
def settings(org, membership):
    """The organisation's single sign-on settings, and the values the identity admin needs."""
    config = services.config_for(org)
    form = SsoSettingsForm.from_request()
    if config is not None:
        form = SsoSettingsForm(data={
            "issuer": config.issuer, "client_id": config.client_id,
            "domains": "\n".join(d.domain for d in config.domains), "enabled": config.enabled,
            "join_on_first_sign_in": config.join_on_first_sign_in, "join_role": config.join_role.value,
            "join_team": config.join_team_id or "", "password_login_allowed": config.password_login_allowed})
    form.set_choices(orgs_services.active_teams(org))
    return _settings_page(org, membership, form, config)


@bp.route("/orgs/<org_slug>/sso", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def save_settings(org, membership):
    """Save the settings (org admin; audited without the secret); the provider is checked first."""
    config = services.config_for(org)
    form = SsoSettingsForm.from_request()
    form.set_choices(orgs_services.active_teams(org))
    if form.validate():
        try:
            domains = services.parse_domains(form.domains.data)
            team = session.get(Team, form.join_team.data) if form.join_team.data else None
            services.save_settings(current_user, org, services.Settings(
                issuer=form.issuer.data, client_id=form.client_id.data, client_secret=form.client_secret.data or None,
                domains=domains, enabled=form.enabled.data, join_on_first_sign_in=form.join_on_first_sign_in.data,
                join_role=OrgRole(form.join_role.data), join_team=team,
                password_login_allowed=form.password_login_allowed.data), now=utcnow(), ip_address=request.remote_addr)
        except services.SettingsProblem as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash("Single sign-on settings saved. The provider answered and its settings were checked.", "success")
            return redirect(url_for("sso.settings", org_slug=org.slug))
    return _settings_page(org, membership, form, config, status=400)
