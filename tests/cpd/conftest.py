"""Fixtures for the CPD record: the learner journey's sample module and logged-in learner,
and factories for completions (made directly, at a chosen moment) and external entries."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from course_engine.authoring.models import ContentModule
from course_engine.cpd import services
from course_engine.cpd.models import ActivityType, PeerFormat
from course_engine.db import session
from course_engine.learner import module_state
from course_engine.learner.models import AttemptStatus, Completion, FinalReflection, ScenarioAttempt
from tests.conftest import Browser
from tests.learner.conftest import content_dirs, learner, player, published  # noqa: F401 (shared fixtures)

#: A moment safely after every date the tests use, for services that reject future dates.
LATER = datetime(2027, 1, 15, 12, 0, tzinfo=timezone.utc)


def at(year, month, day, hour=12, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.fixture
def make_completion(published):  # noqa: F811 (the fixture, imported above)
    """Record a completed module (attempt, final reflection, completion) at a chosen moment."""

    def factory(user, completed_at: datetime, what_learned="To see the child alone.",
                impact="I will record the child's words."):
        module = session.scalar(select(ContentModule).where(ContentModule.slug == "first-visit"))
        attempt = ScenarioAttempt(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                                  status=AttemptStatus.completed, counters={}, step=3, current_scene_id="safe-end",
                                  ending_scene_id="safe-end", started_at=completed_at, last_active_at=completed_at,
                                  scenario_finished_at=completed_at)
        session.add(attempt)
        session.flush()
        session.add(FinalReflection(user_id=user.id, attempt_id=attempt.id, what_learned=what_learned,
                                    impact_on_practice=impact, created_at=completed_at, updated_at=completed_at))
        completion = Completion(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                                attempt_id=attempt.id, cpd_minutes=20, completed_at=completed_at)
        session.add(completion)
        session.flush()
        module_state.refresh_learner(user.id)  # written directly: the reports' facts follow
        session.commit()
        return completion

    return factory


@pytest.fixture
def make_entry(app):
    """Record CPD done elsewhere through the service: ``make_entry(user, day=date(...), title=...)``."""

    def factory(user, day: date = date(2026, 3, 17), *, title="Adultification bias workshop", minutes=90,
                activity_type=ActivityType.course, description="A half-day workshop on adultification bias.",
                what_learned="How adultification hides risk.", impact="I will ask how age is being read.",
                now: datetime = LATER):
        entry = services.create_entry(user.id, services.EntryValues(
            activity_type=activity_type, title=title, activity_date=day, minutes=minutes,
            description=description, what_learned=what_learned, impact_on_practice=impact), now)
        session.commit()
        return entry

    return factory


@pytest.fixture
def add_peer(app):
    """Add a peer reflection to a record: ``add_peer(user, "entries", entry.id)``."""

    def factory(user, kind, record_id, *, discussed_on=date(2026, 3, 20), role="Senior practitioner",
                what_learned="My colleague challenged my first reading."):
        record = services.record_for(user.id, kind, record_id)
        peer = services.save_peer_reflection(record, services.PeerValues(
            discussed_on=discussed_on, peer_role=role, format=PeerFormat.group_supervision,
            what_learned=what_learned), LATER)
        session.commit()
        return peer

    return factory


@pytest.fixture
def login_as(app):
    """A fresh browser (own cookies) logged in as the given email."""

    def factory(email):
        other = Browser(app.test_client())
        assert other.login(email).status_code == 302
        return other

    return factory
