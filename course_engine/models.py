"""Every feature's models, imported in one place so Alembic and tests see the whole schema."""
from .auth.models import User  # noqa: F401
from .db import Base
from .orgs.models import AuditLog, Membership, Organisation, Team, TeamManager  # noqa: F401

metadata = Base.metadata
