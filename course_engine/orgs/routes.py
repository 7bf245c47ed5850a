"""Organisation pages for managers and organisation admins: teams, people, delegates and the
audit log (invitations are in ``invitation_routes``, the staff upload in ``upload_routes``).

Every organisation route uses ``org_role_required``; every id in a URL is looked up within
the organisation (and, for managers, within the teams they may see), so anything else is 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import inputs, submissions
from ..auth.models import User
from ..db import session, utcnow
from . import bp, queries, services
from .access import EMPLOYER_ROLES, org_role_required
from .forms import MemberForm, PickMemberForm, TeamForm
from ..audit import AuditLog
from .models import ManagerDelegate, Membership, OrgRole, Team


# --- lookups: within the organisation, and for managers within their teams -----------------

def _team_or_404(org, membership, team_id: int) -> Team:
    team = session.scalar(select(Team).where(Team.id == team_id, Team.organisation_id == org.id))
    visible = services.visible_team_ids(membership)
    if team is None or (visible is not None and team.id not in visible):
        abort(404)
    return team


def _person_or_404(org, membership, membership_id: int) -> Membership:
    person = session.scalar(select(Membership).where(Membership.id == membership_id,
                                                     Membership.organisation_id == org.id))
    visible = services.visible_team_ids(membership)
    if person is None or (visible is not None and person.team_id not in visible and person.id != membership.id):
        abort(404)
    return person


def _is_admin(membership) -> bool:
    return membership.role == OrgRole.org_admin


# --- teams -------------------------------------------------------------------------------

@bp.route("/<org_slug>/")
@org_role_required(*EMPLOYER_ROLES)
def overview(org, membership):
    """The teams this person can see, with head counts; archived teams listed apart for admins."""
    return _render_overview(org, membership)


def _render_overview(org, membership, team_form=None, status=200):
    visible = services.visible_team_ids(membership)
    query = (select(Team, func.count(Membership.id))
             .outerjoin(Membership, (Membership.team_id == Team.id) & Membership.deactivated_at.is_(None))
             .where(Team.organisation_id == org.id)
             .group_by(Team.id).order_by(Team.name))
    if visible is not None:
        query = query.where(Team.id.in_(visible or {-1}), Team.archived_at.is_(None))
    rows = session.execute(query).all()
    teams = [(t, n) for t, n in rows if t.archived_at is None]
    archived = [(t, n) for t, n in rows if t.archived_at is not None]
    return render_template("orgs/overview.html", org=org, membership=membership, teams=teams, archived=archived,
                           team_form=team_form or TeamForm()), status


@bp.route("/<org_slug>/teams", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def create_team(org, membership):
    """Create a team (org admin)."""
    form = TeamForm.from_request()
    if form.validate():
        # Claimed before the look for a team of that name: a double click is "already saved",
        # not "there is already a team called ..." (or the unique constraint's 409).
        submission = form.claim_submission(current_user.id, utcnow())
        if submission.repeated:
            return submissions.already_saved(submission, url_for("orgs.overview", org_slug=org.slug))
        try:
            team = services.create_team(current_user, org, form.name.data, ip_address=request.remote_addr)
        except ValueError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Team '{team.name}' created.", "success")
            return redirect(submission.done(url_for("orgs.overview", org_slug=org.slug)), code=303)
    return _render_overview(org, membership, team_form=form, status=400)


@bp.route("/<org_slug>/teams/<int:team_id>")
@org_role_required(*EMPLOYER_ROLES)
def show_team(org, membership, team_id: int):
    """A team's members with their roles, and its managers. Managers see only their own teams (404)."""
    return _render_team(org, membership, _team_or_404(org, membership, team_id))


def _render_team(org, membership, team, rename_form=None, manager_form=None, status=200):
    managers = queries.team_managers(team)
    if manager_form is None and _is_admin(membership):
        manager_form = PickMemberForm()
    if manager_form is not None:
        manager_form.set_choices(queries.current_managers(org, exclude={m.id for m, _ in managers}), "Manager")
    return render_template("orgs/team.html", org=org, membership=membership, team=team,
                           members=queries.team_members(team), managers=managers,
                           rename_form=rename_form or TeamForm(obj=team), manager_form=manager_form), status


def _render_team_error(org, membership, team, **forms):
    return _render_team(org, membership, team, status=400, **forms)


