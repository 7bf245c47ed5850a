"""Accounts: registration, login, password reset, profile."""
from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str):
    from flask import g

    from .services import user_and_rows_for_session_id, user_for_session_id

    wanted = g.get("_rows_with_user")  # set by access.login_required_with
    if wanted is None:
        return user_for_session_id(session_id)
    user, rows = user_and_rows_for_session_id(session_id, *wanted)
    if user is not None:
        g._rows_fetched_with_user = rows
    return user


def init_app(app) -> None:
    """Register the blueprint and the login manager (the signed-in person on every request)."""
    login_manager.init_app(app)
    app.register_blueprint(bp)


from . import routes  # noqa: E402,F401  (routes attach to bp)
