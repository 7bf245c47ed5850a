"""course-engine: scenario-based CPD for social workers.

``create_app`` only wires things together: configuration, the database, protection, the
features (one blueprint each) and their commands. It never queries the database, migrates or
prompts; ``flask db upgrade`` and ``flask content sync`` are explicit steps.
"""
from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application. ``test_config`` replaces the instance file and environment layers."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from . import config

    config.configure(app, test_config)

    from . import db, errors, inputs, jobs, mail, migrate, security, submissions

    db.init_app(app)
    migrate.init_app(app)
    inputs.init_app(app)  # the id converter, before any feature adds a rule
    jobs.init_app(app)
    mail.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    submissions.init_app(app)
    _register_features(app)
    _register_template_helpers(app)
    return app


#: The features, in the order they are installed (which is also the order of their menu
#: links). Each is a package whose ``init_app(app)`` registers its blueprint, commands,
#: signal receivers, extension points and menu entries. Which feature may import which is a
#: separate rule (docs/architecture.md, tests/test_import_chain.py).
FEATURES = ("main", "auth", "orgs", "branding", "sso", "learner", "authoring", "quizzes", "cpd", "certificates",
            "employers", "lti", "xapi", "scorm", "failed_jobs", "demo")


def _register_features(app: Flask) -> None:
    import importlib

    for name in FEATURES:
        importlib.import_module(f".{name}", __name__).init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from flask import g, request
    from flask_login import current_user

    from .navigation import menu_items, org_menu
    from .auth.access import has_site_role
    from .scores import TEMPLATE_FILTERS
    from .security import csrf_token

    def nav_items():
        """The menu links the current user may use (see navigation.py)."""
        # Entries get the user and path themselves, not the current_user and request proxies:
        # each attribute read through a proxy costs several lookups, on every page.
        return menu_items(app, current_user._get_current_object(), request.path)

    # Globals (not a context processor) so imported macros can use them too; request and g
    # are proxies, resolved when a page renders.
    app.jinja_env.globals.update(request=request, g=g, csrf_token=csrf_token, nav_items=nav_items, site_name=app.config["SITE_NAME"],
                                 has_site_role=lambda role: has_site_role(current_user, role),
                                 org_menu=lambda org_slug, is_admin: org_menu(app, org_slug, is_admin, request.endpoint))
    # Points and scores read the same on every page (see scores.py).
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
