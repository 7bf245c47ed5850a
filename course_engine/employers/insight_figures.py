"""Practice insights from pre-counted figures (:class:`.models.InsightFigure`), refreshed in the
background, as professional LMS reports do it (Totara's report caching, Moodle's scheduled
report builder): the pages sum a few hundred rows instead of counting the decisions and quiz
answers of every learner in scope on each request.

* :func:`refresh` recounts one organisation (one transaction: DELETE and six INSERT ... SELECT,
  the live queries of ``insights.py`` grouped by the members' team as well).
* The pages call :func:`ensure_fresh`: with figures older than :data:`MAX_AGE` it queues the
  job ``employers.refresh_insights`` (at most once per :data:`QUEUE_WINDOW` per organisation,
  ``jobs.enqueue_once``) and shows the figures it has, saying as of when. With none yet (the
  first visit), an organisation of at most :data:`SYNC_MEMBERS` current members is counted in
  the request (a few milliseconds: the person sees figures at once); a larger one gets the job
  and a "being prepared" page (counting the national body, 20,501 members, takes seconds:
  see docs/performance.md, "National scale").
* ``flask employers refresh-insights [--organisation SLUG]`` recounts every organisation (or one).

:func:`insight_modules` and :func:`module_insights` return exactly what the live functions of
``insights.py`` return for the same data (tests/employers/test_insight_figures.py, both
databases), because the page shaping (:func:`.insights.shape`) is shared and, a person being
in at most one team per organisation, a scope's distinct learners are the sum of its teams'.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Integer, String, case, cast, delete, false, func, literal, null, select, update

from .. import db, jobs
from ..authoring.models import ContentModule
from ..db import session
from ..learner.models import Decision, ScenarioAttempt
from ..orgs.models import Membership, Organisation
from ..quizzes.models import QuizAttempt, QuizResponse
from .insights import Counts, InsightModule, ModuleInsights, modules_from_counts, shape
from .models import InsightFigure, InsightRefresh
from .scope import Scope

FIGURE = InsightFigure.__table__
REFRESH = InsightRefresh.__table__
COLUMNS = ["organisation_id", "team_id", "module_id", "kind", "version_id", "key", "choice_index",
           "learners", "count", "missed"]

#: Figures older than this are recounted (in the background) when a page is viewed.
MAX_AGE = timedelta(minutes=15)
#: At most one queued refresh per organisation in this many seconds (it runs at the window's end).
QUEUE_WINDOW = 60
#: Up to this many current members, the first visit counts the figures in the request.
SYNC_MEMBERS = 2_000
JOB = "employers.refresh_insights"


# --- counting -------------------------------------------------------------------------------

def _selects(organisation_id: int) -> list:
    """The six INSERT ... SELECTs' SELECTs: the live queries per team of the current members."""
    members = (select(Membership.user_id, Membership.team_id)
               .where(Membership.organisation_id == organisation_id, Membership.deactivated_at.is_(None))
               .cte("members"))
    org = literal(organisation_id, Integer)
    none_int, none_str = cast(null(), Integer), cast(null(), String)
    zero = literal(0, Integer)
    attempts = ScenarioAttempt.__table__.join(members, members.c.user_id == ScenarioAttempt.user_id)
    decisions = Decision.__table__.join(ScenarioAttempt.__table__, ScenarioAttempt.id == Decision.attempt_id) \
        .join(members, members.c.user_id == ScenarioAttempt.user_id)
    answers = QuizResponse.__table__.join(QuizAttempt.__table__, QuizAttempt.id == QuizResponse.quiz_attempt_id) \
        .join(members, members.c.user_id == QuizAttempt.user_id)
    learners = func.count(ScenarioAttempt.user_id.distinct())
    ended = ScenarioAttempt.ending_scene_id.is_not(None)
    team, module = members.c.team_id, ScenarioAttempt.module_id

    def kind(name):
        return literal(name, String)

    return [
        select(org, team, module, kind("module"), none_int, none_str, none_int, learners, zero, zero)
        .select_from(attempts).group_by(team, module),
        select(org, team, module, kind("ended"), none_int, none_str, none_int, learners, zero, zero)
        .select_from(attempts).where(ended).group_by(team, module),
        select(org, team, module, kind("scene"), none_int, Decision.scene_id, none_int, learners, zero, zero)
        .select_from(decisions).group_by(team, module, Decision.scene_id),
        select(org, team, module, kind("choice"), ScenarioAttempt.version_id, Decision.scene_id, Decision.choice_index,
               zero, func.count(), zero)
        .select_from(decisions).group_by(team, module, ScenarioAttempt.version_id, Decision.scene_id,
                                         Decision.choice_index),
        select(org, team, module, kind("ending"), ScenarioAttempt.version_id, ScenarioAttempt.ending_scene_id,
               none_int, zero, func.count(), zero)
        .select_from(attempts).where(ended).group_by(team, module, ScenarioAttempt.version_id,
                                                     ScenarioAttempt.ending_scene_id),
        select(org, team, QuizAttempt.module_id, kind("question"), none_int, QuizResponse.question_id, none_int,
               func.count(QuizAttempt.user_id.distinct()), func.count(),
               func.sum(case((QuizResponse.correct.is_(False), 1), else_=0)))
        .select_from(answers).group_by(team, QuizAttempt.module_id, QuizResponse.question_id),
    ]


@dataclass
class Refreshed:
    organisation_id: int
    rows: int
    seconds: float