@bp.route("/<org_slug>/teams/<int:team_id>/rename", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def rename_team(org, membership, team_id: int):
    """Rename a team (org admin; audited)."""
    team = _team_or_404(org, membership, team_id)
    form = TeamForm.from_request()
    if form.validate():
        try:
            services.rename_team(current_user, team, form.name.data, ip_address=request.remote_addr)
        except services.OrgError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Team renamed to '{team.name}'.", "success")
            return redirect(url_for("orgs.show_team", org_slug=org.slug, team_id=team.id))
    return _render_team_error(org, membership, team, rename_form=form)


@bp.route("/<org_slug>/teams/<int:team_id>/archive", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def archive_team(org, membership, team_id: int):
    """Archive a team (org admin; audited): hidden from lists and pickers, records kept."""
    team = _team_or_404(org, membership, team_id)
    services.archive_team(current_user, team, ip_address=request.remote_addr)
    flash(f"Team '{team.name}' archived. Its people keep their records; restore it at any time.", "success")
    return redirect(url_for("orgs.overview", org_slug=org.slug))


@bp.route("/<org_slug>/teams/<int:team_id>/restore", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def restore_team(org, membership, team_id: int):
    """Restore an archived team (org admin; audited)."""
    team = _team_or_404(org, membership, team_id)
    services.restore_team(current_user, team, ip_address=request.remote_addr)
    flash(f"Team '{team.name}' restored.", "success")
    return redirect(url_for("orgs.show_team", org_slug=org.slug, team_id=team.id))


@bp.route("/<org_slug>/teams/<int:team_id>/managers", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def add_team_manager(org, membership, team_id: int):
    """Make a manager responsible for a team (org admin; audited)."""
    team = _team_or_404(org, membership, team_id)
    form = PickMemberForm.from_request()
    form.set_choices(queries.current_managers(org), "Manager")
    if form.validate():
        person = _person_or_404(org, membership, form.membership_id.data)
        try:
            services.assign_team_manager(current_user, team, person, ip_address=request.remote_addr)
        except services.OrgError as exc:
            form.membership_id.errors.append(str(exc))
        else:
            flash(f"{person.user.full_name} now manages {team.name}.", "success")
            return redirect(url_for("orgs.show_team", org_slug=org.slug, team_id=team.id))
    return _render_team_error(org, membership, team, manager_form=form)


@bp.route("/<org_slug>/teams/<int:team_id>/managers/<int:membership_id>/remove", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def remove_team_manager(org, membership, team_id: int, membership_id: int):
    """Stop a manager managing a team (org admin; audited)."""
    team = _team_or_404(org, membership, team_id)
    person = _person_or_404(org, membership, membership_id)
    services.remove_team_manager(current_user, team, person, ip_address=request.remote_addr)
    flash(f"{person.user.full_name} no longer manages {team.name}.", "success")
    return redirect(url_for("orgs.show_team", org_slug=org.slug, team_id=team.id))


# --- people ------------------------------------------------------------------------------

@bp.route("/<org_slug>/people")
@org_role_required(*EMPLOYER_ROLES)
def list_people(org, membership):
    """People, filtered by team and status: org admins see everyone, managers their teams' people."""
    visible = services.visible_team_ids(membership)
    teams = [t for t in services.active_teams(org) if visible is None or t.id in visible]
    team_id = inputs.id_arg("team")
    if team_id is not None and team_id not in {t.id for t in teams}:
        _team_or_404(org, membership, team_id)  # an archived team is fine for admins; others 404
    status = request.args.get("status", "active")
    if status not in queries.STATUSES:
        status = "active"
    page = inputs.page_arg()
    rows, has_next = queries.people(org, visible, team_id=team_id, status=status, page=page)
    return render_template("orgs/people.html", org=org, membership=membership, rows=rows, teams=teams,
                           team_id=team_id, status=status, page=page, has_next=has_next)


@bp.route("/<org_slug>/people/<int:membership_id>")
@org_role_required(*EMPLOYER_ROLES)
def show_person(org, membership, membership_id: int):
    """One person's place in the organisation; org admins change it here."""
    return _render_person(org, membership, _person_or_404(org, membership, membership_id))


def _render_person(org, membership, person, member_form=None, delegate_form=None, status=200):
    given, received = queries.delegations(person)
    if _is_admin(membership):
        member_form = member_form or MemberForm(role=person.role.value, team=person.team_id or "")
        member_form.set_choices(services.active_teams(org))
        if person.role == OrgRole.manager:
            delegate_form = delegate_form or PickMemberForm()
            delegate_form.set_choices(queries.current_managers(
                org, exclude={person.id} | {d.delegate_membership_id for d, _ in given}), "Delegate")
    return render_template("orgs/person.html", org=org, membership=membership, person=person,
                           managed=queries.managed_teams(person) if person.role == OrgRole.manager else [],
                           given=given, received=received, member_form=member_form,
                           delegate_form=delegate_form), status


def _render_person_error(org, membership, person, **forms):
    return _render_person(org, membership, person, status=400, **forms)


@bp.route("/<org_slug>/people/<int:membership_id>", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def update_person(org, membership, membership_id: int):
    """Change a person's role and team (org admin; audited)."""
    person = _person_or_404(org, membership, membership_id)
    form = MemberForm.from_request()
    form.set_choices(services.active_teams(org))
    if form.validate():
        team = session.get(Team, form.team.data) if form.team.data else None
        try:
            services.change_member(current_user, person, OrgRole(form.role.data), team, ip_address=request.remote_addr)
        except services.OrgError as exc:
            form.role.errors.append(str(exc))
        else:
            flash(f"{person.user.full_name}'s role and team are saved.", "success")
            return redirect(url_for("orgs.show_person", org_slug=org.slug, membership_id=person.id))
    return _render_person_error(org, membership, person, member_form=form)


@bp.route("/<org_slug>/people/<int:membership_id>/deactivate", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def deactivate_person(org, membership, membership_id: int):
    """Deactivate a leaver (org admin; audited): no more access, records kept."""
    person = _person_or_404(org, membership, membership_id)
    try:
        services.deactivate_member(current_user, person, ip_address=request.remote_addr)
    except services.OrgError as exc:
        abort(400, description=str(exc))
    flash(f"{person.user.full_name} has been deactivated. Their records are kept.", "success")
    return redirect(url_for("orgs.show_person", org_slug=org.slug, membership_id=person.id))


@bp.route("/<org_slug>/people/<int:membership_id>/reactivate", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def reactivate_person(org, membership, membership_id: int):
    """Give a deactivated person their access back (org admin; audited)."""
    person = _person_or_404(org, membership, membership_id)
    services.reactivate_member(current_user, person, ip_address=request.remote_addr)
    flash(f"{person.user.full_name} has been reactivated.", "success")
    return redirect(url_for("orgs.show_person", org_slug=org.slug, membership_id=person.id))


@bp.route("/<org_slug>/people/<int:membership_id>/delegates", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def add_delegate(org, membership, membership_id: int):
    """Name a delegate who sees this manager's teams (org admin; audited)."""
    person = _person_or_404(org, membership, membership_id)
    form = PickMemberForm.from_request()
    form.set_choices(queries.current_managers(org), "Delegate")
    if form.validate():
        delegate = _person_or_404(org, membership, form.membership_id.data)
        try:
            services.add_delegate(current_user, person, delegate, ip_address=request.remote_addr)
        except services.OrgError as exc:
            form.membership_id.errors.append(str(exc))
        else:
            flash(f"{delegate.user.full_name} can now see {person.user.full_name}'s teams.", "success")
            return redirect(url_for("orgs.show_person", org_slug=org.slug, membership_id=person.id))
    return _render_person_error(org, membership, person, delegate_form=form)


@bp.route("/<org_slug>/people/<int:membership_id>/delegates/<int:delegation_id>/remove", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def remove_delegate(org, membership, membership_id: int, delegation_id: int):
    """End a delegation (org admin; audited)."""
    person = _person_or_404(org, membership, membership_id)
    delegation = session.scalar(select(ManagerDelegate).where(
        ManagerDelegate.id == delegation_id, ManagerDelegate.organisation_id == org.id,
        ManagerDelegate.manager_membership_id == person.id))
    if delegation is None:
        abort(404)
    name = delegation.delegate.user.full_name
    services.remove_delegate(current_user, delegation, ip_address=request.remote_addr)
    flash(f"{name} no longer sees {person.user.full_name}'s teams.", "success")
    return redirect(url_for("orgs.show_person", org_slug=org.slug, membership_id=person.id))


@bp.route("/<org_slug>/audit")
@org_role_required(OrgRole.org_admin)
def audit_log(org, membership):
    """The organisation's audit log, newest first, 50 a page."""
    page = inputs.page_arg()
    entries = session.execute(
        select(AuditLog, User).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.organisation_id == org.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(51).offset((page - 1) * 50)).all()
    return render_template("orgs/audit.html", org=org, membership=membership, entries=entries[:50],
                           page=page, has_next=len(entries) > 50)
