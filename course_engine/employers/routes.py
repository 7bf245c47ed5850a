"""Employer pages: assignments, the dashboard and matrix, exports, a person, practice insights;
and the learner's list of reminders sent to them.

Every organisation page uses the one guard (not a member -> 404, a learner -> 403) and is
scoped to the organisation and, for managers, to their teams: a team or person outside them
is a 404, so their existence is never confirmed.
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice as C

from .. import inputs, submissions
from ..auth.models import User
from ..authoring.models import ContentModule, ModuleVersion
from ..authoring.services import published_versions
from ..db import session, utcnow
from ..orgs.access import EMPLOYER_ROLES, org_role_required
from ..orgs.models import Membership, Team
from . import bp, exports, insight_figures, queries, services
from .forms import AssignmentForm
from .models import Assignment, ReminderLog, TargetKind
from .status import STATUS_ORDER, STATUS_RULES, Status, rule_book

PER_PAGE = 50


def _today():
    return utcnow().date()


def _filters(scope: queries.Scope, book) -> queries.Filters:
    """The filters in the query string; a team or module the viewer can't see is a 404."""
    args = request.args
    team_id = _int_arg("team")
    if team_id is not None and (team_id not in {t for t, _ in queries.teams_in(scope)}):
        abort(404)
    module_id = _int_arg("module")
    if module_id is not None and module_id not in book.module_ids:
        abort(404)
    status = args.get("status") or None
    if status is not None:
        try:
            status = Status(status)
        except ValueError:
            abort(400, description="Choose a status from the list.")
    sort = args.get("sort") or "name"
    if sort not in queries.SORTS and not (sort.startswith("status:") and sort[7:].isdigit()):
        abort(400, description="Sort by name, team or a module's status.")
    return queries.Filters(team_id, module_id, status, sort)


def _int_arg(name: str) -> int | None:
    return inputs.id_arg(name)  # an id beyond 64 bits is "not valid" (400), not a 500


def _page() -> int:
    return inputs.page_arg()


def _filter_args(filters: queries.Filters) -> dict:
    args = {"team": filters.team_id, "module": filters.module_id,
            "status": filters.status.value if filters.status else None, "sort": filters.sort}
    return {k: v for k, v in args.items() if v not in (None, "name")}


# --- where managers start -----------------------------------------------------------------------

@bp.route("/orgs/")
@login_required
def choose_organisation():
    """The organisations this person manages or administers, to choose one (where a manager
    with several lands after signing in); with one, straight to its dashboard."""
    from ..orgs.services import employer_memberships

    memberships = employer_memberships(current_user.id)
    if len(memberships) == 1:
        return redirect(url_for("employers.dashboard", org_slug=memberships[0].organisation.slug))
    return render_template("employers/choose.html", memberships=memberships)


# --- dashboard ----------------------------------------------------------------------------------

@bp.route("/orgs/<org_slug>/dashboard")
@org_role_required(*EMPLOYER_ROLES)
def dashboard(org, membership):
    """Summary figures per team and per module, with the status rules explained."""
    scope = queries.Scope.for_member(membership)
    return render_template("employers/dashboard.html", org=org, membership=membership,
                           summary=queries.summary(scope, _today()), statuses=STATUS_ORDER, rules=STATUS_RULES)


@bp.route("/orgs/<org_slug>/dashboard/matrix")
@org_role_required(*EMPLOYER_ROLES)
def matrix(org, membership):
    """People by assigned modules, filterable, sortable and paginated (50 a page)."""
    scope = queries.Scope.for_member(membership)
    book = rule_book(org.id)
    filters = _filters(scope, book)
    page = queries.matrix_page(scope, filters, _today(), _page(), PER_PAGE)
    all_columns = queries.columns_for(book)
    return render_template("employers/matrix.html", org=org, membership=membership, page=page, filters=filters,
                           teams=queries.teams_in(scope), all_columns=all_columns, statuses=STATUS_ORDER,
                           rules=STATUS_RULES, args=_filter_args(filters))


@bp.route("/orgs/<org_slug>/dashboard/matrix.csv")
@org_role_required(*EMPLOYER_ROLES)
def matrix_csv(org, membership):
    """The matrix for the same filters as the screen, every row, streamed as CSV."""
    scope = queries.Scope.for_member(membership)
    filters = _filters(scope, rule_book(org.id))
    lines = exports.matrix_csv(scope, filters, _today())
    return _csv_response(lines, f"{org.slug}-matrix-{_today().isoformat()}.csv")


