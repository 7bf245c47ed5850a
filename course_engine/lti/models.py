"""LTI 1.3: the tool's own keys, the platforms (LMSs) organisations register, and what
launches teach us (people, courses, resource links) plus the scores waiting to be sent."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow
from ..orgs.models import Organisation, Team


class ToolKey(Base):
    """One of the tool's RSA signing keys. The newest key not retired signs; retired keys stay
    published in the JWKS until ``published_until``, so platforms that cached the old key set
    still verify what was signed just before a rotation."""

    __tablename__ = "lti_tool_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: The private key as a JWK (JSON), sealed (``encryption.seal``).
    private_jwk_sealed: Mapped[str] = mapped_column(Text)
    #: The public key as a JWK (published).
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Platform(Base):
    """An LMS registered by an organisation's admin: an issuer and the client id it gave us."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: The platform's OIDC authorisation endpoint ("authentication request URL" in Moodle).
    auth_login_url: Mapped[str] = mapped_column(String(500))
    #: The platform's OAuth 2 token endpoint ("access token URL").
    auth_token_url: Mapped[str] = mapped_column(String(500))
    #: The platform's public key set ("public keyset URL").
    key_set_url: Mapped[str] = mapped_column(String(500))
    #: Instructors who launch become managers of this team.
    instructor_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
    instructor_team: Mapped[Team | None] = relationship()
    deployments: Mapped[list["Deployment"]] = relationship(back_populates="platform", cascade="all, delete-orphan",
                                                           order_by="Deployment.deployment_id")


class Deployment(Base):
    """A deployment of the tool in the platform: launches name one, and it maps to the
    platform's organisation."""

    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class LtiUser(Base):
    """A person as one platform registration knows them (``sub``), linked to one account.

    Kept per registration (issuer + client id), never by email: one organisation's
    registration can never reach an account another registration's launches created.
    """

    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class UsedNonce(Base):
    """A launch's nonce once it has been accepted: a second launch with it is a replay."""

    __tablename__ = "lti_used_nonce"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Context(Base):
    """A course in the platform (the ``context`` claim), and the team its members sync into."""

    __tablename__ = "lti_context"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    #: Names and Role Provisioning Services: the course's membership URL, if offered.
    memberships_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    platform: Mapped[Platform] = relationship()
    team: Mapped[Team | None] = relationship()


class ResourceLink(Base):
    """A link in a course that launches one module; scores for it go to its line item."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(ForeignKey("lti_context.id", ondelete="SET NULL"), nullable=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    module_slug: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    #: Assignment and Grade Services: the line item scores are posted to, if the platform gave one.
    lineitem_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: The scopes the platform granted for this link (space separated).
    ags_scopes: Mapped[str] = mapped_column(String(1000), default="")

    platform: Mapped[Platform] = relationship()
    context: Mapped[Context | None] = relationship()


class LearnerLink(Base):
    """A person launched a resource link: their completion of its module is sent back."""

    __tablename__ = "lti_learner_link"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lti_user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    last_launch_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()
    lti_user: Mapped[LtiUser] = relationship()


class ScorePost(Base):
    """A score to send to a platform's line item (the outbox): written in the completion's own
    transaction, sent by the ``lti.post_score`` job, retried until ``posted_at`` is set, and
    never sent twice (one row per resource link and completion)."""

    __tablename__ = "lti_score_post"
    __table_args__ = (UniqueConstraint("learner_link_id", "completion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_link_id: Mapped[int] = mapped_column(ForeignKey("lti_learner_link.id", ondelete="CASCADE"), index=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completion.id", ondelete="CASCADE"))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float, default=100.0)
    #: When the learner completed: the score's timestamp (platforms keep the latest).
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Set when the platform refused the score outright (4xx): not retried by itself.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    learner_link: Mapped[LearnerLink] = relationship()
