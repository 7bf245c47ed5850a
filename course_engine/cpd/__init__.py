"""The learner's CPD record: completed modules and CPD done elsewhere, peer reflections, the
registration-year summary, PDF and CSV exports, and sharing reflections for supervision."""
from flask import Blueprint

bp = Blueprint("cpd", __name__)


def init_app(app) -> None:
    """Register the blueprint (its routes carry full paths: ``/cpd/...`` and the managers'
    ``/orgs/<org_slug>/people/<user_id>/reflections``) and the "CPD record" menu item."""
    app.register_blueprint(bp)
    app.extensions.setdefault("course_engine.nav", []).append(nav_items)


def nav_items(user, path: str):
    """'CPD record' in the menu for anyone logged in."""
    from flask import url_for

    from ..orgs import NavItem

    if not getattr(user, "is_authenticated", False):
        return []
    return [NavItem("CPD record", url_for("cpd.show_log"), path.startswith("/cpd"))]


from . import routes  # noqa: E402,F401
