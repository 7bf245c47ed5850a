"""Content in the database: modules, their immutable versions, and media by content hash.

A version is a snapshot of the parsed and rendered module and its quiz, as JSON, so the
player never parses Markdown per request and a learner's records always point at exactly
what they saw.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class ContentModule(Base):
    """A scenario module, identified by its stable slug across versions."""

    __tablename__ = "content_module"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: The version new attempts start on (None only while being created).
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_version.id", use_alter=True, ondelete="SET NULL"), nullable=True)
    #: Set when the file is removed: hidden from the catalogue, records kept.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    current_version: Mapped["ModuleVersion | None"] = relationship(foreign_keys=[current_version_id],
                                                                    post_update=True)

    @property
    def is_published(self) -> bool:
        return self.retired_at is None and self.current_version_id is not None


class ModuleVersion(Base):
    """One immutable version of a module (and its quiz), identified by a content hash."""

    __tablename__ = "module_version"
    __table_args__ = (UniqueConstraint("module_id", "content_hash"), UniqueConstraint("module_id", "number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … in the order versions were loaded.
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Catalogue fields, copied out of the snapshot so listings don't decode it.
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    cpd_minutes: Mapped[int] = mapped_column(Integer)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    standards: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ``ModuleSpec.to_dict()`` with rendered, sanitised HTML.
    #: Deferred: loaded only when a worker decodes this version for the first time.
    module_json: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    #: ``QuizSpec.to_dict()``, or None for a module without a quiz.
    quiz_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)
    #: Whether the version has a quiz (so callers needn't load ``quiz_json`` to know).
    has_quiz: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module: Mapped[ContentModule] = relationship(foreign_keys=[module_id])


class MediaFile(Base):
    """An image used by content, stored by the sha256 of its bytes (so URLs never go stale)."""

    __tablename__ = "media_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
