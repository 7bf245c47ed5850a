"""The learner's CPD record: CPD done elsewhere, and peer reflections on any piece of CPD.

Completed modules are not copied here: the record reads them from ``learner.Completion`` and
``learner.FinalReflection`` (whose ``shared_with_manager_at`` and
``shared_with_organisation_id`` are the sharing switch for a module's reflection), so a reflection edited in the player is the one the record shows.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


#: The largest id a database column holds (64-bit signed): larger ids in URLs are "not found".
MAX_ID = 2**63 - 1


def plausible_id(value: int) -> bool:
    """Whether an id from a URL or form could be a row at all (SQLite raises OverflowError and
    PostgreSQL its own error for larger ones, which would otherwise be a 500)."""
    return isinstance(value, int) and 0 < value <= MAX_ID


class ActivityType(str, enum.Enum):
    """Types of CPD activity.

    Social Work England asks for "the type of CPD" but our reference material does not list
    its categories, so this list is ours (course-engine's), not Social Work England's. It is
    broad on purpose: Social Work England accepts any activity relevant to practice.
    """

    course = "course"
    reading = "reading"
    supervision = "supervision"
    shadowing = "shadowing"
    event = "event"
    other = "other"

    @property
    def label(self) -> str:
        return ACTIVITY_TYPE_LABELS[self]


ACTIVITY_TYPE_LABELS = {
    ActivityType.course: "Course or training",
    ActivityType.reading: "Reading or research",
    ActivityType.supervision: "Supervision or reflective discussion",
    ActivityType.shadowing: "Shadowing or observation",
    ActivityType.event: "Conference or event",
    ActivityType.other: "Other",
}


class PeerFormat(str, enum.Enum):
    """How the peer discussion happened: the formats Social Work England gives as examples."""

    informal_chat = "informal_chat"
    team_meeting = "team_meeting"
    group_supervision = "group_supervision"
    manager_supervision = "manager_supervision"
    training_breakout = "training_breakout"
    other = "other"

    @property
    def label(self) -> str:
        return PEER_FORMAT_LABELS[self]


PEER_FORMAT_LABELS = {
    PeerFormat.informal_chat: "An informal chat with a colleague",
    PeerFormat.team_meeting: "A reflective team meeting",
    PeerFormat.group_supervision: "Group supervision",
    PeerFormat.manager_supervision: "Supervision with a manager",
    PeerFormat.training_breakout: "A breakout discussion at training",
    PeerFormat.other: "Another discussion with a peer",
}


class CpdEntry(Base):
    """A piece of CPD the learner did elsewhere and recorded here (private unless shared)."""

    __tablename__ = "cpd_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    activity_type: Mapped[ActivityType] = mapped_column(Enum(ActivityType, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(200))
    #: The day the activity took place: it decides the registration year the entry counts in.
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    #: What the activity was and why it is relevant to the learner's practice.
    description: Mapped[str] = mapped_column(Text)
    what_learned: Mapped[str] = mapped_column(Text)
    #: The impact on the learner's practice and on the people they work with.
    impact_on_practice: Mapped[str] = mapped_column(Text)
    #: The parts of Social Work England's standard 4 it evidences ("4.2", ...; cpd/standards.py).
    standard_4_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Private unless the learner shares it with the managers of one organisation (both set
    #: together); they can withdraw it. Joining or leaving an organisation shares nothing new.
    shared_with_manager_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shared_with_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeerReflection(Base):
    """What the learner took from discussing one piece of CPD with a peer.

    Exactly one of ``entry_id`` (CPD done elsewhere) and ``completion_id`` (a completed
    module) is set; each piece of CPD has at most one peer reflection. The colleague is
    recorded by role, never by name.
    """

    __tablename__ = "cpd_peer_reflection"
    __table_args__ = (
        CheckConstraint("(entry_id IS NULL) <> (completion_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"),
                                                 nullable=True, unique=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="CASCADE"),
                                                      nullable=True, unique=True)
    discussed_on: Mapped[date] = mapped_column(Date)
    peer_role: Mapped[str] = mapped_column(String(200))
    format: Mapped[PeerFormat] = mapped_column(Enum(PeerFormat, native_enum=False, length=30))
    what_learned: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvidenceFile(Base):
    """A file attached to a piece of CPD done elsewhere, as evidence (cpd/evidence.py).

    The bytes live outside the web root, under ``instance/evidence/<storage_key>``: a random
    name, never the learner's file name. They are served only to the owner and to the managers
    of the organisation the entry is shared with, and follow the entry's sharing.
    """

    __tablename__ = "cpd_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"), index=True)
    #: The file's name on disk: 32 random hex characters.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: The learner's name for the file, cleaned (shown, and offered when downloading).
    filename: Mapped[str] = mapped_column(String(255))
    #: What the content was found to be: "pdf", "png", "jpeg" or "docx" (never the name's claim).
    kind: Mapped[str] = mapped_column(String(10))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
