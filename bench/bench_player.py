"""Player benchmark: requests per second under gunicorn (2 workers), as a ratio to a
one-line "hello" route served by the same app and server in the same run.

    .venv/bin/python bench/bench_player.py                      # SQLite
    .venv/bin/python bench/bench_player.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Scenarios: viewing a scene page as a logged-in learner, submitting a choice, submitting a
quiz. Targets: scene page >= 40% of hello, choice >= 25%, zero errors. The load generator is
a small keep-alive HTTP client in threads (stdlib only), run on this machine.

The scenarios run in short interleaved rounds and each is compared with the hello runs just
before and after it; the reported ratio is the median over rounds. The table also gives the
server's CPU time per request (gunicorn master and workers), which noise disturbs less.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODULE = "noted-not-actioned"
PASSWORD = "benchmark password 123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database_beside(url: str):
    """A fresh PostgreSQL database on the server ``url`` names: (its URL, a function dropping it)."""
    from sqlalchemy import create_engine, text

    name = "ce_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


def prepare_database(url: str | None, workdir: Path, attempts: int) -> dict:
    """Migrate, load the library, create a learner with many attempts ready to move."""
    os.environ["COURSE_ENGINE_DATABASE_URL"] = url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ["SECRET_KEY"] = "benchmark-secret"
    from alembic import command
    from sqlalchemy import select

    from course_engine import create_app
    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password
    from course_engine.authoring.models import ContentModule
    from course_engine.authoring.services import sync_content
    from course_engine.db import alembic_config, dispose_engines, session, utcnow
    from course_engine.learner import player
    from course_engine.learner import services as learner
    from course_engine.learner.models import AttemptStatus
    from course_engine.quizzes import services as quizzes

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        sync_content(ROOT / "modules", ROOT / "quizzes")
        user = User(email="bench@example.org", full_name="Bench Learner", password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow())
        session.add(user)
        session.flush()
        module = session.scalar(select(ContentModule).where(ContentModule.slug == MODULE))
        now = utcnow()
        view_attempt = learner.start_attempt(user.id, module, now)
        spec = learner.spec_for(view_attempt)
        player.begin(player.position_of(user.id, view_attempt.id), spec, 0, now)
        session.refresh(view_attempt)
        view_id = view_attempt.id
        first_scene = view_attempt.current_scene_id
        choice_ids = []
        for _ in range(attempts):
            a = learner.start_attempt(user.id, module, now)
            player.begin(player.position_of(user.id, a.id), spec, 0, now)
            choice_ids.append(a.id)
        quiz_bodies = []
        for _ in range(attempts // 2):
            a = learner.start_attempt(user.id, module, now)
            a.status, a.ending_scene_id, a.current_scene_id = AttemptStatus.scenario_done, spec.endings[0].id, spec.endings[0].id
            session.flush()
            q = quizzes.start_quiz_attempt(a, now)
            answers = [(f"q-{qid}", str(order[0])) for qid, order in q.drawn]
            quiz_bodies.append((a.id, q.number, answers))
        # Leave every attempt but the viewed one in progress (start_attempt abandons the previous one).
        from course_engine.learner.models import ScenarioAttempt

        session.query(ScenarioAttempt).filter(ScenarioAttempt.id.in_(choice_ids + [view_id])).update(
            {"status": AttemptStatus.in_progress}, synchronize_session=False)
        session.commit()
        dispose_engines(app)
    return {"view_id": view_id, "scene": first_scene, "choice_ids": choice_ids, "quiz": quiz_bodies}


class Client:
    """A keep-alive HTTP/1.1 client with a cookie jar of one session cookie."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | list | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, payload


