"""Assignments and their status rules; the learners' view of their assignments; reminders.

Status rules (one pure function, :func:`cell_status`; calendar days in UTC, ``today`` passed in)
-----------------------------------------------------------------------------------------------
For one person and one assigned module, in this order of precedence:

1. **Completed** - they have a completion and it is still valid: there is no recertification
   period, or ``today`` is before the recertification window opens.
2. **Due soon** (recertification) - a valid completion whose recertification window is open:
   ``expires_on - window_days <= today < expires_on``.
3. **Expired** - the completion is older than the recertification period:
   ``today >= expires_on``, where ``expires_on = completed_on + recert_months`` (same day of
   the month, or the month's last day).
4. **Overdue** - not completed and ``today`` is after the due date (the due date itself is
   the last day on time).
5. **Due soon** - not completed and due within 14 days: ``due_date - 14 days <= today``.
6. **In progress** - not completed, an attempt is open, not due soon.
7. **Not started** - everything else.

The due date is the assignment's date, or "within N days of joining": N days after the day
the person joined the organisation, or after the day the assignment was made if they had
already joined (so existing staff are never overdue the moment it is made). When several
assignments give the same person the same module, the earliest due date and the shortest
recertification period apply.
"""
from __future__ import annotations

import calendar
import enum
from functools import lru_cache
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..authoring.models import ContentModule
from ..db import session
from ..orgs.models import Membership, Organisation, OrgRole, Team
from ..audit import record_audit
from ..orgs.services import visible_team_ids
from .models import Assignment, TargetKind

#: "Due soon" starts this many days before the due date.
DUE_SOON_DAYS = 14
#: Default days before expiry that the recertification window opens.
DEFAULT_WINDOW_DAYS = 30
#: Learners are reminded of assignments due within this many days (or overdue).
REMIND_WITHIN_DAYS = 7


class Status(str, enum.Enum):
    """A person's status for one assigned module (see the module docstring for the rules)."""

    completed = "completed"
    due_soon = "due_soon"
    expired = "expired"
    overdue = "overdue"
    in_progress = "in_progress"
    not_started = "not_started"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def rank(self) -> int:
        """Sort order: most urgent first."""
        return STATUS_RANK[self]


STATUS_LABELS = {Status.completed: "Completed", Status.due_soon: "Due soon", Status.expired: "Expired",
                 Status.overdue: "Overdue", Status.in_progress: "In progress", Status.not_started: "Not started"}
#: Summary and filter order.
STATUS_ORDER = (Status.completed, Status.in_progress, Status.not_started, Status.overdue, Status.expired,
                Status.due_soon)
STATUS_RANK = {Status.expired: 0, Status.overdue: 1, Status.due_soon: 2, Status.not_started: 3,
               Status.in_progress: 4, Status.completed: 5}
#: Plain-words rules, shown on the dashboard beside the figures.
STATUS_RULES = (
    (Status.completed, "Completed, and not yet due for recertification."),
    (Status.due_soon, f"Due within {DUE_SOON_DAYS} days and not completed, or a completion whose "
                      "recertification window is open."),
    (Status.expired, "Completed, but longer ago than the recertification period."),
    (Status.overdue, "Not completed, and the due date has passed."),
    (Status.in_progress, "Started but not completed, and not due within 14 days."),
    (Status.not_started, "Not started, and not due within 14 days."),
)


@lru_cache(maxsize=16384)
def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(completed_on: date | None, recert_months: int | None) -> date | None:
    """The first day a completion is no longer valid (None: it never expires)."""
    if completed_on is None or not recert_months:
        return None
    return add_months(completed_on, recert_months)


