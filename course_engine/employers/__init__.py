"""Employers: assignments with due dates and recertification, the dashboard and matrix,
exports, reminders and practice insights."""
from flask import Blueprint

bp = Blueprint("employers", __name__)


def init_app(app) -> None:
    """Register the blueprint, the learners' assignments extension point, the menu and commands."""
    from ..navigation import add_to_menu
    from .cli import reminders_cli
    from .services import assignments_for_learner

    app.register_blueprint(bp)
    app.extensions["course_engine.assignments_for_learner"] = assignments_for_learner
    add_to_menu(app, nav_items)
    app.cli.add_command(reminders_cli)


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


from . import routes  # noqa: E402,F401
