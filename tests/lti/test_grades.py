"""Assignment and Grade Services: a completion's score reaches the platform's line item once,
with nothing private in it; a platform that is away gets it later (retried, posted once)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from course_engine import jobs
from course_engine.auth.models import User
from course_engine.db import session, utcnow
from course_engine.lti import grades
from course_engine.lti.models import LtiUser, Platform, ScorePost


def _learner(lti) -> User:
    assert lti.launch("p-learner-1", "link-1").status_code == 303
    session.rollback()
    return session.scalar(select(LtiUser).where(LtiUser.subject == "p-learner-1")).user


def _time_passes(minutes=30):
    """Move every waiting score's retry time into the past (time is moved, not slept)."""
    session.execute(update(ScorePost).values(next_attempt_at=utcnow() - timedelta(minutes=minutes)))
    session.commit()


def test_completion_posts_the_score_to_the_line_item(lti):
    """On completion the job (inline, after the commit) gets a token with a client assertion the
    platform verifies against our JWKS, and posts the AGS score: the platform's user id, the
    score out of 100 (a module without a quiz: 100), Completed / FullyGraded, the completion
    time; no reflection text."""
    user = _learner(lti)
    lti.complete(user)
    scores = lti.platform.line_items[1].scores
    assert len(scores) == 1
    score = scores[0]
    assert {k: score[k] for k in ("userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress")} == {
        "userId": "p-learner-1", "scoreGiven": 100.0, "scoreMaximum": 100.0, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded"}
    assert set(score) == {"userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress", "timestamp"}
    assert "private" not in repr(score)
    session.rollback()
    post = session.scalar(select(ScorePost))
    assert post.posted_at is not None and post.attempts == 1


def test_the_quiz_score_is_the_score_sent(lti):
    """A completion's quiz score (score_percent) is what the platform receives."""
    user = _learner(lti)
    platform = session.get(Platform, lti.registration_id)
    platform.disabled_at = utcnow()
    session.commit()
    completion = lti.complete(user)  # turned off: nothing queued
    platform.disabled_at = None
    completion.score_percent = 80.0
    grades.queue_scores(completion, utcnow())
    from course_engine.db import commit_and_run_callbacks

    commit_and_run_callbacks()
    assert [s["scoreGiven"] for s in lti.platform.all_scores()] == [80.0]


def test_the_platform_away_then_back_gets_the_score_once(lti, runner):
    """Connections refused at completion: nothing is lost (the row waits with its next time);
    when the platform is back, `flask lti scores send` posts it; sending again posts nothing."""
    user = _learner(lti)
    lti.platform_server.stop()
    lti.complete(user)
    session.rollback()
    post = session.scalar(select(ScorePost))
    assert post.posted_at is None and post.attempts == 1 and post.next_attempt_at > utcnow()
    assert "did not answer" in post.last_error

    lti.platform_server.start()
    result = lti.app.test_cli_runner().invoke(args=["lti", "scores", "send"])
    assert "0 scores due" in result.output  # its time has not come yet
    _time_passes()
    result = lti.app.test_cli_runner().invoke(args=["lti", "scores", "send"])
    assert "1 score due: 1 posted" in result.output, result.output
    _time_passes()
    result = lti.app.test_cli_runner().invoke(args=["lti", "scores", "send"])
    assert "0 scores due" in result.output
    assert len(lti.platform.all_scores()) == 1


def test_a_platform_in_maintenance_gets_the_score_later(lti):
    """A 503 from the platform is "away" too: retried, then posted once."""
    user = _learner(lti)
    lti.platform.away()
    lti.complete(user)
    assert lti.platform.all_scores() == []
    lti.platform.away(False)
    _time_passes()
    later = utcnow()
    assert [grades.deliver(i, later) for i in grades.due(later)] == ["posted"]
    session.commit()
    assert [s["scoreGiven"] for s in lti.platform.all_scores()] == [100.0]


def test_a_score_is_never_posted_twice(lti):
    """Running the job again for a posted row posts nothing (the conditional claim)."""
    user = _learner(lti)
    lti.complete(user)
    session.rollback()
    post_id = session.scalar(select(ScorePost.id))
    assert jobs.run("lti.post_score", {"score_post_id": post_id}) == "skipped"
    assert len(lti.platform.all_scores()) == 1


def test_the_job_keeps_the_attempt_when_it_asks_the_queue_to_retry(lti):
    """With the RQ backend a failing job is retried by the queue; the job commits the record of
    its attempt before raising, so the row says what happened even if every retry fails."""
    user = _learner(lti)
    lti.platform.away()
    lti.complete(user)  # inline: the first attempt fails and is logged
    session.rollback()
    post_id = session.scalar(select(ScorePost.id))
    with pytest.raises(grades.PlatformAway):
        jobs.run("lti.post_score", {"score_post_id": post_id})
    session.rollback()
    post = session.get(ScorePost, post_id)
    assert post.attempts == 2 and "503" in post.last_error and post.posted_at is None


def test_a_refused_score_is_not_retried_until_asked(lti):
    """A 4xx (here: the line item is gone) marks the row refused; `--include-failed` tries again."""
    user = _learner(lti)
    item = lti.platform.line_items.pop(1)
    lti.complete(user)
    session.rollback()
    post = session.scalar(select(ScorePost))
    assert post.failed_at is not None and "404" in post.last_error
    _time_passes()
    assert "0 scores due" in lti.app.test_cli_runner().invoke(args=["lti", "scores", "send"]).output
    lti.platform.line_items[1] = item
    result = lti.app.test_cli_runner().invoke(args=["lti", "scores", "send", "--include-failed"])
    assert "1 posted" in result.output, result.output
    assert len(lti.platform.all_scores()) == 1


def test_no_score_goes_to_a_platform_that_is_turned_off(lti):
    user = _learner(lti)
    platform = session.get(Platform, lti.registration_id)
    platform.disabled_at = utcnow()
    session.commit()
    lti.complete(user)
    session.rollback()
    assert session.scalar(select(ScorePost)) is None and lti.platform.all_scores() == []


def test_a_completion_without_an_lti_launch_sends_nothing(lti, make_user):
    """Learners who never came through the LMS are nobody's business there."""
    lti.complete(make_user())
    session.rollback()
    assert session.scalar(select(ScorePost)) is None