def cell_status(*, today: date, due_date: date | None, completed_on: date | None, in_progress: bool,
                recert_months: int | None = None, window_days: int = DEFAULT_WINDOW_DAYS) -> Status:
    """The status of one assigned module for one person (rules in this module's docstring).

    :param today: the day to judge on (UTC).
    :param due_date: the person's due date, or None.
    :param completed_on: the day of their latest completion of the module, or None.
    :param in_progress: whether they have an open attempt.
    :param recert_months: the recertification period, or None.
    :param window_days: days before expiry that the recertification window opens.
    """
    if completed_on is not None:
        expiry = expires_on(completed_on, recert_months)
        if expiry is None:
            return Status.completed
        if today >= expiry:
            return Status.expired
        if today >= expiry - timedelta(days=window_days):
            return Status.due_soon
        return Status.completed
    if due_date is not None:
        if today > due_date:
            return Status.overdue
        if today >= due_date - timedelta(days=DUE_SOON_DAYS):
            return Status.due_soon
    return Status.in_progress if in_progress else Status.not_started


def effective_due(status: Status, due_date: date | None, completed_on: date | None,
                  recert_months: int | None) -> date | None:
    """The date a person should act by: the expiry date once completed with recertification."""
    if completed_on is not None:
        return expires_on(completed_on, recert_months)
    return due_date


# --- resolving assignments to people ------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One assignment reduced to what the status needs (a plain value, cheap to merge)."""

    assignment_id: int
    module_id: int
    target_kind: TargetKind
    team_id: int | None
    membership_id: int | None
    due_date: date | None
    due_days: int | None
    created_on: date
    recert_months: int | None
    window_days: int

    def due_for(self, joined_on: date) -> date | None:
        if self.due_date is not None:
            return self.due_date
        if self.due_days is not None:
            return max(joined_on, self.created_on) + timedelta(days=self.due_days)
        return None


class Requirement(NamedTuple):
    """What is required of one person for one module, after merging their assignments."""

    module_id: int
    due_date: date | None
    recert_months: int | None
    window_days: int


class RuleBook:
    """An organisation's active assignments, indexed by target, to resolve a person quickly.

    Assignments are merged once per team (and per person with personal assignments); only
    "within N days of joining" due dates are worked out per person, from their joining day.
    """

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.org_wide = [r for r in rules if r.target_kind == TargetKind.organisation]
        self.by_team: dict[int, list[Rule]] = {}
        self.by_membership: dict[int, list[Rule]] = {}
        for rule in rules:
            if rule.target_kind == TargetKind.team:
                self.by_team.setdefault(rule.team_id, []).append(rule)
            elif rule.target_kind == TargetKind.person:
                self.by_membership.setdefault(rule.membership_id, []).append(rule)
        self.module_ids = sorted({r.module_id for r in rules})
        self._templates: dict[int | None, list] = {}
        self._people_cache: dict[tuple, tuple] = {}

    def _template(self, team_id: int | None, personal: list[Rule] | None) -> list:
        """[(module id, earliest absolute due, [(days, created_on)], recert, window, fixed)] by module."""
        if not personal and team_id in self._templates:
            return self._templates[team_id]
        rules = list(self.org_wide)
        if team_id is not None:
            rules.extend(self.by_team.get(team_id, ()))
        if personal:
            rules.extend(personal)
        merged: dict[int, list] = {}
        for rule in rules:
            entry = merged.setdefault(rule.module_id, [None, [], None, rule.window_days])
            if rule.due_date is not None and (entry[0] is None or rule.due_date < entry[0]):
                entry[0] = rule.due_date
            if rule.due_days is not None:
                entry[1].append((rule.due_days, rule.created_on))
            if rule.recert_months and (not entry[2] or rule.recert_months < entry[2]):
                entry[2] = rule.recert_months
            entry[3] = max(entry[3], rule.window_days)
        template = []
        for module_id in sorted(merged):
            due, relative, recert, window = merged[module_id]
            fixed = None if relative else Requirement(module_id, due, recert, window)
            template.append((module_id, due, tuple(relative), recert, window, fixed))
        if all(entry[5] is not None for entry in template):
            template = tuple(entry[5] for entry in template)  # the same for everyone: ready-made
        if not personal:
            self._templates[team_id] = template
        return template

    def requirements(self, membership_id: int, team_id: int | None, joined_on: date) -> tuple[Requirement, ...]:
        """The person's requirements, one per module, in module id order."""
        template = self._template(team_id, self.by_membership.get(membership_id))
        if type(template) is tuple:
            return template
        # People who joined before every relative assignment was made share one due date
        # (counted from the assignments), so their requirements are cached with the team's.
        latest_created = max(created for entry in template for _days, created in entry[2])
        personal = membership_id in self.by_membership
        key = (team_id, joined_on if joined_on > latest_created else None)
        if not personal and key in self._people_cache:
            return self._people_cache[key]
        result = []
        for module_id, due, relative, recert, window, fixed in template:
            if fixed is not None:
                result.append(fixed)
                continue
            for days, created_on in relative:
                candidate = max(joined_on, created_on) + timedelta(days=days)
                if due is None or candidate < due:
                    due = candidate
            result.append(Requirement(module_id, due, recert, window))
        result = tuple(result)
        if not personal:
            if len(self._people_cache) > 1024:  # bounded: a streamed report stays flat in memory
                self._people_cache.clear()
            self._people_cache[key] = result
        return result


