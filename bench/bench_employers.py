"""Benchmark the employer pages on a generated organisation (see ``employers_data.py``).

    .venv/bin/python bench/bench_employers.py [--learners 500 5000 20000] [--database-url URL] [--reuse]
    .venv/bin/python bench/bench_employers.py --database-url URL --organisation national-body   # national data

With ``--organisation`` (an organisation of the national data set, ``national_data.py``),
nothing is rebuilt: that organisation's admin (``admin@<slug>.example``) is measured.

With ``--database-url`` (PostgreSQL), each size rebuilds that database; without it each size
gets its own SQLite file in the temp folder. Times are server time through the Flask test
client (routing, the guard, the queries and the template render), median of 5 after a
warm-up, logged in as the org admin (who sees everyone). The CSV export is consumed as a
stream (timed once without tracemalloc, then again with it for its peak Python memory, so
you can see that it does not grow with the number of rows). Targets (issue 19): summary, a matrix page, the matrix filtered
to overdue and an insights page < 300 ms each, the full CSV < 5 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import employers_data  # noqa: E402

#: Issue 19's targets, for every size up to 20,000 learners.
TARGETS = {"summary": 0.300, "matrix page": 0.300, "matrix page (overdue)": 0.300, "insights": 0.300,
           "matrix CSV": 5.0}


def _timed(client, url, runs=5):
    """Median wall time and median CPU time of this thread (the app runs in it; on SQLite so
    does the database), so figures stay readable on a busy machine."""
    client.get(url)  # warm-up: specs decoded, caches filled
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        assert response.status_code == 200, (url, response.status_code)
    CPU[url.split("/")[-1]] = statistics.median(cpu)
    return statistics.median(times)


CPU: dict[str, float] = {}


def _stream(client, url):
    response = client.get(url, buffered=False)
    rows = size = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    return rows, size


def _csv(client, url):
    """Time the streamed export, then stream it again to find the peak Python memory.

    Twice, because tracemalloc slows every allocation (it more than doubled the CSV's time
    on the national data): the time is taken without it, the peak with it.
    """
    started = time.perf_counter()
    rows, size = _stream(client, url)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _stream(client, url)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return elapsed, peak, rows - 1, size


def measure(database_url: str, learners: int, reuse: bool, organisation: str = "bench-council") -> dict:
    from course_engine.authoring.models import ContentModule
    from course_engine.db import dispose_engines, session

    built = None
    if not reuse:
        print(f"Building {learners} learners at {database_url.split('@')[-1]} ...")
        built = employers_data.build(database_url, learners, echo=lambda m: print(m))
    import tempfile

    app = employers_data.make_app(database_url, Path(tempfile.gettempdir()))
    client = app.test_client()
    with app.app_context():
        module = session.scalars(__import__("sqlalchemy").select(ContentModule).order_by(ContentModule.id)).first()
        slug = module.slug
        from course_engine.orgs.models import Membership, Organisation

        sa = __import__("sqlalchemy")
        members = session.scalar(sa.select(sa.func.count()).select_from(Membership).join(
            Organisation, Organisation.id == Membership.organisation_id).where(Organisation.slug == organisation))
        session.remove()
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    admin = "admin@bench.example" if organisation == "bench-council" else f"admin@{organisation}.example"
    response = client.post("/login", data={"email": admin, "password": employers_data.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    org = f"/orgs/{organisation}"
    results = {
        "summary": _timed(client, f"{org}/dashboard"),
        "matrix page": _timed(client, f"{org}/dashboard/matrix"),
        "matrix page (overdue)": _timed(client, f"{org}/dashboard/matrix?status=overdue&page=2"),
        "insights": _timed(client, f"{org}/insights/{slug}"),
    }
    csv_time, csv_peak, csv_rows, csv_bytes = _csv(client, f"{org}/dashboard/matrix.csv")
    results["matrix CSV"] = csv_time
    results["csv_peak_kib"] = csv_peak / 1024
    results["csv_rows"] = csv_rows
    results["csv_bytes"] = csv_bytes
    results["built"] = built
    results["members"] = members
    results["cpu"] = dict(CPU)
    CPU.clear()
    with app.app_context():
        dispose_engines(app)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true", help="use the data already built (one size only)")
    parser.add_argument("--organisation", default=None, help="an organisation of the national data (implies --reuse)")
    args = parser.parse_args(argv)
    table = []
    if args.organisation:
        result = measure(args.database_url, 0, True, args.organisation)
        table.append((result["members"], result))
    for learners in ([] if args.organisation else args.learners):
        url = args.database_url or employers_data.default_url(learners)
        table.append((learners, measure(url, learners, args.reuse)))
    backend = "PostgreSQL" if (args.database_url or "").startswith("postgresql") else "SQLite"
    import os

    print(f"\n{backend}: median of 5 (ms), server time through the test client; CSV streamed once; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'learners':>8} {'attempts':>9} {'summary':>8} {'matrix':>7} {'overdue':>8} {'insights':>9} "
          f"{'CSV ms':>8} {'CSV rows':>9} {'CSV peak KiB':>13}")
    failed = False
    for learners, r in table:
        attempts = r["built"]["attempts"] if r["built"] else "-"
        print(f"{learners:>8} {attempts:>9} {1000 * r['summary']:>8.0f} {1000 * r['matrix page']:>7.0f} "
              f"{1000 * r['matrix page (overdue)']:>8.0f} {1000 * r['insights']:>9.0f} {1000 * r['matrix CSV']:>8.0f} "
              f"{r['csv_rows']:>9} {r['csv_peak_kib']:>13.0f}")
        print(f"{'  cpu ms':>8} {'':>9} " + " ".join(f"{1000 * v:>7.0f}" for v in r["cpu"].values()))
        misses = [k for k, limit in TARGETS.items() if r[k] > limit]
        failed = failed or bool(misses)
        print(f"targets at {learners}: {'all met' if not misses else 'MISSED ' + ', '.join(misses)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
