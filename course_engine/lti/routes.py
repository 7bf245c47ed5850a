"""LTI pages: the machine-to-machine endpoints (JWKS, login initiation, launch), deep linking
for instructors, and the org admin's registration pages.

The login initiation and the launch come from the platform's pages, so they carry no CSRF
token of ours: they are exempt through ``security.csrf_exempt``, the login initiation because
it writes nothing (a read-only view), the launch because the platform's signed id_token is
verified before anything is written.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, jsonify, redirect, render_template, request, session as http_session, url_for
from flask_login import current_user, login_required, login_user

from ..authoring.services import published_versions
from ..db import TransactionMode, session, transaction, utcnow
from ..links import external_url
from ..orgs import services as orgs_services
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole, Team
from ..learner.services import published_module
from ..security import CONTENT_SECURITY_POLICY, csrf_exempt
from . import bp, keys, launch, roster, services
from .forms import DeepLinkForm, PlatformForm, SyncForm
from .models import Context, Platform

_DEEP_LINK = "lti_deep_link"


def _problem(exc: launch.LaunchRefused):
    return render_template("lti/problem.html", problem=str(exc), reason=exc.reason), exc.status


@bp.route("/lti/jwks")
def jwks():
    """The tool's public keys (the "Public keyset URL" an LMS administrator pastes)."""
    response = jsonify(keys.jwks(utcnow()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf_exempt("writes nothing (a read-only view): it only starts the OIDC login, and nothing is trusted "
             "until the platform's signed id_token reaches /lti/launch")
@transaction(TransactionMode.read_only)
def login_initiation():
    """OIDC third-party login initiation: send the browser to the platform's authorisation endpoint."""
    try:
        url, state = launch.begin(request.values.to_dict(), now=utcnow())
    except launch.LaunchRefused as exc:
        return _problem(exc)
    response = redirect(url)
    secure = request.is_secure
    # SameSite=None: the launch is a cross-site POST from the platform, which would not carry a
    # Lax cookie; None needs Secure, so over plain HTTP (development) it stays Lax.
    response.set_cookie(launch.STATE_COOKIE, launch.remembered_states(request.cookies.get(launch.STATE_COOKIE), state),
                        max_age=launch.STATE_MAX_AGE, httponly=True, secure=secure,
                        samesite="None" if secure else "Lax", path=url_for("lti.launch_message"))
    return response


@bp.route("/lti/launch", methods=["POST"])
@csrf_exempt("the platform's signed id_token, verified by launch.verify (signature, issuer, audience, expiry, "
             "nonce used once, state) before anything is written")
def launch_message():
    """The platform posts the id_token here: verify it, admit the person, then open the module
    (a resource link) or the module picker (deep linking)."""
    now = utcnow()
    try:
        message = launch.verify(request.form.get("id_token", ""), request.form.get("state", ""),
                                request.cookies.get(launch.STATE_COOKIE), now=now)
        user, lti_user = launch.find_or_create_person(message.platform, message.claims["sub"], message.claims, now=now)
        launch.admit(message.platform, user, message.is_instructor, ip_address=request.remote_addr)
        if message.message_type == launch.DEEP_LINKING_REQUEST:
            if not message.is_instructor:
                raise launch.LaunchRefused("Only instructors can add course-engine modules to a course.",
                                           "not_instructor", 403)
            pending = services.deep_linking_request(message)
            target = url_for("lti.deep_link")
        else:
            link = services.record_resource_link(message.platform, message.claims, user, lti_user, now=now)
            pending = None
            found = published_module(link.module_slug) if link.module_slug else None
            target = url_for("learner.show_module", slug=link.module_slug) if found else url_for("learner.catalogue")
    except launch.LaunchRefused as exc:
        return _problem(exc)
    user.last_login_at = now
    http_session.clear()  # a fresh session: whoever was signed in here before is signed out
    login_user(user)
    if pending is not None:
        http_session[_DEEP_LINK] = pending
    return redirect(target, code=303)


def _deep_link_pending():
    pending = http_session.get(_DEEP_LINK)
    if not isinstance(pending, dict):
        abort(400, description="There is no deep-linking request in progress. Start again from your course.")
    platform = session.get(Platform, pending.get("platform_id"))
    if platform is None or platform.disabled_at is not None:
        abort(404)
    return pending, platform


@bp.route("/lti/deep-link", methods=["GET", "POST"])
@login_required
def deep_link():
    """An instructor picks modules; the signed response goes back to the platform's return URL."""
    pending, platform = _deep_link_pending()
    modules = [(m.slug, v.title) for m, v in published_versions()]
    form = DeepLinkForm.from_request()
    form.modules.choices = modules
    if request.method == "POST" and form.validate():
        chosen = [(slug, title) for slug, title in modules if slug in form.modules.data]
        if not pending.get("multiple"):
            chosen = chosen[:1]
        token = services.deep_linking_response(platform, pending, chosen, utcnow())
        http_session.pop(_DEEP_LINK, None)
        response = render_template("lti/deep_link_return.html", return_url=pending["return_url"], jwt=token,
                                   chosen=chosen, platform=platform)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(pending["return_url"]))
        headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {origin}")}
        return response, 200, headers
    return render_template("lti/deep_link.html", form=form, modules=modules, platform=platform,
                           multiple=pending.get("multiple")), (400 if request.method == "POST" else 200)


# --- the org admin's pages ----------------------------------------------------------------

def _tool_values() -> dict[str, str]:
    return {"login": external_url("lti.login_initiation"), "launch": external_url("lti.launch_message"),
            "jwks": external_url("lti.jwks"), "deep_link": external_url("lti.launch_message")}


def _platform_or_404(org, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None or platform.organisation_id != org.id:
        abort(404)
    return platform


def _overview(org, membership, form=None, status=200):
    teams = orgs_services.active_teams(org)
    if form is None:
        form = PlatformForm()
    form.set_choices(teams)
    sync_form = SyncForm()
    sync_form.set_choices(teams)
    return render_template("lti/overview.html", org=org, membership=membership, platforms=services.platforms_of(org),
                           contexts=services.contexts_of(org), form=form, sync_form=sync_form,
                           tool=_tool_values()), status


@bp.route("/orgs/<org_slug>/lti")
@org_role_required(OrgRole.org_admin)
def overview(org, membership):
    """Registered platforms, the values to paste into the LMS, and the courses seen."""
    return _overview(org, membership)


def _registration(org, form) -> services.Registration:
    team = session.get(Team, form.instructor_team.data) if form.instructor_team.data else None
    return services.Registration(
        name=form.name.data or "", issuer=form.issuer.data, client_id=form.client_id.data,
        auth_login_url=form.auth_login_url.data, auth_token_url=form.auth_token_url.data,
        key_set_url=form.key_set_url.data, deployment_ids=services.parse_deployment_ids(form.deployment_ids.data),
        instructor_team=team)


@bp.route("/orgs/<org_slug>/lti/platforms", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def register_platform(org, membership):
    """Register a platform (org admin; audited)."""
    form = PlatformForm.from_request()
    form.set_choices(orgs_services.active_teams(org))
    if form.validate():
        try:
            platform = services.save_platform(current_user, org, _registration(org, form), now=utcnow(),
                                              ip_address=request.remote_addr)
        except services.RegistrationProblem as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash(f"{platform.name} is registered. Launches from it now sign people into {org.name}.", "success")
            return redirect(url_for("lti.overview", org_slug=org.slug))
    return _overview(org, membership, form=form, status=400)


@bp.route("/orgs/<org_slug>/lti/platforms/<int:platform_id>", methods=["GET", "POST"])
@org_role_required(OrgRole.org_admin)
def edit_platform(org, membership, platform_id: int):
    """Change a registration (org admin; audited)."""
    platform = _platform_or_404(org, platform_id)
    if request.method == "POST":
        form = PlatformForm.from_request()
    else:
        form = PlatformForm(obj=platform, data={
            "deployment_ids": "\n".join(d.deployment_id for d in platform.deployments),
            "instructor_team": platform.instructor_team_id or ""})
    form.set_choices(orgs_services.active_teams(org))
    if request.method == "POST" and form.validate():
        try:
            services.save_platform(current_user, org, _registration(org, form), platform=platform, now=utcnow(),
                                   ip_address=request.remote_addr)
        except services.RegistrationProblem as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash(f"{platform.name} is saved.", "success")
            return redirect(url_for("lti.overview", org_slug=org.slug))
    return render_template("lti/platform.html", org=org, membership=membership, platform=platform, form=form,
                           tool=_tool_values()), (400 if request.method == "POST" else 200)


@bp.route("/orgs/<org_slug>/lti/platforms/<int:platform_id>/enabled", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def set_platform_enabled(org, membership, platform_id: int):
    """Turn launches from a platform off, or back on (org admin; audited)."""
    platform = _platform_or_404(org, platform_id)
    enabled = request.form.get("enabled") == "1"
    services.set_platform_enabled(current_user, platform, enabled, now=utcnow(), ip_address=request.remote_addr)
    flash(f"Launches from {platform.name} are {'on' if enabled else 'off'}.", "success")
    return redirect(url_for("lti.overview", org_slug=org.slug))


@bp.route("/orgs/<org_slug>/lti/courses/<int:context_id>/sync", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def sync_course(org, membership, context_id: int):
    """Bring a course's members into a team through the platform's roster (org admin; audited)."""
    context = session.get(Context, context_id)
    if context is None or context.platform.organisation_id != org.id:
        abort(404)
    form = SyncForm.from_request()
    form.set_choices(orgs_services.active_teams(org))
    if not form.validate():
        return _overview(org, membership, status=400)
    try:
        result = roster.sync_members(current_user, context, session.get(Team, form.team.data), now=utcnow(),
                                     ip_address=request.remote_addr)
    except roster.SyncProblem as exc:
        abort(exc.status, description=str(exc))
    flash(f"{context.title}: {result.summary}.", "success")
    return redirect(url_for("lti.overview", org_slug=org.slug))
