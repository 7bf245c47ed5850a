"""A learner's progress through a scenario module: attempts, decisions, reflections, completion."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..authoring.models import ContentModule, ModuleVersion
from ..db import Base, UTCDateTime, utcnow


class AttemptStatus(str, enum.Enum):
    in_progress = "in_progress"   # working through the scenario
    scenario_done = "scenario_done"  # reached an ending: debrief, quiz, reflection next
    completed = "completed"
    abandoned = "abandoned"       # the learner restarted; kept for the record


class ScenarioAttempt(Base):
    """One run through a module, pinned to the version it started on.

    ``step`` counts the moves made; every form in the player carries the step it was shown at,
    so a stale tab, a back button or a double click can be recognised and never applied twice.
    """

    __tablename__ = "scenario_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="RESTRICT"))
    status: Mapped[AttemptStatus] = mapped_column(Enum(AttemptStatus, native_enum=False, length=20),
                                                  default=AttemptStatus.in_progress)
    #: None while on the introduction.
    current_scene_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    counters: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Facts established and scenes visited so far on this attempt (sorted ids), for the
    #: passages that follow the learner's path (docs/format.md, "Facts and conditional passages").
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    visited: Mapped[list[str]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    ending_scene_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Seconds of activity: gaps between actions count up to ACTIVE_GAP_CAP each.
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    scenario_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()
    module: Mapped[ContentModule] = relationship()
    version: Mapped[ModuleVersion] = relationship()


class Decision(Base):
    """A choice the learner made: which scene, which choice, when. One per attempt step."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("attempt_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    scene_id: Mapped[str] = mapped_column(String(100))
    choice_index: Mapped[int] = mapped_column(Integer)
    #: Copied from the content so reports need no JSON decoding.
    judgement: Mapped[str] = mapped_column(String(20))
    target_scene_id: Mapped[str] = mapped_column(String(100))
    counters_after: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The facts and visited scenes after the choice: its feedback's passages are read with them.
    facts_after: Mapped[list[str]] = mapped_column(JSON, default=list)
    visited_after: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[ScenarioAttempt] = relationship()


class JournalEntry(Base):
    """A learner's private answer to a reflection prompt inside a scenario."""

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("attempt_id", "prompt_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"))
    prompt_id: Mapped[str] = mapped_column(String(100))
    scene_id: Mapped[str] = mapped_column(String(100))
    #: The prompt as the learner saw it (plain text), so the journal reads well later.
    prompt_text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FinalReflection(Base):
    """The two questions a Social Work England CPD record asks, for one attempt."""

    __tablename__ = "final_reflection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), unique=True)
    what_learned: Mapped[str] = mapped_column(Text)
    impact_on_practice: Mapped[str] = mapped_column(Text)
    #: Private unless the learner shares it with the managers of one organisation (both set
    #: together, by the CPD record); they can withdraw it.
    shared_with_manager_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shared_with_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Completion(Base):
    """A completed module: recorded once per attempt, at once, never revoked by content changes."""

    __tablename__ = "completion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="RESTRICT"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), unique=True)
    quiz_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="SET NULL"), nullable=True)
    score_percent: Mapped[float | None] = mapped_column(nullable=True)
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    cpd_minutes: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    user: Mapped[User] = relationship()
    module: Mapped[ContentModule] = relationship()
    version: Mapped[ModuleVersion] = relationship()


class LearnerModuleState(Base):
    """Per learner and module, the two facts the employer status rules read: the UTC day of the
    latest completion and how many attempts are open (in progress or after the scenario).

    Why a table: a report of 20,000 people would otherwise find the latest completion and the
    open attempts among hundreds of thousands of rows for every request. The rows are kept
    current in the same transaction as the events that change them (an attempt started, which
    abandons the open one, and a completion recorded; :mod:`.services`), each by one upsert;
    deleting a person deletes theirs. ``flask employers rebuild-status`` recomputes them from
    the attempts and completions (tests prove both ways give the same rows).
    """

    __tablename__ = "learner_module_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), primary_key=True)
    #: The UTC day of the latest completion (None: never completed).
    last_completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Attempts in progress or past the scenario (normally 0 or 1).
    open_attempts: Mapped[int] = mapped_column(Integer, default=0)
