"""The learner journey: my learning, catalogue, module page, scenario player, reflection, completion."""
from flask import Blueprint

bp = Blueprint("learner", __name__)


def nav_items(user):
    from flask import request, url_for

    from ..orgs import NavItem

    url = url_for("learner.catalogue")
    return [NavItem("Modules", url, request.path.startswith("/modules"))]


from . import routes  # noqa: E402,F401
