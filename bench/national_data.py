"""Build the national data set on PostgreSQL: every registered social worker on one service.

    .venv/bin/python bench/national_data.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ce_national
    .venv/bin/python bench/national_data.py --database-url ... --learners-total 5000   # a quick run

150 organisations from 50 to 20,000 learners (one national body of 20,000, the rest spread
log-uniformly so most are small and a few are large), 100,000 learners in all, each
organisation with teams of about 40, a manager per team and an org admin
(``admin@<slug>.example``, password ``employers_data.PASSWORD``); 12 generated modules (the
same content tree and walk-through as ``employers_data.py``); per organisation 4 org-wide
assignments (absolute due dates, two with yearly recertification), 8 team assignments to
half the teams ("within N days of joining", some recertified every 2 years), a few personal
ones and a removed one; per learner about 20 decisions and 40 quiz responses (about 2 million
and 4 million in all), completions with certificates, final reflections and CPD entries.

Why COPY: row-by-row inserts of 6 million rows take an hour on this machine; PostgreSQL's
COPY (psycopg's ``cursor.copy``) takes minutes. Rows are formatted as COPY text here and
written in batches, with foreign-key triggers off for the load (``session_replication_role``)
and the tables analysed at the end. The schema is dropped and recreated: point it only at a
database for benchmarks. ``--learners-total`` scales every organisation down in proportion.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import math
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from employers_data import FIRST, LAST, PASSWORD, _walks, make_app, rebuild_report_tables  # noqa: E402

#: The national body's share of all learners (20,000 of 100,000).
LARGEST_SHARE = 0.2
#: Chance that a learner tries a given module (tuned for ~20 decisions and ~40 responses each).
TRY_MODULE = 0.31
ROWS_PER_COPY = 50_000
NULL = "\\N"
ACTIVITIES = ("course", "reading", "supervision", "shadowing", "event", "other")
#: Certificate number digits: all in certificates.numbers.NUMBER_ALPHABET (as verification checks).
B32 = "23456789ABCDEFGHJK0MNPQRST1VWXYZ"
#: The parts of professional standard 4 an entry is tagged with (JSON, as COPY text).
STANDARD_4_TAGS = ('[]', '["4.1"]', '["4.2", "4.8"]', '["4.4"]')


def organisation_sizes(total: int, count: int, seed: int = 1) -> list[int]:
    """Learners per organisation: the largest first (``LARGEST_SHARE`` of ``total``), then
    ``count - 1`` log-uniform sizes of at least 50 (scaled with ``total``), summing to ``total``."""
    rng = random.Random(seed)
    largest = round(total * LARGEST_SHARE)
    rest, others = total - largest, count - 1
    smallest = max(2, min(round(50 * total / 100_000), rest // max(others, 1)))
    weights = [math.exp(rng.uniform(0, math.log(81))) - 1 for _ in range(others)]
    spare = rest - smallest * others
    sizes = [smallest + int(spare * w / sum(weights)) for w in weights]
    sizes[0] += rest - sum(sizes)  # rounding: the remainder goes to one of them
    return [largest] + sorted(sizes, reverse=True)


def _v(value) -> str:
    """One value in COPY text format (our generated text has no tabs, newlines or backslashes)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class Copier:
    """Buffers rows per table and sends them with COPY every ``ROWS_PER_COPY`` rows."""

    def __init__(self, connection, columns: dict[str, tuple[str, ...]]):
        self.connection, self.columns = connection, columns
        self.buffers = {t: [] for t in columns}
        self.counts = {t: 0 for t in columns}

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append("\t".join(map(_v, row)))
        if len(buffer) >= ROWS_PER_COPY:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in ([table] if table else list(self.buffers)):
            rows = self.buffers[name]
            if not rows:
                continue
            columns = ", ".join(f'"{c}"' for c in self.columns[name])
            with self.connection.cursor() as cursor:
                with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
                    data = io.StringIO()
                    data.write("\n".join(rows))
                    data.write("\n")
                    copy.write(data.getvalue())
            self.counts[name] += len(rows)
            rows.clear()


