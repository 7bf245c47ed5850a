"""The failed jobs page (the dead letters): background jobs that failed every retry, with the
reason and a Retry button, for an organisation's admins (their organisation's jobs) and for
site admins, the service's operators (every job). See course_engine/jobs.py.
"""
from flask import Blueprint

bp = Blueprint("failed_jobs", __name__)


def init_app(app) -> None:
    """Register the blueprint and the menu entries (Settings > Failed jobs; the site admin's link)."""
    from ..auth.access import has_site_role
    from ..navigation import NavLink, OrgMenuLink, add_to_menu, add_to_org_menu

    app.register_blueprint(bp)
    add_to_org_menu(app, OrgMenuLink("Settings", "Failed jobs", "failed_jobs.org_failed_jobs", admins_only=True,
                                     order=90))
    add_to_menu(app, NavLink("Failed jobs", "failed_jobs.all_failed_jobs", "/admin/failed-jobs",
                             shown_to=lambda user: has_site_role(user, "site_admin")))


from . import routes  # noqa: E402,F401
