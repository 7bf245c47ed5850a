"""What each pytest-xdist worker must have to itself, so the suite can run on every core
(`scripts/test` runs `-n auto --dist loadgroup`; `-n 0` runs it in one process).

Each worker is a separate process with its own temporary folder (pytest gives every worker its
own base temp) and its own session fixtures. What the workers would otherwise share is made
per worker here: the PostgreSQL test database (``<name>_gw0``, ``<name>_gw1``, … beside
TEST_DATABASE_URL's own, created when missing), the Redis databases of the queue tests, and the
one-time ``npm ci`` of a test folder (done by the first worker that needs it, under a lock).
In a serial run every name is what it always was.

Tests that must not run beside one another (they depend on timing, or take a port back after
letting it go) carry ``@pytest.mark.xdist_group(SERIAL)``: with ``--dist loadgroup`` they all run
on one worker, one after another.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

#: This process's pytest-xdist worker ("gw0", "gw1", …), or "" in a serial run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

#: The xdist group of tests that must run one after another (see the module docstring).
SERIAL = "one-at-a-time"

#: Redis databases the queue tests write, one pair per worker: (the ``redis`` fixture's queue,
#: tests/test_jobs.py's own). A serial run uses the first pair, the numbers the tests always
#: used. 0-2 are left for development, 5-7 for people's own use, 15 for the rate-limit test
#: (its keys are unique to each run, so workers can share it).
REDIS_DBS = ((3, 13), (4, 14), (8, 9), (10, 11))


def worker_number() -> int:
    """0 for a serial run and for gw0, 1 for gw1, …"""
    return int(WORKER[2:]) if WORKER.startswith("gw") else 0


def redis_url(which: int) -> str:
    """The Redis URL of this worker's queue database (``which`` = 0) or jobs database (1)."""
    number = worker_number()
    if number >= len(REDIS_DBS):
        import pytest

        pytest.fail(f"the Redis tests have databases for {len(REDIS_DBS)} workers (tests/parallel.py "
                    f"REDIS_DBS) and this is worker {WORKER}: run with -n {len(REDIS_DBS)} or fewer")
    return f"redis://127.0.0.1:6379/{REDIS_DBS[number][which]}"


def worker_database_url(url: str) -> str:
    """TEST_DATABASE_URL for this worker: the same server and user, the database name with
    ``_gwN`` appended, created (empty) when it does not exist. Two pytest processes on one
    database would empty each other's tables, so each worker has its own."""
    if not WORKER:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    name = f"{parts.database}_{WORKER}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parts.set(database=name).render_as_string(hide_password=False)


def unique_prefix(prefix: str) -> str:
    """``prefix`` with this worker's name, for things a test creates under a random name
    (databases, folders), so a leftover can be traced to the worker that made it."""
    return f"{prefix}{WORKER}_" if WORKER else prefix


@contextmanager
def run_lock(tmp_path_factory, name: str):
    """Hold a lock shared by every worker of this run (a file in the run's common temporary
    folder, the parent of each worker's own), so a one-time set-up runs once, not once per worker."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if WORKER else base
    with open(Path(shared) / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
