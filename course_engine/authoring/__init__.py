"""Authoring: loading content from modules/ and quizzes/ into the database, and authors' tools."""
from flask import Blueprint

from ..navigation import NavLink

bp = Blueprint("authoring", __name__)


def init_app(app) -> None:
    """Register the blueprint, ``flask content ...`` and the authors' "Content" menu link."""
    from ..navigation import add_to_menu
    from .cli import content_cli

    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    add_to_menu(app, NAV_LINK)


def _is_author(user) -> bool:
    from ..auth.access import has_site_role

    return has_site_role(user, "author")


#: 'Content' in the menu for authors.
NAV_LINK = NavLink("Content", "authoring.list_content", "/authoring", shown_to=_is_author)


from . import preview, routes  # noqa: E402,F401