def login(port: int) -> tuple[str, str]:
    client = Client(port)
    _, page = client.request("GET", "/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    status, _ = client.request("POST", "/login", {"csrf_token": token, "email": "bench@example.org", "password": PASSWORD})
    assert status == 302, f"login failed: {status}"
    _, page = client.request("GET", "/learning")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    return client.cookie, token


def run_load(port, cookie, next_request, seconds, threads, ok_statuses):
    """Send ``next_request()`` -> (method, path, body), or None when out of work, from
    ``threads`` keep-alive clients for ``seconds``. Returns (req/s, errors, requests)."""
    counter = {"errors": 0, "done": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        client = Client(port, cookie)
        while time.perf_counter() < stop_at:
            with lock:
                job = next_request()
            if job is None:
                return
            try:
                status, _ = client.request(*job)
            except Exception:  # noqa: BLE001 - counted as an error
                status = 0
                client = Client(port, cookie)
            with lock:
                counter["done"] += 1
                if status not in ok_statuses:
                    counter["errors"] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return counter["done"] / elapsed, counter["errors"], counter["done"]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master and its workers (children found through /proc)."""
    pids = [master_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master_pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh database is created beside it); default SQLite")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of hello, scene, choice, quiz (default 10)")
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds per scenario per round (default 1.5)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--verbose", action="store_true", help="print every run as it finishes")
    parser.add_argument("--attempts", type=int, default=10000,
                        help="attempts prepared for choice submissions (half as many for quizzes)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ce-bench-"))
    db_url, drop_database = None, None
    if args.database_url:
        db_url, drop_database = create_database_beside(args.database_url)
    backend = "PostgreSQL" if db_url else "SQLite"
    print(f"Preparing {backend} database with {args.attempts} attempts …", flush=True)
    data = prepare_database(db_url, workdir, args.attempts)

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), COURSE_ENGINE_RATELIMIT_ENABLED="false")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "bench.wsgi_bench:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/_bench/hello")
                break
            except OSError:
                time.sleep(0.1)
        cookie, token = login(port)
        scene_url = f"/attempts/{data['view_id']}"
        choice_ids, quiz = iter(data["choice_ids"]), iter(data["quiz"])

        def hello():
            return ("GET", "/_bench/hello", None)

        def scene():
            return ("GET", scene_url, None)

        def choice():
            attempt_id = next(choice_ids, None)
            if attempt_id is None:
                return None
            return ("POST", f"/attempts/{attempt_id}/choose",
                    {"csrf_token": token, "step": "1", "scene": data["scene"], "choice": f"{data['scene']}.0"})

        def quiz_submit():
            job = next(quiz, None)
            if job is None:
                return None
            attempt_id, number, answers = job
            return ("POST", f"/attempts/{attempt_id}/quiz/{number}",
                    [("csrf_token", token), ("action", "submit")] + answers)

        scenarios = [("hello", hello, {200}), ("scene page", scene, {200}),
                     ("choice submission", choice, {303}), ("quiz submission", quiz_submit, {303})]
        run_load(port, cookie, scene, 1.0, args.threads, {200})  # warm up both workers
        # Short interleaved rounds, each scenario compared with the hello runs either side of
        # it: the machine's speed drifts from second to second, and a ratio taken across a
        # long sequential run would mostly measure that drift.
        results = {label: [] for label, _m, _o in scenarios}
        hellos = []
        for round_no in range(args.rounds + 1):
            for label, maker, ok in scenarios if round_no < args.rounds else scenarios[:1]:
                pids = worker_pids(server.pid)
                before = cpu_seconds(pids)
                rps, errors, done = run_load(port, cookie, maker, args.seconds, args.threads, ok)
                cpu_ms = 1000 * (cpu_seconds(pids) - before) / max(done, 1)
                (hellos if label == "hello" else results[label]).append((rps, errors, done, cpu_ms))
                if args.verbose:
                    print(f"    {label:<20} {rps:8.1f} req/s  {cpu_ms:6.2f} ms CPU/request  {errors} errors", flush=True)
            print(f"  round {round_no + 1}/{args.rounds + 1} done", flush=True)

        print(f"\n{backend}, gunicorn 2 sync workers, {args.threads} client threads, "
              f"{args.rounds} rounds of {args.seconds:g} s per scenario")
        print(f"{'scenario':<20} {'req/s':>8} {'% of hello':>11} {'(range)':>12} {'server CPU':>11} "
              f"{'requests':>9} {'errors':>7} {'target':>7}")
        hello_rps = [h[0] for h in hellos]
        hello_cpu = statistics.median(h[3] for h in hellos)
        print(f"{'hello (baseline)':<20} {statistics.median(hello_rps):8.1f} {'100%':>11} {'':>12} "
              f"{hello_cpu:8.2f} ms {sum(h[2] for h in hellos):9d} {sum(h[1] for h in hellos):7d}")
        targets = {"scene page": 40, "choice submission": 25}
        failed = sum(h[1] for h in hellos) > 0
        for label, rows in results.items():
            if not any(r[2] for r in rows):
                continue
            # A round where the prepared attempts had run out sent nothing: it says nothing.
            ratios = [100 * rps / ((hello_rps[i] + hello_rps[i + 1]) / 2)
                      for i, (rps, _errors, done, _cpu) in enumerate(rows) if done]
            pct, errors, done = statistics.median(ratios), sum(r[1] for r in rows), sum(r[2] for r in rows)
            target = targets.get(label)
            verdict = "" if target is None else ("ok" if pct >= target and errors == 0 else "MISSED")
            failed |= verdict == "MISSED" or errors > 0
            print(f"{label:<20} {statistics.median(r[0] for r in rows if r[2]):8.1f} {pct:10.0f}% "
                  f"{f'{min(ratios):.0f}-{max(ratios):.0f}%':>12} {statistics.median(r[3] for r in rows if r[2]):8.2f} ms "
                  f"{done:9d} {errors:7d} {('>=' + str(target) + '% ' + verdict) if target else '':>7}")
        print("\n% of hello: median over rounds of req/s against the mean of the hello runs before and after.")
        if next(choice_ids, None) is None or next(quiz, None) is None:
            print("Note: prepared attempts ran out in some round; pass a larger --attempts.")
        return 1 if failed else 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        if drop_database:
            drop_database()


if __name__ == "__main__":
    sys.exit(main())
