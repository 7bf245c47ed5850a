"""Home page and health check."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..db import database_is_reachable
from . import bp


@bp.route("/")
def home():
    """Visitors see what the product is; people who are logged in see where to go next."""
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return redirect(url_for("learner.my_learning"))


@bp.route("/healthz")
def healthz():
    """JSON health: 200 when the database answers, 503 when it does not."""
    ok = database_is_reachable()
    return jsonify({"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}), (200 if ok else 503)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")
