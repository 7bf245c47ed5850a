"""Organisations, teams, memberships, roles and the audit log."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)


from . import routes  # noqa: E402,F401
