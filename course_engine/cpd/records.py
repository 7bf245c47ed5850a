"""The CPD record as it is read: registration years, every piece of a learner's CPD (completed
modules and CPD done elsewhere, with their peer reflections) as one kind of record, and the
registration-year summary against Social Work England's requirement.

Read-only: nothing here writes. A learner's records are always looked up with their user id,
so another learner's ids are "not found" (the routes answer 404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..authoring.models import ModuleVersion
from ..db import session
from ..learner.models import Completion, FinalReflection
from ..dates import registration_year
from ..orgs.models import Organisation
from .evidence import files_for
from .models import ActivityType, CpdEntry, EvidenceFile, PeerReflection, plausible_id
from .standards import clean_codes, labels, parts_named_by_module

#: Social Work England's requirement for each registration year.
REQUIRED_RECORDS = 2
REQUIRED_WITH_PEER = 1

TEXT_MAX_CHARS = 10_000
TITLE_MAX_CHARS = 200
ROLE_MAX_CHARS = 200
MINUTES_MAX = 60_000
EARLIEST_DATE = date(2000, 1, 1)

#: Dates are the learner's days in England, not UTC days.
LOCAL_ZONE = ZoneInfo("Europe/London")

#: The two kinds of record, as they appear in URLs.
MODULE, EXTERNAL = "modules", "entries"
KINDS = (MODULE, EXTERNAL)


class CpdError(ValueError):
    """Input the record can't accept; ``errors`` maps each field name to a message for the person."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- registration years ------------------------------------------------------------------

@dataclass(frozen=True)
class RegistrationYear:
    """A Social Work England registration year: 1 December to 30 November."""

    start: date
    end: date

    @classmethod
    def containing(cls, day: date) -> "RegistrationYear":
        """The registration year ``day`` falls in."""
        return cls(*registration_year(day))

    @classmethod
    def starting(cls, start_year: int) -> "RegistrationYear":
        """The registration year beginning on 1 December ``start_year``."""
        return cls.containing(date(start_year, 12, 1))

    @property
    def key(self) -> int:
        """The year it starts in (2025 for 1 December 2025 to 30 November 2026): used in URLs."""
        return self.start.year

    @property
    def label(self) -> str:
        """``2025–26``: how people talk about it."""
        return f"{self.start.year}\u2013{str(self.end.year)[2:]}"

    @property
    def long_label(self) -> str:
        return f"1 December {self.start.year} to 30 November {self.end.year}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_year(value: str | None, today: date) -> RegistrationYear:
    """The registration year named in a URL (its start year, e.g. ``2025``); current when empty.

    :raises CpdError: when the value is not a plausible year.
    """
    if value is None or value == "":
        return RegistrationYear.containing(today)
    value = value.strip()
    if len(value) == 7 and value[4] == "-":   # "2025-26" is what people write
        value = value[:4]
    if not value.isdigit() or not EARLIEST_DATE.year - 1 <= int(value) <= today.year + 1:
        raise CpdError({"year": "Choose a registration year from the list, for example 2025 for 2025\u201326."})
    return RegistrationYear.starting(int(value))


def local_date(moment: datetime) -> date:
    """The day in England on which a UTC moment fell."""
    return moment.astimezone(LOCAL_ZONE).date()


# --- the record ----------------------------------------------------------------------------

