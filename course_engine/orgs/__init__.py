"""Organisations, teams, memberships, roles, invitations and the staff upload."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)


def init_app(app) -> None:
    """Register the blueprint, the employer flag read with the signed-in person and the
    organisation menu's People and Settings pages."""
    from ..auth.services import add_signed_in_flag
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .services import has_employer_role

    app.register_blueprint(bp, url_prefix="/orgs")
    # ``also``: pages reached from a link, including the form posts that show their page again
    # with an error, so the menu keeps its place.
    for link in (OrgMenuLink("People", "People", "orgs.list_people", order=10,
                             also=("orgs.show_person", "orgs.update_person", "orgs.add_delegate")),
                 OrgMenuLink("People", "Teams", "orgs.overview", order=20,
                             also=("orgs.show_team", "orgs.create_team", "orgs.rename_team", "orgs.add_team_manager")),
                 OrgMenuLink("People", "Invitations", "orgs.list_invitations", also=("orgs.create_invitation",),
                             order=30),
                 OrgMenuLink("People", "Upload staff", "orgs.upload_staff", admins_only=True,
                             also=("orgs.preview_staff_import",), order=40),
                 OrgMenuLink("Settings", "Audit log", "orgs.audit_log", admins_only=True, order=90)):
        add_to_org_menu(app, link)
    # Every page's menu needs to know whether the person manages or administers any
    # organisation, and most people (learners) do not: read it with the person.
    add_signed_in_flag("has_employer_role", has_employer_role)


from . import invitation_routes, routes, upload_routes  # noqa: E402,F401
