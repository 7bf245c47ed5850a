"""Two app hosts on one PostgreSQL and one Redis, 200 learners doing whole modules (issue 19 §3).

    .venv/bin/python bench/two_hosts.py [--users 200] [--spawn-rate 2] [--run-time 180] [--think 3,8]
        [--worker-class sync|gthread]
        [--threads 4] [--learners 400] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--national N]

1. Creates a fresh PostgreSQL database beside ``--server`` (dropped at the end), migrates it,
   loads the module library and ``--learners`` learners of one organisation (``--national N``
   first loads bench/national_data.py with N learners in all, when that file is present).
2. Makes two network namespaces (``ip netns add``; needs root), each joined to this machine by
   a veth pair with its own address (10.231.1.2 and 10.231.2.2); if that fails it says so and
   falls back to two ports on 127.0.0.1. PostgreSQL is reached from inside by its Unix socket,
   Redis through a Unix-socket relay (socat) to the machine's one Redis (db 3): both hosts
   share one database, one rate-limit store and one job queue.
3. Starts gunicorn in each (2 workers), checks that sessions and login limits work across the
   hosts (a session made on one is signed in on the other; failed logins on both count
   against one limit; behind a balancer that sets X-Forwarded-For, as Locust does), then runs Locust headless (bench/locust_module.py) for ``--run-time``
   seconds, every learner alternating hosts request by request.
4. Prints requests per second, p50/p95/p99 per page type, errors and the load average, then
   checks the database: every decision the server acknowledged is there exactly once.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _site import PASSWORD, ROOT, prepare_site, start_gunicorn, stop, wait_ready  # noqa: E402

NAMESPACES = (("ce_host1", "10.231.1"), ("ce_host2", "10.231.2"))
REDIS_DB = 3
MODULES = "noted-not-actioned,her-son-can-translate,ethnicity-other"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def make_namespaces() -> list[str] | None:
    """Two namespaces with veth pairs; their app addresses, or None when they cannot be made."""
    try:
        for name, net in NAMESPACES:
            remove_namespace(name)
            sh("ip", "netns", "add", name)
            sh("ip", "link", "add", f"{name}-o", "type", "veth", "peer", "name", f"{name}-i")
            sh("ip", "link", "set", f"{name}-i", "netns", name)
            sh("ip", "addr", "add", f"{net}.1/24", "dev", f"{name}-o")
            sh("ip", "link", "set", f"{name}-o", "up")
            sh("ip", "netns", "exec", name, "ip", "addr", "add", f"{net}.2/24", "dev", f"{name}-i")
            sh("ip", "netns", "exec", name, "ip", "link", "set", f"{name}-i", "up")
            sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        detail = getattr(error, "stderr", b"") or b""
        print(f"Network namespaces could not be made ({error}; {detail.decode().strip()}): "
              "FALLING BACK to two ports on 127.0.0.1.")
        for name, _net in NAMESPACES:
            remove_namespace(name)
        return None
    return [f"{net}.2" for _name, net in NAMESPACES]


def remove_namespace(name: str) -> None:
    subprocess.run(["ip", "link", "del", f"{name}-o"], capture_output=True)
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def create_database(server: str) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    name = "ce_scalehosts_bench_" + uuid.uuid4().hex[:6]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return name, drop


def checkpoint(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
    engine.dispose()


def check_across_hosts(hosts: list[str], email: str) -> list[str]:
    """Sessions and login limits across hosts: what was checked, each as a line (raises if wrong)."""
    lines = []
    client = requests.Session()
    client.headers["X-Forwarded-For"] = "198.51.100.250"  # one person, as the load balancer reports them
    page = client.get(hosts[0] + "/login")
    response = client.post(hosts[0] + "/login", allow_redirects=False, data={
        "email": email, "password": PASSWORD, "csrf_token": CSRF.search(page.text).group(1)})
    assert response.status_code == 302, response.status_code
    cookie = {c.name: c.value for c in client.cookies}
    other = requests.get(hosts[1] + "/learning", cookies=cookie, allow_redirects=False,
                         headers={"X-Forwarded-For": "198.51.100.250"})
    assert other.status_code == 200, f"signed in on host 1, host 2 answered {other.status_code}"
    lines.append("session made on host 1 is signed in on host 2: yes")
    statuses = []
    # The limit is 5 failed attempts a minute per account *and* address (issue 13: guessing from
    # one place is stopped, nobody elsewhere is locked out), counted in Redis, so on any host.
    for attempt in range(7):
        host = hosts[attempt % 2]
        fresh = requests.Session()
        fresh.headers["X-Forwarded-For"] = "203.0.113.7"  # one guesser, one account, both hosts
        token = CSRF.search(fresh.get(host + "/login").text).group(1)
        statuses.append(fresh.post(host + "/login", allow_redirects=False, data={
            "email": "limit-check@bench.example", "password": "wrong password", "csrf_token": token}).status_code)
    assert 429 in statuses, f"failed logins alternating hosts were never limited: {statuses}"
    lines.append(f"failed logins alternating hosts, statuses in order: {statuses} (limited after 5: shared counter)")
    return lines


class LoadAverage(threading.Thread):
    """Samples the 1-minute load average every 5 s (the machine is shared)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.running = True

    def run(self):
        while self.running:
            self.samples.append(os.getloadavg()[0])
            time.sleep(5)


