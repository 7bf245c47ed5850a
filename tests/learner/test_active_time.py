"""Active time: each gap between a learner's actions counts, up to a cap (a page left open over
lunch is not an hour of CPD activity)."""
from datetime import datetime, timedelta, timezone

import pytest

from course_engine.learner.services import ACTIVE_GAP_CAP, active_seconds_after

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("gap, added", [
    (timedelta(seconds=0), 0),
    (timedelta(seconds=42), 42),
    (ACTIVE_GAP_CAP, int(ACTIVE_GAP_CAP.total_seconds())),
    (timedelta(hours=3), int(ACTIVE_GAP_CAP.total_seconds())),  # capped
    (timedelta(seconds=-5), 0),  # a clock step backwards adds nothing
])
def test_each_gap_counts_up_to_the_cap(gap, added):
    assert active_seconds_after(START, 100, START + gap) == 100 + added


def test_the_first_action_adds_nothing():
    """With no earlier action there is no gap to count."""
    assert active_seconds_after(None, 0, START) == 0
