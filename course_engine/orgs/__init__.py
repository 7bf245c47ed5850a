"""Organisations, teams, memberships, roles and the audit log."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)


class NavItem:
    """One link in the site menu (features' ``nav_items(user)`` providers return these)."""

    def __init__(self, label: str, url: str, current: bool = False):
        self.label, self.url, self.current = label, url, current


from . import routes  # noqa: E402,F401