def check_decisions(database_url: str, ack_file: Path) -> str:
    from sqlalchemy import create_engine, text

    acks = [json.loads(line) for line in ack_file.read_text().splitlines() if line.strip()]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT attempt_id, step, scene_id, choice_index FROM decision")).all()
    engine.dispose()
    found: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for attempt_id, step, scene_id, choice_index in rows:
        found.setdefault((attempt_id, step), []).append((scene_id, choice_index))
    missing = duplicated = wrong = 0
    for ack in acks:
        entries = found.get((ack["attempt"], ack["step"]), [])
        if not entries:
            missing += 1
        elif len(entries) > 1:
            duplicated += 1
        elif entries[0] != (ack["scene"], ack["choice"]):
            wrong += 1
    unacknowledged = len(rows) - (len(acks) - missing)
    return (f"acknowledged decisions {len(acks)}: missing {missing}, duplicated {duplicated}, "
            f"different from what was acknowledged {wrong}; decisions in the database {len(rows)} "
            f"({unacknowledged} saved without an acknowledgement reaching the learner)")


def report(prefix: Path, seconds: float) -> list[str]:
    with open(f"{prefix}_stats.csv") as fh:
        rows = list(csv.DictReader(fh))
    lines = [f"{'page type':18s} {'requests':>8s} {'errors':>6s} {'rps':>6s} {'p50':>6s} {'p95':>6s} {'p99':>6s}  (ms)"]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        lines.append(f"{name:18s} {row['Request Count']:>8s} {row['Failure Count']:>6s} "
                     f"{float(row['Requests/s']):6.1f} {row['50%']:>6s} {row['95%']:>6s} {row['99%']:>6s}")
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        for row in list(csv.DictReader(failures.open()))[:10]:
            lines.append(f"  error: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
    return lines


def steady_state(request_log: Path) -> list[str]:
    """Percentiles per page type for the requests after the last learner signed in.

    The whole-run table includes the ramp, when every learner's sign-in (an Argon2 hash at
    production strength, the most expensive request the app has) arrives on the same workers
    as other learners' pages; this one shows the service once everyone is in.
    """
    rows = [line.split(",") for line in request_log.read_text().splitlines() if line.count(",") == 3]
    logins = [float(r[0]) for r in rows if r[1] == "login"]
    if not rows or not logins:
        return ["(no request log)"]
    after = max(logins)
    by_name: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for at, name, ms, failed in rows:
        if float(at) > after:
            by_name.setdefault(name, []).append(float(ms))
            errors[name] = errors.get(name, 0) + int(failed)
    every = [ms for values in by_name.values() for ms in values]
    span = max(float(r[0]) for r in rows) - after
    lines = [f"steady state: the {span:.0f} s after the last sign-in",
             f"{'page type':18s} {'requests':>8s} {'errors':>6s} {'rps':>6s} {'p50':>6s} {'p95':>6s} {'p99':>6s}  (ms)"]
    for name, values in sorted(by_name.items()) + [("ALL", every)]:
        values.sort()
        pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
        failed = sum(errors.values()) if name == "ALL" else errors[name]
        lines.append(f"{name:18s} {len(values):8d} {failed:6d} {len(values) / max(span, 1):6.1f} "
                     f"{pick(.50):6.0f} {pick(.95):6.0f} {pick(.99):6.0f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=2, help="learners signing in per second")
    parser.add_argument("--run-time", type=int, default=180)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", default="3,8", help="seconds a learner reads between pages: min,max")
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--national", type=int, default=0, help="first load bench/national_data.py with N learners")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    name, drop = create_database(args.server)
    tmp = Path(tempfile.mkdtemp(prefix="ce_two_hosts_"))
    tcp_url = args.server.rsplit("/", 1)[0] + "/" + name
    socket_url = f"postgresql+psycopg://postgres@/{name}?host=/var/run/postgresql"
    processes = []
    namespaces = None
    try:
        if args.national:
            generator = ROOT / "bench" / "national_data.py"
            if not generator.exists():
                raise SystemExit("bench/national_data.py is not here yet (branch scalesql); run without --national")
            subprocess.run([sys.executable, str(generator), "--database-url", tcp_url,
                            "--learners-total", str(args.national)], check=True)
        started = time.monotonic()
        emails = prepare_site(tcp_url, args.learners)
        print(f"Database {name}: migrated, library loaded, {args.learners} learners "
              f"({time.monotonic() - started:.0f} s).")
        (tmp / "emails.txt").write_text("\n".join(emails[1:]) + "\n")
        redis_socket = tmp / "redis.sock"
        processes.append(subprocess.Popen(["socat", f"UNIX-LISTEN:{redis_socket},fork,mode=777",
                                           "TCP:127.0.0.1:6379"], start_new_session=True))
        redis_url = f"unix://{redis_socket}?db={REDIS_DB}"
        env = {"COURSE_ENGINE_DATABASE_URL": socket_url, "SECRET_KEY": "two-hosts-benchmark-secret",
               "COURSE_ENGINE_RATELIMIT_STORAGE_URI": f"redis+unix://{redis_socket}?db={REDIS_DB}",
               "COURSE_ENGINE_JOBS_BACKEND": "rq", "COURSE_ENGINE_JOBS_REDIS_URL": redis_url,
               "COURSE_ENGINE_MAIL_BACKEND": "memory", "COURSE_ENGINE_BASE_URL": "http://bench.example",
               # The hosts sit behind a load balancer that sets X-Forwarded-For (Locust plays it:
               # each learner has its own address), as in production: flask-login's "strong"
               # session protection ties a session to the person's address, which must then be
               # the same on every host (without PROXY_COUNT each host would see the balancer's).
               "COURSE_ENGINE_PROXY_COUNT": "1",
               "COURSE_ENGINE_EXPORTS_DIR": str(tmp / "exports")}
        namespaces = make_namespaces()
        hosts = []
        for index in range(2):
            if namespaces:
                address, netns = namespaces[index], NAMESPACES[index][0]
                bind, url = f"{address}:8000", f"http://{address}:8000"
            else:
                port = 18100 + index
                bind, url, netns = f"127.0.0.1:{port}", f"http://127.0.0.1:{port}", None
            log = open(tmp / f"host{index + 1}.log", "w")
            processes.append(start_gunicorn(bind, env, workers=args.workers, worker_class=args.worker_class,
                                            threads=args.threads if args.worker_class == "gthread" else 1,
                                            netns=netns, log=log))
            hosts.append(url)
        for url in hosts:
            wait_ready(url)
        kind = "network namespaces" if namespaces else "two ports on loopback (fallback)"
        print(f"Hosts ({kind}): {', '.join(hosts)}; gunicorn {args.workers} {args.worker_class} workers"
              f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''} each.")
        for line in check_across_hosts(hosts, emails[0]):
            print("  " + line)

        ack_file = tmp / "acks.jsonl"
        ack_file.touch()
        request_log = tmp / "requests.csv"
        # The load above dirtied gigabytes of pages: write them out now, as a service long in
        # use would have, rather than in a checkpoint in the middle of the measured run.
        checkpoint(tcp_url)
        load = LoadAverage()
        load.start()
        prefix = tmp / "locust"
        began = time.monotonic()
        subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locust_module.py"),
                        "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.run_time}s",
                        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                       env={**os.environ, "CE_HOSTS": ",".join(hosts), "CE_EMAILS": str(tmp / "emails.txt"),
                            "CE_PASSWORD": PASSWORD, "CE_MODULES": MODULES, "CE_ACK_FILE": str(ack_file),
                            "CE_THINK": args.think, "CE_REQUEST_LOG": str(request_log)},
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp / "locust.log", "w"))
        seconds = time.monotonic() - began
        load.running = False
        print(f"\nLocust: {args.users} learners (spawned {args.spawn_rate}/s), {args.run_time} s, whole modules "
              f"({MODULES}), {args.think.replace(',', '-')} s between pages, alternating hosts on every request.")
        for line in report(prefix, seconds):
            print("  " + line)
        for line in steady_state(request_log):
            print("  " + line)
        samples = load.samples or [os.getloadavg()[0]]
        print(f"  load average (1 min) during the run: min {min(samples):.1f}, max {max(samples):.1f}, "
              f"mean {sum(samples) / len(samples):.1f} on {os.cpu_count()} cores (shared machine)")
        print("Database check: " + check_decisions(tcp_url, ack_file))
    finally:
        for process in processes:
            stop(process)
        if namespaces:
            for ns, _net in NAMESPACES:
                remove_namespace(ns)
        drop()
        print(f"(logs in {tmp})")


if __name__ == "__main__":
    main()
