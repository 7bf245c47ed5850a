"""Building a SCORM package of the library's largest module, both standards: median time of
50 builds and the zip's size. Pure (no database): the route adds one query for the version
and one for its images. Run: .venv/bin/python bench/bench_scorm.py"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_engine.scorm import package  # noqa: E402
from tests.scorm.library import largest_slug, library_input  # noqa: E402


def main() -> None:
    data = library_input(largest_slug())
    for standard in sorted(package.STANDARDS):
        times = []
        for _ in range(50):
            start = time.perf_counter()
            content = package.build(data, standard)
            times.append(time.perf_counter() - start)
        print(f"{standard}: {largest_slug()} median {statistics.median(times) * 1000:.1f} ms, "
              f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms, {len(content):,} bytes")


if __name__ == "__main__":
    main()
