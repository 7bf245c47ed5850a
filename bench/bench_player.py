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

    .venv/bin/python bench/bench_player.py --lrs                # with and without an LRS

``--lrs`` (issue 18): a second server over a copy of the same database, where the learner's
organisation sends learning records to Ralph's LRS on loopback through an RQ worker draining
the outbox during the run (bench/player_lrs.py). The two sides take turns each round; both
tables are printed, then the difference in % of hello and whether it is within the run's
own noise, and the CPU the worker and Ralph used per request of the *with* side's rounds.

    .venv/bin/python bench/bench_player.py --lrs --worker paused

``--worker paused`` stops the worker (SIGSTOP) while the rounds run and lets it go after
them (the drain is then timed): the request path alone, without the worker and Ralph taking
the same two cores in the *with* rounds only. ``running`` (the default) is what one small
host running everything would see.
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


def prepare_database(url: str | None, workdir: Path, attempts: int, in_organisation: bool = False) -> dict:
    """Migrate, load the library, create a learner with many attempts ready to move (a
    member of one organisation when ``in_organisation``: see player_lrs.py)."""
    os.environ["COURSE_ENGINE_DATABASE_URL"] = url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ["SECRET_KEY"] = "benchmark-secret"
    from alembic import command
    from sqlalchemy import select

    from course_engine import create_app
    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password
    from course_engine.authoring.models import ContentModule
    from course_engine.authoring.services import sync_content
    from course_engine.db import dispose_engines, session, utcnow
    from course_engine.migrate import alembic_config
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
        if in_organisation:
            from bench import player_lrs

            player_lrs.join_organisation(user.email)
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


class Side:
    """One server under test: its gunicorn, logged-in client and the prepared work left."""

    def __init__(self, name: str, server: subprocess.Popen, port: int, data: dict):
        self.name, self.server, self.port, self.data = name, server, port, data
        self.choice_ids, self.quiz = iter(data["choice_ids"]), iter(data["quiz"])
        self.hellos: list = []
        self.results: dict = {}
        #: Processes working for this side outside its server (the RQ worker, Ralph), and the
        #: CPU they used per request of each scenario's run.
        self.background_pids: list[int] = []
        self.background: dict = {}

    def scenarios(self):
        scene_url, scene = f"/attempts/{self.data['view_id']}", self.data["scene"]

        def choice():
            attempt_id = next(self.choice_ids, None)
            if attempt_id is None:
                return None
            return ("POST", f"/attempts/{attempt_id}/choose",
                    {"csrf_token": self.token, "step": "1", "scene": scene, "choice": f"{scene}.0"})

        def quiz_submit():
            job = next(self.quiz, None)
            if job is None:
                return None
            attempt_id, number, answers = job
            return ("POST", f"/attempts/{attempt_id}/quiz/{number}",
                    [("csrf_token", self.token), ("action", "submit")] + answers)

        return [("hello", lambda: ("GET", "/_bench/hello", None), {200}),
                ("scene page", lambda: ("GET", scene_url, None), {200}),
                ("choice submission", choice, {303}), ("quiz submission", quiz_submit, {303})]


def start_server(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "bench.wsgi_bench:app"], cwd=ROOT, env=env)
    for _ in range(300):
        try:
            Client(port).request("GET", "/_bench/hello")
            break
        except OSError:
            time.sleep(0.1)
    return server, port


def measure(side: Side, label: str, maker, ok, args) -> None:
    pids = worker_pids(side.server.pid)
    before, background_before = cpu_seconds(pids), cpu_seconds(side.background_pids)
    rps, errors, done = run_load(side.port, side.cookie, maker, args.seconds, args.threads, ok)
    cpu_ms = 1000 * (cpu_seconds(pids) - before) / max(done, 1)
    if side.background_pids and done:
        side.background.setdefault(label, []).append(
            1000 * (cpu_seconds(side.background_pids) - background_before) / done)
    (side.hellos if label == "hello" else side.results.setdefault(label, [])).append((rps, errors, done, cpu_ms))
    if args.verbose:
        print(f"    {side.name:<8} {label:<20} {rps:8.1f} req/s  {cpu_ms:6.2f} ms CPU/request  {errors} errors",
              flush=True)