@dataclass
class CpdRecord:
    """One piece of CPD as the log, the exports and managers see it, whatever its source."""

    kind: str                    #: MODULE or EXTERNAL
    id: int                      #: Completion.id or CpdEntry.id
    user_id: int
    activity_type: str           #: label
    title: str
    day: date
    minutes: int
    description: str
    what_learned: str
    impact_on_practice: str
    source: str
    shared_at: datetime | None
    #: The organisation whose managers it is shared with (both set, or neither).
    shared_with_organisation_id: int | None = None
    #: That organisation's name, for the learner's own view.
    shared_with: str | None = None
    #: The parts of standard 4 it evidences ("4.2", ...): chosen by the learner for their own
    #: entries, read from the module's front-matter ``standards`` for a completed module.
    standards: list[str] = field(default_factory=list)
    peer: PeerReflection | None = None
    #: Modules only: the attempt whose reflection page edits this record's reflection.
    attempt_id: int | None = None
    #: External entries only.
    entry: CpdEntry | None = None
    #: Modules only: the final reflection (None if it was never written).
    reflection: FinalReflection | None = None
    #: External entries only: the evidence files attached to it (cpd/evidence.py), oldest first.
    evidence: list[EvidenceFile] = field(default_factory=list)

    @property
    def has_peer_reflection(self) -> bool:
        return self.peer is not None

    @property
    def shared(self) -> bool:
        return self.shared_at is not None and self.shared_with_organisation_id is not None

    @property
    def standard_labels(self) -> list[str]:
        """"4.2 Supervision" for each part of standard 4 it evidences."""
        return labels(self.standards)

    @property
    def has_reflection(self) -> bool:
        return bool(self.what_learned or self.impact_on_practice)

    @property
    def anchor(self) -> str:
        return f"{'module' if self.kind == MODULE else 'entry'}-{self.id}"


MODULE_ACTIVITY_TYPE = ActivityType.course.label
MODULE_SOURCE = "Module completed on this site"
EXTERNAL_SOURCE = "Recorded by you"


def _module_records(user_id: int, year: RegistrationYear | None, only_id: int | None = None) -> list[CpdRecord]:
    query = (select(Completion, ModuleVersion, FinalReflection)
             .join(ModuleVersion, ModuleVersion.id == Completion.version_id)
             .outerjoin(FinalReflection, FinalReflection.attempt_id == Completion.attempt_id)
             .where(Completion.user_id == user_id))
    if only_id is not None:
        query = query.where(Completion.id == only_id)
    if year is not None:
        # A day's margin either side; the exact boundary is decided on local dates below.
        query = query.where(
            Completion.completed_at >= datetime.combine(year.start - timedelta(days=1), datetime.min.time(), timezone.utc),
            Completion.completed_at < datetime.combine(year.end + timedelta(days=2), datetime.min.time(), timezone.utc))
    records = []
    for completion, version, reflection in session.execute(query).all():
        day = local_date(completion.completed_at)
        if year is not None and day not in year:
            continue
        records.append(CpdRecord(
            kind=MODULE, id=completion.id, user_id=user_id, activity_type=MODULE_ACTIVITY_TYPE,
            title=version.title, day=day, minutes=completion.cpd_minutes,
            description=f"E-learning module (version {version.number}): {version.summary}".strip(),
            what_learned=reflection.what_learned if reflection else "",
            impact_on_practice=reflection.impact_on_practice if reflection else "",
            source=MODULE_SOURCE, shared_at=reflection.shared_with_manager_at if reflection else None,
            shared_with_organisation_id=reflection.shared_with_organisation_id if reflection else None,
            standards=parts_named_by_module(version.standards),
            attempt_id=completion.attempt_id, reflection=reflection))
    return records


def _external_records(user_id: int, year: RegistrationYear | None, only_id: int | None = None) -> list[CpdRecord]:
    query = select(CpdEntry).where(CpdEntry.user_id == user_id)
    if only_id is not None:
        query = query.where(CpdEntry.id == only_id)
    if year is not None:
        query = query.where(CpdEntry.activity_date >= year.start, CpdEntry.activity_date <= year.end)
    return [CpdRecord(
        kind=EXTERNAL, id=e.id, user_id=user_id, activity_type=e.activity_type.label, title=e.title,
        day=e.activity_date, minutes=e.minutes, description=e.description, what_learned=e.what_learned,
        impact_on_practice=e.impact_on_practice, source=EXTERNAL_SOURCE, shared_at=e.shared_with_manager_at,
        shared_with_organisation_id=e.shared_with_organisation_id, standards=clean_codes(e.standard_4_parts),
        entry=e) for e in session.scalars(query)]


def _attach_organisation_names(records: list[CpdRecord]) -> list[CpdRecord]:
    ids = {r.shared_with_organisation_id for r in records if r.shared_with_organisation_id is not None}
    if ids:
        names = dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
        for record in records:
            record.shared_with = names.get(record.shared_with_organisation_id)
    return records


