"""Authoring: loading content from modules/ and quizzes/ into the database, and authors' tools."""
from flask import Blueprint

bp = Blueprint("authoring", __name__)


def init_app(app) -> None:
    from .cli import content_cli

    app.cli.add_command(content_cli)


def nav_items(user, path: str):
    """'Content' in the menu for authors."""
    from flask import url_for

    from ..orgs import NavItem
    from ..orgs.access import has_site_role

    if not has_site_role(user, "author"):
        return []
    return [NavItem("Content", url_for("authoring.list_content"), path.startswith("/authoring"))]


from . import routes  # noqa: E402,F401
