"""Instructions per request, counted by valgrind: a noise-free companion to bench_player.py.

    .venv/bin/python bench/count_instructions.py            # hello, scene page, choice submission
    .venv/bin/python bench/count_instructions.py --requests 300 scene
    .venv/bin/python bench/count_instructions.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/count_instructions.py --lrs choice quiz    # without and with an LRS (SQLite)

The machines here are noisy (timings of one page vary by 2x from second to second), so
small changes to the player are judged by the instructions the app executes per request,
in process, without gunicorn or a client: valgrind's callgrind counts them, switched on
only around the measured requests. Needs valgrind (``apt-get install valgrind``). The
figures are for the app's own work (on PostgreSQL, the client side only: the server's
work is not counted); bench_player.py gives the requests per second a server actually
reaches.

``--lrs`` (issue 18) counts each kind twice, on two copies of one prepared database where the
learner belongs to one organisation: *without* an LRS, and *with* the organisation's
connection switched on and jobs going to RQ (``--redis-url``, emptied first). No worker runs:
this is the request path alone, what sending statements costs the learner's request.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("hello", "scene", "choice", "quiz")


def run_requests(kind: str, count: int, data_file: str) -> None:
    """Inside valgrind: log in, warm up, then count instructions over ``count`` requests."""
    data = json.loads(Path(data_file).read_text())
    os.environ["COURSE_ENGINE_RATELIMIT_ENABLED"] = "false"
    sys.path.insert(0, str(ROOT))
    from werkzeug.test import EnvironBuilder

    from bench.wsgi_bench import app

    client, headers = app.test_client(), {"User-Agent": "bench"}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "email": "bench@example.org", "password": data["password"]},
                headers=headers)
    page = client.get("/learning", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = client.get_cookie("session").value

    def call(path, form=None):
        options = dict(path=path, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                       headers={"Cookie": f"session={cookie}", "User-Agent": "bench"})
        if form is not None:
            options.update(method="POST", data=urllib.parse.urlencode(form),
                           content_type="application/x-www-form-urlencoded")
        statuses = []
        body = app.wsgi_app(EnvironBuilder(**options).get_environ(), lambda s, h, e=None: statuses.append(s))
        b"".join(body)
        return statuses[0]

    attempts = iter(data["choice_ids"])
    quizzes = iter(data.get("quiz", []))

    def quiz():
        attempt_id, number, answers = next(quizzes)
        return call(f"/attempts/{attempt_id}/quiz/{number}", [("csrf_token", token), ("action", "submit")] + answers)

    requests = {
        "quiz": quiz,
        "hello": lambda: call("/_bench/hello"),
        "scene": lambda: call(f"/attempts/{data['view_id']}"),
        "choice": lambda: call(f"/attempts/{next(attempts)}/choose", {"csrf_token": token, "step": "1",
                                                                        "scene": data["scene"],
                                                                        "choice": f"{data['scene']}.0"}),
    }
    for _ in range(20):
        requests["hello"](), requests["scene"]()
    for _ in range(3):
        requests[kind]()
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=True)
    for _ in range(count):
        status = requests[kind]()
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=True)
    expected = "303" if kind in ("choice", "quiz") else "200"
    assert status.startswith(expected), f"{kind}: {status}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", metavar="kind", help="hello, scene, choice (default: all three)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh database is created beside it); default SQLite")
    parser.add_argument("--lrs", action="store_true", help="each kind without and with an LRS connected (SQLite)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2",
                        help="with --lrs: the Redis database the with side queues jobs in (emptied first)")
    parser.add_argument("--_worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._worker:
        kind, count, data_file = args._worker
        run_requests(kind, int(count), data_file)
        return 0
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown request kind {unknown[0]!r}: choose from {', '.join(KINDS)}")
    args.kinds = args.kinds or list(KINDS[:3])
    if args.lrs and args.database_url:
        parser.error("--lrs counts on SQLite only")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT / "bench"))
    import bench_player

    workdir = Path(tempfile.mkdtemp(prefix="ce-instructions-"))
    database_url, drop_database = None, None
    if args.database_url:
        database_url, drop_database = bench_player.create_database_beside(args.database_url)
    try:
        print(f"Preparing a {'PostgreSQL' if database_url else 'SQLite'} database …", flush=True)
        # One set of attempts per kind: on PostgreSQL every run shares the database.
        # Half as many quiz attempts as attempts are prepared: twice as many when quizzes are counted.
        attempts = (args.requests + 50) * len(args.kinds) * (2 if "quiz" in args.kinds else 1)
        data = bench_player.prepare_database(database_url, workdir, attempts, in_organisation=args.lrs)
        data_file = workdir / "data.json"
        data_file.write_text(json.dumps({"view_id": data["view_id"], "scene": data["scene"],
                                         "choice_ids": data["choice_ids"], "quiz": data["quiz"],
                                         "password": bench_player.PASSWORD}))
        database = workdir / "bench.db"
        print(f"{'request':<10} {'instructions per request':>26}")
        choice_ids = data["choice_ids"]
        if args.lrs:
            return count_with_and_without(args, workdir, database, data_file)
        for number, kind in enumerate(args.kinds):
            if database_url:
                url = database_url
                share = args.requests + 50
                data_file.write_text(json.dumps({"view_id": data["view_id"], "scene": data["scene"],
                                                 "choice_ids": choice_ids[number * share:(number + 1) * share],
                                                 "password": bench_player.PASSWORD}))
            else:
                copy = workdir / f"run-{kind}.db"
                shutil.copy(database, copy)
                url = f"sqlite:///{copy}"
            env = dict(os.environ, COURSE_ENGINE_DATABASE_URL=url, SECRET_KEY="benchmark-secret")
            counted = count(env, kind, args.requests, data_file)
            if counted is None:
                return 1
            print(f"{kind:<10} {counted / 1e6:22.2f} M", flush=True)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if drop_database:
            drop_database()


def count(env: dict, kind: str, requests: int, data_file: Path) -> float | None:
    """Instructions per request of ``kind`` in a valgrind'd worker with ``env``; None on failure."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
                          sys.executable, __file__, "--_worker", kind, str(requests), str(data_file)],
                         env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        print(run.stderr[-2000:], file=sys.stderr)
        return None
    return int(found.group(1)) / requests


def count_with_and_without(args, workdir: Path, database: Path, data_file: Path) -> int:
    """Each kind on a fresh copy without, then with, an LRS connected (see the docstring)."""
    import player_lrs
    from redis import Redis

    print(f"{'':<10} {'without':>12} {'with LRS':>12} {'difference':>12}")
    for kind in args.kinds:
        figures = []
        for side in ("without", "with"):
            copy = workdir / f"run-{kind}-{side}.db"
            shutil.copy(database, copy)
            url = f"sqlite:///{copy}"
            env = dict(os.environ, COURSE_ENGINE_DATABASE_URL=url, SECRET_KEY="benchmark-secret")
            if side == "with":
                # Nothing listens there and no worker runs: only what the request itself does.
                player_lrs.connect(url, "http://127.0.0.1:9/xAPI/")
                Redis.from_url(args.redis_url).flushdb()
                env = player_lrs.server_env(env, url, args.redis_url)
            figures.append(count(env, kind, args.requests, data_file))
            if figures[-1] is None:
                return 1
        without, with_lrs = figures
        print(f"{kind:<10} {without / 1e6:10.2f} M {with_lrs / 1e6:10.2f} M {(with_lrs - without) / 1e6:+10.2f} M "
              f"({(with_lrs - without) / without:+.1%})", flush=True)
    Redis.from_url(args.redis_url).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
