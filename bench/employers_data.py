"""Build a large organisation for the employer benchmarks, with bulk inserts.

    .venv/bin/python bench/employers_data.py --learners 5000 [--database-url URL]

An organisation of N learners (default 5,000) in 50 teams, each with a manager, and an org
admin; 12 generated modules (synced from a generated content tree, so ``module_json`` is the
real thing); 12 assignments (4 to the organisation, 8 to half the teams each; absolute and
"within N days of joining" due dates; some with recertification); and about 20 attempts per
learner (~100,000 at 5,000) with realistic decisions (walked through the module with the
content engine, biased towards safe practice), endings, quiz attempts with per-question
responses (some questions harder than others) and completions spread over two years.

Rows go in with executemany (``session.execute(insert(table), rows)``) in batches, so it
builds in reasonable time on SQLite and PostgreSQL. The schema is dropped and recreated: point
it only at a database for benchmarks.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import insert, select, text  # noqa: E402

from course_engine import create_app  # noqa: E402

PASSWORD = "bench password 123"
FIRST = "Aisha Ben Cara Dev Eve Femi Grace Hari Ines Jon Kemi Leo Maya Nia Omar Priya Quinn Rosa Sam Tariq Uma Vik Wren Yusuf Zara".split()
LAST = "Adeyemi Brown Chen Davies Evans Fofana Green Hussain Iqbal Jones Khan Lewis Mensah Novak Okafor Patel Quist Roberts Singh Taylor Usman Vaughan Walker Young".split()
BATCH = 20_000


def default_url(learners: int) -> str:
    return f"sqlite:///{tempfile.gettempdir()}/bench_employers_{learners}.db"


def make_app(database_url: str, content_root: Path):
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url, "MAIL_BACKEND": "memory",
                       "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                       "MODULES_DIR": str(content_root / "modules"), "QUIZZES_DIR": str(content_root / "quizzes")})


def _bulk(session, table, rows):
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start:start + BATCH])


def _walks(spec, rng: random.Random, count: int):
    """``count`` plausible paths through a module: [(scene, choice, judgement, target)], ending."""
    from course_engine.content import choose, continue_from_junction, start

    weights = {"safe": 6, "partly-safe": 2.5, "unsafe": 1.5}
    walks = []
    for _ in range(count):
        state, steps = start(spec), []
        while True:
            scene = spec.scene(state.scene_id)
            if scene.kind == "ending":
                break
            if scene.kind == "junction":
                state = continue_from_junction(spec, state)
                continue
            index = rng.choices(range(len(scene.choices)), [weights.get(c.judgement, 1) for c in scene.choices])[0]
            state = choose(spec, state, index)
            steps.append((scene.id, index, scene.choices[index].judgement, state.scene_id))
        walks.append((steps, state.scene_id))
    return walks


def rebuild_report_tables(echo, started: float) -> None:
    """After a bulk load behind the application's back: rebuild what the employer reports read
    (learner_module_state, then the assignment cells made from it) and count the practice
    insights' figures, echoing each with the time since ``started``."""
    from course_engine.db import session
    from course_engine.employers import cells, insight_figures
    from course_engine.learner import module_state

    echo(f"  {module_state.rebuild(batch=50_000, commit=session.commit).summary(False)} "
         f"({time.perf_counter() - started:.1f}s)")
    echo(f"  {cells.rebuild(commit=session.commit).summary(False)} ({time.perf_counter() - started:.1f}s)")
    counted = insight_figures.refresh_all(commit=session.commit)
    echo(f"  insight figures: {sum(d.rows for d in counted)} rows for {len(counted)} organisations "
         f"({time.perf_counter() - started:.1f}s)")