def report(side: Side, backend: str, args, title: str) -> tuple[bool, dict]:
    """Print one side's table; returns (failed, {scenario: per-round ratios})."""
    print(f"\n{title}{backend}, gunicorn 2 sync workers, {args.threads} client threads, "
          f"{args.rounds} rounds of {args.seconds:g} s per scenario")
    print(f"{'scenario':<20} {'req/s':>8} {'% of hello':>11} {'(range)':>12} {'server CPU':>11} "
          f"{'requests':>9} {'errors':>7} {'target':>7}")
    hellos = side.hellos
    hello_rps = [h[0] for h in hellos]
    hello_cpu = statistics.median(h[3] for h in hellos)
    print(f"{'hello (baseline)':<20} {statistics.median(hello_rps):8.1f} {'100%':>11} {'':>12} "
          f"{hello_cpu:8.2f} ms {sum(h[2] for h in hellos):9d} {sum(h[1] for h in hellos):7d}")
    targets = {"scene page": 40, "choice submission": 25}
    failed = sum(h[1] for h in hellos) > 0
    all_ratios = {}
    for label, rows in side.results.items():
        if not any(r[2] for r in rows):
            continue
        # A round where the prepared attempts had run out sent nothing: it says nothing.
        ratios = [100 * rps / ((hello_rps[i] + hello_rps[i + 1]) / 2) if done else None
                  for i, (rps, _errors, done, _cpu) in enumerate(rows)]
        all_ratios[label] = ratios
        ratios = [r for r in ratios if r is not None]
        pct, errors, done = statistics.median(ratios), sum(r[1] for r in rows), sum(r[2] for r in rows)
        target = targets.get(label)
        verdict = "" if target is None else ("ok" if pct >= target and errors == 0 else "MISSED")
        failed |= verdict == "MISSED" or errors > 0
        print(f"{label:<20} {statistics.median(r[0] for r in rows if r[2]):8.1f} {pct:10.0f}% "
              f"{f'{min(ratios):.0f}-{max(ratios):.0f}%':>12} {statistics.median(r[3] for r in rows if r[2]):8.2f} ms "
              f"{done:9d} {errors:7d} {('>=' + str(target) + '% ' + verdict) if target else '':>7}")
    if next(side.choice_ids, None) is None or next(side.quiz, None) is None:
        print("Note: prepared attempts ran out in some round; pass a larger --attempts.")
    return failed, all_ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh database is created beside it); default SQLite")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of hello, scene, choice, quiz (default 10)")
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds per scenario per round (default 1.5)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--verbose", action="store_true", help="print every run as it finishes")
    parser.add_argument("--attempts", type=int, default=10000,
                        help="attempts prepared for choice submissions (half as many for quizzes)")
    parser.add_argument("--lrs", action="store_true",
                        help="also run, interleaved, a copy with an LRS connected (Ralph, RQ worker): see player_lrs.py")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2",
                        help="with --lrs: the Redis database for the queue (emptied first; default db 2)")
    parser.add_argument("--worker", choices=("running", "paused"), default="running",
                        help="with --lrs: the RQ worker drains during the rounds (default), or is paused "
                             "during them and drains after")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ce-bench-"))
    db_url, drop_database, drop_copy, lrs, worker = None, None, None, None, None
    if args.database_url:
        db_url, drop_database = create_database_beside(args.database_url)
    backend = "PostgreSQL" if db_url else "SQLite"
    print(f"Preparing {backend} database with {args.attempts} attempts …", flush=True)
    data = prepare_database(db_url, workdir, args.attempts, in_organisation=args.lrs)
    sides: list[Side] = []
    env = dict(os.environ, PYTHONPATH=str(ROOT), COURSE_ENGINE_RATELIMIT_ENABLED="false")
    try:
        if args.lrs:
            from bench import player_lrs

            lrs_url, drop_copy = player_lrs.copy_database(db_url, workdir, args.database_url)
            lrs = player_lrs.start_lrs(workdir)
            player_lrs.connect(lrs_url, lrs.endpoint)
            player_lrs.empty_queue(args.redis_url)
            lrs_env = player_lrs.server_env(env, lrs_url, args.redis_url)
            worker = player_lrs.start_worker(lrs_env, workdir / "worker.log")
        sides.append(Side("without" if args.lrs else "player", *start_server(env), data))
        if args.lrs:
            sides.append(Side("with LRS", *start_server(lrs_env), data))
            sides[-1].background_pids = [worker.pid, lrs.process.pid]
        for side in sides:
            side.cookie, side.token = login(side.port)
            run_load(side.port, side.cookie, side.scenarios()[1][1], 1.0, args.threads, {200})  # warm up both workers
        # Short interleaved rounds, each scenario compared with the hello runs either side of
        # it: the machine's speed drifts from second to second, and a ratio taken across a
        # long sequential run would mostly measure that drift. With two sides, they take
        # turns going first.
        if worker is not None and args.worker == "paused":
            worker.send_signal(signal.SIGSTOP)
        for round_no in range(args.rounds + 1):
            for side in sides if round_no % 2 == 0 else sides[::-1]:
                for label, maker, ok in side.scenarios() if round_no < args.rounds else side.scenarios()[:1]:
                    measure(side, label, maker, ok, args)
            print(f"  round {round_no + 1}/{args.rounds + 1} done", flush=True)
        if worker is not None and args.worker == "paused":
            worker.send_signal(signal.SIGCONT)

        failed = False
        ratios = []
        for side in sides:
            side_failed, side_ratios = report(side, backend, args, f"{side.name}: " if args.lrs else "")
            failed |= side_failed
            ratios.append(side_ratios)
        print("\n% of hello: median over rounds of req/s against the mean of the hello runs before and after.")
        if args.lrs:
            player_lrs.compare(*ratios)
            with_side = sides[1]
            print(f"\nCPU of the worker and Ralph per request of the with side's rounds (worker {args.worker}): "
                  + ", ".join(f"{label} {statistics.median(v):.2f} ms" for label, v in with_side.background.items()))
            during = player_lrs.outbox_counts(lrs_url)
            deadline = time.monotonic() + 300
            after = during
            while after["waiting"] and time.monotonic() < deadline:
                time.sleep(2)
                after = player_lrs.outbox_counts(lrs_url)
            stored = len({s["id"] for s in lrs.statements()})
            print(f"\nOutbox: {during['written']} statements written during the run "
                  f"({', '.join(f'{n} {v}' for v, n in sorted(during['by_verb'].items()))}); "
                  f"{during['sent']} delivered by the worker when the last round ended, "
                  f"{after['sent']} {'after' if not after['waiting'] else 'within'} another "
                  f"{300 - max(0, deadline - time.monotonic()):.0f} s; refused {after['refused']}, "
                  f"waiting {after['waiting']}. Ralph holds {stored}.")
            failed |= after["refused"] > 0 or after["waiting"] > 0 or stored != after["sent"]
            if after["waiting"]:
                print("FAILED: statements still waiting after the drain (is the worker delivering? see its log)")
        print(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
        return 1 if failed else 0
    finally:
        for side in sides:
            side.server.send_signal(signal.SIGTERM)
            side.server.wait(timeout=30)
        if worker is not None:
            worker.send_signal(signal.SIGCONT)  # (paused: a stopped process does not act on SIGTERM)
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        if lrs is not None:
            lrs.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if drop_copy:
            drop_copy()
        if drop_database:
            drop_database()


if __name__ == "__main__":
    sys.exit(main())
