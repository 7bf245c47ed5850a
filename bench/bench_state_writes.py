"""What keeping the report tables current costs a learner: CPU per attempt started and per
module completed, with the writes to ``learner_module_state`` and ``assignment_cell`` and
without them (the writers switched off), alternating in one process, same database.

    .venv/bin/python bench/bench_state_writes.py [--calls 200] [--rounds 6] [--database-url URL]

Default database: a SQLite file in the temp folder (a PostgreSQL URL is emptied and used).
The learners belong to an organisation that assigns the module to everyone, so the cells
exist and are updated. A completion also issues the certificate (as in the app); a start
abandons the learner's previous attempt. Prints the median CPU per call of each side, the
difference and the ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import select

    from course_engine import create_app, signals
    from course_engine.auth.models import User
    from course_engine.authoring.models import ContentModule
    from course_engine.authoring.services import sync_content
    from course_engine.db import commit_and_run_callbacks, session, utcnow
    from course_engine.employers import cells, services as employers
    from course_engine.employers.models import TargetKind
    from course_engine.learner import module_state, services as learner
    from course_engine.learner.models import AttemptStatus, FinalReflection
    from course_engine.models import metadata
    from course_engine.orgs import services as orgs
    from course_engine.orgs.models import OrgRole
    from course_engine.quizzes.models import QuizAttempt

    workdir = Path(tempfile.mkdtemp(prefix="bench-state-"))
    url = args.database_url or f"sqlite:///{workdir / 'b.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "MAIL_BACKEND": "memory",
                      "RATELIMIT_STORAGE_URI": "memory://", "EXPORTS_DIR": str(workdir / "exports"),
                      "BASE_URL": "http://localhost", "CERTIFICATES_DIR": str(workdir / "certificates")})
    switched = {"on": True}
    real = (module_state.record_started, module_state.record_completed, cells.refresh_facts)

    def side(on: bool) -> None:
        switched["on"] = on
        module_state.record_started = real[0] if on else (lambda *a, **k: None)
        module_state.record_completed = real[1] if on else (lambda *a, **k: None)
        cells.refresh_facts = real[2] if on else (lambda *a, **k: None)

    with app.app_context():
        engine = app.extensions["course_engine.db"]
        metadata.drop_all(engine)
        metadata.create_all(engine)
        sync_content(ROOT / "modules", ROOT / "quizzes")
        module = session.scalars(select(ContentModule).order_by(ContentModule.id)).first()
        org = orgs.create_organisation("Bench Council")
        admin_user = User(email="admin@bench.example", full_name="Admin", password_hash="x", email_confirmed_at=utcnow())
        session.add(admin_user)
        session.flush()
        admin = orgs.add_member(None, org, admin_user, OrgRole.org_admin)
        employers.create_assignment(admin, module, target_kind=TargetKind.organisation, recert_months=12, now=utcnow())
        users = []
        for n in range(args.calls):
            user = User(email=f"l{n}@bench.example", full_name=f"Learner {n}", password_hash="x",
                        email_confirmed_at=utcnow())
            session.add(user)
            session.flush()
            orgs.add_member(None, org, user, OrgRole.learner)
            users.append(user.id)
        commit_and_run_callbacks()
        per_call = {("start", True): [], ("start", False): [], ("complete", True): [], ("complete", False): []}
        now = utcnow()
        for round_number in range(args.rounds):
            for on in ((True, False) if round_number % 2 == 0 else (False, True)):
                side(on)
                now += timedelta(minutes=1)
                started = time.process_time()
                attempts = []
                for user_id in users:
                    attempts.append(learner.start_attempt(user_id, module, now))
                    commit_and_run_callbacks()
                per_call[("start", on)].append((time.process_time() - started) / len(users) * 1e6)
                for attempt in attempts:  # what the player leaves before completing (not timed)
                    attempt.ending_scene_id, attempt.status = "end", AttemptStatus.scenario_done
                    session.add(QuizAttempt(scenario_attempt_id=attempt.id, user_id=attempt.user_id,
                                            module_id=module.id, number=1, drawn=[], answers={}, started_at=now,
                                            submitted_at=now, score_percent=100.0, passed=True, pass_mark=75))
                    session.add(FinalReflection(user_id=attempt.user_id, attempt_id=attempt.id, what_learned="x",
                                                impact_on_practice="y", created_at=now, updated_at=now))
                commit_and_run_callbacks()
                started = time.process_time()
                for attempt in attempts:
                    assert learner.try_complete(attempt, now) is not None
                    commit_and_run_callbacks()
                per_call[("complete", on)].append((time.process_time() - started) / len(users) * 1e6)
        side(True)
        assert signals is not None
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{backend}: {args.calls} learners x {args.rounds} rounds, CPU per call (median over rounds), this process:")
    for event in ("start", "complete"):
        with_, without = (statistics.median(per_call[(event, on)]) for on in (True, False))
        print(f"  {event:<8} with the report writes {with_:8.0f} us, without {without:8.0f} us: "
              f"+{with_ - without:.0f} us, ratio {with_ / without:.2f}")


if __name__ == "__main__":
    main()
