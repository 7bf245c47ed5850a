"""learner_module_state (the facts the employer reports read) is kept equal to the records by
the learner's events: after any sequence of attempts started (abandoning the open one),
modules completed (also twice, and after a late abandon), on days either side of UTC
midnight, and people deleted, the table is exactly what a rebuild from the attempts and
completions gives. On SQLite and PostgreSQL."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from course_engine.auth.models import User
from course_engine.authoring.models import ContentModule
from course_engine.db import session
from course_engine.learner import module_state, services
from course_engine.learner.models import (AttemptStatus, Completion, FinalReflection, LearnerModuleState,
                                          ScenarioAttempt)
from course_engine.quizzes.models import QuizAttempt


def _table() -> set[tuple]:
    session.expire_all()
    rows = session.execute(select(LearnerModuleState.user_id, LearnerModuleState.module_id,
                                  LearnerModuleState.last_completed_on, LearnerModuleState.open_attempts))
    return {tuple(r) for r in rows}


def _records() -> set[tuple]:
    """What a rebuild writes: the rows computed from the attempts and completions."""
    from course_engine.employers.scope import _day

    return {(u, m, _day(day), int(n)) for u, m, day, n in session.execute(module_state.source_rows())}


def make_completable(attempt: ScenarioAttempt, now: datetime) -> None:
    """What the player leaves before completion: an ending, a passed quiz, the final reflection
    (none of them read by the status rules, so written directly)."""
    attempt.ending_scene_id = "safe-end"
    attempt.status = AttemptStatus.scenario_done
    session.add(QuizAttempt(scenario_attempt_id=attempt.id, user_id=attempt.user_id, module_id=attempt.module_id,
                            number=1, drawn=[], answers={}, started_at=now, submitted_at=now, score_percent=100.0,
                            passed=True, pass_mark=75))
    session.add(FinalReflection(user_id=attempt.user_id, attempt_id=attempt.id, what_learned="x",
                                impact_on_practice="y", created_at=now, updated_at=now))
    session.flush()


def _modules(published) -> list[ContentModule]:
    module = session.scalar(select(ContentModule).where(ContentModule.slug == "first-visit"))
    extra = ContentModule(slug="second-visit", current_version_id=module.current_version_id)
    session.add(extra)
    session.commit()
    return [module, extra]


def test_each_event_changes_the_row_as_a_rebuild_would(app, make_user, published):
    """Start -> one open attempt; start again -> still one (the first abandoned); complete ->
    the completion's UTC day and none open; a later start -> open again, day kept."""
    module = _modules(published)[0]
    user = make_user()
    late = datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc)
    first = services.start_attempt(user.id, module, late - timedelta(days=2))
    session.commit()
    assert _table() == {(user.id, module.id, None, 1)} == _records()
    second = services.start_attempt(user.id, module, late - timedelta(days=1))
    session.commit()
    assert session.get(ScenarioAttempt, first.id).status == AttemptStatus.abandoned
    assert _table() == {(user.id, module.id, None, 1)} == _records()
    make_completable(second, late)
    assert services.try_complete(second, late) is not None
    session.commit()
    assert _table() == {(user.id, module.id, late.date(), 0)} == _records()
    services.start_attempt(user.id, module, late + timedelta(days=3))
    session.commit()
    assert _table() == {(user.id, module.id, late.date(), 1)} == _records()


@pytest.mark.parametrize("seed", range(3))
def test_random_event_sequences_keep_the_table_equal_to_a_rebuild(app, make_user, published, seed):
    """Random starts, completions (of the open attempt, again of a completed one, of one
    abandoned after it became completable), and deleted people: after every event the table
    equals the rows rebuilt from the records."""
    rng = random.Random(seed)
    modules = _modules(published)
    users = [make_user() for _ in range(4)]
    base = datetime(2026, 1, 31, 23, 0, tzinfo=timezone.utc)
    completable: list[int] = []
    for step in range(60):
        now = base + timedelta(hours=rng.choice((0, 1, 2)) + 24 * rng.randint(0, 400), minutes=rng.randint(0, 59))
        alive = [u for u in users if session.get(User, u.id) is not None]
        user, module = rng.choice(alive), rng.choice(modules)
        event = rng.random()
        if event < 0.45:
            attempt = services.start_attempt(user.id, module, now)
            if rng.random() < 0.5:
                make_completable(attempt, now)
                completable.append(attempt.id)
        elif event < 0.85 and completable:
            attempt = session.get(ScenarioAttempt, rng.choice(completable))
            if attempt is not None:
                services.try_complete(attempt, now)  # again on a completed or an abandoned attempt: no change
        elif event < 0.9 and len(alive) > 2:
            session.execute(delete(User).where(User.id == user.id))  # the database cascades
        else:
            continue
        session.commit()
        assert _table() == _records(), (seed, step, event)
    assert any(r[2] is not None for r in _table()), "some modules should have been completed"
    assert session.scalar(select(Completion.id).limit(1)) is not None


def test_rebuild_repairs_a_table_that_drifted(app, make_user, published):
    """Rows written behind the application's back are found (`differences`) and rebuilt; a
    batch that already matches is not rewritten."""
    module = _modules(published)[0]
    users = [make_user() for _ in range(5)]
    for user in users:
        services.start_attempt(user.id, module, datetime(2026, 5, 1, tzinfo=timezone.utc))
    session.commit()
    expected = _table()
    assert module_state.rebuild(batch=2).differed == 0
    session.execute(delete(LearnerModuleState).where(LearnerModuleState.user_id == users[0].id))
    session.execute(LearnerModuleState.__table__.update().where(LearnerModuleState.user_id == users[3].id)
                    .values(open_attempts=7))
    session.commit()
    checked = module_state.rebuild(batch=2, check_only=True)
    assert checked.differed == 3  # one missing, one changed (counted both ways)
    assert _table() != expected
    result = module_state.rebuild(batch=2)
    session.commit()
    assert result.differed == 3 and result.batches_rewritten == len({(users[0].id - 1) // 2, (users[3].id - 1) // 2})
    assert _table() == expected
