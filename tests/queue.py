"""A real Redis queue for the tests of queued work: db 3 on the local Redis (each pytest-xdist
worker has its own: tests/parallel.py), emptied around each test; ``queue_app`` is an app on the current database with JOBS_BACKEND=rq.

The fixtures are imported by tests/conftest.py, so every test can ask for them.
Jobs are worked by a real RQ worker: ``run_worker(app)`` runs ``flask jobs worker --burst``.
"""
from __future__ import annotations

import socket

import pytest

from tests.parallel import redis_url


@pytest.fixture
def redis():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from redis import Redis

    connection = Redis.from_url(redis_url(0))  # db 3 in a serial run; each xdist worker has its own
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def queue_app(app, make_app, redis):
    return make_app(JOBS_BACKEND="rq", JOBS_REDIS_URL=redis_url(0))


def run_worker(app) -> str:
    """Work the queue until it is empty, in ``app`` (as `flask jobs worker --burst`)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    return result.output


def queued_count(redis) -> int:
    from rq import Queue

    from course_engine import jobs

    return Queue(jobs.QUEUE_NAME, connection=redis).count