COLUMNS = {
    "organisation": ("id", "slug", "name", "created_at"),
    "team": ("id", "organisation_id", "name", "created_at"),
    "user": ("id", "email", "full_name", "password_hash", "is_author", "is_site_admin", "is_active_account",
             "email_confirmed_at", "created_at", "password_changed_at"),
    "membership": ("id", "organisation_id", "user_id", "role", "team_id", "joined_at", "deactivated_at"),
    "team_manager": ("id", "team_id", "membership_id"),
    "assignment": ("id", "organisation_id", "module_id", "target_kind", "team_id", "membership_id", "due_date",
                   "due_days_after_joining", "recert_months", "recert_window_days", "created_by_id", "created_at",
                   "removed_at"),
    "scenario_attempt": ("id", "user_id", "module_id", "version_id", "status", "current_scene_id", "counters", "facts",
                         "visited", "step", "ending_scene_id", "started_at", "last_active_at", "active_seconds",
                         "scenario_finished_at"),
    "decision": ("id", "attempt_id", "step", "scene_id", "choice_index", "judgement", "target_scene_id",
                 "counters_after", "facts_after", "visited_after", "created_at"),
    "quiz_attempt": ("id", "scenario_attempt_id", "user_id", "module_id", "number", "drawn", "answers", "started_at",
                     "submitted_at", "score_percent", "passed", "pass_mark"),
    "quiz_response": ("id", "quiz_attempt_id", "question_id", "selected", "earned", "possible", "correct"),
    "completion": ("id", "user_id", "module_id", "version_id", "attempt_id", "quiz_attempt_id", "score_percent",
                   "active_seconds", "cpd_minutes", "completed_at"),
    "final_reflection": ("id", "user_id", "attempt_id", "what_learned", "impact_on_practice", "shared_with_manager_at",
                         "shared_with_organisation_id", "created_at", "updated_at"),
    "certificate": ("id", "number", "code_sha256", "user_id", "completion_id", "organisation_id", "organisation_name",
                    "holder_name", "module_title", "module_version_number", "cpd_minutes", "completed_on", "issued_at",
                    "expires_on", "outcomes", "standards", "pdf"),
    "cpd_entry": ("id", "user_id", "activity_type", "title", "activity_date", "minutes", "description", "what_learned",
                  "impact_on_practice", "standard_4_parts", "shared_with_manager_at", "created_at", "updated_at"),
}


def _check_columns(metadata) -> None:
    """Every NOT NULL column without a server default is written (so a new column fails loudly
    here): COPY applies the database's defaults, never the model's Python-side ones."""
    for table, written in COLUMNS.items():
        for column in metadata.tables[table].columns:
            assert column.name in written or column.nullable or column.server_default is not None, (
                f"bench/national_data.py: table {table!r} has a NOT NULL column {column.name!r} without a server "
                f"default; add it to COLUMNS[{table!r}] and to the rows written")


def _number(certificate_id: int, year: int) -> str:
    digits, n = [], certificate_id
    for _ in range(8):
        n, r = divmod(n, 32)
        digits.append(B32[r])
    text = "".join(reversed(digits))
    return f"CE-{year}-{text[:4]}-{text[4:]}"


