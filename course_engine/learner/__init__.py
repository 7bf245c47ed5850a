"""The learner journey: my learning, catalogue, module page, scenario player, reflection, completion."""
from flask import Blueprint

bp = Blueprint("learner", __name__)


def nav_items(user, path: str):
    """'Modules' (the catalogue) in the menu."""
    from flask import url_for

    from ..orgs import NavItem

    return [NavItem("Modules", url_for("learner.catalogue"), path.startswith("/modules"))]


from . import routes  # noqa: E402,F401
