"""Single sign-on with an organisation's OpenID Connect identity provider (Entra ID and others).

``init_app`` registers the blueprint and tells the login page which emails an organisation
signs in (``auth.services.add_organisation_sign_in``).
"""
from flask import Blueprint

bp = Blueprint("sso", __name__)


def init_app(app) -> None:
    """Register the blueprint and the login page's organisation finder."""
    from ..auth.services import add_organisation_sign_in
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .services import organisation_sign_in

    app.register_blueprint(bp)
    add_to_org_menu(app, OrgMenuLink("Settings", "Single sign-on", "sso.settings", admins_only=True, order=30))
    add_organisation_sign_in(organisation_sign_in)


from . import routes  # noqa: E402,F401
