"""Organisations, teams, memberships, roles and the audit log."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)

from . import routes  # noqa: E402,F401


def nav_items(user):
    """'Teams' in the menu for anyone who manages or administers an organisation."""
    from flask import request, url_for

    from .models import OrgRole
    from .services import memberships_for

    items = []
    for membership in memberships_for(user):
        if membership.role in (OrgRole.manager, OrgRole.org_admin):
            url = url_for("orgs.overview", org_slug=membership.organisation.slug)
            items.append(NavItem(f"Teams: {membership.organisation.name}", url, request.path.startswith(url)))
    return items


class NavItem:
    """One navigation link."""

    def __init__(self, label: str, url: str, current: bool = False):
        self.label, self.url, self.current = label, url, current
