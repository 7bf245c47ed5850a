"""The learner's CPD record: completed modules and CPD done elsewhere, peer reflections, the
registration-year summary, PDF and CSV exports, and sharing reflections for supervision."""
from flask import Blueprint

bp = Blueprint("cpd", __name__)


def init_app(app) -> None:
    """Register the blueprint (its routes carry full paths: ``/cpd/...`` and the managers'
    ``/orgs/<org_slug>/people/<user_id>/reflections``) and the "CPD record" menu item."""
    from ..navigation import NavLink, add_to_menu

    app.register_blueprint(bp)
    add_to_menu(app, NavLink("CPD record", "cpd.show_log", "/cpd"))


from . import routes  # noqa: E402,F401
