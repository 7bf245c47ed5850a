"""Invitations: an organisation's people invite someone by email, and the invitation link
that person follows to join (with their account, or a new one made there).

Rule: org admins invite anyone with any role, into any team or none. A manager may invite
learners into the teams they can see (their own and those delegated to them), and sees,
resends and withdraws only the invitations to those teams. Every id in a URL is looked up
within the organisation and the teams the person may see, so anything else is 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..auth import services as auth_services
from .. import submissions
from ..db import session, utcnow
from . import bp, invitations, queries, services
from .access import EMPLOYER_ROLES, org_role_required
from .forms import InviteForm, JoinForm
from .models import Invitation, OrgRole, Team


def _invitation_or_404(org, membership, invitation_id: int) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.id == invitation_id,
                                                         Invitation.organisation_id == org.id))
    visible = services.visible_team_ids(membership)
    if invitation is None or (visible is not None and invitation.team_id not in visible):
        abort(404)
    return invitation



def _invite_form(org, membership, form=None) -> InviteForm:
    form = form or InviteForm.from_request()
    visible = services.visible_team_ids(membership)
    teams = [t for t in services.active_teams(org) if visible is None or t.id in visible]
    if membership.role == OrgRole.org_admin:
        form.set_choices(teams)
    else:
        form.set_choices(teams, roles=(OrgRole.learner,), team_required=True)
    return form


@bp.route("/<org_slug>/invitations")
@org_role_required(*EMPLOYER_ROLES)
def list_invitations(org, membership):
    """Invitations (pending, accepted, withdrawn) and the form to invite someone."""
    return _render_invitations(org, membership)


def _render_invitations(org, membership, form=None, status=200):
    visible = services.visible_team_ids(membership)
    pending = queries.invitations(org, visible)
    teams = {t.id: t.name for t in org.teams}
    return render_template("orgs/invitations.html", org=org, membership=membership, invitations=pending,
                           teams=teams, form=_invite_form(org, membership, form or InviteForm()),
                           expires_at=invitations.invitation_expires_at, now=utcnow()), status


@bp.route("/<org_slug>/invitations", methods=["POST"])
@org_role_required(*EMPLOYER_ROLES)
def create_invitation(org, membership):
    """Invite someone by email (audited); see the rule above for managers."""
    form = _invite_form(org, membership)
    if form.validate():
        # Claimed first: a second copy would otherwise revoke the invitation just sent ("a
        # pending invitation is replaced") and email a second link.
        submission = form.claim_submission(current_user.id, utcnow())
        if submission.repeated:
            return submissions.already_saved(submission, url_for("orgs.list_invitations", org_slug=org.slug))
        team = session.get(Team, form.team.data) if form.team.data else None
        try:
            invitation = invitations.create_invitation(current_user, org, form.email.data, OrgRole(form.role.data),
                                                    team, full_name=form.full_name.data or "", ip_address=request.remote_addr)
        except services.OrgError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(submission.done(url_for("orgs.list_invitations", org_slug=org.slug)), code=303)
    return _render_invitations(org, membership, form=form, status=400)


@bp.route("/<org_slug>/invitations/<int:invitation_id>/resend", methods=["POST"])
@org_role_required(*EMPLOYER_ROLES)
def resend_invitation(org, membership, invitation_id: int):
    """Send a pending invitation again with a fresh link (audited)."""
    invitation = _invitation_or_404(org, membership, invitation_id)
    try:
        invitations.resend_invitation(current_user, invitation, ip_address=request.remote_addr)
    except services.OrgError as exc:
        abort(409, description=str(exc))
    flash(f"Invitation sent again to {invitation.email}.", "success")
    return redirect(url_for("orgs.list_invitations", org_slug=org.slug))


@bp.route("/<org_slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@org_role_required(*EMPLOYER_ROLES)
def revoke_invitation(org, membership, invitation_id: int):
    """Withdraw a pending invitation: its link stops working (audited)."""
    invitation = _invitation_or_404(org, membership, invitation_id)
    invitations.revoke_invitation(current_user, invitation, ip_address=request.remote_addr)
    flash(f"Invitation to {invitation.email} withdrawn.", "success")
    return redirect(url_for("orgs.list_invitations", org_slug=org.slug))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Accept an invitation: an existing account joins; a new person registers here.

    The link itself proves the email address, so a new account is confirmed at once.
    """
    check = invitations.check_invitation_token(token)
    if check.invitation is None:
        code = 400 if check.reason == "invalid" else 410
        return render_template("orgs/join_problem.html", problem=check.problem, reason=check.reason), code
    invitation = check.invitation
    org = invitation.organisation
    team = session.get(Team, invitation.team_id) if invitation.team_id else None
    context = dict(invitation=invitation, org=org, team=team, token=token)

    if current_user.is_authenticated:
        if auth_services.normalise_email(current_user.email) != invitation.email:
            return render_template("orgs/join.html", state="wrong_account", **context), 403
        if request.method == "POST":
            membership = invitations.accept_invitation(invitation, auth_services.account_of(current_user), ip_address=request.remote_addr)
            flash(f"You've joined {org.name}.", "success")
            if membership.role in EMPLOYER_ROLES:
                return redirect(url_for("orgs.overview", org_slug=org.slug))
            return redirect(url_for("main.home"))
        return render_template("orgs/join.html", state="confirm", **context)

    if auth_services.find_user_by_email(invitation.email) is not None:
        if request.method == "POST":
            abort(400, description="Log in first, then accept the invitation.")
        return render_template("orgs/join.html", state="log_in", **context)

    form = JoinForm.from_request(data={"full_name": invitation.full_name})
    if request.method == "POST" and form.validate():
        try:
            user = invitations.register_through_invitation(invitation, form.full_name.data, form.password.data, ip_address=request.remote_addr)
        except auth_services.EmailAlreadyRegistered:
            flash("This email has just been registered. Log in to accept the invitation.", "info")
            return redirect(url_for("auth.login", next=url_for("orgs.join", token=token)))
        except auth_services.AccountError as exc:
            getattr(form, exc.field if exc.field in ("full_name", "password") else "password").errors.append(str(exc))
        else:
            # A fresh session at login defeats session fixation (as auth does).
            from flask import session as http_session

            http_session.clear()
            login_user(user)
            flash(f"Welcome, {user.full_name}. Your account is ready and you've joined {org.name}.", "success")
            return redirect(url_for("main.home"))
    return render_template("orgs/join.html", state="register", form=form, **context), (400 if form.errors else 200)


@bp.route("/join/<token>/log-out", methods=["POST"])
def join_log_out(token: str):
    """Log out of the wrong account and come back to the invitation."""
    from flask import session as http_session

    logout_user()
    http_session.clear()
    return redirect(url_for("orgs.join", token=token))