def rule_book(organisation_id: int) -> RuleBook:
    """The organisation's active assignments (one query)."""
    rows = session.execute(
        select(Assignment.id, Assignment.module_id, Assignment.target_kind, Assignment.team_id,
               Assignment.membership_id, Assignment.due_date, Assignment.due_days_after_joining,
               Assignment.created_at, Assignment.recert_months, Assignment.recert_window_days)
        .where(Assignment.organisation_id == organisation_id, Assignment.removed_at.is_(None))
        .order_by(Assignment.id)).all()
    return RuleBook([Rule(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7].date(), r[8],
                          r[9] if r[9] is not None else DEFAULT_WINDOW_DAYS) for r in rows])


# --- managing assignments -----------------------------------------------------------------------

class AssignmentError(ValueError):
    """An assignment that can't be made; the message says why."""


class NotVisible(LookupError):
    """The target is not one the acting member may see (callers answer 404)."""


def create_assignment(actor_membership: Membership, module: ContentModule, *, target_kind: TargetKind,
                      team: Team | None = None, person: Membership | None = None, due_date: date | None = None,
                      due_days_after_joining: int | None = None, recert_months: int | None = None,
                      recert_window_days: int | None = None, now: datetime, ip_address: str | None = None) -> Assignment:
    """Assign a module (audited). Managers may assign only to their teams and the people in them.

    :raises NotVisible: the team or person is not one the actor may see.
    :raises AssignmentError: the request is not allowed or not valid (with the reason).
    """
    org_id = actor_membership.organisation_id
    visible = visible_team_ids(actor_membership)
    if due_date is not None and due_days_after_joining is not None:
        raise AssignmentError("Give either a due date or a number of days after joining, not both.")
    if due_days_after_joining is not None and not 1 <= due_days_after_joining <= 3650:
        raise AssignmentError("Days after joining must be between 1 and 3650.")
    if recert_months is not None and not 1 <= recert_months <= 120:
        raise AssignmentError("The recertification period must be between 1 and 120 months.")
    window = DEFAULT_WINDOW_DAYS if recert_window_days is None else recert_window_days
    if not 0 <= window <= 365:
        raise AssignmentError("The recertification window must be between 0 and 365 days.")
    if target_kind == TargetKind.organisation:
        if visible is not None:
            raise AssignmentError("Only an organisation admin can assign to the whole organisation.")
        team_id = membership_id = None
    elif target_kind == TargetKind.team:
        if team is None or team.organisation_id != org_id or (visible is not None and team.id not in visible):
            raise NotVisible("team")
        team_id, membership_id = team.id, None
    else:
        if person is None or person.organisation_id != org_id or person.deactivated_at is not None \
                or (visible is not None and person.team_id not in visible):
            raise NotVisible("person")
        team_id, membership_id = None, person.id
    assignment = Assignment(organisation_id=org_id, module_id=module.id, target_kind=target_kind, team_id=team_id,
                            membership_id=membership_id, due_date=due_date,
                            due_days_after_joining=due_days_after_joining, recert_months=recert_months,
                            recert_window_days=window, created_by_id=actor_membership.user_id, created_at=now)
    session.add(assignment)
    session.flush()
    record_audit(actor_membership.user, "assignment.create", assignment,
                 organisation=session.get(Organisation, org_id),
                 detail={"module": module.slug, "target": target_kind.value, "team_id": team_id,
                         "membership_id": membership_id, "due_date": due_date.isoformat() if due_date else None,
                         "due_days_after_joining": due_days_after_joining, "recert_months": recert_months,
                         "recert_window_days": window}, ip_address=ip_address)
    return assignment


