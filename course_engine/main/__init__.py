"""Site-wide pages: the home page, the health check, the accessibility statement."""
from flask import Blueprint

bp = Blueprint("main", __name__)


def init_app(app) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)


from . import routes  # noqa: E402,F401