class Ids:
    """Global id counters, one per table (ids are given here so rows can refer to each other)."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


def build(database_url: str, learners_total: int = 100_000, organisations: int = 150, seed: int = 1,
          echo=print) -> dict:
    """Drop and rebuild the schema at ``database_url`` (PostgreSQL) and fill it; returns the sizes."""
    import bench_content

    from course_engine.auth.passwords import hash_password
    from course_engine.authoring.models import ContentModule, ModuleVersion
    from course_engine.authoring.services import module_spec, quiz_spec, sync_content
    from course_engine.db import session
    from course_engine.models import metadata
    from sqlalchemy import select, text

    assert database_url.startswith("postgresql"), "the national data set is for PostgreSQL (COPY)"
    _check_columns(metadata)
    rng = random.Random(seed)
    started = time.perf_counter()
    content_root = Path(tempfile.mkdtemp(prefix="bench-national-content-"))
    bench_content.generate(content_root, 12, seed=seed)
    app = make_app(database_url, content_root)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()
    sizes = organisation_sizes(learners_total, organisations, seed)
    with app.app_context():
        engine = app.extensions["course_engine.db"]
        metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        metadata.create_all(engine)
        # The schema is the models' (what the migrations build): recorded as at the newest
        # migration, so `flask db upgrade` (and a benchmark that migrates) runs on it as on a
        # real database.
        from alembic import command

        from course_engine.migrate import alembic_config

        command.stamp(alembic_config(), "head")
        result = sync_content(content_root / "modules", content_root / "quizzes")
        assert not result.report.errors, result.report.errors[:3]
        session.commit()
        modules = list(session.execute(select(ContentModule, ModuleVersion)
                                       .join(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
                                       .order_by(ContentModule.id)).all())
        specs = {m.id: (v, module_spec(v), quiz_spec(v)) for m, v in modules}
        session.remove()
        module_ids = [m.id for m, _ in modules]
        walks = {mid: _walks(specs[mid][1], rng, 200) for mid in module_ids}
        difficulty = {mid: {q.id: rng.uniform(0.45, 0.97) for q in specs[mid][2].questions} for mid in module_ids}
        password = hash_password(PASSWORD)
        echo(f"  content: {len(modules)} modules synced; {organisations} organisations of {sizes[0]} down to "
             f"{sizes[-1]} learners ({time.perf_counter() - started:.1f}s)")

        raw = engine.raw_connection()
        try:
            connection = raw.driver_connection
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
            copier = Copier(connection, COLUMNS)
            ids = Ids()
            people = 0
            for number, size in enumerate(sizes):
                slug = "national-body" if number == 0 else f"org-{number:03d}"
                _organisation(copier, ids, rng, slug, size, now, today, password, module_ids, specs, walks,
                              difficulty)
                people += size
                if number % 10 == 0 or number == len(sizes) - 1:
                    copier.flush()
                    connection.commit()
                    echo(f"  {number + 1}/{len(sizes)} organisations, {people} learners, "
                         f"{ids.last.get('decision', 0)} decisions, {ids.last.get('quiz_response', 0)} responses "
                         f"({time.perf_counter() - started:.1f}s)")
            copier.flush()
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for table in COLUMNS:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                   f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))")
            connection.commit()
        finally:
            raw.close()
        rebuild_report_tables(echo, started)  # loaded behind the application's back (COPY)
        session.remove()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            size_mb = conn.execute(text("SELECT pg_database_size(current_database())")).scalar() / 2**20
        built = {"organisations": len(sizes), "largest": sizes[0], "smallest": sizes[-1], "learners": learners_total,
                 **{t: n for t, n in copier.counts.items()}, "database_mib": round(size_mb),
                 "seconds": round(time.perf_counter() - started, 1), "content_root": str(content_root)}
        echo(f"  built: {built}")
        return built


def _organisation(copier, ids, rng, slug, size, now, today, password, module_ids, specs, walks, difficulty):
    """One organisation: its people, assignments and everything its learners did."""
    add = copier.add
    org_id = ids("organisation")
    name = "National Body" if slug == "national-body" else f"Organisation {org_id:03d}"
    created = now - timedelta(days=1200)
    add("organisation", (org_id, slug, name, created))
    teams = max(1, size // 40)
    team_ids = [ids("team") for _ in range(teams)]
    for n, team_id in enumerate(team_ids, start=1):
        add("team", (team_id, org_id, f"Team {n:03d}", created))

    def person(email, full_name, role, team_id, joined, deactivated=None):
        uid = ids("user")
        add("user", (uid, email, full_name, password, False, False, True, now, now, now))
        mid = ids("membership")
        add("membership", (mid, org_id, uid, role, team_id, joined, deactivated))
        return uid, mid

    admin_uid, _ = person(f"admin@{slug}.example", "Org Admin", "org_admin", None, created)
    for n, team_id in enumerate(team_ids, start=1):
        _, manager = person(f"manager{n}@{slug}.example", f"Manager {n:03d}", "manager", team_id, created)
        add("team_manager", (ids("team_manager"), team_id, manager))

    def assignment(module_id, kind, *, team_id=None, membership_id=None, due=None, days=None, recert=None,
                   removed=None):
        add("assignment", (ids("assignment"), org_id, module_id, kind, team_id, membership_id, due, days, recert,
                           30, admin_uid, now - timedelta(days=rng.randint(200, 500)), removed))

    for k, mid in enumerate(module_ids[:4]):
        assignment(mid, "organisation", due=today + timedelta(days=rng.randint(-60, 90)), recert=12 if k < 2 else None)
    for k, mid in enumerate(module_ids[4:], start=4):
        for t, team_id in enumerate(team_ids, start=1):
            if (t + k) % 2 == 0:
                assignment(mid, "team", team_id=team_id, days=rng.choice((30, 60, 90)),
                           recert=24 if k % 3 == 0 else None)
    assignment(module_ids[-1], "organisation", due=today, removed=now - timedelta(days=10))

    for i in range(size):
        full_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        team_id = None if rng.random() < 0.02 else team_ids[i % teams]
        joined = now - timedelta(days=rng.randint(0, 3 * 365), minutes=rng.randint(0, 1440))
        deactivated = now - timedelta(days=rng.randint(1, 100)) if rng.random() < 0.01 else None
        uid, membership_id = person(f"learner{i}@{slug}.example", full_name, "learner", team_id, joined, deactivated)
        if rng.random() < 0.005:
            assignment(rng.choice(module_ids), "person", membership_id=membership_id,
                       due=today + timedelta(days=rng.randint(-30, 60)), recert=rng.choice((None, 6, 12)))
        _learner(copier, ids, rng, uid, full_name, org_id, name, now, module_ids, specs, walks, difficulty)


def _learner(copier, ids, rng, uid, full_name, org_id, org_name, now, module_ids, specs, walks, difficulty):
    """One learner's attempts, decisions, quizzes, completions, certificates and CPD entries."""
    add = copier.add
    for mid in module_ids:
        if rng.random() > TRY_MODULE:
            continue
        version, spec, quiz = specs[mid]
        for _ in range(rng.choice((1, 1, 2))):
            attempt_id = ids("scenario_attempt")
            start_at = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
            steps, ending = rng.choice(walks[mid])
            outcome = rng.choices(("completed", "abandoned", "in_progress", "scenario_done"), (65, 15, 10, 10))[0]
            if outcome in ("abandoned", "in_progress"):
                steps, ending = steps[:rng.randint(0, max(0, len(steps) - 1))], None
            at = start_at
            for step, (scene_id, index, judgement, target) in enumerate(steps):
                at = at + timedelta(minutes=rng.randint(1, 6))
                add("decision", (ids("decision"), attempt_id, step, scene_id, index, judgement, target, "{}", "[]",
                                 "[]", at))
            add("scenario_attempt", (attempt_id, uid, mid, version.id, outcome,
                                     ending or (steps[-1][3] if steps else spec.start), "{}", "[]", "[]", len(steps),
                                     ending, start_at, at, 60 * len(steps), at if ending else None))
            if ending is None:
                continue
            passed_id = None
            quiz_id = None
            for number in range(1, rng.choice((1, 1, 2)) + 1):
                quiz_id = ids("quiz_attempt")
                drawn = rng.sample([q.id for q in quiz.questions], min(quiz.draw, len(quiz.questions)))
                right = [rng.random() < difficulty[mid][q] for q in drawn]
                if outcome == "completed" and rng.random() < 0.9:
                    right = [True if not r and rng.random() < 0.6 else r for r in right]
                score = round(100 * sum(right) / len(right), 2)
                passed = score >= (spec.pass_mark or 0)
                at = at + timedelta(minutes=5)
                drawn_json = "[" + ", ".join(f'["{q}", [0, 1, 2, 3]]' for q in drawn) + "]"
                add("quiz_attempt", (quiz_id, attempt_id, uid, mid, number, drawn_json, "{}", at, at, score, passed,
                                     spec.pass_mark or 0))
                for qid, ok in zip(drawn, right):
                    add("quiz_response", (ids("quiz_response"), quiz_id, qid, "[0]" if ok else "[1]",
                                          1.0 if ok else 0.0, 1.0, ok))
                if passed:
                    passed_id = (quiz_id, score)
                    break
            if outcome != "completed":
                continue
            completion_id = ids("completion")
            qid, score = passed_id or (quiz_id, 100.0)
            done_at = at + timedelta(minutes=5)
            add("completion", (completion_id, uid, mid, version.id, attempt_id, qid, score, 60 * len(steps),
                               spec.cpd_minutes, done_at))
            if rng.random() < 0.6:
                shared = rng.random() < 0.3
                add("final_reflection", (ids("final_reflection"), uid, attempt_id, "What I learned in the module.",
                                         "How it changes my practice.", done_at if shared else None,
                                         org_id if shared else None, done_at, done_at))
            if rng.random() < 0.9:
                certificate_id = ids("certificate")
                add("certificate", (certificate_id, _number(certificate_id, done_at.year),
                                    hashlib.sha256(b"bench-%d" % certificate_id).hexdigest(), uid, completion_id,
                                    org_id, org_name, full_name, version.title, version.number, spec.cpd_minutes,
                                    done_at.date(), done_at, None, "[]", "[]", "\\\\x25504446"))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        day = (now - timedelta(days=rng.randint(0, 730))).date()
        add("cpd_entry", (ids("cpd_entry"), uid, rng.choice(ACTIVITIES), "Team learning session", day,
                          rng.choice((30, 60, 90, 180)), "What the activity was and why it is relevant.",
                          "What I learned.", "The impact on my practice.", rng.choice(STANDARD_4_TAGS), None, now, now))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database for benchmarks (rebuilt)")
    parser.add_argument("--learners-total", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    built = build(args.database_url, args.learners_total, args.organisations, args.seed, echo=print)
    rows = sum(v for k, v in built.items() if k in COLUMNS)
    print(f"national data: {built['organisations']} organisations, {built['learners']} learners, "
          f"{built['decision']} decisions, {built['quiz_response']} quiz responses, {rows} rows, "
          f"{built['database_mib']} MiB in {built['seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
