"""Benchmark: what an Open Badge adds to issuing a certificate, and what a status list costs.

Usage: .venv/bin/python bench/bench_badges.py [N]   (default N = 50)

Measured in the same run, against drawing the certificate's PDF (the baseline, as in
bench_certificates.py): signing one realistic OpenBadgeCredential (Ed25519 VC-JWT, joserfc),
verifying it, and encoding + signing a full 131,072-entry status list with 1,000 bits set (what
``/badges/status/<n>`` does on every request). No server, no database: the database work of
issuing (one status index look-up, one insert) is not included.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from joserfc import jwt  # noqa: E402
from joserfc.jwk import OKPKey  # noqa: E402

from bench.bench_certificates import sample_content  # noqa: E402
from course_engine.certificates.rendering import render_certificate_pdf  # noqa: E402
from course_engine.certificates.status_list import encode  # noqa: E402

HEADER = {"alg": "Ed25519", "kid": "https://cpd.example.org/badges/keys/20261202-0123456789ab", "typ": "JWT"}


def sample_claims(i: int) -> dict:
    """A badge of the size we issue (about 3 KB of JSON)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Seeing the child: race, culture and “It’s silent” in a first home visit",
        "description": "CPD certificate CE-2026-7K3Q-9XTM: Zoë Ní Bhriain-O’Sullivan at Northshire County Council "
                       "completed the module (version 3, 90 minutes of CPD) on 2026-03-12.",
        "issuer": {"id": "https://cpd.example.org/badges/issuer", "type": ["Profile"], "name": "course-engine",
                   "url": "https://cpd.example.org/"},
        "validFrom": "2026-03-12T14:05:00Z", "validUntil": "2027-03-12T00:00:00Z", "awardedDate": "2026-03-12T14:05:00Z",
        "credentialSubject": {
            "id": "urn:uuid:5c1d8a3e-2b4f-4c6d-9e8f-0a1b2c3d4e5f", "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                            "identityHash": "sha256$" + "ab" * 32, "salt": "0123456789abcdef"},
                           {"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": "Zoë Ní Bhriain-O’Sullivan"}],
            "achievement": {"id": "https://cpd.example.org/badges/achievements/seeing-the-child/3", "type": ["Achievement"],
                            "achievementType": "CertificateOfCompletion", "name": "Seeing the child",
                            "description": "A fictional case about a first home visit." * 3,
                            "criteria": {"narrative": "The learner worked through the case, passed the quiz and "
                                                      "wrote a final reflection."},
                            "alignment": [{"type": ["Alignment"], "targetName": f"Social Work England standard 1.{n}: …",
                                           "targetUrl": "https://www.socialworkengland.org.uk/standards/professional-standards/",
                                           "targetFramework": "Social Work England professional standards",
                                           "targetCode": f"1.{n}"} for n in (5, 6, 7)],
                            "creditsAvailable": 1.5, "version": "3", "inLanguage": "en-GB"},
            "creditsEarned": 1.5},
        "credentialStatus": {"id": "https://cpd.example.org/badges/status/1#94567", "type": "BitstringStatusListEntry",
                             "statusPurpose": "revocation", "statusListIndex": "94567",
                             "statusListCredential": "https://cpd.example.org/badges/status/1"},
        "iss": "https://cpd.example.org/badges/issuer", "jti": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "sub": "urn:uuid:5c1d8a3e-2b4f-4c6d-9e8f-0a1b2c3d4e5f", "nbf": 1773324300, "exp": 1804809600,
    }


def _median_ms(fn, n: int) -> float:
    timings = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 50
    key = OKPKey.generate_key("Ed25519", private=True)
    public = OKPKey.import_key(key.as_dict(private=False))
    token = jwt.encode(HEADER, sample_claims(0), key, algorithms=["Ed25519"])
    render_certificate_pdf(sample_content(0))  # warm up
    revoked = set(range(0, 131072, 131))  # 1,001 bits set
    pdf = _median_ms(lambda i: render_certificate_pdf(sample_content(i + 1)), n)
    sign = _median_ms(lambda i: jwt.encode(HEADER, sample_claims(i), key, algorithms=["Ed25519"]), n)
    verify = _median_ms(lambda i: jwt.decode(token, public, algorithms=["Ed25519"]), n)
    status = _median_ms(lambda i: jwt.encode(HEADER, {"credentialSubject": {"encodedList": encode(revoked)}}, key,
                                             algorithms=["Ed25519"]), n)
    print(f"over {n} runs, medians: certificate PDF {pdf:.2f} ms (baseline); sign a badge {sign:.2f} ms "
          f"({sign / pdf:.1%} of the PDF); verify a badge {verify:.2f} ms; encode + sign a 131,072-entry "
          f"status list with {len(revoked):,} bits set {status:.2f} ms ({status / pdf:.1%} of the PDF); "
          f"badge {len(token):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
