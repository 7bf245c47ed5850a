"""An organisation's learning record store connection, and the outbox of statements for it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..orgs.models import Organisation


class LrsConnection(Base):
    """One organisation's LRS: where statements go, with what credentials, and what is sent.

    Off by default; statements describe only what happened while it was on (``enabled_at``).
    """

    __tablename__ = "xapi_connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    #: The LRS's xAPI endpoint (statements are posted to ``<endpoint>/statements``).
    endpoint: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(255))
    #: The secret, sealed with ``encryption.seal``; shown back only as its last characters.
    secret_sealed: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When it was last switched on: events before it are never sent.
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    send_modules: Mapped[bool] = mapped_column(Boolean, default=True)
    send_decisions: Mapped[bool] = mapped_column(Boolean, default=True)
    send_quizzes: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The actor is an opaque account unless the organisation chooses email addresses.
    actor_email: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The last delivery problem that was the connection's, not a statement's (wrong key, away).
    last_problem: Mapped[str] = mapped_column(String(500), default="")
    last_problem_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The decision id the collection job has read through: every decision up to it has been
    #: considered, and none with a lower id can still commit (services.collect_decisions).
    collected_through: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class LrsActor(Base):
    """The opaque name a person has in one organisation's LRS: random, kept, never their id."""

    __tablename__ = "xapi_actor"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class AttemptRegistration(Base):
    """The UUID of a scenario attempt, sent as every statement's ``context.registration``."""

    __tablename__ = "xapi_registration"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), primary_key=True)
    registration: Mapped[str] = mapped_column(String(36), unique=True)


class OutboxStatement(Base):
    """A statement for one organisation's LRS, built once (its id fixed then) and sent later.

    ``source`` names the event it describes (``attempt:3:attempted``, ``decision:17``), unique
    per organisation, so an event can never give two statements.
    """

    __tablename__ = "xapi_statement"
    __table_args__ = (UniqueConstraint("organisation_id", "source"),
                      Index("ix_xapi_statement_pending", "organisation_id", "sent_at", "refused_at", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    source: Mapped[str] = mapped_column(String(80))
    #: Set for ``answered`` statements: which decisions already have one (see services.collect).
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), nullable=True,
                                                    index=True)
    verb: Mapped[str] = mapped_column(String(20))
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The LRS refused it (4xx): kept with the reason and shown to the org admin.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