def build(database_url: str, learners: int = 5000, teams: int = 50, seed: int = 1, echo=print) -> dict:
    """Drop and rebuild the schema at ``database_url`` and fill it; returns what was built."""
    import bench_content

    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password
    from course_engine.authoring.models import ContentModule, ModuleVersion
    from course_engine.authoring.services import module_spec, quiz_spec, sync_content
    from course_engine.db import session
    from course_engine.employers.models import Assignment, TargetKind
    from course_engine.learner.models import Completion, Decision, ScenarioAttempt
    from course_engine.models import metadata
    from course_engine.orgs.models import Membership, Organisation, OrgRole, Team, TeamManager
    from course_engine.quizzes.models import QuizAttempt, QuizResponse

    rng = random.Random(seed)
    started = time.perf_counter()
    content_root = Path(tempfile.mkdtemp(prefix="bench-employers-content-"))
    bench_content.generate(content_root, 12, seed=seed)
    app = make_app(database_url, content_root)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()
    with app.app_context():
        engine = app.extensions["course_engine.db"]
        metadata.drop_all(engine)
        metadata.create_all(engine)
        result = sync_content(content_root / "modules", content_root / "quizzes")
        assert not result.report.errors, result.report.errors[:3]
        session.commit()
        modules = list(session.execute(select(ContentModule, ModuleVersion)
                                       .join(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
                                       .order_by(ContentModule.id)).all())
        specs = {m.id: (v, module_spec(v), quiz_spec(v)) for m, v in modules}
        echo(f"  content: {len(modules)} modules synced ({time.perf_counter() - started:.1f}s)")

        password = hash_password(PASSWORD)
        org = Organisation(slug="bench-council", name="Bench Council", created_at=now)
        session.add(org)
        session.flush()
        team_rows = [{"id": i + 1, "organisation_id": org.id, "name": f"Team {i + 1:02d}", "created_at": now}
                     for i in range(teams)]
        _bulk(session, Team.__table__, team_rows)
        users, members = [], []
        staff = [("admin@bench.example", "Ada Admin", OrgRole.org_admin, None)] + [
            (f"manager{t}@bench.example", f"Manager {t:02d}", OrgRole.manager, None) for t in range(1, teams + 1)]
        for i in range(learners):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            staff.append((f"learner{i}@bench.example", name, OrgRole.learner, 1 + i % teams))
        for uid, (email, name, role, team_id) in enumerate(staff, start=1):
            users.append({"id": uid, "email": email, "full_name": name, "password_hash": password, "is_author": False,
                          "is_site_admin": False, "is_active_account": True, "email_confirmed_at": now,
                          "created_at": now, "password_changed_at": now})
            joined = now - timedelta(days=rng.randint(0, 3 * 365))
            members.append({"id": uid, "organisation_id": org.id, "user_id": uid, "role": role.value, "team_id": team_id,
                            "joined_at": joined})
        _bulk(session, User.__table__, users)
        _bulk(session, Membership.__table__, members)
        _bulk(session, TeamManager.__table__, [{"team_id": t, "membership_id": t + 1} for t in range(1, teams + 1)])

        assignment_rows = []
        module_ids = [m.id for m, _ in modules]
        for k, mid in enumerate(module_ids):
            base = {"organisation_id": org.id, "module_id": mid, "created_by_id": 1, "recert_window_days": 30,
                    "created_at": now - timedelta(days=400), "due_date": None, "due_days_after_joining": None,
                    "recert_months": None, "team_id": None, "membership_id": None}
            if k < 4:
                assignment_rows.append(dict(base, target_kind=TargetKind.organisation.value,
                                            due_date=today + timedelta(days=rng.randint(-60, 90)),
                                            recert_months=12 if k < 2 else None))
            else:
                for t in range(1, teams + 1):
                    if (t + k) % 2 == 0:
                        assignment_rows.append(dict(base, target_kind=TargetKind.team.value, team_id=t,
                                                    due_days_after_joining=rng.choice((30, 60, 90)),
                                                    recert_months=24 if k % 3 == 0 else None))
        _bulk(session, Assignment.__table__, assignment_rows)
        session.commit()
        echo(f"  people: {len(users)} users, {teams} teams, {len(assignment_rows)} assignment rows "
             f"({time.perf_counter() - started:.1f}s)")

        walks = {mid: _walks(specs[mid][1], rng, 120) for mid in module_ids}
        difficulty = {mid: {q.id: rng.uniform(0.45, 0.97) for q in specs[mid][2].questions} for mid in module_ids}
        attempts, decisions, quiz_attempts, responses, completions = [], [], [], [], []
        attempt_id = decision_id = quiz_id = response_id = completion_id = 0

        def flush_rows():
            _bulk(session, ScenarioAttempt.__table__, attempts)
            _bulk(session, Decision.__table__, decisions)
            _bulk(session, QuizAttempt.__table__, quiz_attempts)
            _bulk(session, QuizResponse.__table__, responses)
            _bulk(session, Completion.__table__, completions)
            for rows in (attempts, decisions, quiz_attempts, responses, completions):
                rows.clear()

        learner_ids = [m["user_id"] for m in members if m["role"] == OrgRole.learner.value]
        for n, uid in enumerate(learner_ids, start=1):
            for mid in module_ids:
                if rng.random() > 0.85:
                    continue
                version, spec, quiz = specs[mid]
                for _ in range(rng.choice((1, 2, 2, 3))):
                    attempt_id += 1
                    start_at = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
                    steps, ending = rng.choice(walks[mid])
                    outcome = rng.choices(("completed", "abandoned", "in_progress", "scenario_done"), (65, 15, 10, 10))[0]
                    if outcome in ("abandoned", "in_progress"):
                        steps, ending = steps[:rng.randint(0, max(0, len(steps) - 1))], None
                    at = start_at
                    for step, (scene_id, index, judgement, target) in enumerate(steps):
                        decision_id += 1
                        at = at + timedelta(minutes=rng.randint(1, 6))
                        decisions.append({"id": decision_id, "attempt_id": attempt_id, "step": step, "scene_id": scene_id,
                                          "choice_index": index, "judgement": judgement, "target_scene_id": target,
                                          "counters_after": {}, "created_at": at})
                    attempts.append({"id": attempt_id, "user_id": uid, "module_id": mid, "version_id": version.id,
                                     "status": outcome, "current_scene_id": ending or (steps[-1][3] if steps else None),
                                     "counters": {}, "step": len(steps), "ending_scene_id": ending,
                                     "started_at": start_at, "last_active_at": at, "active_seconds": 60 * len(steps),
                                     "scenario_finished_at": at if ending else None})
                    if ending is None:
                        continue
                    passed_id = None
                    for number in range(1, rng.choice((1, 1, 2)) + 1):
                        quiz_id += 1
                        drawn = rng.sample([q.id for q in quiz.questions], min(quiz.draw, len(quiz.questions)))
                        right = [rng.random() < difficulty[mid][q] for q in drawn]
                        last = outcome == "completed" and number >= 1 and passed_id is None
                        if last and rng.random() < 0.9:
                            right = [True if not r and rng.random() < 0.6 else r for r in right]
                        score = round(100 * sum(right) / len(right), 2)
                        passed = score >= (spec.pass_mark or 0)
                        at = at + timedelta(minutes=5)
                        quiz_attempts.append({"id": quiz_id, "scenario_attempt_id": attempt_id, "user_id": uid,
                                              "module_id": mid, "number": number, "drawn": [[q, [0, 1, 2, 3]] for q in drawn],
                                              "answers": {}, "started_at": at, "submitted_at": at, "score_percent": score,
                                              "passed": passed, "pass_mark": spec.pass_mark or 0})
                        for qid, ok in zip(drawn, right):
                            response_id += 1
                            responses.append({"id": response_id, "quiz_attempt_id": quiz_id, "question_id": qid,
                                              "selected": [0 if ok else 1], "earned": 1.0 if ok else 0.0,
                                              "possible": 1.0, "correct": ok})
                        if passed:
                            passed_id = (quiz_id, score)
                            break
                    if outcome == "completed":
                        completion_id += 1
                        qid, score = passed_id or (quiz_id, 100.0)
                        completions.append({"id": completion_id, "user_id": uid, "module_id": mid,
                                            "version_id": version.id, "attempt_id": attempt_id, "quiz_attempt_id": qid,
                                            "score_percent": score, "active_seconds": 60 * len(steps),
                                            "cpd_minutes": spec.cpd_minutes, "completed_at": at + timedelta(minutes=5)})
            if len(decisions) > 100_000:
                flush_rows()
            if n % 1000 == 0:
                echo(f"  attempts: {n}/{len(learner_ids)} learners ({attempt_id} attempts, "
                     f"{time.perf_counter() - started:.1f}s)")
        flush_rows()
        session.commit()
        rebuild_report_tables(echo, started)  # written behind the application's back
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for table in ("user", "membership", "team", "scenario_attempt", "decision", "quiz_attempt",
                              "quiz_response", "completion"):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                            f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))"))
                connection.execute(text("ANALYZE"))
        else:
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        built = {"learners": learners, "teams": teams, "modules": len(modules), "attempts": attempt_id,
                 "decisions": decision_id, "quiz_attempts": quiz_id, "quiz_responses": response_id,
                 "completions": completion_id, "seconds": round(time.perf_counter() - started, 1),
                 "content_root": str(content_root)}
        echo(f"  built: {built}")
        return built


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the temp folder")
    args = parser.parse_args(argv)
    build(args.database_url or default_url(args.learners), args.learners, args.teams)
    return 0


if __name__ == "__main__":
    sys.exit(main())
