"""Background work: what does not belong in a person's request (sending learning records to an
employer's store, grade passback to an LMS, reminders, large re-issues and exports).

A job is a function registered with :func:`job` under a stable name, taking JSON-able keyword
arguments. :func:`enqueue` schedules it *after the current unit of work commits*, so a job
never runs for work that was rolled back. Every job runs in its own unit of work (committed
once at its end, rolled back on error) and must be safe to run twice: a job that delivers
something reads what is still to deliver from the database (an outbox), so a retry, a
duplicate or a lost job loses nothing.

Backends (``JOBS_BACKEND``):

- ``inline`` (the embedded default: no extra service). Inside a request the job runs in the
  same process after the response has been sent (it never delays the person); from a command
  or a test it runs straight after the commit. A failure is logged; nothing retries it, so
  work that must be retried keeps its own state (the outbox) and a command or the next job
  picks it up.
- ``rq``: a Redis queue (``JOBS_REDIS_URL``) shared by every app host, worked by
  ``flask jobs worker`` on any host, with retries and back-off per job; a job that fails its
  last retry is kept in RQ's failed-job registry (``flask jobs failed``, ``flask jobs retry``).

Why RQ: see docs/architecture.md (libraries).
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import click
from flask import current_app, has_request_context
from flask.cli import AppGroup

from . import db

log = logging.getLogger(__name__)

#: The one queue every job goes through.
QUEUE_NAME = "course-engine"


@dataclass(frozen=True)
class Job:
    """A registered job: its name, function and retry schedule (RQ backend)."""

    name: str
    function: Callable[..., object]
    #: Seconds to wait before each retry; the job is retried once per entry.
    backoff: tuple[int, ...]
    #: What people read on the failed jobs page ("Full-organisation export").
    label: str = ""
    #: The function takes ``organisation_id`` itself (see :func:`enqueue`).
    takes_organisation_id: bool = False


#: Every registered job, by name (module-level: the worker and every app see the same ones).
JOBS: dict[str, Job] = {}


def job(name: str, *, backoff: tuple[int, ...] = (10, 60, 300, 900, 3600), label: str = ""):
    """Register a job function under ``name`` (a stable dotted name: it is what the queue stores);
    ``label`` is what people read on the failed jobs page."""

    def register(function):
        existing = JOBS.get(name)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise ValueError(f"two jobs are called {name!r}")
        takes = "organisation_id" in inspect.signature(function).parameters
        JOBS[name] = Job(name, function, tuple(backoff), label or name, takes)
        return function

    return register


def enqueue(name: str, *, organisation_id: int | None = None, **kwargs) -> None:
    """Run job ``name`` with ``kwargs`` once the current unit of work has committed.

    ``organisation_id`` names the organisation the work is for, so that organisation's admins
    see the job if it fails every retry (the failed jobs page); it is passed to the job too
    when the job's function takes an ``organisation_id`` argument (``xapi.send`` does).
    """
    if name not in JOBS:
        raise KeyError(f"no job called {name!r}; register it with @jobs.job")
    app = current_app._get_current_object()
    kwargs = _with_organisation(name, kwargs, organisation_id)
    db.after_commit(lambda: _submit(app, name, kwargs, organisation_id))


def _with_organisation(name: str, kwargs: dict, organisation_id: int | None) -> dict:
    return dict(kwargs, organisation_id=organisation_id) if JOBS[name].takes_organisation_id else kwargs


def enqueue_once(name: str, *, key: str, within_seconds: int, organisation_id: int | None = None,
                 **kwargs) -> None:
    """Like :func:`enqueue`, for work that many requests in a row ask for and one run does for
    all of them (collecting an attempt's new decisions): at most one such job per ``key`` is
    queued in any ``within_seconds``, and it runs at the end of that window, so it sees every
    request that asked during it.

    Why: a job queued per player move cost the move about 1.6 ms of CPU in RQ (docs/performance.md,
    "The player with and without an LRS connected"); claiming the window is one Redis ``SET NX EX``.
    The job must read what is still to do from the database (as every job does), so a request
    that arrives as the window closes is picked up by the next window's job.

    Measured against a memory per process of windows already claimed (no Redis call at all
    while one lasts): it saved ~75 us of CPU per call (bench/bench_job_enqueue.py), about one
    point of the choice's ratio to hello, under the five that would pay for it; not kept.

    ``inline`` backend: the same as :func:`enqueue` (the job runs after this response).
    """
    if name not in JOBS:
        raise KeyError(f"no job called {name!r}; register it with @jobs.job")
    app = current_app._get_current_object()
    kwargs = _with_organisation(name, kwargs, organisation_id)
    if not queued(app):
        db.after_commit(lambda: _submit(app, name, kwargs, organisation_id))
        return
    db.after_commit(lambda: _submit_once(app, name, kwargs, organisation_id, key, within_seconds))


def _submit_once(app, name: str, kwargs: dict, organisation_id: int | None, key: str, within_seconds: int) -> None:
    if not _redis(app).set(f"{QUEUE_NAME}:once:{key}", b"1", nx=True, ex=within_seconds):
        return  # a job for this window is already waiting
    _submit(app, name, kwargs, organisation_id, delay=within_seconds)


def queued(app=None) -> bool:
    """Whether jobs go to a queue worked elsewhere (``rq``) rather than run in this process."""
    return (app or current_app).config["JOBS_BACKEND"] == "rq"


def _submit(app, name: str, kwargs: dict, organisation_id: int | None = None, delay: int = 0) -> None:
    backend = app.config["JOBS_BACKEND"]
    if backend == "rq":
        from datetime import timedelta

        from rq import Retry

        entry = JOBS[name]
        retry = Retry(max=len(entry.backoff), interval=list(entry.backoff)) if entry.backoff else None
        options = dict(retry=retry, job_timeout=app.config["JOBS_TIMEOUT"], description=name,
                       meta={"organisation_id": organisation_id},
                       failure_ttl=app.config["JOBS_FAILED_KEEP_DAYS"] * 86400)
        if delay:
            # Run by the worker's scheduler (`flask jobs worker` starts one) when the delay is up.
            _queue(app).enqueue_in(timedelta(seconds=delay), execute, name, kwargs, **options)
        else:
            _queue(app).enqueue(execute, name, kwargs, **options)
    elif has_request_context():
        db.after_response(lambda: _run_inline(app, name, kwargs))
    else:
        _run_inline(app, name, kwargs)


def _run_inline(app, name: str, kwargs: dict) -> None:
    with app.app_context():
        try:
            run(name, kwargs)
        except Exception:  # noqa: BLE001 - logged: the job's own state (an outbox) keeps the work
            log.exception("job %s failed (inline); its work stays pending", name)


def run(name: str, kwargs: dict) -> object:
    """Run one job in the current app context, as its own unit of work."""
    try:
        result = JOBS[name].function(**kwargs)
        db.commit_and_run_callbacks()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


#: The app a worker process builds once and runs every job in (see ``flask jobs worker``).
_worker_app = None


def execute(name: str, kwargs: dict) -> object:
    """What the RQ worker calls for each job: run it inside the worker's app."""
    if _worker_app is None:
        raise RuntimeError("start workers with `flask jobs worker`, which builds the app they run jobs in")
    with _worker_app.app_context():
        return run(name, kwargs)


def _redis(app):
    """The app's one Redis client (its connection pool kept across requests: a new client per
    job cost a TCP connection each time, ~3 ms of CPU per enqueue measured under load; see
    docs/performance.md). redis-py's pool notices a fork and opens fresh connections."""
    from redis import Redis

    client = app.extensions.get("jobs.redis")
    if client is None or app.extensions.get("jobs.redis_url") != app.config["JOBS_REDIS_URL"]:
        client = Redis.from_url(app.config["JOBS_REDIS_URL"])
        app.extensions["jobs.redis"], app.extensions["jobs.redis_url"] = client, app.config["JOBS_REDIS_URL"]
    return client


def _queue(app):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=_redis(app))