def can_manage(actor_membership: Membership, assignment: Assignment) -> bool:
    """Whether the member may see (and so remove) this assignment."""
    if assignment.organisation_id != actor_membership.organisation_id:
        return False
    visible = visible_team_ids(actor_membership)
    if visible is None:
        return True
    if assignment.target_kind == TargetKind.team:
        return assignment.team_id in visible
    if assignment.target_kind == TargetKind.person:
        person = session.get(Membership, assignment.membership_id)
        return person is not None and person.team_id in visible
    return False


def remove_assignment(actor_membership: Membership, assignment: Assignment, now: datetime, *, ip_address: str | None = None) -> None:
    """Stop an assignment applying (kept for the record; audited)."""
    if assignment.removed_at is not None:
        return
    assignment.removed_at = now
    session.flush()
    record_audit(actor_membership.user, "assignment.remove", assignment,
                 organisation=session.get(Organisation, assignment.organisation_id),
                 detail={"module_id": assignment.module_id}, ip_address=ip_address)


# --- the learner's view (the ``course_engine.assignments_for_learner`` extension point) --------

@dataclass(frozen=True)
class LearnerAssignment:
    """One assigned module as its learner sees it on My learning."""

    slug: str
    title: str
    status: str
    status_label: str
    due_date: date | None
    organisation_name: str


def assignments_for_learner(user_id: int, today: date) -> list[LearnerAssignment]:
    """Every organisation's assignments for this person, most urgent first.

    A person in two organisations sees each organisation's assignments, labelled with it.
    """
    from . import queries

    items = []
    for cell in queries.cells_for_user(user_id, today):
        items.append(LearnerAssignment(cell.slug, cell.title, cell.status.value, cell.status.label,
                                       cell.due_date, cell.organisation_name))
    items.sort(key=lambda a: (Status(a.status).rank, a.due_date or date.max, a.title))
    return items


def is_employer(membership: Membership) -> bool:
    return membership.role in (OrgRole.manager, OrgRole.org_admin)


# --- reminders ----------------------------------------------------------------------------------

@dataclass
class ReminderRun:
    """What ``flask reminders send`` did."""

    learners_sent: int = 0
    managers_sent: int = 0
    skipped_already_sent: int = 0
    organisations: int = 0

    def summary(self) -> str:
        return (f"Reminders: {self.learners_sent} learner reminders and {self.managers_sent} manager digests sent, "
                f"{self.skipped_already_sent} skipped (already reminded today), "
                f"{self.organisations} organisations checked.")


def _needs_reminder(status: Status, due: date | None, today: date) -> bool:
    if status in (Status.overdue, Status.expired):
        return True
    return status != Status.completed and due is not None and due <= today + timedelta(days=REMIND_WITHIN_DAYS)


