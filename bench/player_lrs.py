"""The "LRS connected" side of ``bench/bench_player.py --lrs``.

The two sides are two copies of the same prepared database, each served by its own gunicorn:

- *without*: the learner's organisation has no learning record store (the app as it is for
  every organisation that never switched xAPI on);
- *with*: the same organisation has a switched-on connection to a real Ralph LRS on loopback
  (tests/xapi/lrs.py), jobs go through RQ on Redis (db 2 by default), and a
  ``flask jobs worker`` drains the outbox into Ralph while the rounds run, on the same two cores.

The copy is made after the attempts are prepared and before the connection exists, so only
what the learner does during the run is sent (not the thousands of ``attempted`` statements
the preparation would otherwise queue).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def join_organisation(email: str) -> None:
    """Make the benchmark learner a member of one organisation (on both sides, so the only
    difference left between them is the connection). Runs in the preparing app's context."""
    from sqlalchemy import select

    from course_engine.auth.models import User
    from course_engine.db import session
    from course_engine.orgs import services as orgs
    from course_engine.orgs.models import OrgRole

    user = session.scalar(select(User).where(User.email == email))
    org = orgs.create_organisation("Bench Council")
    session.flush()
    orgs.add_member(None, org, user, OrgRole.learner)
    session.commit()


def copy_database(url: str | None, workdir: Path, admin_url: str | None):
    """A copy of the prepared database: (its URL or None for SQLite's file, a dropper)."""
    if url is None:
        shutil.copy(workdir / "bench.db", workdir / "bench-lrs.db")
        return f"sqlite:///{workdir / 'bench-lrs.db'}", lambda: None
    from sqlalchemy import create_engine, text

    source = url.rsplit("/", 1)[1]
    name = source + "_lrs"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


def connect(url: str, endpoint: str) -> None:
    """Switch on the organisation's connection to the LRS at ``endpoint`` (in database ``url``)."""
    from tests.xapi.lrs import KEY, SECRET

    os.environ["COURSE_ENGINE_DATABASE_URL"] = url
    os.environ["COURSE_ENGINE_INTEGRATIONS_ALLOW_HTTP"] = "true"
    from sqlalchemy import select

    from course_engine import create_app
    from course_engine.db import dispose_engines, session, utcnow
    from course_engine.orgs.models import Organisation
    from course_engine.xapi import services

    app = create_app()
    with app.app_context():
        org = session.scalar(select(Organisation).where(Organisation.name == "Bench Council"))
        services.save_settings(None, org, services.Settings(
            endpoint=endpoint, key=KEY, secret=SECRET, enabled=True, send_modules=True, send_decisions=True,
            send_quizzes=True, actor_email=False), now=utcnow(), ip_address=None)
        session.commit()
        dispose_engines(app)


def server_env(base: dict, url: str, redis_url: str) -> dict:
    return dict(base, COURSE_ENGINE_DATABASE_URL=url, COURSE_ENGINE_JOBS_BACKEND="rq",
                COURSE_ENGINE_JOBS_REDIS_URL=redis_url, COURSE_ENGINE_INTEGRATIONS_ALLOW_HTTP="true")


def empty_queue(redis_url: str) -> None:
    """Start from an empty queue (the Redis database given is this benchmark's own)."""
    from redis import Redis

    Redis.from_url(redis_url).flushdb()


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """``flask jobs worker`` (RQ, no fork) for the *with* side, logging to ``log``."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "bench.wsgi_bench:app", "jobs", "worker"],
                            cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def outbox_counts(url: str) -> dict:
    """How many statements the run wrote to the outbox, how many were sent, refused, waiting."""
    from sqlalchemy import create_engine, func, select

    from course_engine.xapi.models import OutboxStatement

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            def count(*where):
                return connection.scalar(select(func.count()).select_from(OutboxStatement).where(*where)) or 0

            by_verb = dict(connection.execute(select(OutboxStatement.verb, func.count())
                                              .group_by(OutboxStatement.verb)).all())
            return {"written": count(), "sent": count(OutboxStatement.sent_at.is_not(None)),
                    "refused": count(OutboxStatement.refused_at.is_not(None)),
                    "waiting": count(OutboxStatement.sent_at.is_(None), OutboxStatement.refused_at.is_(None)),
                    "by_verb": by_verb}
    finally:
        engine.dispose()


def start_lrs(workdir: Path):
    from tests.xapi.lrs import RalphLRS

    return RalphLRS(workdir / f"ralph-{uuid.uuid4().hex[:6]}")


def compare(without: dict, with_lrs: dict) -> None:
    """Is the difference between the sides within the run's own noise?

    The noise is the spread of the *without* side's ratio across rounds (its interquartile
    range); the difference is the median of the per-round differences (with minus without,
    the two measured within seconds of each other)."""
    print("\nWith an LRS connected against without, % of hello (median over rounds):")
    print(f"{'scenario':<20} {'without':>8} {'with':>8} {'difference':>11} {'(range)':>14} {'noise (IQR)':>12}  verdict")
    for label, before in without.items():
        after = with_lrs.get(label, [])
        pairs = [(b, a) for b, a in zip(before, after) if b is not None and a is not None]
        if len(pairs) < 4:
            continue
        differences = [a - b for b, a in pairs]
        q1, _q2, q3 = statistics.quantiles([b for b, _a in pairs], n=4)
        noise, diff = q3 - q1, statistics.median(differences)
        verdict = "within noise" if abs(diff) <= noise else ("slower, beyond noise" if diff < 0 else "faster, beyond noise")
        print(f"{label:<20} {statistics.median(b for b, _a in pairs):7.0f}% {statistics.median(a for _b, a in pairs):7.0f}% "
              f"{diff:+10.1f}  {f'{min(differences):+.0f} to {max(differences):+.0f}':>14} {noise:11.1f}  {verdict}")
