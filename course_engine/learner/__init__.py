"""The learner journey: my learning, catalogue, module page, scenario player, reflection, completion."""
from flask import Blueprint

from ..navigation import NavLink

bp = Blueprint("learner", __name__)

#: 'Modules' (the catalogue) in the menu.
NAV_LINK = NavLink("Modules", "learner.catalogue", "/modules")


from . import routes  # noqa: E402,F401
