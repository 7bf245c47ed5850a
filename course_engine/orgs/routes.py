"""Organisation pages for managers and organisation admins."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.models import User
from ..db import session
from . import bp, services
from .access import EMPLOYER_ROLES, org_role_required
from .forms import TeamForm
from .models import AuditLog, Membership, OrgRole, Team


@bp.route("/<org_slug>/")
@org_role_required(*EMPLOYER_ROLES)
def overview(org, membership):
    """The teams this person can see, with head counts."""
    visible = services.visible_team_ids(membership)
    query = (select(Team, func.count(Membership.id))
             .outerjoin(Membership, (Membership.team_id == Team.id) & Membership.deactivated_at.is_(None))
             .where(Team.organisation_id == org.id, Team.archived_at.is_(None))
             .group_by(Team.id).order_by(Team.name))
    if visible is not None:
        query = query.where(Team.id.in_(visible or {-1}))
    teams = session.execute(query).all()
    return render_template("orgs/overview.html", org=org, membership=membership, teams=teams,
                           team_form=TeamForm())


@bp.route("/<org_slug>/teams/<int:team_id>")
@org_role_required(*EMPLOYER_ROLES)
def show_team(org, membership, team_id: int):
    """A team's members. Managers see only their own teams (404 otherwise)."""
    team = session.scalar(select(Team).where(Team.id == team_id, Team.organisation_id == org.id))
    visible = services.visible_team_ids(membership)
    if team is None or (visible is not None and team.id not in visible):
        abort(404)
    members = session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.team_id == team.id, Membership.deactivated_at.is_(None))
        .order_by(User.full_name)).all()
    return render_template("orgs/team.html", org=org, membership=membership, team=team, members=members)


@bp.route("/<org_slug>/teams", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def create_team(org, membership):
    """Create a team (org admin)."""
    form = TeamForm.from_request()
    if form.validate():
        try:
            team = services.create_team(current_user, org, form.name.data)
        except ValueError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Team '{team.name}' created.", "success")
            return redirect(url_for("orgs.overview", org_slug=org.slug))
    teams = []
    return render_template("orgs/overview.html", org=org, membership=membership, teams=teams, team_form=form), 400


@bp.route("/<org_slug>/audit")
@org_role_required(OrgRole.org_admin)
def audit_log(org, membership):
    """The organisation's audit log, newest first, 50 a page."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    entries = session.execute(
        select(AuditLog, User).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.organisation_id == org.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(51).offset((page - 1) * 50)).all()
    return render_template("orgs/audit.html", org=org, membership=membership, entries=entries[:50],
                           page=page, has_next=len(entries) > 50)
