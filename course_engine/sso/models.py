"""Single sign-on: an organisation's OpenID Connect provider, the email domains it owns, and
the people it has signed in (matched by the provider's subject, never by email)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow
from ..orgs.models import Organisation, OrgRole, Team


class SsoConfig(Base):
    """One organisation's identity provider (one per organisation)."""

    __tablename__ = "sso_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    #: The provider's issuer exactly as its discovery document states it.
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: The client secret, sealed (``encryption.seal``); never shown back in full.
    client_secret_sealed: Mapped[str] = mapped_column(Text, default="")
    #: The last characters of the secret, to show which one is stored.
    client_secret_hint: Mapped[str] = mapped_column(String(20), default="")
    #: From the discovery document, refreshed when the settings are saved.
    authorization_endpoint: Mapped[str] = mapped_column(String(500), default="")
    token_endpoint: Mapped[str] = mapped_column(String(500), default="")
    jwks_uri: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: New people with an owned email domain may join on first sign-in, with this role and team.
    join_on_first_sign_in: Mapped[bool] = mapped_column(Boolean, default=False)
    join_role: Mapped[OrgRole] = mapped_column(Enum(OrgRole, native_enum=False, length=20), default=OrgRole.learner)
    join_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    #: False: members with an owned email domain cannot log in with a password.
    password_login_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    join_team: Mapped[Team | None] = relationship()
    domains: Mapped[list["SsoEmailDomain"]] = relationship(back_populates="config", cascade="all, delete-orphan",
                                                           order_by="SsoEmailDomain.domain")


class SsoEmailDomain(Base):
    """An email domain an organisation says it owns: one organisation per domain."""

    __tablename__ = "sso_email_domain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    config_id: Mapped[int] = mapped_column(ForeignKey("sso_config.id", ondelete="CASCADE"), index=True)
    #: Lower case, without "@".
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    config: Mapped[SsoConfig] = relationship(back_populates="domains")


class SsoIdentity(Base):
    """A person as the organisation's provider knows them: its issuer and subject, linked to one
    account. Kept per organisation: one organisation's settings can never reach a person
    another organisation's provider signed in, even if both name the same issuer."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("organisation_id", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class SsoUsedState(Base):
    """A sign-in's ``state`` once it has signed someone in: a second use is a replay."""

    __tablename__ = "sso_used_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the state, hex.
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
