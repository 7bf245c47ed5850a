"""SCORM packages: any module version as a SCORM 1.2 or SCORM 2004 4th edition zip, for an
LMS that only takes SCORM. An org admin downloads them with the organisation's look (Learning >
SCORM packages); an author downloads them with the site's look (Content > SCORM packages).

``package.py`` builds the zip (pure), ``player/`` is the self-contained player inside it,
``services.py`` reads versions and looks, ``routes.py`` the pages, ``cli.py`` ``flask scorm build``.
"""
from flask import Blueprint

bp = Blueprint("scorm", __name__)


def init_app(app) -> None:
    """Register the blueprint, ``flask scorm ...`` and the organisation menu's link."""
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .cli import scorm_cli

    app.register_blueprint(bp)
    app.cli.add_command(scorm_cli)
    add_to_org_menu(app, OrgMenuLink("Learning", "SCORM packages", "scorm.org_packages", admins_only=True, order=30))


from . import routes  # noqa: E402,F401
