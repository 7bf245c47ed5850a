"""Assignment and Grade Services: a completion's score goes back to the platform's line item.

On ``module_completed`` a row per resource link the learner launched for that module is
written to ``lti_score_post`` (the outbox) in the completion's own transaction, and the
``lti.post_score`` job is queued after the commit. The job posts the score; when the platform
is away (no answer, 5xx, 429) the row keeps the attempt and its next time, and the job asks
the queue to retry (RQ backend); ``flask lti scores send`` (run it from cron with the inline
backend) sends every row whose time has come. A row is claimed by a conditional UPDATE before
its score is posted, and marked posted in the same transaction, so it is posted once.

What is sent: the platform's own user id for the learner (``sub``), the score (the quiz score
when the module has a quiz, else 100), its maximum (100), "Completed" and "FullyGraded", and
the completion time. Nothing else: no reflection, journal or decision ever leaves.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select, update

from .. import jobs, outbound
from ..db import session
from . import platform_api
from .models import LearnerLink, Platform, ResourceLink, ScorePost

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
#: Waits before the 1st, 2nd, ... retry of a score whose platform is away (then every 6 hours).
RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)


class PlatformAway(RuntimeError):
    """Raised by the job so the queue retries it (the row already records the attempt)."""


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: its path + ``/scores``, query kept (AGS 2.0 §3.4)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def queue_scores(completion, now: datetime) -> list[ScorePost]:
    """Write the outbox rows for a completion and queue their delivery (``module_completed``)."""
    slug = completion.module.slug
    links = session.execute(
        select(LearnerLink, Platform.organisation_id).select_from(LearnerLink).join(ResourceLink)
        .join(Platform, Platform.id == ResourceLink.platform_id)
        .where(LearnerLink.user_id == completion.user_id, ResourceLink.module_slug == slug,
               ResourceLink.lineitem_url.is_not(None), Platform.disabled_at.is_(None))).all()
    posts = []
    for link, organisation_id in links:
        score = completion.score_percent if completion.score_percent is not None else 100.0
        post = ScorePost(learner_link_id=link.id, completion_id=completion.id, score_given=round(float(score), 2),
                         score_maximum=100.0, completed_at=completion.completed_at, created_at=now, next_attempt_at=now)
        session.add(post)
        posts.append((post, organisation_id))
    session.flush()
    for post, organisation_id in posts:
        jobs.enqueue("lti.post_score", organisation_id=organisation_id, score_post_id=post.id)
    return [post for post, _ in posts]


def score_body(post: ScorePost) -> dict:
    """The AGS score, and nothing more (see the module docstring)."""
    return {"userId": post.learner_link.lti_user.subject, "scoreGiven": post.score_given,
            "scoreMaximum": post.score_maximum, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": post.completed_at.isoformat()}


def deliver(score_post_id: int, now: datetime) -> str:
    """Post one outbox row: "posted", "retry" (platform away), "failed" (refused), or "skipped"
    (already posted or failed, or claimed by another worker)."""
    post = session.get(ScorePost, score_post_id)
    if post is None or post.posted_at is not None or post.failed_at is not None:
        return "skipped"
    platform = post.learner_link.resource_link.platform
    try:
        # The token first, before this unit of work writes (it may make the tool's first key).
        platform_api.access_token(platform, [platform_api.SCORE_SCOPE], now)
    except outbound.RemoteUnavailable as exc:
        return _away(post, now, exc, count_attempt=True)
    except (outbound.RemoteRefused, outbound.UnsafeURL) as exc:
        return _refused(post, now, exc, count_attempt=True)
    claimed = session.execute(
        update(ScorePost).where(ScorePost.id == score_post_id, ScorePost.posted_at.is_(None),
                                ScorePost.failed_at.is_(None))
        .values(attempts=ScorePost.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return "skipped"
    session.refresh(post)
    resource_link = post.learner_link.resource_link
    try:
        platform_api.call(platform, "POST", scores_url(resource_link.lineitem_url), [platform_api.SCORE_SCOPE], now,
                          data=json.dumps(score_body(post)), headers={"Content-Type": SCORE_MEDIA_TYPE})
    except outbound.RemoteUnavailable as exc:
        return _away(post, now, exc)
    except (outbound.RemoteRefused, outbound.UnsafeURL) as exc:
        return _refused(post, now, exc)
    post.posted_at = now
    post.last_error = ""
    post.next_attempt_at = None
    session.flush()
    return "posted"


def _away(post: ScorePost, now: datetime, exc: Exception, count_attempt: bool = False) -> str:
    if count_attempt:
        post.attempts += 1
        post.last_attempt_at = now
    wait = RETRY_AFTER[min(max(post.attempts, 1), len(RETRY_AFTER)) - 1]
    post.next_attempt_at = now + timedelta(seconds=wait)
    post.last_error = str(exc)[:500]
    session.flush()
    return "retry"


def _refused(post: ScorePost, now: datetime, exc: Exception, count_attempt: bool = False) -> str:
    if count_attempt:
        post.attempts += 1
        post.last_attempt_at = now
    post.failed_at = now
    post.last_error = str(exc)[:500]
    session.flush()
    return "failed"


def due(now: datetime, *, include_failed: bool = False) -> list[int]:
    """Ids of outbox rows to send now (their retry time has come), oldest first."""
    query = select(ScorePost.id).where(ScorePost.posted_at.is_(None)).order_by(ScorePost.id)
    if include_failed:
        query = query.where((ScorePost.failed_at.is_not(None)) | (ScorePost.next_attempt_at <= now))
    else:
        query = query.where(ScorePost.failed_at.is_(None), ScorePost.next_attempt_at <= now)
    return list(session.scalars(query))


def retry_failed(score_post_ids: list[int]) -> None:
    """Put refused rows back in line (after the admin fixed the registration)."""
    for post in session.scalars(select(ScorePost).where(ScorePost.id.in_(score_post_ids))):
        post.failed_at = None
    session.flush()


@jobs.job("lti.post_score", backoff=RETRY_AFTER, label="Grade passback to the LMS")
def post_score_job(score_post_id: int) -> str:
    """The job: deliver one row; when the platform is away, keep the attempt and raise so the
    queue retries (the commit first, so the record of the attempt survives the failure)."""
    from ..db import commit_and_run_callbacks, utcnow

    outcome = deliver(score_post_id, utcnow())
    if outcome == "retry":
        commit_and_run_callbacks()
        raise PlatformAway(f"score {score_post_id}: the platform is away; retried later")
    return outcome