@bp.route("/orgs/<org_slug>/dashboard/completions")
@org_role_required(*EMPLOYER_ROLES)
def completions(org, membership):
    """Raw completions of the assigned modules for the team and module filters, newest first."""
    scope = queries.Scope.for_member(membership)
    book = rule_book(org.id)
    filters = _filters(scope, book)
    module_ids = [filters.module_id] if filters.module_id else book.module_ids
    total = queries.count_completions(scope, filters, module_ids)
    page = inputs.page_arg(last_page=-(-total // PER_PAGE))  # past the end: the last page
    rows = list(queries.completions(scope, filters, module_ids, limit=PER_PAGE, offset=(page - 1) * PER_PAGE))
    return render_template("employers/completions.html", org=org, membership=membership, rows=rows, total=total,
                           page=page, pages=max(1, -(-total // PER_PAGE)), filters=filters,
                           teams=queries.teams_in(scope), all_columns=queries.columns_for(book),
                           args=_filter_args(filters), values=exports.completion_values,
                           header=exports.COMPLETION_HEADER)


@bp.route("/orgs/<org_slug>/dashboard/completions.csv")
@org_role_required(*EMPLOYER_ROLES)
def completions_csv(org, membership):
    scope = queries.Scope.for_member(membership)
    book = rule_book(org.id)
    filters = _filters(scope, book)
    module_ids = [filters.module_id] if filters.module_id else book.module_ids
    return _csv_response(exports.completions_csv(scope, filters, module_ids),
                         f"{org.slug}-completions-{_today().isoformat()}.csv")


def _csv_response(lines, filename: str) -> Response:
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/orgs/<org_slug>/dashboard/people/<int:membership_id>")
@org_role_required(*EMPLOYER_ROLES)
def show_person(org, membership, membership_id: int):
    """One person: each assigned module's status, dates, attempts, quiz scores, certificates and
    the reflections they chose to share (never the others)."""
    scope = queries.Scope.for_member(membership)
    person = queries.person(scope, membership_id, _today())
    if person is None:
        abort(404)
    links_provider = current_app.extensions.get("course_engine.completion_links")
    links = links_provider(person.user_id) if links_provider else {}
    return render_template("employers/person.html", org=org, membership=membership, person=person, links=links,
                           reflections=_shared_reflections(membership, person.user_id))


def _shared_reflections(viewer_membership, user_id: int):
    """Reflections the person shared with their manager, when the CPD feature is installed."""
    try:
        from ..cpd.services import shared_reflections_for
    except ImportError:
        return None
    return shared_reflections_for(viewer_membership, user_id)


# --- assignments --------------------------------------------------------------------------------

def _assignment_form(org, scope, formdata=True):
    form = AssignmentForm.from_request() if formdata else AssignmentForm()
    form.module.choices = [C(0, "Choose a module")] + [C(m.id, v.title) for m, v in published_versions()]
    form.team.choices = [C(0, "Choose a team")] + [C(t, name) for t, name in queries.teams_in(scope)]
    if scope.team_ids is not None:
        form.target.choices = [c for c in form.target.choices if c.value != "organisation"]
    return form


def _assignment_list(org, scope):
    """Assignments the viewer can see: managers see their teams' and people's, and org-wide ones."""
    person = Membership.__table__.alias("person")
    person_user = User.__table__.alias("person_user")
    query = (select(Assignment, ModuleVersion.title, Team.name, person_user.c.full_name, person.c.team_id)
             .join(ContentModule, ContentModule.id == Assignment.module_id)
             .outerjoin(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
             .outerjoin(Team, Team.id == Assignment.team_id)
             .outerjoin(person, person.c.id == Assignment.membership_id)
             .outerjoin(person_user, person_user.c.id == person.c.user_id)
             .where(Assignment.organisation_id == org.id, Assignment.removed_at.is_(None))
             .order_by(ModuleVersion.title, Assignment.id))
    rows = []
    for assignment, title, team_name, person_name, person_team in session.execute(query):
        if assignment.target_kind == TargetKind.team and not scope.sees_team(assignment.team_id):
            continue
        if assignment.target_kind == TargetKind.person and not scope.sees_team(person_team):
            continue
        manageable = scope.team_ids is None or assignment.target_kind != TargetKind.organisation
        rows.append((assignment, title, team_name, person_name, manageable))
    return rows


@bp.route("/orgs/<org_slug>/assignments")
@org_role_required(*EMPLOYER_ROLES)
def assignments(org, membership):
    """The assignments the viewer can see, and the form to make one."""
    scope = queries.Scope.for_member(membership)
    return render_template("employers/assignments.html", org=org, membership=membership,
                           rows=_assignment_list(org, scope), form=_assignment_form(org, scope, formdata=False))


@bp.route("/orgs/<org_slug>/assignments", methods=["POST"])
@org_role_required(*EMPLOYER_ROLES)
def create_assignment(org, membership):
    """Assign a module. Managers may assign only to their teams and the people in them."""
    scope = queries.Scope.for_member(membership)
    form = _assignment_form(org, scope)
    if form.validate():
        module = session.get(ContentModule, form.module.data)
        team = person = None
        target = TargetKind(form.target.data)
        if target == TargetKind.team:
            team = session.scalar(select(Team).where(Team.id == form.team.data, Team.organisation_id == org.id))
        elif target == TargetKind.person:
            person = session.scalar(
                select(Membership).join(User, User.id == Membership.user_id)
                .where(Membership.organisation_id == org.id, Membership.deactivated_at.is_(None),
                       func.lower(User.email) == form.person_email.data.strip().lower()))
            if person is None:
                form.person_email.errors.append("Nobody in this organisation has that email address.")
        submission = None if form.errors else form.claim_submission(current_user.id, utcnow())
        if submission is not None and submission.repeated:
            return submissions.already_saved(submission, url_for("employers.assignments", org_slug=org.slug))
        if not form.errors:
            try:
                services.create_assignment(
                    membership, module, target_kind=target, team=team, person=person,
                    due_date=form.due_date.data if form.due.data == "date" else None,
                    due_days_after_joining=form.due_days.data if form.due.data == "days" else None,
                    recert_months=form.recert_months.data, recert_window_days=form.recert_window_days.data,
                    now=utcnow(), ip_address=request.remote_addr)
            except services.NotVisible as exc:
                if str(exc) == "person":
                    form.person_email.errors.append("Nobody in your teams has that email address.")
                else:
                    abort(404)
            except services.AssignmentError as exc:
                form.target.errors.append(str(exc))
            else:
                flash("Assignment made.", "success")
                return redirect(submission.done(url_for("employers.assignments", org_slug=org.slug)), code=303)
    return render_template("employers/assignments.html", org=org, membership=membership,
                           rows=_assignment_list(org, scope), form=form), 400


@bp.route("/orgs/<org_slug>/assignments/<int:assignment_id>/remove", methods=["POST"])
@org_role_required(*EMPLOYER_ROLES)
def remove_assignment(org, membership, assignment_id: int):
    """Stop an assignment applying (kept for the record). Another team's is a 404."""
    assignment = session.scalar(select(Assignment).where(Assignment.id == assignment_id,
                                                         Assignment.organisation_id == org.id,
                                                         Assignment.removed_at.is_(None)))
    if assignment is None:
        abort(404)
    if assignment.target_kind == TargetKind.organisation and services.visible_team_ids(membership) is not None:
        abort(403)
    if not services.can_manage(membership, assignment):
        abort(404)
    services.remove_assignment(membership, assignment, utcnow(), ip_address=request.remote_addr)
    flash("Assignment removed.", "success")
    return redirect(url_for("employers.assignments", org_slug=org.slug), code=303)


# --- practice insights --------------------------------------------------------------------------

#: The pages say when the figures were counted in the time people here read clocks in.
UK_TIME = ZoneInfo("Europe/London")


@bp.route("/orgs/<org_slug>/insights")
@org_role_required(*EMPLOYER_ROLES)
def insights(org, membership):
    """Modules the viewer's learners have attempted, with how many learners."""
    scope = queries.Scope.for_member(membership)
    counted = insight_figures.ensure_fresh(org.id)
    return render_template("employers/insights.html", org=org, membership=membership, counted=_as_of(counted),
                           modules=insight_figures.insight_modules(scope) if counted else [],
                           min_group=queries.MIN_GROUP)


@bp.route("/orgs/<org_slug>/insights/<module_slug>")
@org_role_required(*EMPLOYER_ROLES)
def module_insights(org, membership, module_slug: str):
    """How the learners chose at each decision point, their endings, the questions most missed."""
    module = session.scalar(select(ContentModule).where(ContentModule.slug == module_slug))
    if module is None:
        abort(404)
    scope = queries.Scope.for_member(membership)
    counted = insight_figures.ensure_fresh(org.id)
    return render_template("employers/module_insights.html", org=org, membership=membership, counted=_as_of(counted),
                           insights=insight_figures.module_insights(scope, module) if counted else None,
                           min_group=queries.MIN_GROUP)


def _as_of(counted):
    """When the figures were counted, in UK time, as the pages say it ("08:15", "yesterday at
    23:50", "1 December at 08:15"); None while they are being prepared."""
    if counted is None:
        return None
    local, today = counted.astimezone(UK_TIME), utcnow().astimezone(UK_TIME).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.date() == today - timedelta(days=1):
        return local.strftime("yesterday at %H:%M")
    return local.strftime("%-d %B at %H:%M")


# --- the learner's reminders --------------------------------------------------------------------

@bp.route("/learning/reminders")
@login_required
def my_reminders():
    """Reminders sent to you, newest first."""
    sent = session.scalars(select(ReminderLog).where(ReminderLog.user_id == current_user.id)
                           .order_by(ReminderLog.sent_at.desc()).limit(100)).all()
    return render_template("employers/my_reminders.html", sent=sent)
