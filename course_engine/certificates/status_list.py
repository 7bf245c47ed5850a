"""Bitstring Status List (W3C Recommendation, 2025): which badges are no longer valid.

Every badge carries a ``BitstringStatusListEntry`` (purpose ``revocation``) pointing at one
bit of a list we publish at ``/badges/status/<n>`` as a signed credential. The bit is 1 when
the certificate is revoked, or superseded by a re-issue (the old badge names the old name,
and the learner holds the new one). The list is drawn from the certificates when asked for,
so revoking and re-issuing change it with no second write to keep in step.

The encoding is the specification's: bit 0 is the most significant bit of the first byte;
the bitstring is GZIP-compressed, base64url-encoded without padding and given the multibase
prefix ``u``. A list has 131,072 entries (16 KB, the specification's minimum, so one badge's
bit hides among many) and each badge gets a random free index (so the index says nothing
about when it was issued, or who was issued a badge just before or after).
"""
from __future__ import annotations

import base64
import gzip
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select

from ..db import session
from ..links import external_url
from .models import BadgeCredential, Certificate

LIST_SIZE = 131_072
#: A new list is started once a list is this full, so a random free index is found quickly.
FILL_LIMIT = LIST_SIZE // 2
PURPOSE = "revocation"
#: Seconds a verifier may cache a list (the ``ttl`` of the specification is in milliseconds).
CACHE_SECONDS = 300


def encode(set_bits: set[int] | list[int], size: int = LIST_SIZE) -> str:
    """The ``encodedList`` of a bitstring of ``size`` bits with ``set_bits`` set to 1."""
    data = bytearray(size // 8)
    for index in set_bits:
        data[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded_list: str) -> bytes:
    """The bitstring of an ``encodedList`` (the multibase ``u`` prefix is optional, as the
    specification's first drafts had none).

    :raises ValueError: when it is not base64url GZIP data.
    """
    text = encoded_list[1:] if encoded_list.startswith("u") else encoded_list
    try:
        bitstring = gzip.decompress(base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True))
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError("not a GZIP-compressed base64url bitstring") from exc
    if not bitstring:
        raise ValueError("an empty bitstring")
    return bitstring


def bit(bitstring: bytes, index: int) -> bool:
    """Whether bit ``index`` is set (bit 0 is the left-most)."""
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(index)
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def list_url(number: int) -> str:
    """The public URL of status list ``number`` (also its credential ``id``)."""
    return external_url("certificates.badge_status_list", number=number)


def allocate() -> tuple[int, int]:
    """A (list, index) no badge uses yet: the newest list until it is half full, a random index."""
    newest = session.scalar(select(func.max(BadgeCredential.status_list))) or 1
    used = session.scalar(select(func.count()).where(BadgeCredential.status_list == newest))
    number = newest + 1 if used >= FILL_LIMIT else newest
    for _ in range(64):
        index = secrets.randbelow(LIST_SIZE)
        if not session.scalar(select(exists().where(BadgeCredential.status_list == number,
                                                    BadgeCredential.status_index == index))):
            return number, index
    raise RuntimeError("no free status index found")  # at most half full: 2**-64


def entry(number: int, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a badge at (list, index)."""
    url = list_url(number)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": url}


def set_indexes(number: int) -> list[int]:
    """The indexes of list ``number`` whose certificate is revoked or superseded."""
    return list(session.scalars(
        select(BadgeCredential.status_index).join(Certificate, Certificate.id == BadgeCredential.certificate_id)
        .where(BadgeCredential.status_list == number,
               or_(Certificate.revoked_at.is_not(None), Certificate.superseded_by_id.is_not(None)))))


def list_exists(number: int) -> bool:
    """Whether any badge points at list ``number`` (others are 404, not an empty list)."""
    return bool(session.scalar(select(exists().where(BadgeCredential.status_list == number))))


def status_list_credential(number: int, issuer: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` of list ``number`` as it stands ``now``."""
    url = list_url(number)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer["id"],
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encode(set_indexes(number)), "ttl": CACHE_SECONDS * 1000},
    }
