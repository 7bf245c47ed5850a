"""Authoring: loading content from modules/ and quizzes/ into the database, and authors' tools."""
from flask import Blueprint

from ..navigation import NavLink

bp = Blueprint("authoring", __name__)


def init_app(app) -> None:
    from .cli import content_cli

    app.cli.add_command(content_cli)


def _is_author(user) -> bool:
    from ..orgs.access import has_site_role

    return has_site_role(user, "author")


#: 'Content' in the menu for authors.
NAV_LINK = NavLink("Content", "authoring.list_content", "/authoring", shown_to=_is_author)


from . import routes  # noqa: E402,F401
