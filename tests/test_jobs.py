"""Background jobs run only after their unit of work commits, each in its own unit of work:
inline (the embedded default) after the response, or on a Redis queue worked by any host."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from course_engine import jobs
from course_engine.db import commit_and_run_callbacks, session
from course_engine.orgs.models import Organisation
from tests.parallel import redis_url

#: What the jobs below saw, in order.
RAN: list[str] = []


@jobs.job("tests.record", backoff=())
def record(label: str) -> None:
    RAN.append(label)
    session.add(Organisation(slug=f"job-{label}", name=f"Made by job {label}"))


@jobs.job("tests.for_organisation", backoff=())
def for_organisation(organisation_id: int, label: str) -> None:
    RAN.append(f"{label} for {organisation_id}")


@jobs.job("tests.fail", backoff=(0,))
def fail(label: str) -> None:
    RAN.append(label)
    raise RuntimeError(f"job {label} cannot finish")


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()
    yield
    RAN.clear()


def _organisations(prefix="job-") -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(Organisation.slug).where(Organisation.slug.startswith(prefix))))


def test_a_job_runs_only_after_its_unit_of_work_commits(app):
    """Enqueued and rolled back: never runs. Enqueued and committed: runs, and commits its own work."""
    jobs.enqueue("tests.record", label="rolled-back")
    session.rollback()
    from flask import g
    g.pop("_after_commit", None)  # what the request does on an error response
    assert RAN == []
    jobs.enqueue("tests.record", label="kept")
    commit_and_run_callbacks()
    assert RAN == ["kept"]
    assert _organisations() == ["job-kept"]


def test_inline_jobs_in_a_request_run_after_the_response_is_sent(make_app):
    """The person's answer does not wait for the job: it runs when the response is closed
    (after the server has sent it), in its own app context and unit of work."""
    from tests.conftest import isolated_context

    app = make_app()

    @app.route("/_test/enqueue")
    def enqueue_view():
        jobs.enqueue("tests.record", label="after-response")
        return "queued"

    with isolated_context(app):
        response = app.test_client().get("/_test/enqueue", buffered=False)
        assert response.get_data(as_text=True) == "queued"
        assert RAN == []  # the body is out, the response not yet closed
        response.close()
        assert RAN == ["after-response"]
        assert _organisations() == ["job-after-response"]


def test_an_unknown_job_is_a_programming_error(app):
    with pytest.raises(KeyError, match="no job called"):
        jobs.enqueue("tests.no-such-job")


def _redis_or_skip():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def test_rq_backend_queues_jobs_for_a_worker_and_keeps_the_ones_that_fail(make_app):
    """With JOBS_BACKEND=rq a committed job waits in Redis until a worker (on any host) runs it;
    a job that fails every retry ends in the failed registry with its reason, and can be requeued."""
    _redis_or_skip()
    from redis import Redis
    from rq import Queue

    from tests.conftest import isolated_context

    url = redis_url(1)  # db 13 in a serial run; each xdist worker has its own
    Redis.from_url(url).flushdb()
    app = make_app(JOBS_BACKEND="rq", JOBS_REDIS_URL=url)
    with isolated_context(app) as twin:
        jobs.enqueue("tests.record", label="queued")
        jobs.enqueue("tests.fail", label="doomed")
        commit_and_run_callbacks()
        assert RAN == []  # nothing runs in the app itself
        assert Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)).count == 2
        result = twin.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert RAN.count("queued") == 1 and RAN.count("doomed") == 2  # one try and one retry
        assert _organisations() == ["job-queued"]
        failed = twin.test_cli_runner().invoke(args=["jobs", "failed"])
        assert "tests.fail" in failed.output and "job doomed cannot finish" in failed.output
        assert "1 failed job." in failed.output
        assert "Requeued 1 failed job." in twin.test_cli_runner().invoke(args=["jobs", "retry"]).output
    Redis.from_url(url).flushdb()


def test_rq_enqueues_reuse_one_redis_client_per_app(make_app):
    """Every enqueue from an app goes through one Redis client (one connection pool): a new
    client per job opened a TCP connection per request, which the player benchmark measured."""
    _redis_or_skip()
    from redis import Redis
    from rq import Queue

    from tests.conftest import isolated_context

    url = redis_url(1)  # db 13 in a serial run; each xdist worker has its own
    Redis.from_url(url).flushdb()
    app = make_app(JOBS_BACKEND="rq", JOBS_REDIS_URL=url)
    with isolated_context(app) as twin:
        first = jobs._redis(twin)
        for label in ("one", "two", "three"):
            jobs.enqueue("tests.record", label=label)
            commit_and_run_callbacks()
            assert jobs._redis(twin) is first
        assert Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)).count == 3
        twin.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:6379/12"  # never connected to: any other URL
        assert jobs._redis(twin) is not first  # a changed setting is followed
        twin.config["JOBS_REDIS_URL"] = url
    Redis.from_url(url).flushdb()


def test_enqueue_once_queues_one_job_per_key_and_window_and_runs_it_when_the_window_ends(make_app):
    """Many requests asking for the same work within the window (an attempt's decisions) queue
    one job, scheduled for the window's end so it sees them all; another key gets its own job;
    after the window a new request queues a new one. The inline backend runs each as enqueue does."""
    _redis_or_skip()
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from tests.conftest import isolated_context

    url = redis_url(1)  # db 13 in a serial run; each xdist worker has its own
    Redis.from_url(url).flushdb()
    app = make_app(JOBS_BACKEND="rq", JOBS_REDIS_URL=url)
    with isolated_context(app):
        queue = Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url))
        scheduled = ScheduledJobRegistry(queue=queue)
        for label in ("a1", "a2", "a3"):
            jobs.enqueue_once("tests.record", key="attempt-a", within_seconds=2, label=label)
            commit_and_run_callbacks()
        jobs.enqueue_once("tests.record", key="attempt-b", within_seconds=2, label="b1")
        commit_and_run_callbacks()
        assert queue.count == 0 and scheduled.count == 2  # one per key, waiting for the window's end
        assert RAN == []
        from datetime import datetime, timezone

        for job_id in scheduled.get_job_ids():
            due = scheduled.get_scheduled_time(job_id)
            seconds = (due - datetime.now(timezone.utc)).total_seconds()
            assert 0 < seconds <= 2  # due when its window ends, not now
        Redis.from_url(url).delete(f"{jobs.QUEUE_NAME}:once:attempt-a")  # as if the window had passed
        jobs.enqueue_once("tests.record", key="attempt-a", within_seconds=2, label="a4")
        commit_and_run_callbacks()
        assert scheduled.count == 3
    Redis.from_url(url).flushdb()
    inline = make_app()
    with isolated_context(inline):
        for label in ("i1", "i2"):
            jobs.enqueue_once("tests.record", key="attempt-i", within_seconds=2, label=label)
            commit_and_run_callbacks()
        assert RAN == ["i1", "i2"]


def test_a_job_that_takes_organisation_id_receives_it(make_app):
    """``organisation_id`` names whose job it is (the failed jobs page) and, when the job's
    function takes it, is its argument too: inline and on the queue (xapi.send needs it)."""
    _redis_or_skip()
    from redis import Redis

    from tests.conftest import isolated_context

    inline = make_app()
    with isolated_context(inline):
        jobs.enqueue("tests.for_organisation", organisation_id=7, label="now")
        jobs.enqueue_once("tests.for_organisation", key="org-7", within_seconds=2, organisation_id=7, label="once")
        commit_and_run_callbacks()
    assert RAN == ["now for 7", "once for 7"]
    url = redis_url(1)  # this worker's own (a fixed db 13 was another worker's: it emptied its queue)
    Redis.from_url(url).flushdb()
    queued = make_app(JOBS_BACKEND="rq", JOBS_REDIS_URL=url)
    with isolated_context(queued) as twin:
        jobs.enqueue("tests.for_organisation", organisation_id=8, label="queued")
        commit_and_run_callbacks()
        result = twin.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        assert result.exit_code == 0, result.output
    assert RAN[-1] == "queued for 8"
    Redis.from_url(url).flushdb()