@dataclass(frozen=True)
class FailedJob:
    """A job that failed its last retry (the dead letters): what the failed jobs page lists."""

    id: str
    name: str
    label: str
    organisation_id: int | None
    failed_at: object  # aware datetime, or None when RQ did not record it
    reason: str  # the last line of the exception: what went wrong, without the traceback


def failed_jobs(app, organisation_id: int | None = None) -> list[FailedJob]:
    """Jobs in RQ's failed registry, newest first; only ``organisation_id``'s when given.

    Empty with the inline backend: there a failure is logged and the work stays in its outbox.
    """
    if not queued(app):
        return []
    from rq.job import Job as RQJob
    from rq.registry import FailedJobRegistry

    queue = _queue(app)
    ids = FailedJobRegistry(queue=queue).get_job_ids()
    found = []
    for entry in RQJob.fetch_many(ids, connection=queue.connection):
        if entry is None:  # expired between the two reads
            continue
        owner = (entry.meta or {}).get("organisation_id")
        if organisation_id is not None and owner != organisation_id:
            continue
        result = entry.latest_result()
        lines = (result.exc_string or "").strip().splitlines() if result is not None else []
        failed_at = entry.ended_at.replace(tzinfo=timezone.utc) if entry.ended_at else None
        name = entry.description or "?"
        label = JOBS[name].label if name in JOBS else name
        found.append(FailedJob(entry.id, name, label, owner, failed_at, lines[-1] if lines else ""))
    found.sort(key=lambda f: f.failed_at or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
    return found


def retry_failed(app, job_id: str, organisation_id: int | None = None) -> bool:
    """Put one failed job back on the queue; only if it is ``organisation_id``'s when given.

    False when there is no such failed job (already retried, expired, or another organisation's).
    """
    if not any(f.id == job_id for f in failed_jobs(app, organisation_id)):
        return False
    from rq.exceptions import InvalidJobOperationError, NoSuchJobError
    from rq.registry import FailedJobRegistry

    try:
        FailedJobRegistry(queue=_queue(app)).requeue(job_id)
    except (InvalidJobOperationError, NoSuchJobError):  # another person retried it a moment ago
        return False
    return True


def init_app(app) -> None:
    """Check the backend setting and add ``flask jobs ...``."""
    if app.config["JOBS_BACKEND"] not in ("inline", "rq"):
        raise ValueError(f"JOBS_BACKEND must be 'inline' or 'rq', not {app.config['JOBS_BACKEND']!r}")
    app.cli.add_command(jobs_cli)


@click.group("jobs", cls=AppGroup)
def jobs_cli():
    """Background jobs (see course_engine/jobs.py)."""


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
def worker_command(burst):
    """Work the queue (JOBS_BACKEND=rq): run on as many hosts as you like."""
    from rq import SimpleWorker

    app = current_app._get_current_object()
    if app.config["JOBS_BACKEND"] != "rq":
        raise click.ClickException("JOBS_BACKEND is 'inline': jobs run in the app itself; set it to 'rq' "
                                   "and JOBS_REDIS_URL to use workers.")
    global _worker_app
    _worker_app = app  # jobs run in this app (SimpleWorker: no fork, so connections are never shared)
    worker = SimpleWorker([_queue(app)], connection=_redis(app))
    click.echo(f"Working queue {QUEUE_NAME!r} on {app.config['JOBS_REDIS_URL']}{' until empty' if burst else ''}.")
    worker.work(burst=burst, with_scheduler=True)


@jobs_cli.command("failed")
def failed_command():
    """List jobs that failed their last retry, with the reason."""
    app = current_app._get_current_object()
    failed = failed_jobs(app)
    for entry in failed:
        org = f"  organisation {entry.organisation_id}" if entry.organisation_id is not None else ""
        click.echo(f"{entry.id}  {entry.name}{org}  {entry.reason}")
    click.echo(f"{len(failed)} failed job{'s' if len(failed) != 1 else ''}.")


@jobs_cli.command("retry")
def retry_command():
    """Put every failed job back on the queue."""
    from rq.registry import FailedJobRegistry

    app = current_app._get_current_object()
    registry = FailedJobRegistry(queue=_queue(app))
    ids = registry.get_job_ids()
    for job_id in ids:
        registry.requeue(job_id)
    click.echo(f"Requeued {len(ids)} failed job{'s' if len(ids) != 1 else ''}.")
