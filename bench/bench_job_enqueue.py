"""What queuing background work costs a request: CPU per ``jobs.enqueue`` (an RQ job each
time) against ``jobs.enqueue_once`` (one Redis ``SET NX EX``; one job per key and window),
measured in one process, alternating, against the local Redis.

    .venv/bin/python bench/bench_job_enqueue.py [--calls 500] [--redis redis://127.0.0.1:6379/14]

The player's decision receiver used the first and now uses the second (xapi/services.py,
queue_collection). Prints CPU microseconds per call for each (less an empty unit of work, which both pay) and
their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    from redis import Redis

    from course_engine import create_app, jobs
    from course_engine.db import commit_and_run_callbacks

    @jobs.job("bench.noop", backoff=())
    def noop(n: int) -> None:  # never run: the queue is emptied afterwards
        return None

    Redis.from_url(args.redis).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-enqueue-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{workdir / 'b.db'}",
                      "JOBS_BACKEND": "rq", "JOBS_REDIS_URL": args.redis})
    per_call = {"nothing": [], "enqueue": [], "enqueue_once": []}
    with app.app_context():
        jobs._redis(app).ping()  # connect once before timing
        for round_number in range(args.rounds):
            kinds = ("nothing", "enqueue", "enqueue_once")
            for kind in kinds if round_number % 2 == 0 else tuple(reversed(kinds)):
                started = time.process_time()
                for n in range(args.calls):
                    if kind == "nothing":
                        pass  # the unit of work alone: what both kinds also pay
                    elif kind == "enqueue":
                        jobs.enqueue("bench.noop", n=n)
                    else:
                        jobs.enqueue_once("bench.noop", key="attempt-1", within_seconds=60, n=n)
                    commit_and_run_callbacks()
                per_call[kind].append((time.process_time() - started) / args.calls * 1e6)
    Redis.from_url(args.redis).flushdb()
    base = statistics.median(per_call["nothing"])
    plain = statistics.median(per_call["enqueue"]) - base
    once = statistics.median(per_call["enqueue_once"]) - base
    print(f"{args.calls} calls x {args.rounds} rounds, CPU per call (median over rounds), less the unit of work "
          f"alone ({base:.1f} us):")
    print(f"  jobs.enqueue       {plain:8.1f} us   (raw rounds: {', '.join(f'{v:.0f}' for v in per_call['enqueue'])})")
    print(f"  jobs.enqueue_once  {once:8.1f} us   (raw rounds: {', '.join(f'{v:.0f}' for v in per_call['enqueue_once'])})")
    print(f"enqueue_once costs {once / plain:.0%} of enqueue per call")


if __name__ == "__main__":
    main()
