"""Fixtures for employer features: an organisation with two teams, their managers, learners,
a second organisation, the sample module, and direct builders for attempts and completions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from course_engine.authoring.models import ContentModule
from course_engine.db import session
from course_engine.employers import cells
from course_engine.employers.models import Assignment, TargetKind
from course_engine.learner import module_state
from course_engine.learner.models import AttemptStatus, Completion, Decision, ScenarioAttempt
from course_engine.quizzes.models import QuizAttempt, QuizResponse
from tests.conftest import Browser, copy_sample_content, sync_sample_content

DATA = Path(__file__).parent.parent / "learner" / "data"

#: Pages judge statuses on the real (UTC) today, so HTTP tests build dates around it.
TODAY = datetime.now(timezone.utc).date()


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def module(app):
    """The sample module ``first-visit`` synced into the database."""
    sync_sample_content(*copy_sample_content(app, DATA))
    return session.scalar(select(ContentModule).where(ContentModule.slug == "first-visit"))


@dataclass
class World:
    org: object
    other_org: object
    team_a: object
    team_b: object
    admin: object
    manager_a: object
    manager_b: object
    learner_a: object
    learner_b: object
    outsider: object
    m: dict = field(default_factory=dict)


@pytest.fixture
def world(app, make_user, make_org, add_member, module):
    """Test Council (teams A and B, a manager for each, a learner in each, an org admin) and
    Other Trust (its own admin)."""
    org, (team_a, team_b) = make_org("Test Council", teams=("Team A", "Team B"))
    other_org, _ = make_org("Other Trust", teams=("Elsewhere",))
    users = {name: make_user(email=f"{name}@example.org", full_name=full) for name, full in [
        ("admin", "Ada Admin"), ("manager_a", "Mo Manager"), ("manager_b", "Bea Manager"),
        ("learner_a", "Amy Learner"), ("learner_b", "Ben Learner"), ("outsider", "Olu Outsider")]}
    w = World(org, other_org, team_a, team_b, **users)
    w.m["admin"] = add_member(org, users["admin"], "org_admin")
    w.m["manager_a"] = add_member(org, users["manager_a"], "manager", manages=[team_a])
    w.m["manager_b"] = add_member(org, users["manager_b"], "manager", manages=[team_b])
    w.m["learner_a"] = add_member(org, users["learner_a"], "learner", team=team_a)
    w.m["learner_b"] = add_member(org, users["learner_b"], "learner", team=team_b)
    w.m["outsider"] = add_member(other_org, users["outsider"], "org_admin")
    return w


@pytest.fixture
def login(app):
    """``login(user)`` -> a Browser logged in as that user (a fresh client each time)."""

    def factory(user):
        browser = Browser(app.test_client())
        assert browser.login(user.email).status_code == 302
        return browser

    return factory


def assign(org, module, *, team=None, membership=None, due_date=None, due_days=None, recert_months=None,
           window=30, created=None) -> Assignment:
    kind = TargetKind.team if team else TargetKind.person if membership else TargetKind.organisation
    assignment = Assignment(organisation_id=org.id, module_id=module.id, target_kind=kind,
                            team_id=team.id if team else None, membership_id=membership.id if membership else None,
                            due_date=due_date, due_days_after_joining=due_days, recert_months=recert_months,
                            recert_window_days=window, created_at=created or at(date(2026, 1, 1)))
    session.add(assignment)
    session.flush()
    cells.refresh(org.id, module_ids=[module.id])  # written directly: the cells follow, as the service does
    session.commit()
    return assignment


def attempt(user, module, *, status=AttemptStatus.in_progress, started=None, choices=(), ending=None,
            completed=None, quiz=None) -> ScenarioAttempt:
    """An attempt with decisions ``[(scene, choice index, judgement)]``, an optional ending,
    quiz responses ``{question id: correct}`` and a completion at ``completed``."""
    started = started or at(TODAY - timedelta(days=30))
    row = ScenarioAttempt(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                          status=AttemptStatus.completed if completed else status, current_scene_id=ending,
                          counters={}, step=len(choices), ending_scene_id=ending, started_at=started,
                          last_active_at=started)
    session.add(row)
    session.flush()
    for step, (scene, index, judgement) in enumerate(choices):
        session.add(Decision(attempt_id=row.id, step=step, scene_id=scene, choice_index=index, judgement=judgement,
                             target_scene_id="x", counters_after={}, created_at=started))
    quiz_row = None
    if quiz is not None:
        quiz_row = QuizAttempt(scenario_attempt_id=row.id, user_id=user.id, module_id=module.id, number=1,
                               drawn=[[q, [0, 1]] for q in quiz], answers={}, started_at=started,
                               submitted_at=started, score_percent=100.0 * sum(quiz.values()) / len(quiz),
                               passed=all(quiz.values()), pass_mark=75)
        session.add(quiz_row)
        session.flush()
        for qid, correct in quiz.items():
            session.add(QuizResponse(quiz_attempt_id=quiz_row.id, question_id=qid, selected=[0],
                                     earned=1.0 if correct else 0.0, possible=1.0, correct=correct))
    if completed:
        session.add(Completion(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                               attempt_id=row.id, quiz_attempt_id=quiz_row.id if quiz_row else None,
                               score_percent=quiz_row.score_percent if quiz_row else None, active_seconds=600,
                               cpd_minutes=20, completed_at=completed))
    session.flush()
    module_state.refresh_learner(user.id)  # written directly, so the reports' facts are recomputed
    cells.refresh_facts(user.id, module.id)
    session.commit()
    return row
