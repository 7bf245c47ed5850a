"""Every feature's models, imported in one place so Alembic and tests see the whole schema."""
from .audit import AuditLog  # noqa: F401
from .auth.models import User  # noqa: F401
from .authoring.models import ContentModule, MediaFile, ModuleVersion  # noqa: F401
from .branding.models import BrandLogo, OrganisationLook  # noqa: F401
from .certificates.models import BadgeCredential, BadgeKey, Certificate, WalletOffer  # noqa: F401
from .cpd.models import CpdEntry, EvidenceFile, PeerReflection  # noqa: F401
from .db import Base
from .employers.models import Assignment, AssignmentCell, ReminderLog  # noqa: F401
from .lti.models import (  # noqa: F401
    Context, Deployment, LearnerLink, LtiUser, Platform, ResourceLink, ScorePost, ToolKey, UsedNonce)
from .learner.models import (  # noqa: F401
    Completion, Decision, FinalReflection, JournalEntry, LearnerModuleState, ScenarioAttempt)
from .orgs.models import Invitation, ManagerDelegate, Membership, Organisation, StaffImport, Team, TeamManager  # noqa: F401,E501
from .quizzes.models import QuizAttempt, QuizResponse  # noqa: F401
from .sso.models import SsoConfig, SsoEmailDomain, SsoIdentity, SsoUsedState  # noqa: F401
from .submissions import SubmissionKey  # noqa: F401
from .xapi.models import AttemptRegistration, LrsActor, LrsConnection, OutboxStatement  # noqa: F401

metadata = Base.metadata
