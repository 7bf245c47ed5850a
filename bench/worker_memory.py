"""Memory per gunicorn worker: idle, after logins, after a mix of pages (issue 19 §5).

    .venv/bin/python bench/worker_memory.py [--variants baseline,arena2,trim] [--logins 6] [--rounds 3]

Serves the app with 2 sync workers on SQLite (a prepared site in a temporary folder), reads
each worker's RSS and PSS from /proc/<pid>/smaps_rollup at each stage, and prints a table per
variant. Variants change only how the workers are started (environment or gunicorn config):

- ``baseline``: as docs/gunicorn.conf.py before this change (no allocator settings);
- ``arena2``: MALLOC_ARENA_MAX=2 (fewer glibc arenas: Argon2's worker threads each get one);
- ``mmap``: MALLOC_MMAP_THRESHOLD_=131072 (large blocks always mmap'd and returned at free);
- ``trim``: malloc_trim(0) after every request (a gunicorn post_request hook);
- ``shipped``: docs/gunicorn.conf.py (preload_app, then gc.freeze in the master).

Each login verifies the password with the production Argon2id parameters (64 MiB, 4 lanes).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _site import PASSWORD, ROOT, free_port, prepare_site, start_gunicorn, stop, wait_ready, worker_pids  # noqa: E402

SHIPPED = str(ROOT / "docs" / "gunicorn.conf.py")
VARIANTS = {
    "baseline": ({}, None),
    "arena2": ({"MALLOC_ARENA_MAX": "2"}, None),
    "mmap": ({"MALLOC_MMAP_THRESHOLD_": "131072"}, None),
    "trim": ({}, "trim"),  # malloc_trim(0) after every request (a post_request hook), no preload
    "shipped": ({}, SHIPPED),
}
PAGES = ["/", "/learning", "/modules", "/certificates", "/cpd", "/account", "/learning/reminders",
         "/accessibility", "/cpd/export.csv", "/cpd/export.pdf"]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def memory(pid: int) -> tuple[float, float, float]:
    """(RSS, PSS, peak RSS) in MiB from smaps_rollup and status (VmHWM)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts[0] in ("Rss:", "Pss:"):
            values[parts[0]] = int(parts[1]) / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            values["hwm"] = int(line.split()[1]) / 1024
    return values["Rss:"], values["Pss:"], values["hwm"]


def login(base: str, email: str) -> requests.Session:
    client = requests.Session()
    token = CSRF.search(client.get(base + "/login").text).group(1)
    response = client.post(base + "/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                           allow_redirects=False)
    assert response.status_code == 302, response.status_code
    return client


def snapshot(master: int) -> list[tuple[float, float, float]]:
    """Each worker's memory, then the master's."""
    return [memory(pid) for pid in worker_pids(master)] + [memory(master)]


def run_variant(name: str, base_env: dict, emails: list[str], logins: int, rounds: int) -> dict:
    env_extra, config = VARIANTS[name]
    if config == "trim":
        config = str(Path(tempfile.mkdtemp()) / "trim.conf.py")
        Path(config).write_text("import ctypes\n_libc = ctypes.CDLL('libc.so.6')\n\n\n"
                                "def post_request(worker, req, environ, resp):\n    _libc.malloc_trim(0)\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(f"127.0.0.1:{port}", {**base_env, **env_extra}, workers=2, config=config)
    try:
        wait_ready(base)
        for _ in range(4):  # each worker has answered something
            requests.get(base + "/healthz")
        time.sleep(1)
        stages = {"idle": snapshot(server.pid)}
        clients = [login(base, emails[i % len(emails)]) for i in range(logins)]
        time.sleep(1)
        stages["after logins"] = snapshot(server.pid)
        for _ in range(rounds):
            for client in clients:
                for page in PAGES:
                    assert client.get(base + page).status_code == 200, page
        time.sleep(1)
        stages["after pages"] = snapshot(server.pid)
        clients += [login(base, emails[i % len(emails)]) for i in range(logins)]
        for client in clients:
            for page in PAGES:
                client.get(base + page)
        time.sleep(1)
        stages["steady (logins + pages again)"] = snapshot(server.pid)
        return stages
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="baseline,arena2,mmap,trim,shipped")
    parser.add_argument("--logins", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        emails = prepare_site(url, 10)
        base_env = {"COURSE_ENGINE_DATABASE_URL": url, "SECRET_KEY": "benchmark-secret",
                    "COURSE_ENGINE_MAIL_BACKEND": "memory", "COURSE_ENGINE_LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
                    "COURSE_ENGINE_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "10000 per minute", "COURSE_ENGINE_BASE_URL": "http://127.0.0.1"}
        print(f"2 sync workers, SQLite; {args.logins} logins (Argon2id production parameters), "
              f"{len(PAGES)} pages x {args.rounds} rounds per session. MiB per worker (RSS / PSS / peak RSS).")
        for name in args.variants.split(","):
            stages = run_variant(name, base_env, emails, args.logins, args.rounds)
            print(f"\n{name}: {VARIANTS[name][0] or ''} {'config ' + Path(VARIANTS[name][1]).name if VARIANTS[name][1] else ''}")
            for stage, measured in stages.items():
                workers = measured[:-1]
                cells = "   ".join(f"{rss:6.1f} / {pss:6.1f} / {hwm:6.1f}" for rss, pss, hwm in workers)
                print(f"  {stage:32s} {cells}   (max RSS {max(w[0] for w in workers):.1f}; PSS of the "
                      f"workers {sum(w[1] for w in workers):.1f}, of the whole server {sum(m[1] for m in measured):.1f})")


if __name__ == "__main__":
    main()
