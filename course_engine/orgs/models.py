"""Organisations (employers), their teams, who belongs to them, invitations and staff uploads."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow


class OrgRole(str, enum.Enum):
    """A person's role within one organisation."""

    learner = "learner"
    manager = "manager"
    org_admin = "org_admin"

    @property
    def label(self) -> str:
        return {"learner": "Learner", "manager": "Manager", "org_admin": "Organisation admin"}[self.value]


class Organisation(Base):
    """An employer: a local authority, a trust, an agency."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    teams: Mapped[list["Team"]] = relationship(back_populates="organisation", order_by="Team.name")


class Team(Base):
    """A team inside an organisation; managers manage one or more teams."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


class Membership(Base):
    """One person's place in one organisation. A person may have several (agency workers)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[OrgRole] = mapped_column(Enum(OrgRole, native_enum=False, length=20), default=OrgRole.learner)
    #: The team the person works in (learners); managers' teams are in ``team_manager``.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Leavers are deactivated, never deleted, so their records stay.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def is_current(self) -> bool:
        return self.deactivated_at is None


class TeamManager(Base):
    """A manager (a membership with role manager) manages a team."""

    __tablename__ = "team_manager"
    __table_args__ = (UniqueConstraint("team_id", "membership_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship()
    membership: Mapped[Membership] = relationship()


class Invitation(Base):
    """An emailed invitation to join an organisation with a role (and a team).

    The link carries a signed, expiring token naming this row; the row makes the link single
    use (``accepted_at``), revocable (``revoked_at``) and listable.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: Normalised (see :func:`course_engine.auth.services.normalise_email`).
    email: Mapped[str] = mapped_column(String(320), index=True)
    #: The name the inviter gave (a CSV upload has one); the new person may correct it.
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[OrgRole] = mapped_column(Enum(OrgRole, native_enum=False, length=20), default=OrgRole.learner)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the latest link was sent; a resent link restarts the expiry clock.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
    team: Mapped[Team | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class ManagerDelegate(Base):
    """A manager's delegate: another manager of the same organisation who sees the same teams."""

    __tablename__ = "manager_delegate"
    __table_args__ = (UniqueConstraint("manager_membership_id", "delegate_membership_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    manager_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    delegate_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    manager: Mapped[Membership] = relationship(foreign_keys=[manager_membership_id])
    delegate: Mapped[Membership] = relationship(foreign_keys=[delegate_membership_id])


class StaffImport(Base):
    """A previewed bulk CSV upload waiting for confirmation.

    The parsed rows and the plan shown in the preview are kept here, so confirming applies
    exactly what was previewed (without uploading the file again), once.
    """

    __tablename__ = "staff_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: The parsed rows: [{"line", "name", "email", "team", "role"}, ...].
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The plan the preview showed: [{"line", "email", "action", "reason", ...}, ...].
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
