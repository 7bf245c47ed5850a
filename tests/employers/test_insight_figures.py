"""Practice insights read pre-counted figures (insight_figures) that equal the live counting
(insights.py, the specification) for every scope: over generated organisations (teams, people
with no team, leavers, people in two organisations, several attempts, decisions at known and
unknown scenes and choices, endings, right and wrong quiz answers) the org admin's, each
manager's (some teams, no team) results are the same, suppression under MIN_GROUP included.
The pages show when the figures were counted, recount them when over 15 minutes old (a job)
and say "being prepared" for a large organisation's first visit. On SQLite and PostgreSQL."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from course_engine import db
from course_engine.db import session
from course_engine.employers import insight_figures, insights
from course_engine.employers.models import InsightFigure, InsightRefresh
from course_engine.employers.scope import Scope
from course_engine.learner.models import AttemptStatus, Decision, ScenarioAttempt
from course_engine.quizzes.models import QuizAttempt, QuizResponse
from tests.employers.conftest import attempt
from tests.employers.test_status_sql import _modules

SCENES = ["referral", "explained", "alone", "gone-scene"]  # the last is in no version: labelled by its id
ENDINGS = ["safe-end", "unsafe-end", None]
QUESTIONS = ["q1", "q2", "q-removed"]


def _play(rng, user_id: int, module, when: datetime) -> None:
    """One attempt written directly: random decisions, maybe an ending and a quiz."""
    row = ScenarioAttempt(user_id=user_id, module_id=module.id, version_id=module.current_version_id,
                          status=rng.choice(list(AttemptStatus)), counters={}, step=0,
                          ending_scene_id=rng.choice(ENDINGS), started_at=when, last_active_at=when)
    session.add(row)
    session.flush()
    for step in range(rng.randint(0, 4)):
        session.add(Decision(attempt_id=row.id, step=step, scene_id=rng.choice(SCENES), choice_index=rng.choice((0, 1, 1, 7)),
                             judgement="safe", target_scene_id="x", counters_after={}, created_at=when))
    if rng.random() < 0.7:
        quiz = QuizAttempt(scenario_attempt_id=row.id, user_id=user_id, module_id=module.id, number=1, drawn=[],
                           answers={}, started_at=when, submitted_at=when, score_percent=50.0, passed=False, pass_mark=75)
        session.add(quiz)
        session.flush()
        for qid in rng.sample(QUESTIONS, rng.randint(1, 3)):
            session.add(QuizResponse(quiz_attempt_id=quiz.id, question_id=qid, selected=[0], earned=0.0, possible=1.0,
                                     correct=rng.random() < 0.6))


def _build(rng, org, teams, other_org, modules, make_user, add_member, size: int):
    when = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
    for i in range(size):
        user = make_user(email=f"ins{org.id}-{i}@example.org")
        membership = add_member(org, user, "learner", team=rng.choice([*teams, teams[0], None]))
        if rng.random() < 0.1:
            membership.deactivated_at = when  # a leaver: counted by neither
        if rng.random() < 0.3:
            add_member(other_org, user, "learner")  # their attempts count in both organisations
        for module in modules:
            for _ in range(rng.choice((0, 1, 1, 2))):
                _play(rng, user.id, module, when)
    session.commit()


def _scopes(org, teams) -> list[Scope]:
    ids = [t.id for t in teams]
    return [Scope(org.id, None), Scope(org.id, frozenset(ids[:1])), Scope(org.id, frozenset(ids[1:])),
            Scope(org.id, frozenset(ids)), Scope(org.id, frozenset())]


@pytest.mark.parametrize("seed", range(3))
def test_figures_equal_the_live_counting_for_every_scope(app, module, make_org, make_user, add_member, seed):
    """For the org admin, managers of one, two or all teams and of none, the pre-counted
    module list and each module's insights equal the live ones, field by field."""
    rng = random.Random(seed)
    modules = _modules(module)[:2]
    org, teams = make_org(f"Figures {seed}", teams=("Alpha", "Beta", "Gamma"))
    other, _ = make_org(f"Elsewhere {seed}", teams=("E",))
    _build(rng, org, teams, other, modules, make_user, add_member, size=rng.choice((14, 22, 30)))
    for organisation in (org, other):
        insight_figures.refresh(organisation.id)
    session.commit()
    shown = suppressed = 0
    for scope in [*_scopes(org, teams), Scope(other.id, None)]:
        assert insight_figures.insight_modules(scope) == insights.insight_modules(scope), scope
        for m in modules:
            live = insights.module_insights(scope, m)
            assert insight_figures.module_insights(scope, m) == live, (scope, m.slug)
            shown += live.shown
            suppressed += not live.shown or any(not p.shown for p in live.points)
    assert shown and suppressed  # both sides of MIN_GROUP were compared


