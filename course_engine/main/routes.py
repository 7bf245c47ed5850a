"""Home page and health check."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..db import database_is_reachable
from ..orgs.services import employer_organisations
from . import bp


@bp.route("/")
def home():
    """Visitors see what the product is; people who are logged in go where they start.

    Everyone arrives here after signing in (password, invitation, confirmation link, single
    sign-on), unless a valid ``next`` sends them elsewhere first. Learners go to My learning.
    A manager or organisation admin goes to their organisation's dashboard; with that role in
    several organisations, to the list of them to choose from (no organisation is "first":
    an agency worker's councils are equals). The menu always has My learning.
    """
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return redirect(landing_page(current_user))


def landing_page(user) -> str:
    """Where ``user`` starts: My learning, their organisation's dashboard, or the chooser."""
    if not user.flags.get("has_employer_role"):
        return url_for("learner.my_learning")  # read with the person: no query for learners
    organisations = employer_organisations(user.id)
    if len(organisations) == 1:
        return url_for("employers.dashboard", org_slug=organisations[0][0])
    return url_for("employers.choose_organisation")


@bp.route("/healthz")
def healthz():
    """JSON health: 200 when the database answers, 503 when it does not."""
    ok = database_is_reachable()
    return jsonify({"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}), (200 if ok else 503)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")