def send_reminders(now: datetime, echo=lambda message: None) -> ReminderRun:
    """Email each learner with assignments due within 7 days or overdue, and each manager a digest
    of their teams' overdue items; at most one of each kind per person per day.

    Safe to run every hour: the reminder log's unique (person, kind, day) row is written in the
    same transaction and the emails go after the commit, so a repeat run the same day sends
    nothing. Adds and flushes; the caller commits (``db.commit_and_run_callbacks``).
    """
    from flask import current_app
    from sqlalchemy.exc import IntegrityError

    from .. import db, mail
    from ..auth.models import User
    from . import queries
    from .models import ReminderKind, ReminderLog

    today = now.date()
    run = ReminderRun()
    already = {(uid, kind) for uid, kind in session.execute(
        select(ReminderLog.user_id, ReminderLog.kind).where(ReminderLog.day == today))}
    learner_items: dict[int, tuple[str, list[str]]] = {}
    digests: dict[int, tuple[str, list[str]]] = {}
    base_url = current_app.config.get("BASE_URL", "").rstrip("/")
    for org in session.scalars(select(Organisation).order_by(Organisation.name)):
        run.organisations += 1
        book = rule_book(org.id)
        if not book.rules:
            continue
        columns = queries.columns_for(book)
        overdue_by_team: dict[int | None, list[str]] = {}
        for row in queries.iter_matrix(queries.Scope(org.id, None), queries.Filters(sort="id"), today, book, columns):
            for column, cell in zip(columns, row.cells):
                if cell is None or not _needs_reminder(cell.status, cell.due_date, today):
                    continue
                due = f" (due {cell.due_date.strftime('%-d %B %Y')})" if cell.due_date else ""
                learner_items.setdefault(row.user_id, (row.email, []))[1].append(
                    f"- {column.title}: {cell.status.label}{due}, {org.name}")
                if cell.status in (Status.overdue, Status.expired):
                    overdue_by_team.setdefault(row.team_id, []).append(
                        f"- {row.name}: {column.title}, {cell.status.label.lower()}{due}")
        managers = session.execute(
            select(Membership, User.email).join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == org.id, Membership.role == OrgRole.manager,
                   Membership.deactivated_at.is_(None))).all()
        for manager, email in managers:
            teams = visible_team_ids(manager) or set()
            lines = [line for team_id in sorted(t for t in teams) for line in overdue_by_team.get(team_id, [])]
            if lines:
                digests.setdefault(manager.user_id, (email, []))[1].extend(
                    [f"{org.name} (dashboard: {base_url}/orgs/{org.slug}/dashboard):"] + lines)
        echo(f"  {org.name}: {len(columns)} assigned modules checked")

    def deliver(user_id, kind, email, subject, body, count):
        if (user_id, kind) in already:
            run.skipped_already_sent += 1
            return False
        try:
            with session.begin_nested():
                session.add(ReminderLog(user_id=user_id, kind=kind, day=today, sent_at=now, subject=subject,
                                        body=body, item_count=count))
        except IntegrityError:  # another run got there first
            run.skipped_already_sent += 1
            return False
        db.after_commit(lambda: mail.send(email, subject, body))
        return True

    for user_id, (email, lines) in learner_items.items():
        body = ("These modules assigned to you are due soon or overdue:\n\n" + "\n".join(lines)
                + f"\n\nSee your learning: {base_url}/learning\n"
                + f"Reminders sent to you: {base_url}/learning/reminders\n")
        if deliver(user_id, ReminderKind.learner, email, "Learning due soon or overdue", body, len(lines)):
            run.learners_sent += 1
    for user_id, (email, lines) in digests.items():
        count = sum(1 for line in lines if line.startswith("- "))
        body = "Overdue or expired learning in your teams:\n\n" + "\n".join(lines) + "\n"
        if deliver(user_id, ReminderKind.manager_digest, email, f"Your teams: {count} overdue items", body, count):
            run.managers_sent += 1
    session.flush()
    return run
