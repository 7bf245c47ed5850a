"""The organisation's own look: the name it shows, its logo and its accent colour.

``init_app`` registers the blueprint (the org admin's look page, the logo and accent
stylesheet routes), the ``sole_organisation_look`` value read with the signed-in person, and
the ``page_look()`` template global the layout uses for its header. Other features use
:func:`services.theme_for_organisation` (certificates, the SCORM packager) and may add
:data:`services.PAGE_ORGANISATION` resolvers (``employers`` does, for assigned modules).
"""
import logging

from flask import Blueprint
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("branding", __name__)
log = logging.getLogger(__name__)

#: ``app.extensions`` key: the per-worker cache of page looks by version.
CACHE = "course_engine.branding.cache"


def init_app(app) -> None:
    """Install the look: blueprint, the value read with the person, the layout's global."""
    from ..auth.services import add_signed_in_value
    from ..navigation import OrgMenuLink, add_to_org_menu
    from .services import PAGE_ORGANISATION, sole_organisation_look

    app.register_blueprint(bp)
    app.extensions[CACHE] = {}
    app.extensions.setdefault(PAGE_ORGANISATION, [])
    add_signed_in_value("sole_organisation_look", sole_organisation_look)
    from .routes import accent_stylesheet_url, logo_url

    app.jinja_env.globals.update(page_look=_page_look_global(app), logo_url=logo_url,
                                 accent_stylesheet_url=accent_stylesheet_url)
    add_to_org_menu(app, OrgMenuLink("Settings", "Look", "branding.edit_look", admins_only=True, order=10,
                                     also=("branding.save_look", "branding.upload_logo")))


def _page_look_global(app):
    def page_look():
        """The look this page's header shows (branding/services.py has the rules), once per page."""
        from flask import g, request
        from flask_login import current_user

        from .services import PAGE_ORGANISATION, look_for_page

        if "_page_look" not in g:
            try:
                g._page_look = look_for_page(current_user._get_current_object(), g.get("organisation"),
                                             request.endpoint, request.view_args, app.extensions[CACHE],
                                             app.extensions[PAGE_ORGANISATION])
            except SQLAlchemyError:
                # An error page drawn after the database failed still shows, in the site's look.
                log.warning("page look not read: the database failed", exc_info=True)
                g._page_look = None
        return g._page_look

    return page_look


from . import routes  # noqa: E402,F401
