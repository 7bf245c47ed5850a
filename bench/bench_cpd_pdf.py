"""Benchmark: the CPD record PDF for a learner with 100 entries in one registration year.

Runs without a server on a throwaway SQLite database:

    .venv/bin/python bench/bench_cpd_pdf.py [--runs 7] [--out /tmp/cpd.pdf]

Prints the median time to build the PDF (records query + summary + rendering) and of the
rendering alone. ``--out`` keeps one PDF to look at.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_engine import create_app  # noqa: E402
from course_engine.auth.models import User  # noqa: E402
from course_engine.cpd import exports, services  # noqa: E402
from course_engine.cpd.models import ActivityType, PeerFormat  # noqa: E402
from course_engine.db import dispose_engines, session  # noqa: E402
from course_engine.models import metadata  # noqa: E402

ENTRIES = 100
NOW = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
TODAY = NOW.date()
YEAR = services.RegistrationYear.containing(TODAY)

LEARNED = ("Adultification bias can make a child seem older and less in need of protection. "
           "I noticed how quickly the professionals in the case study stopped asking questions, and how "
           "the child's voice was lost when adults' accounts were accepted without challenge.")
IMPACT = ("I will ask myself how I am reading a child's age and behaviour, record the child's own words, "
          "and bring one case each month to supervision to test my assumptions. For the families I work "
          "with, this should mean fewer decisions made on first impressions.")


def _seed(user_id: int) -> None:
    types = list(ActivityType)
    formats = list(PeerFormat)
    for n in range(ENTRIES):
        entry = services.create_entry(user_id, services.EntryValues(
            activity_type=types[n % len(types)], title=f"CPD activity {n + 1}: safeguarding and race",
            activity_date=YEAR.start + timedelta(days=(n * 3) % 360), minutes=30 + (n % 8) * 15,
            description=("A session on safeguarding children from racialised communities, relevant because "
                         "most of my caseload are families the service has found hard to engage."),
            what_learned=LEARNED, impact_on_practice=IMPACT), NOW)
        if n % 3 == 0:
            record = services.record_for(user_id, services.EXTERNAL, entry.id)
            services.save_peer_reflection(record, services.PeerValues(
                discussed_on=entry.activity_date, peer_role="Senior practitioner", format=formats[n % len(formats)],
                what_learned="My colleague asked what I would have done had the child been white; it changed my plan."),
                NOW)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="write one PDF here to look at")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                          "MAIL_BACKEND": "memory", "RATELIMIT_STORAGE_URI": "memory://"})
        with app.app_context():
            metadata.create_all(app.extensions["course_engine.db"])
            user = User(email="bench@example.org", full_name="Grace Mensah", password_hash="x", email_confirmed_at=NOW)
            session.add(user)
            session.commit()
            _seed(user.id)

            exports.records_pdf(user.full_name, services.year_summary(user.id, YEAR, TODAY), TODAY)  # warm up
            total, render = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                summary = services.year_summary(user.id, YEAR, TODAY)
                middle = time.perf_counter()
                pdf = exports.records_pdf(user.full_name, summary, TODAY)
                ended = time.perf_counter()
                total.append(ended - started)
                render.append(ended - middle)
                session.expire_all()
            assert summary.count == ENTRIES
            if args.out:
                args.out.write_bytes(pdf)
            from pypdf import PdfReader
            import io

            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            print(f"CPD record PDF, {ENTRIES} entries ({summary.with_peer} with peer reflection), "
                  f"{pages} A4 pages, {len(pdf) / 1024:.0f} KiB")
            print(f"median of {args.runs}: {statistics.median(total) * 1000:.0f} ms "
                  f"(query and summary + PDF); PDF rendering alone {statistics.median(render) * 1000:.0f} ms")
            session.remove()
            dispose_engines(app)


if __name__ == "__main__":
    main()
