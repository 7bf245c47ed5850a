"""Quiz attempts: the questions drawn for the learner, their answers, and the grading."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class QuizAttempt(Base):
    """One try at a module's quiz, within a scenario attempt. ``number`` is 1, 2, 3 …"""

    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("scenario_attempt_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempt.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: [[question_id, [option order …]], …] as drawn and shuffled for this attempt.
    drawn: Mapped[list[Any]] = mapped_column(JSON)
    #: {question_id: [option indices]} saved as the learner goes (kept if they leave).
    answers: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    score_percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    pass_mark: Mapped[int] = mapped_column(Integer)


class QuizResponse(Base):
    """The grading of one question in a submitted attempt (one row a question, for reports)."""

    __tablename__ = "quiz_response"
    __table_args__ = (UniqueConstraint("quiz_attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    selected: Mapped[list[int]] = mapped_column(JSON)
    earned: Mapped[float] = mapped_column(Float)
    possible: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
