"""xAPI delivery benchmark: statements per second the worker delivers to Ralph's LRS.

    .venv/bin/python bench/bench_xapi.py                    # SQLite, 2000 statements
    .venv/bin/python bench/bench_xapi.py --statements 5000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

It writes N ``answered``-sized outbox rows for one organisation whose connection points at a
real Ralph LRS on loopback (tests/xapi/lrs.py: uvicorn, file-system backend), then times the
job's drain (``xapi.worker.drain``: batches of 50, each committed), and checks the store holds
exactly N statements with our ids.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh database beside it); default SQLite")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ce-bench-xapi-"))
    drop = None
    if args.database_url:
        from bench.bench_player import create_database_beside

        url, drop = create_database_beside(args.database_url)
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    os.environ["COURSE_ENGINE_DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = "benchmark-secret"
    os.environ["COURSE_ENGINE_INTEGRATIONS_ALLOW_HTTP"] = "true"
    from alembic import command

    from course_engine import create_app
    from course_engine.auth.models import User
    from course_engine.db import dispose_engines, session, utcnow
    from course_engine.migrate import alembic_config
    from course_engine.orgs import services as orgs
    from course_engine.xapi import services, statements
    from course_engine.xapi.models import OutboxStatement
    from course_engine.xapi.worker import drain
    from tests.xapi.lrs import KEY, SECRET, RalphLRS

    lrs = RalphLRS(workdir / "ralph")
    app = create_app()
    try:
        with app.app_context():
            command.upgrade(alembic_config(), "head")
            user = User(email="bench@example.org", full_name="Bench Learner", password_hash="x",
                        email_confirmed_at=utcnow())
            session.add(user)
            org = orgs.create_organisation("Bench Council")
            session.flush()
            now = utcnow()
            connection = services.save_settings(None, org, services.Settings(
                endpoint=lrs.endpoint, key=KEY, secret=SECRET, enabled=True, send_modules=True, send_decisions=True,
                send_quizzes=True, actor_email=False), now=now, ip_address=None)
            actor = statements.Actor("http://127.0.0.1:5000", uuid.uuid4().hex)
            module = statements.ModuleRef("http://127.0.0.1:5000", "bench", "Bench module", 1, str(uuid.uuid4()),
                                          "course-engine")
            for n in range(args.statements):
                sid = str(uuid.uuid4())
                body = statements.answered(sid, actor, module, now, scene_id=f"scene-{n % 7}", scene_title="A scene",
                                           choices=["One option", "Another option", "A third"], choice_index=n % 3,
                                           judgement="safe")
                session.add(OutboxStatement(organisation_id=org.id, user_id=user.id, statement_id=sid,
                                            source=f"bench:{n}", verb="answered", statement=body, created_at=now,
                                            next_attempt_at=now))
            session.commit()
            started = time.perf_counter()
            outcome = drain(connection, utcnow())
            elapsed = time.perf_counter() - started
            stored = len({s["id"] for s in lrs.statements()})
            backend = "PostgreSQL" if args.database_url else "SQLite"
            print(f"{backend}: delivered {outcome.sent} of {args.statements} statements to Ralph in {elapsed:.2f} s "
                  f"= {outcome.sent / elapsed:.0f} statements/s (batches of 50); the store holds {stored}; "
                  f"refused {outcome.refused}, waiting {outcome.waiting}")
            dispose_engines(app)
            return 0 if outcome.sent == args.statements == stored else 1
    finally:
        lrs.stop()
        if drop:
            drop()


if __name__ == "__main__":
    sys.exit(main())