def refresh(organisation_id: int, now: datetime | None = None) -> Refreshed:
    """Recount one organisation's figures in the current transaction (the caller commits).

    The organisation's ``insight_refresh`` row is written first: a second refresh of the same
    organisation waits for this one's commit (PostgreSQL row lock; SQLite's one writer), then
    deletes what it wrote, so the figures are never counted twice."""
    now = now or db.utcnow()
    started = time.perf_counter()
    db.insert_unless_exists(REFRESH, {"organisation_id": organisation_id, "refreshed_at": now, "seconds": 0.0},
                            conflict=("organisation_id",), update=("refreshed_at", "seconds"))
    session.execute(delete(FIGURE).where(FIGURE.c.organisation_id == organisation_id))
    for statement in _selects(organisation_id):
        session.execute(FIGURE.insert().from_select(COLUMNS, statement))
    rows = session.scalar(select(func.count()).select_from(FIGURE).where(FIGURE.c.organisation_id == organisation_id))
    seconds = time.perf_counter() - started
    session.execute(update(REFRESH).where(REFRESH.c.organisation_id == organisation_id).values(seconds=seconds))
    return Refreshed(organisation_id, rows, seconds)


@jobs.job(JOB, backoff=(30, 300, 1800), label="Practice insights figures")
def refresh_job(org_id: int) -> str:
    """The queued recount of one organisation. Several requests may queue it (one per window):
    a run finds figures counted within the last :data:`QUEUE_WINDOW` seconds fresh enough and
    does nothing."""
    counted = refreshed_at(org_id)
    if counted is not None and db.utcnow() - counted < timedelta(seconds=QUEUE_WINDOW):
        return "fresh already"
    done = refresh(org_id)
    return f"{done.rows} figures in {done.seconds:.2f} s"


def refresh_all(slug: str | None = None, echo: Callable[[str], None] = lambda _m: None,
                commit: Callable[[], None] = lambda: None) -> list[Refreshed]:
    """Recount every organisation (or the one with ``slug``), each its own transaction."""
    query = select(Organisation.id, Organisation.slug).order_by(Organisation.id)
    if slug is not None:
        query = query.where(Organisation.slug == slug)
    organisations = session.execute(query).all()
    done = []
    for n, (organisation_id, org_slug) in enumerate(organisations, 1):
        result = refresh(organisation_id)
        commit()
        done.append(result)
        echo(f"[{n}/{len(organisations)}] {org_slug}: {result.rows} figures in {result.seconds:.2f} s")
    return done


# --- freshness --------------------------------------------------------------------------------

def refreshed_at(organisation_id: int) -> datetime | None:
    return session.scalar(select(REFRESH.c.refreshed_at).where(REFRESH.c.organisation_id == organisation_id))


def ensure_fresh(organisation_id: int, now: datetime | None = None) -> datetime | None:
    """When the figures the page will show were counted (None: being prepared). Queues a
    recount when they are older than :data:`MAX_AGE` or missing; counts a small organisation's
    first figures at once. The page's request commits what this writes."""
    now = now or db.utcnow()
    counted = refreshed_at(organisation_id)
    if counted is not None:
        if now - counted > MAX_AGE:
            _queue(organisation_id)
        return counted
    members = session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == organisation_id, Membership.deactivated_at.is_(None))) or 0
    if members <= SYNC_MEMBERS:
        refresh(organisation_id, now)
        return now
    _queue(organisation_id)
    return None


def _queue(organisation_id: int) -> None:
    # organisation_id is for the failed jobs page; org_id is the job's argument.
    jobs.enqueue_once(JOB, key=f"insights:{organisation_id}", within_seconds=QUEUE_WINDOW,
                      organisation_id=organisation_id, org_id=organisation_id)


# --- reading ----------------------------------------------------------------------------------

def _in_scope(scope: Scope) -> list:
    where = [FIGURE.c.organisation_id == scope.organisation_id]
    if scope.team_ids is not None:
        where.append(FIGURE.c.team_id.in_(sorted(scope.team_ids)) if scope.team_ids else false())
    return where


def insight_modules(scope: Scope) -> list[InsightModule]:
    """What ``insights.insight_modules`` returns, from the figures (one query, and the titles)."""
    rows = session.execute(select(FIGURE.c.module_id, func.sum(FIGURE.c.learners))
                           .where(*_in_scope(scope), FIGURE.c.kind == "module")
                           .group_by(FIGURE.c.module_id)).all()
    return modules_from_counts([(r[0], int(r[1])) for r in rows])


def module_insights(scope: Scope, module: ContentModule) -> ModuleInsights:
    """What ``insights.module_insights`` returns, from the figures: one query sums the scope's
    teams, then the shared shaping labels and suppresses them."""
    rows = session.execute(
        select(FIGURE.c.kind, FIGURE.c.version_id, FIGURE.c.key, FIGURE.c.choice_index,
               func.sum(FIGURE.c.learners), func.sum(FIGURE.c.count), func.sum(FIGURE.c.missed))
        .where(*_in_scope(scope), FIGURE.c.module_id == module.id)
        .group_by(FIGURE.c.kind, FIGURE.c.version_id, FIGURE.c.key, FIGURE.c.choice_index)).all()
    counts = Counts(0, [], {}, [], 0, [])
    for kind, version_id, key, index, learners, count, missed in rows:
        learners, count, missed = int(learners or 0), int(count or 0), int(missed or 0)
        if kind == "module":
            counts.learners = learners
        elif kind == "ended":
            counts.ending_learners = learners
        elif kind == "scene":
            counts.scene_learners[key] = learners
        elif kind == "choice":
            counts.choices.append((version_id, key, index, count))
        elif kind == "ending":
            counts.endings.append((version_id, key, count))
        elif kind == "question":
            counts.questions.append((key, count, missed, learners))
    return shape(module, counts)
