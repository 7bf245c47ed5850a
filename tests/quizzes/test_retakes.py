"""Quiz retakes follow the module's rules: unlimited by default, or a limit and a cool-down."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from course_engine.authoring.models import ContentModule
from course_engine.authoring.services import sync_content
from course_engine.db import session, utcnow
from course_engine.learner import player
from course_engine.learner import services as learner
from course_engine.quizzes import services as quizzes
from course_engine.quizzes.models import QuizAttempt



def _with_rules(content_dirs, **rules):
    modules, quizzes_dir = content_dirs
    path = Path(modules) / "first-visit.md"
    text = path.read_text()
    extra = "".join(f"{key}: {value}\n" for key, value in rules.items())
    path.write_text(text.replace("pass_mark: 75\n", "pass_mark: 75\n" + extra, 1))
    result = sync_content(modules, quizzes_dir)
    assert not result.report.errors, [str(p) for p in result.report.errors]
    session.commit()
    return session.scalar(select(ContentModule).where(ContentModule.slug == "first-visit"))


def _finished_attempt(user, module, now):
    """An attempt played to its safe ending through the player's moves."""
    attempt = learner.start_attempt(user.id, module, now)

    def position():
        return player.position_of(user.id, attempt.id)

    spec = player.spec_at(position())
    player.begin(position(), spec, 0, now)
    player.make_choice(position(), spec, 1, "referral", "referral.1", now)
    player.make_choice(position(), spec, 2, "alone", "alone.0", now)
    player.continue_junction(position(), spec, 3, "check", now)
    session.refresh(attempt)
    assert attempt.ending_scene_id == "safe-end"
    return attempt


def _fail(attempt, now):
    quiz_attempt = quizzes.start_quiz_attempt(attempt, now)
    wrong = {qid: [1] for qid, _order in quiz_attempt.drawn}
    assert quizzes.submit(attempt, quiz_attempt, wrong, now)
    assert quiz_attempt.passed is False
    return quiz_attempt


def test_default_is_unlimited_retakes_with_no_wait(app, make_user, content_dirs):
    module = _with_rules(content_dirs)
    user = make_user()
    now = utcnow()
    attempt = _finished_attempt(user, module, now)
    for _ in range(6):
        _fail(attempt, now)
    assert quizzes.next_attempt_allowed_at(attempt, now) == (True, None)


def test_cool_down_between_attempts(app, make_user, content_dirs):
    """With a 30-minute cool-down the next attempt opens 30 minutes after the last submit."""
    module = _with_rules(content_dirs, quiz_cooldown_minutes=30)
    user = make_user()
    now = utcnow()
    attempt = _finished_attempt(user, module, now)
    _fail(attempt, now)
    allowed, reason = quizzes.next_attempt_allowed_at(attempt, now + timedelta(minutes=10))
    assert not allowed and reason == "You can try the quiz again in 20 minutes."
    with pytest.raises(quizzes.QuizError):
        quizzes.start_quiz_attempt(attempt, now + timedelta(minutes=29, seconds=59))
    assert quizzes.next_attempt_allowed_at(attempt, now + timedelta(minutes=30)) == (True, None)
    assert quizzes.start_quiz_attempt(attempt, now + timedelta(minutes=30)).number == 2


def test_attempt_limit(app, make_user, content_dirs):
    """With a limit of 2, a third attempt is refused with a clear next step."""
    module = _with_rules(content_dirs, quiz_max_attempts=2)
    user = make_user()
    now = utcnow()
    attempt = _finished_attempt(user, module, now)
    _fail(attempt, now)
    _fail(attempt, now)
    allowed, reason = quizzes.next_attempt_allowed_at(attempt, now)
    assert not allowed and "used all 2 attempts" in reason and "Restart the module" in reason
    with pytest.raises(quizzes.QuizError):
        quizzes.start_quiz_attempt(attempt, now)


def test_blocked_retake_over_http_records_nothing(app, browser, make_user, content_dirs):
    """The learner is told why and nothing is created."""
    module = _with_rules(content_dirs, quiz_max_attempts=1)
    user = make_user(email="grace@example.org")
    attempt = _finished_attempt(user, module, utcnow())
    _fail(attempt, utcnow())
    session.commit()
    browser.login("grace@example.org")
    results = browser.get(f"/attempts/{attempt.id}/quiz/1/results").get_data(as_text=True)
    assert "used all 1 attempts" in results and "Try the quiz again" not in results
    response = browser.post(f"/attempts/{attempt.id}/quiz", {}, form_page=f"/attempts/{attempt.id}/debrief")
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_passing_the_quiz_completes_a_module_whose_reflection_was_written_first(app, make_user, content_dirs):
    """Whichever comes last completes: a reflection written before the quiz is passed still counts,
    and the pass (through the ``quiz_attempt_graded`` signal) records the completion with its score."""
    module = _with_rules(content_dirs)
    user = make_user()
    now = utcnow()
    attempt = _finished_attempt(user, module, now)
    learner.save_final_reflection(attempt, "What I learned.", "What I will change.", now)
    assert learner.try_complete(attempt, now) is None
    assert learner.what_is_missing(attempt, now) == ["pass the quiz"]
    quiz_attempt = quizzes.start_quiz_attempt(attempt, now)
    assert quizzes.submit(attempt, quiz_attempt, {qid: [0] for qid, _order in quiz_attempt.drawn}, now)
    assert quiz_attempt.passed
    completion = learner.completion_for(attempt)
    assert completion is not None and completion.quiz_attempt_id == quiz_attempt.id
    assert completion.score_percent == quiz_attempt.score_percent
