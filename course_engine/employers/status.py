"""The status rules: where one person stands on one assigned module, as one pure function.

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

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select

from ..dates import add_months
from ..db import session
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
        # "Before every" means before the earliest: someone who joined between two of them
        # has their own due date for the earlier one.
        earliest_created = min(created for entry in template for _days, created in entry[2])
        personal = membership_id in self.by_membership
        key = (team_id, joined_on if joined_on > earliest_created else None)
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
