"""Benchmark: time to draw one certificate PDF (target: under 150 ms).

Usage: .venv/bin/python bench/bench_certificates.py [N]   (default N = 50)

Pure rendering (``course_engine.certificates.rendering.render_certificate_pdf``): no server, no
database. Each run draws a realistic certificate (accented name, six outcomes, four standards,
organisation, expiry, QR code) with a fresh certificate number and verification code, so no
caching can flatten the figure. Reports the median and the 95th percentile.
"""
from __future__ import annotations

import secrets
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_engine.certificates.rendering import CertificateContent, render_certificate_pdf  # noqa: E402

TARGET_MS = 150.0


def sample_content(i: int) -> CertificateContent:
    """A realistic certificate; the number and code change every time."""
    code = secrets.token_urlsafe(24)
    return CertificateContent(
        number=f"CE-2026-{secrets.token_hex(2).upper()}-{i:04d}",
        holder_name="Zoë Ní Bhriain-O’Sullivan",
        module_title="Seeing the child: race, culture and “It’s silent” in a first home visit",
        version_number=3, cpd_minutes=90, completed_on=date(2026, 3, 12),
        issued_at=datetime(2026, 3, 12, 14, 5, tzinfo=timezone.utc),
        verify_url=f"https://cpd.example.org/verify/{code}", verify_form_url="https://cpd.example.org/verify",
        expires_on=date(2027, 3, 12),
        outcomes=("Explain why seeing the child alone is the first test of any explanation for an injury.",
                  "Recognise how assumptions about culture and race can silence a child’s voice.",
                  "Plan a home visit that records the child’s own words, wishes and feelings.",
                  "Use supervision to test a hypothesis rather than confirm it.",
                  "Write a chronology that shows patterns rather than single incidents.",
                  "Escalate a concern when the threshold is met, and record why."),
        standards=("SWE 1.5", "SWE 3.1", "PCF 4: Rights, justice and economic wellbeing", "KSS (children) 2"),
        organisation_name="Northshire County Council")


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 50
    render_certificate_pdf(sample_content(0))  # warm up: imports, font metrics
    timings, size = [], 0
    for i in range(n):
        content = sample_content(i + 1)
        start = time.perf_counter()
        data = render_certificate_pdf(content)
        timings.append((time.perf_counter() - start) * 1000)
        size = len(data)
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, int(round(0.95 * n)) - 1)]
    verdict = "OK" if median < TARGET_MS else "SLOWER THAN TARGET"
    print(f"certificate PDF: median {median:.1f} ms, p95 {p95:.1f} ms over {n} renders "
          f"({size / 1024:.1f} KiB each); target < {TARGET_MS:.0f} ms: {verdict}")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
