"""Assignments of modules to people (by organisation, team or person), what they require of
each person (:class:`AssignmentCell`) and the reminder log.

An assignment names its target; what it requires of each person is also kept resolved, one
:class:`AssignmentCell` per current member and assigned module, rewritten whenever an
assignment or a membership changes (``cells.py``), so someone who joins a team later has the
team's assignments at once and the reports read one narrow row per cell.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class TargetKind(str, enum.Enum):
    """Who an assignment is for."""

    organisation = "organisation"
    team = "team"
    person = "person"

    @property
    def label(self) -> str:
        return {"organisation": "Whole organisation", "team": "Team", "person": "Person"}[self.value]


class Assignment(Base):
    """A module assigned by an organisation, with a due date and optional recertification.

    Exactly one of ``due_date`` (an absolute date) and ``due_days_after_joining`` may be set;
    with neither, the assignment has no due date. ``recert_months`` makes a completion expire
    that many months after it was completed; the recertification window opens
    ``recert_window_days`` before expiry.
    """

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_org_active", "organisation_id", "removed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), index=True)
    target_kind: Mapped[TargetKind] = mapped_column(Enum(TargetKind, native_enum=False, length=20))
    #: Set when ``target_kind`` is team.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), nullable=True, index=True)
    #: Set when ``target_kind`` is person: the membership, so it belongs to this organisation.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"),
                                                      nullable=True, index=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_days_after_joining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recert_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recert_window_days: Mapped[int] = mapped_column(Integer, default=30)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Removed assignments are kept for the record (and the audit log) but no longer apply.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AssignmentCell(Base):
    """What one current member's assignments require of them for one module, merged as
    :class:`.status.RuleBook` merges them, with the two facts the status rules read.

    Why: judging 160,000 cells of a national organisation from the assignments, memberships,
    attempts and completions on every report cost most of a second; with this row the
    summary is one scan of the organisation's rows and the status a CASE on today's date.

    Kept current in the transaction of every change (``cells.py``): an assignment made or
    removed (the organisation's rows for that module), a membership added, moved, deactivated
    or reactivated (that membership's rows), an attempt started or a module completed (the
    facts, copied from ``learner_module_state``). ``flask employers rebuild-status`` rebuilds
    them; tests prove both give the same rows and the same statuses as the Python rules.
    """

    __tablename__ = "assignment_cell"
    __table_args__ = (Index("ix_assignment_cell_org_module", "organisation_id", "module_id"),
                      Index("ix_assignment_cell_user_module", "user_id", "module_id"))

    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="RESTRICT"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    #: The earliest due date of the person's assignments of this module (None: no due date).
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The shortest recertification period (None: never expires).
    recert_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_days: Mapped[int] = mapped_column(Integer)
    #: From learner_module_state: the UTC day of the latest completion, and open attempts.
    last_completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    open_attempts: Mapped[int] = mapped_column(Integer, default=0)



class InsightFigure(Base):
    """One pre-counted figure of practice insights, per organisation, team (None: people with
    no team) and module, as the live queries of ``insights.py`` count it for the organisation's
    current members: ``kind`` says which figure and which of the key columns it uses.

    ``module``: distinct learners with an attempt; ``ended``: distinct learners who reached an
    ending; ``scene`` (key = scene id): distinct learners who decided there; ``choice``
    (version, key = scene id, choice index): decisions; ``ending`` (version, key = ending scene
    id): attempts that reached it; ``question`` (key = question id): answers (``count``),
    ``missed`` and distinct learners.

    Why per team: a manager sees only some teams, and a person has one membership per
    organisation (``membership``'s unique key) and so at most one team there, so the distinct
    learners of several teams are the sum of each team's. Why pre-counted: at 20,000 learners
    the live queries aggregate about 400,000 decisions and 800,000 quiz answers per request
    (341-615 ms); the page sums a few hundred of these rows instead. Rewritten per organisation
    by ``insight_figures.refresh`` (a queued job, at most every 15 minutes, and
    ``flask employers refresh-insights``)."""

    __tablename__ = "insight_figure"
    __table_args__ = (Index("ix_insight_figure_org_module", "organisation_id", "module_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), nullable=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    choice_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    learners: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)


class InsightRefresh(Base):
    """When an organisation's :class:`InsightFigure` rows were last counted (the moment the
    count began: the figures are as of then) and how long counting took.

    Its row is also the refresh's lock: a refresh writes it first, so two refreshes of one
    organisation take turns instead of both inserting figures."""

    __tablename__ = "insight_refresh"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ReminderKind(str, enum.Enum):
    learner = "learner"
    manager_digest = "manager_digest"

    @property
    def label(self) -> str:
        return {"learner": "Your assignments", "manager_digest": "Your teams' overdue learning"}[self.value]


class ReminderLog(Base):
    """One reminder email sent to a person on a day: at most one per person, kind and day."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("user_id", "kind", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(Enum(ReminderKind, native_enum=False, length=20))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer, default=0)


class ExportKind(str, enum.Enum):
    """What a full-organisation export contains (the same CSVs as the screens' exports)."""

    matrix = "matrix"
    completions = "completions"

    @property
    def label(self) -> str:
        return {"matrix": "People by module (matrix)", "completions": "Completions"}[self.value]


class OrgExport(Base):
    """A full-organisation export an org admin asked for, prepared by a job (employers/org_exports.py).

    ``finished_at`` set: the file is ready (``file_name`` in EXPORTS_DIR) until ``expires_at``.
    The file name holds a random token, but access is checked on every download all the same.
    """

    __tablename__ = "org_export"
    __table_args__ = (Index("ix_org_export_org_requested", "organisation_id", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    kind: Mapped[ExportKind] = mapped_column(Enum(ExportKind, native_enum=False, length=20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    file_name: Mapped[str] = mapped_column(String(120), unique=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    row_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- indexes on other features' tables that the employer reports rely on --------------------
# Declared here (on those tables' columns) because these reads are ours: the latest completion
# per person and module, open attempts per person and module, and members by organisation.
from ..learner.models import Completion, ScenarioAttempt  # noqa: E402
from ..orgs.models import Membership  # noqa: E402

Index("ix_completion_user_module_completed", Completion.user_id, Completion.module_id, Completion.completed_at)
Index("ix_scenario_attempt_user_module_status", ScenarioAttempt.user_id, ScenarioAttempt.module_id,
      ScenarioAttempt.status)
Index("ix_scenario_attempt_module_user", ScenarioAttempt.module_id, ScenarioAttempt.user_id)
Index("ix_membership_org_team_active", Membership.organisation_id, Membership.deactivated_at, Membership.team_id)

# Covering indexes for practice insights (choices per scene, missed questions): index-only
# scans of the two largest tables. Added by migration 3c9e1f4b7a20, built concurrently.
from ..learner.models import Decision  # noqa: E402
from ..quizzes.models import QuizResponse  # noqa: E402

Index("ix_decision_attempt_scene_choice", Decision.attempt_id, Decision.scene_id, Decision.choice_index)
Index("ix_quiz_response_attempt_question_correct", QuizResponse.quiz_attempt_id, QuizResponse.question_id,
      QuizResponse.correct)
