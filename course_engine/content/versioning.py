"""Content versions: a sha256 over the bytes a learner's experience depends on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def content_hash(
    module_bytes: bytes, quiz_bytes: bytes | None = None, media: Iterable[bytes] = ()
) -> str:
    """Return the sha256 hex digest of a module file, its quiz file and its media files.

    Each part is length-prefixed so moving bytes between parts changes the hash.
    """
    h = hashlib.sha256()
    for label, part in ((b"module", module_bytes), (b"quiz", quiz_bytes or b"")):
        h.update(label + len(part).to_bytes(8, "big") + part)
    for blob in media:
        h.update(b"media" + len(blob).to_bytes(8, "big") + blob)
    return h.hexdigest()


def file_hash(data: bytes) -> str:
    """sha256 hex of one file (used for quiz banks on their own)."""
    return hashlib.sha256(data).hexdigest()
