"""Changing the CPD record: CPD done elsewhere and peer reflections. Reading the record is
``records.py``; sharing it for supervision is ``sharing.py`` (both re-exported here, so routes
and other features have one name for the feature's services).

Every function takes plain values and models, adds and flushes; the request commits. A
learner's records are always looked up with their user id, so another learner's ids are
"not found" (the routes answer 404).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..db import session
from . import evidence, standards
from .models import ActivityType, CpdEntry, PeerFormat, PeerReflection, plausible_id
from .records import (EARLIEST_DATE, EXTERNAL, KINDS, MINUTES_MAX, MODULE, REQUIRED_RECORDS,  # noqa: F401
                      REQUIRED_WITH_PEER, ROLE_MAX_CHARS, TEXT_MAX_CHARS, TITLE_MAX_CHARS, CpdError,
                      CpdRecord, RegistrationYear, YearSummary, local_date, next_steps, parse_year,
                      record_for, records_for, year_summary, years_with_records)
from .sharing import (SharingChoice, person_visible_to, set_shared, shared_evidence_for,  # noqa: F401
                      shared_reflections_for, sharing_choices)


# --- CPD done elsewhere --------------------------------------------------------------------

@dataclass(frozen=True)
class EntryValues:
    """What the learner submits for a piece of CPD done elsewhere (already parsed)."""

    activity_type: ActivityType
    title: str
    activity_date: date
    minutes: int
    description: str
    what_learned: str
    impact_on_practice: str
    #: The parts of standard 4 it evidences ("4.2", ...): any number, none included.
    standard_4_parts: tuple[str, ...] = ()


def _check_text(errors: dict[str, str], name: str, value: str, missing: str, limit: int = TEXT_MAX_CHARS) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = missing
    elif len(value) > limit:
        errors[name] = f"Keep this under {limit:,} characters."
    return value


def _check_day(errors: dict[str, str], name: str, day: date | None, today: date, what: str) -> None:
    if day is None:
        errors[name] = f"Enter the date {what}."
    elif day > today:
        errors[name] = f"The date {what} must be today or in the past."
    elif day < EARLIEST_DATE:
        errors[name] = f"The date {what} must be after 1 January 2000."


def validate_entry(values: EntryValues, today: date) -> EntryValues:
    """Trimmed values, or :class:`CpdError` naming every field that is wrong."""
    errors: dict[str, str] = {}
    if not isinstance(values.activity_type, ActivityType):
        errors["activity_type"] = "Choose the type of CPD."
    title = _check_text(errors, "title", values.title, "Enter a title for this CPD.", TITLE_MAX_CHARS)
    _check_day(errors, "activity_date", values.activity_date, today, "you did this CPD")
    if not isinstance(values.minutes, int) or not 1 <= values.minutes <= MINUTES_MAX:
        errors["minutes"] = f"Enter the time it took in minutes, as a whole number from 1 to {MINUTES_MAX:,}."
    description = _check_text(errors, "description", values.description,
                              "Describe the CPD and why it is relevant to your practice.")
    learned = _check_text(errors, "what_learned", values.what_learned, "Write what you learned.")
    impact = _check_text(errors, "impact_on_practice", values.impact_on_practice,
                         "Write the impact on your practice and on the people you work with.")
    parts = list(values.standard_4_parts or ())
    if any(p not in standards.CODES for p in parts):
        errors["standard_4_parts"] = "Choose the parts of standard 4 from the list."
    if errors:
        raise CpdError(errors)
    return EntryValues(values.activity_type, title, values.activity_date, values.minutes, description, learned, impact,
                       tuple(standards.clean_codes(parts)))


def entry_for(user_id: int, entry_id: int) -> CpdEntry | None:
    """The learner's own entry, or None (another learner's id is simply not found)."""
    if not plausible_id(entry_id):
        return None
    return session.scalar(select(CpdEntry).where(CpdEntry.id == entry_id, CpdEntry.user_id == user_id))


def create_entry(user_id: int, values: EntryValues, now: datetime) -> CpdEntry:
    """Record a piece of CPD done elsewhere (private until shared).

    :raises CpdError: for invalid values; nothing is saved.
    """
    values = validate_entry(values, local_date(now))
    entry = CpdEntry(user_id=user_id, activity_type=values.activity_type, title=values.title,
                     activity_date=values.activity_date, minutes=values.minutes, description=values.description,
                     what_learned=values.what_learned, impact_on_practice=values.impact_on_practice,
                     standard_4_parts=list(values.standard_4_parts), created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    return entry


def update_entry(entry: CpdEntry, values: EntryValues, now: datetime) -> CpdEntry:
    """Change an entry; sharing and its peer reflection are kept.

    :raises CpdError: for invalid values; nothing is changed.
    """
    values = validate_entry(values, local_date(now))
    entry.activity_type, entry.title, entry.activity_date = values.activity_type, values.title, values.activity_date
    entry.minutes, entry.description = values.minutes, values.description
    entry.what_learned, entry.impact_on_practice, entry.updated_at = values.what_learned, values.impact_on_practice, now
    entry.standard_4_parts = list(values.standard_4_parts)
    session.flush()
    return entry


def delete_entry(entry: CpdEntry) -> None:
    """Delete an entry, its peer reflection and its evidence files (the files once committed)."""
    evidence.delete_files_of_entry(entry)
    peer = session.scalar(select(PeerReflection).where(PeerReflection.entry_id == entry.id))
    if peer is not None:
        session.delete(peer)
    session.delete(entry)
    session.flush()


# --- peer reflection -----------------------------------------------------------------------

@dataclass(frozen=True)
class PeerValues:
    """What the learner submits for a peer reflection (already parsed)."""

    discussed_on: date
    peer_role: str
    format: PeerFormat
    what_learned: str


def validate_peer(values: PeerValues, today: date) -> PeerValues:
    """Trimmed values, or :class:`CpdError` naming every field that is wrong."""
    errors: dict[str, str] = {}
    _check_day(errors, "discussed_on", values.discussed_on, today, "of the discussion")
    role = _check_text(errors, "peer_role", values.peer_role, "Enter your colleague's role (not their name).",
                       ROLE_MAX_CHARS)
    if not isinstance(values.format, PeerFormat):
        errors["format"] = "Choose how you discussed it."
    learned = _check_text(errors, "what_learned", values.what_learned,
                          "Write what you learned from discussing it with your colleague.")
    if errors:
        raise CpdError(errors)
    return PeerValues(values.discussed_on, role, values.format, learned)


def peer_reflection_for(record: CpdRecord) -> PeerReflection | None:
    """The peer reflection on one of the learner's records, if there is one."""
    column = PeerReflection.completion_id if record.kind == MODULE else PeerReflection.entry_id
    return session.scalar(select(PeerReflection).where(column == record.id, PeerReflection.user_id == record.user_id))


def save_peer_reflection(record: CpdRecord, values: PeerValues, now: datetime) -> PeerReflection:
    """Add or change the peer reflection on one of the learner's records.

    :raises CpdError: for invalid values; nothing is saved.
    """
    values = validate_peer(values, local_date(now))
    peer = peer_reflection_for(record)
    if peer is None:
        peer = PeerReflection(user_id=record.user_id, created_at=now,
                              entry_id=record.id if record.kind == EXTERNAL else None,
                              completion_id=record.id if record.kind == MODULE else None)
        session.add(peer)
    peer.discussed_on, peer.peer_role, peer.format = values.discussed_on, values.peer_role, values.format
    peer.what_learned, peer.updated_at = values.what_learned, now
    session.flush()
    record.peer = peer
    return peer


def delete_peer_reflection(record: CpdRecord) -> bool:
    """Remove the peer reflection from a record; False when there was none."""
    peer = peer_reflection_for(record)
    if peer is None:
        return False
    session.delete(peer)
    session.flush()
    record.peer = None
    return True
