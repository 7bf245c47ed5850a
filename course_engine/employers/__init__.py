"""Employers: assignments with due dates and recertification, the dashboard and matrix,
exports, reminders and practice insights."""
from flask import Blueprint

bp = Blueprint("employers", __name__)


def init_app(app) -> None:
    """Register the blueprint, the learners' assignments extension point, the menu and commands."""
    from ..navigation import OrgMenuLink, add_to_menu, add_to_org_menu
    from .cli import employers_cli, reminders_cli
    from ..branding.services import PAGE_ORGANISATION
    from .services import assigning_organisation_for_page, assigning_organisation_ids, assignments_for_learner

    app.register_blueprint(bp)
    app.extensions["course_engine.assignments_for_learner"] = assignments_for_learner
    # Which organisation a learner's module belongs to: the header's look (branding) and the
    # issuing organisation on a certificate, for people in several organisations.
    app.extensions["course_engine.assigning_organisations"] = assigning_organisation_ids
    resolvers = app.extensions.setdefault(PAGE_ORGANISATION, [])
    if assigning_organisation_for_page not in resolvers:
        resolvers.append(assigning_organisation_for_page)
    add_to_menu(app, nav_items)
    for link in (OrgMenuLink("Reports", "Summary", "employers.dashboard", order=10),
                 OrgMenuLink("Reports", "Matrix", "employers.matrix", order=20, also=("employers.show_person",)),
                 OrgMenuLink("Reports", "Completions", "employers.completions", order=30),
                 OrgMenuLink("Reports", "Practice insights", "employers.insights", order=40,
                             also=("employers.module_insights",)),
                 OrgMenuLink("Reports", "Exports", "employers.org_exports_page", admins_only=True, order=50,
                             also=("employers.request_org_export", "employers.org_export")),
                 OrgMenuLink("Learning", "Assignments", "employers.assignments", order=10,
                             also=("employers.create_assignment",))):
        add_to_org_menu(app, link)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(employers_cli)
    # Assignment cells follow the changes that alter them, in the same transaction (cells.py).
    # Connected once per process (blinker keeps one entry per receiver function).
    from .. import signals
    from . import cells

    signals.membership_changed.connect(cells.on_membership_changed)
    signals.attempt_started.connect(cells.on_attempt_started)
    signals.module_completed.connect(cells.on_module_completed)


def nav_items(user, path: str):
    """'Manage: <organisation>' for managers and organisation admins (one entry per organisation)."""
    from flask import url_for

    from ..navigation import NavItem
    from ..orgs.services import employer_organisations

    if not getattr(user, "is_authenticated", False) or user.flags.get("has_employer_role") is False:
        return []
    items = []
    for slug, name in employer_organisations(user.id):
        url = url_for("employers.dashboard", org_slug=slug)
        # One entry per organisation; its pages (reports, teams, people) share one sub-menu.
        items.append(NavItem(f"Manage: {name}", url, path.startswith(f"/orgs/{slug}/")))
    return items


from . import export_routes, routes  # noqa: E402,F401
