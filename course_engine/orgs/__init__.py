"""Organisations, teams, memberships, roles, invitations and the staff upload."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)


def init_app(app) -> None:
    """Register the blueprint and the employer flag read with the signed-in person."""
    from ..auth.services import add_signed_in_flag
    from .services import has_employer_role

    app.register_blueprint(bp, url_prefix="/orgs")
    # Every page's menu needs to know whether the person manages or administers any
    # organisation, and most people (learners) do not: read it with the person.
    add_signed_in_flag("has_employer_role", has_employer_role)


from . import routes  # noqa: E402,F401
