"""Every feature's models, imported in one place so Alembic and tests see the whole schema."""
from .auth.models import User  # noqa: F401
from .authoring.models import ContentModule, MediaFile, ModuleVersion  # noqa: F401
from .db import Base
from .learner.models import Completion, Decision, FinalReflection, JournalEntry, ScenarioAttempt  # noqa: F401
from .orgs.models import AuditLog, Membership, Organisation, Team, TeamManager  # noqa: F401
from .quizzes.models import QuizAttempt, QuizResponse  # noqa: F401

metadata = Base.metadata