def test_refresh_twice_gives_the_same_rows_and_follows_changes(app, module, make_org, make_user, add_member):
    """A second refresh replaces the rows (never adds to them), and counts what changed since."""
    rng = random.Random(7)
    org, teams = make_org("Twice", teams=("Alpha", "Beta"))
    other, _ = make_org("Twice elsewhere", teams=("E",))
    _build(rng, org, teams, other, [module], make_user, add_member, size=12)
    figures = select(func.count()).select_from(InsightFigure).where(InsightFigure.organisation_id == org.id)
    first = insight_figures.refresh(org.id)
    session.commit()
    again = insight_figures.refresh(org.id)
    session.commit()
    assert first.rows == again.rows == session.scalar(figures) > 0
    scope = Scope(org.id, None)
    for _ in range(8):
        user = make_user()
        add_member(org, user, "learner", team=teams[1])
        _play(rng, user.id, module, datetime(2026, 6, 2, tzinfo=timezone.utc))
    session.commit()
    assert insight_figures.module_insights(scope, module) != insights.module_insights(scope, module)
    insight_figures.refresh(org.id)
    session.commit()
    assert insight_figures.module_insights(scope, module) == insights.module_insights(scope, module)


def _learners_play(world, module, make_user, add_member, count, prefix):
    for i in range(count):
        user = make_user(email=f"{prefix}{i}@example.org")
        add_member(world.org, user, "learner", team=world.team_a)
        attempt(user, module, status=AttemptStatus.scenario_done, choices=[("referral", 1, "safe")],
                ending="safe-end", quiz={"q1": True})


def test_page_says_as_of_when_and_recounts_after_fifteen_minutes(app, world, module, make_user, add_member, login):
    """The first visit of a small organisation counts at once and says when; figures under 15
    minutes old are shown as they are; older ones are recounted by the queued job (inline
    here, after the response), so the next visit shows the new learners."""
    _learners_play(world, module, make_user, add_member, 5, "early")
    browser = login(world.admin)
    html = browser.get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "Figures as of " in html and "(refreshed every 15 minutes)" in html
    assert "5 learners have attempted this module" in html
    _learners_play(world, module, make_user, add_member, 3, "late")
    html = browser.get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "5 learners have attempted this module" in html  # still the counted figures
    refresh_row = session.get(InsightRefresh, world.org.id)
    refresh_row.refreshed_at = db.utcnow() - timedelta(minutes=16)
    session.commit()
    response = browser.get(f"/orgs/{world.org.slug}/insights")
    assert "Figures as of " in response.get_data(as_text=True)  # the old figures, while the job recounts
    response.close()  # the server has sent it: inline jobs run now (course_engine/jobs.py)
    session.expire_all()
    assert db.utcnow() - session.get(InsightRefresh, world.org.id).refreshed_at < timedelta(minutes=1)
    html = browser.get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "8 learners have attempted this module" in html


def test_large_organisation_first_visit_says_being_prepared(app, world, module, make_user, add_member, login,
                                                            monkeypatch):
    """Over SYNC_MEMBERS members, the first visit queues the count and says the figures are
    being prepared (no figures, no error); once counted, they are shown."""
    _learners_play(world, module, make_user, add_member, 5, "big")
    monkeypatch.setattr(insight_figures, "SYNC_MEMBERS", 3)
    calls = []
    monkeypatch.setattr(insight_figures, "_queue", lambda organisation_id: calls.append(organisation_id))
    browser = login(world.manager_a)
    for url in (f"/orgs/{world.org.slug}/insights", f"/orgs/{world.org.slug}/insights/first-visit"):
        response = browser.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "being prepared" in html and "%" not in html.split("<main")[1].split("</main>")[0]
    assert calls == [world.org.id, world.org.id]
    insight_figures.refresh_job(world.org.id)
    session.commit()
    html = browser.get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "being prepared" not in html and "<strong>100%</strong>" in html


def test_refresh_job_skips_figures_just_counted(app, world, module):
    """Queued twice in a row, the second run finds the figures fresh and counts nothing."""
    assert "figures in" in insight_figures.refresh_job(world.org.id)
    session.commit()
    assert insight_figures.refresh_job(world.org.id) == "fresh already"


def test_cli_refreshes_every_organisation_or_one(app, world, module, make_user, add_member):
    """`flask employers refresh-insights` counts every organisation with progress and a
    summary; --organisation counts one; an unknown slug is a clear error."""
    _learners_play(world, module, make_user, add_member, 5, "cli")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["employers", "refresh-insights"])
    assert result.exit_code == 0, result.output
    assert f"[1/2] {world.org.slug}:" in result.output and "Refreshed 2 organisations:" in result.output
    session.expire_all()
    assert insight_figures.insight_modules(Scope(world.org.id, None)) == insights.insight_modules(Scope(world.org.id, None))
    one = runner.invoke(args=["employers", "refresh-insights", "--organisation", world.other_org.slug])
    assert one.exit_code == 0 and "Refreshed 1 organisations" in one.output
    bad = runner.invoke(args=["employers", "refresh-insights", "--organisation", "no-such-org"])
    assert bad.exit_code == 2 and "no organisation has the slug" in bad.output