def _attach_peers(user_id: int, records: list[CpdRecord]) -> list[CpdRecord]:
    peers = session.scalars(select(PeerReflection).where(PeerReflection.user_id == user_id)).all()
    by_entry = {p.entry_id: p for p in peers if p.entry_id is not None}
    by_completion = {p.completion_id: p for p in peers if p.completion_id is not None}
    for record in records:
        record.peer = (by_completion if record.kind == MODULE else by_entry).get(record.id)
    entry_ids = [r.id for r in records if r.kind == EXTERNAL]
    if entry_ids:
        by_entry_files: dict[int, list[EvidenceFile]] = {}
        for evidence in files_for(user_id, entry_ids):
            by_entry_files.setdefault(evidence.entry_id, []).append(evidence)
        for record in records:
            if record.kind == EXTERNAL:
                record.evidence = by_entry_files.get(record.id, [])
    return _attach_organisation_names(records)


def records_for(user_id: int, year: RegistrationYear | None = None) -> list[CpdRecord]:
    """Every piece of the learner's CPD (in ``year`` when given), newest first, with peer reflections."""
    records = _attach_peers(user_id, _module_records(user_id, year) + _external_records(user_id, year))
    records.sort(key=lambda r: (r.day, r.kind == EXTERNAL, r.id), reverse=True)
    return records


def record_for(user_id: int, kind: str, record_id: int) -> CpdRecord | None:
    """One of the learner's records, or None when it is not theirs (callers answer 404)."""
    if not plausible_id(record_id):
        return None
    if kind == MODULE:
        found = _module_records(user_id, None, only_id=record_id)
    elif kind == EXTERNAL:
        found = _external_records(user_id, None, only_id=record_id)
    else:
        return None
    return _attach_peers(user_id, found)[0] if found else None


def years_with_records(user_id: int, today: date) -> list[RegistrationYear]:
    """The current registration year and every year the learner has a record in, newest first."""
    days = [local_date(c) for c in session.scalars(select(Completion.completed_at).where(Completion.user_id == user_id))]
    days += list(session.scalars(select(CpdEntry.activity_date).where(CpdEntry.user_id == user_id)))
    years = {RegistrationYear.containing(d) for d in days} | {RegistrationYear.containing(today)}
    return sorted(years, key=lambda y: y.start, reverse=True)


# --- the summary ---------------------------------------------------------------------------

@dataclass
class YearSummary:
    """Progress against Social Work England's requirement in one registration year."""

    year: RegistrationYear
    records: list[CpdRecord]
    today: date
    next_steps: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def with_peer(self) -> int:
        return sum(1 for r in self.records if r.has_peer_reflection)

    @property
    def minutes(self) -> int:
        return sum(r.minutes for r in self.records)

    @property
    def met(self) -> bool:
        return self.count >= REQUIRED_RECORDS and self.with_peer >= REQUIRED_WITH_PEER

    @property
    def is_current(self) -> bool:
        return self.today in self.year

    @property
    def days_left(self) -> int | None:
        """Days left to record CPD in the current year, counting today; None for other years."""
        return (self.year.end - self.today).days + 1 if self.is_current else None


def year_summary(user_id: int, year: RegistrationYear, today: date) -> YearSummary:
    """The records of one registration year and the learner's next step towards the requirement.

    :param today: the learner's today (the deadline message depends on it).
    """
    summary = YearSummary(year=year, records=records_for(user_id, year), today=today)
    summary.next_steps = next_steps(summary.count, summary.with_peer)
    return summary


def next_steps(count: int, with_peer: int) -> list[str]:
    """What to do next to meet the requirement: 2 pieces of CPD, at least 1 with peer reflection."""
    steps = []
    missing = max(0, REQUIRED_RECORDS - count)
    if missing == 1:
        steps.append("Add one more piece of CPD")
    elif missing > 1:
        steps.append(f"Add {'two' if missing == 2 else missing} pieces of CPD")
    if with_peer < REQUIRED_WITH_PEER:
        steps.append("Record a peer reflection on one of your entries" if count else
                     "Record a peer reflection on one of them")
    return steps


