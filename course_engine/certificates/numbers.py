"""Certificate numbers and verification codes: how they are made, typed and linked.

Pure functions (no database, no Flask), apart from ``services`` which checks that a new
number is unused. Why apart: a number is read aloud, retyped and printed, so its alphabet and
its forgiving parser are rules of their own, tested on their own (tests/certificates/test_issue.py).
"""
from __future__ import annotations

import hashlib
import re
import secrets

#: Bytes of randomness in a verification code: 24 bytes = 192 bits, 32 URL-safe characters.
CODE_BYTES = 24
_CODE_RE = re.compile(r"[A-Za-z0-9_-]{32}")

#: Crockford's base 32: no I, L, O or U, so a number read aloud or retyped is not mistaken.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PREFIX = "CE"
_NUMBER_RE = re.compile(rf"(?:{NUMBER_PREFIX})?(\d{{4}})([{NUMBER_ALPHABET}]{{4}})([{NUMBER_ALPHABET}]{{4}})")
#: Letters people type for the digits they look like (Crockford's decoding rules).
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_verification_code() -> str:
    """A fresh verification code: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(CODE_BYTES)


def hash_code(code: str) -> str:
    """The sha256 (hex) under which a verification code is looked up."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def is_wellformed_code(code: str) -> bool:
    """Whether ``code`` has the shape of a verification code (32 URL-safe characters)."""
    return bool(_CODE_RE.fullmatch(code or ""))


def new_number(year: int) -> str:
    """A random certificate number such as ``CE-2026-7K3Q-9XTM`` (40 random bits)."""
    body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"{NUMBER_PREFIX}-{year:04d}-{body[:4]}-{body[4:]}"


def normalise_number(text: str) -> str | None:
    """The canonical number for what someone typed, or None if it cannot be one.

    Case, spaces, hyphens and the ``CE`` prefix are optional, and O/I/L are read as 0/1/1:
    ``ce 2026 7k3q 9xtm`` -> ``CE-2026-7K3Q-9XTM``.
    """
    compact = re.sub(r"[\s\-‐‑–—_.]+", "", (text or "").upper())[:40]
    if compact.startswith(NUMBER_PREFIX):
        compact = compact[len(NUMBER_PREFIX):]
    match = _NUMBER_RE.fullmatch(compact.translate(_LOOKALIKES))
    if not match:
        return None
    return f"{NUMBER_PREFIX}-{match.group(1)}-{match.group(2)}-{match.group(3)}"


def verify_url(base_url: str, code: str) -> str:
    """The public verification link printed on the certificate and in its QR code."""
    return f"{base_url.rstrip('/')}/verify/{code}"


def verify_form_url(base_url: str) -> str:
    """The public page where anyone can type a certificate number."""
    return f"{base_url.rstrip('/')}/verify"
