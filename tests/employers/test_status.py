"""The status rules, as one pure function, at their boundaries (no database)."""
from datetime import date, timedelta

import pytest

from course_engine.employers.models import TargetKind
from course_engine.dates import add_months
from course_engine.employers.status import (DUE_SOON_DAYS, Rule, RuleBook, Status, cell_status,
                                              effective_due, expires_on)

TODAY = date(2026, 6, 15)
D = timedelta(days=1)


def status(**kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("due_date", None)
    kw.setdefault("completed_on", None)
    kw.setdefault("in_progress", False)
    return cell_status(**kw)


@pytest.mark.parametrize("due, expected", [
    (TODAY - D, Status.overdue),                                   # the day after the due date
    (TODAY, Status.due_soon),                                      # the due date itself is on time
    (TODAY + timedelta(days=DUE_SOON_DAYS), Status.due_soon),      # exactly 14 days ahead
    (TODAY + timedelta(days=DUE_SOON_DAYS + 1), Status.not_started),
    (None, Status.not_started),
])
def test_due_date_boundaries(due, expected):
    """Overdue starts the day after the due date; due soon starts 14 days before it."""
    assert status(due_date=due) is expected


def test_in_progress_unless_due_soon_or_overdue():
    """An open attempt reads 'in progress' until the module is due soon or overdue."""
    assert status(in_progress=True) is Status.in_progress
    assert status(in_progress=True, due_date=TODAY + timedelta(days=30)) is Status.in_progress
    assert status(in_progress=True, due_date=TODAY + D) is Status.due_soon
    assert status(in_progress=True, due_date=TODAY - D) is Status.overdue


def test_completed_without_recertification_never_expires():
    """Without a recertification period a completion stays valid, even past the due date."""
    assert status(completed_on=date(2010, 1, 1), due_date=TODAY - timedelta(days=400)) is Status.completed


@pytest.mark.parametrize("completed_on, expected", [
    (date(2025, 6, 15), Status.expired),      # exactly 12 months ago: expires today
    (date(2025, 6, 16), Status.due_soon),     # expires tomorrow: inside the window
    (date(2025, 7, 15), Status.due_soon),     # expires in 30 days: the window's first day
    (date(2025, 7, 16), Status.completed),    # expires in 31 days: window not yet open
    (date(2026, 6, 15), Status.completed),    # completed today
])
def test_recertification_boundaries(completed_on, expected):
    """A completion expires on the same day N months later; the window opens 30 days before."""
    assert status(completed_on=completed_on, recert_months=12, window_days=30) is expected


def test_window_is_configurable():
    """The recertification window opens the configured number of days before expiry."""
    completed = date(2025, 8, 14)  # expires 14 Aug 2026: 60 days ahead
    assert status(completed_on=completed, recert_months=12, window_days=30) is Status.completed
    assert status(completed_on=completed, recert_months=12, window_days=60) is Status.due_soon
    assert status(completed_on=completed, recert_months=12, window_days=0) is Status.completed


def test_expired_wins_over_a_new_attempt():
    """An expired completion reads 'expired' even if a new attempt is under way."""
    assert status(completed_on=date(2024, 1, 1), recert_months=12, in_progress=True) is Status.expired


@pytest.mark.parametrize("start, months, end", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 6, 15), 12, date(2027, 6, 15)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
])
def test_add_months_clamps_to_month_end(start, months, end):
    """31 January plus one month is the last day of February."""
    assert add_months(start, months) == end


def test_effective_due_is_expiry_once_completed():
    """After completion with recertification, the date to act by is the expiry date."""
    assert effective_due(Status.due_soon, date(2026, 1, 1), date(2025, 7, 1), 12) == date(2026, 7, 1)
    assert effective_due(Status.completed, date(2026, 1, 1), date(2025, 7, 1), None) is None
    assert effective_due(Status.not_started, date(2026, 1, 1), None, 12) == date(2026, 1, 1)
    assert expires_on(None, 12) is None


def _rule(rid, kind, *, team=None, membership=None, due=None, days=None, created=date(2026, 1, 1), recert=None,
          window=30, module=1):
    return Rule(rid, module, kind, team, membership, due, days, created, recert, window)


def test_within_n_days_of_joining():
    """'Within N days of joining' counts from joining, or from the assignment if they had already joined."""
    rule = _rule(1, TargetKind.team, team=7, days=30, created=date(2026, 3, 1))
    assert rule.due_for(date(2026, 4, 10)) == date(2026, 5, 10)   # joined after it was assigned
    assert rule.due_for(date(2020, 1, 1)) == date(2026, 3, 31)    # existing staff: from the assignment


def test_several_assignments_merge_to_the_strictest():
    """The earliest due date and the shortest recertification period apply."""
    book = RuleBook([
        _rule(1, TargetKind.organisation, due=date(2026, 9, 1), recert=24),
        _rule(2, TargetKind.team, team=7, due=date(2026, 8, 1)),
        _rule(3, TargetKind.person, membership=99, recert=12, window=45),
        _rule(4, TargetKind.team, team=8, due=date(2026, 1, 1), module=2),
    ])
    (req,) = book.requirements(50, 7, date(2026, 1, 1))
    assert (req.due_date, req.recert_months, req.window_days) == (date(2026, 8, 1), 24, 30)
    (req,) = book.requirements(99, 7, date(2026, 1, 1))
    assert (req.due_date, req.recert_months, req.window_days) == (date(2026, 8, 1), 12, 45)
    assert [r.module_id for r in book.requirements(51, 8, date(2026, 1, 1))] == [1, 2]
    assert [r.module_id for r in book.requirements(52, None, date(2026, 1, 1))] == [1]


def test_cached_requirements_keep_each_persons_joining_day():
    """Someone who joined between two "within N days of joining" assignments gets their own
    due date for the earlier one, even after a colleague who joined before both was resolved
    (the cache shares requirements only among people who joined before every one of them)."""
    book = RuleBook([_rule(1, TargetKind.organisation, days=30, created=date(2025, 1, 1), module=10),
                     _rule(2, TargetKind.organisation, days=30, created=date(2025, 6, 1), module=11)])
    early = book.requirements(1, None, date(2024, 12, 1))
    between = book.requirements(2, None, date(2025, 3, 1))
    assert [r.due_date for r in early] == [date(2025, 1, 31), date(2025, 7, 1)]
    assert [r.due_date for r in between] == [date(2025, 3, 31), date(2025, 7, 1)]
