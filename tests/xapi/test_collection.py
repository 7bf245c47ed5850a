"""Collecting decisions into the outbox: one service-wide job per window for every player
move, and each connection's watermark (``collected_through``), which keeps a run to the recent
decisions without ever skipping one that committed late or writing one twice."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import event, func, select, update

from course_engine import jobs
from course_engine.db import session, utcnow
from course_engine.learner.models import Decision
from course_engine.xapi import services
from course_engine.xapi.models import LrsConnection, OutboxStatement

from tests.test_jobs import _redis_or_skip


def _connection():
    session.expire_all()
    return session.scalar(select(LrsConnection))


def _switched_on_a_day_ago(world, lrs):
    """A connection switched on a day ago (so decisions older than the lag are its to send),
    and an attempt of the learner's to hang decisions on."""
    world.connect(lrs.endpoint, send_modules=None, send_quizzes=None)
    session.execute(update(LrsConnection).values(enabled_at=utcnow() - timedelta(days=1), collected_through=None))
    session.commit()
    player = world.player()
    player.start()
    return player.attempt_id


def _decision(attempt_id, step, *, age=timedelta(0), decision_id=None):
    """A decision row as the player writes it (the sample module's first scene), ``age`` old."""
    values = dict(attempt_id=attempt_id, step=step, scene_id="referral", choice_index=0, judgement="safe",
                  target_scene_id="arrival", created_at=utcnow() - age)
    if decision_id is not None:
        values["id"] = decision_id
    row = Decision(**values)
    session.add(row)
    session.commit()
    return row.id


def _answered_sources():
    return Counter(session.scalars(select(OutboxStatement.source).where(OutboxStatement.verb == "answered")))


def test_a_decision_that_commits_late_with_a_lower_id_is_still_collected(world, lrs):
    """The rule: the watermark moves only past decisions older than COLLECT_LAG, so a decision
    whose id was taken before a collected one but which committed after the run is collected by
    the next run; and nothing is collected twice."""
    attempt_id = _switched_on_a_day_ago(world, lrs)
    top = session.scalar(select(func.max(Decision.id))) or 0
    later = _decision(attempt_id, 10, decision_id=top + 10)  # committed first, with the higher id
    assert services.collect_decisions(_connection(), utcnow()) == 1
    session.commit()
    assert _connection().collected_through is None or _connection().collected_through < top + 5
    earlier = _decision(attempt_id, 11, decision_id=top + 5)  # its id was taken first; it commits now
    assert services.collect_decisions(_connection(), utcnow()) == 1
    session.commit()
    assert services.collect_decisions(_connection(), utcnow()) == 0
    sources = _answered_sources()
    assert sources[f"decision:{later}"] == 1 and sources[f"decision:{earlier}"] == 1
    assert set(sources.values()) == {1}


def test_the_watermark_moves_to_the_newest_decision_older_than_the_lag(world, lrs):
    """Old decisions (older than COLLECT_LAG) are collected and passed; recent ones are collected
    but stay above the watermark (they are read again, and written once)."""
    attempt_id = _switched_on_a_day_ago(world, lrs)
    lag = timedelta(seconds=services.COLLECT_LAG)
    old = [_decision(attempt_id, 20 + n, age=lag + timedelta(minutes=5 - n)) for n in range(3)]
    recent = [_decision(attempt_id, 30 + n, age=timedelta(seconds=n)) for n in range(2)]
    assert services.collect_decisions(_connection(), utcnow()) == 5
    session.commit()
    assert _connection().collected_through == old[-1]
    assert services.collect_decisions(_connection(), utcnow()) == 0  # the recent ones again: no new rows
    session.commit()
    sources = _answered_sources()
    assert all(sources[f"decision:{d}"] == 1 for d in old + recent)


def test_a_run_reads_only_the_decisions_after_the_watermark(world, lrs):
    """The scan is bounded: decisions at or below the watermark are not read at all (here some
    have no outbox row, and stay without one), so a run's work follows the recent decisions,
    not all of them."""
    attempt_id = _switched_on_a_day_ago(world, lrs)
    lag = timedelta(seconds=services.COLLECT_LAG)
    below = [_decision(attempt_id, 40 + n, age=lag * 2) for n in range(30)]
    session.execute(update(LrsConnection).values(collected_through=below[-1]))
    session.commit()
    above = [_decision(attempt_id, 80 + n) for n in range(3)]
    loaded = []

    def count(_session, instance):
        if isinstance(instance, Decision):
            loaded.append(instance.id)

    session.expire_all()
    connection = _connection()
    event.listen(session, "loaded_as_persistent", count)
    try:
        assert services.collect_decisions(connection, utcnow()) == 3
    finally:
        event.remove(session, "loaded_as_persistent", count)
    session.commit()
    assert sorted(set(loaded)) == above
    assert not any(_answered_sources()[f"decision:{d}"] for d in below)


def test_switching_on_starts_the_watermark_at_the_decisions_before_it(world, lrs):
    """When an organisation switches its LRS on, the watermark starts at the newest decision
    older than the lag (every one of them predates the connection), so the first run does not
    read every decision ever made."""
    attempt_id = _switched_on_a_day_ago(world, lrs)
    lag = timedelta(seconds=services.COLLECT_LAG)
    old = [_decision(attempt_id, 50 + n, age=lag * 3) for n in range(3)]
    world.connect(lrs.endpoint, enabled=False)
    world.connect(lrs.endpoint)
    assert _connection().collected_through == old[-1]


def test_player_moves_queue_one_service_wide_collection_job_per_window(make_app, make_user, make_org,
                                                                        add_member, lrs):
    """With RQ: every decision on the service in a window shares one ``xapi.collect`` job, due
    after the window; running it writes every decision's ``answered`` row and queues one
    delivery job for the organisation, which (run as queued, with the organisation's id)
    delivers them to the store."""
    _redis_or_skip()
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from tests.conftest import isolated_context
    from tests.parallel import redis_url
    from tests.xapi.conftest import World

    url = redis_url(1)  # this worker's own Redis database (tests/parallel.py), never another's
    Redis.from_url(url).flushdb()
    app = make_app(INTEGRATIONS_ALLOW_HTTP=True, JOBS_BACKEND="rq", JOBS_REDIS_URL=url)
    try:
        with isolated_context(app):
            world = World(app, make_user, make_org, add_member)
            world.connect(lrs.endpoint, send_modules=None, send_quizzes=None)
            scheduled = ScheduledJobRegistry(queue=Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)))
            Redis.from_url(url).flushdb()  # only what the moves queue
            player = world.player()
            player.start()
            assert player.begin().status_code == 303
            assert player.choose(1).status_code == 303
            assert player.choose(0).status_code == 303
            names = [Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)).fetch_job(i).args[0]
                     for i in scheduled.get_job_ids()]
            assert names == ["xapi.collect"]
            assert jobs.run("xapi.collect", {}) == "collected for 1 of 1"
            assert len(_answered_sources()) == 2
            queued = [Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)).fetch_job(i).args
                      for i in scheduled.get_job_ids()]
            assert sorted(name for name, _kwargs in queued) == ["xapi.collect", "xapi.send"]
            send = next(kwargs for name, kwargs in queued if name == "xapi.send")
            assert send == {"organisation_id": world.org.id}
            assert jobs.run("xapi.send", send) == "sent 2, refused 0"
            rows = session.scalars(select(OutboxStatement)).all()
            assert len(rows) == 2 and all(row.sent_at is not None for row in rows)
            stored = {s["id"] for s in lrs.statements()}
            assert {row.statement_id for row in rows} <= stored
    finally:
        Redis.from_url(url).flushdb()
