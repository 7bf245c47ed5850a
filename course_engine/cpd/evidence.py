"""Evidence files on a piece of CPD done elsewhere: what is accepted, where it is kept, and
who may download it.

- **Accepted**: PDF, PNG, JPEG and Word (.docx), recognised by their content, never by their
  name: the magic bytes, and for .docx a zip holding ``word/document.xml`` (a macro-enabled
  document, with ``word/vbaProject.bin``, is refused). Anything else, such as a program
  renamed to ``.pdf``, is refused with a message saying what is accepted.
- **Kept** outside the web root, in ``CPD_EVIDENCE_DIR`` (default ``instance/evidence``), under a
  random name (``storage_key``); the learner's file name is only a column.
- **Served** only to the owner and to the managers and admins of the organisation the entry is
  shared with (sharing.py), as an attachment that is never cached (routes.py).

The file is written before the row is flushed, so a row always has its file; a request that
then fails leaves an unreferenced file, which nothing serves. Removing files waits for the
commit (``db.after_commit``), so a rolled-back delete loses nothing.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .. import db
from ..db import session
from .models import CpdEntry, EvidenceFile, plausible_id

#: The most files one entry may carry.
MAX_FILES_PER_ENTRY = 20


@dataclass(frozen=True)
class Kind:
    name: str             #: "PDF"
    mimetype: str
    extensions: tuple[str, ...]


KINDS = {
    "pdf": Kind("PDF", "application/pdf", (".pdf",)),
    "png": Kind("PNG image", "image/png", (".png",)),
    "jpeg": Kind("JPEG image", "image/jpeg", (".jpg", ".jpeg")),
    "docx": Kind("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 (".docx",)),
}
ACCEPTED = "a PDF, a PNG or JPEG image, or a Word document (.docx)"


class EvidenceRefused(ValueError):
    """A file the record can't accept; the message is for the person, and nothing was saved."""


def sniff(data: bytes) -> str:
    """The kind of file ``data`` is ("pdf", "png", "jpeg", "docx"), judged by its content.

    :raises EvidenceRefused: for anything else, whatever its name says.
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise EvidenceRefused(f"This file looks damaged. Upload {ACCEPTED}.") from None
        if "word/vbaProject.bin" in names:
            raise EvidenceRefused("Word documents with macros (.docm) are not accepted. Save it as a .docx "
                                  "without macros, or as a PDF, and upload that.")
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx"
        raise EvidenceRefused(f"This is a zip file, not a Word document. Upload {ACCEPTED}.")
    raise EvidenceRefused(f"This type of file is not accepted. Upload {ACCEPTED}. "
                          "Files are checked by what they contain, not by their name.")


def clean_filename(name: str | None, kind: str) -> str:
    """The learner's file name made safe to show and to offer for download: no folders, no
    control characters, at most 120 characters, ending with the extension its content has."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    extensions = KINDS[kind].extensions
    if f".{ext.lower()}" not in extensions:
        stem = name
        ext = extensions[0][1:]
    stem = (stem.strip() or "evidence")[:120 - len(ext) - 1]
    return f"{stem}.{ext}"


def evidence_dir() -> Path:
    configured = current_app.config.get("CPD_EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def path_of(evidence: EvidenceFile) -> Path:
    """Where the file's bytes are (the key is ours: 32 hex characters, checked again here)."""
    if not re.fullmatch(r"[0-9a-f]{32}", evidence.storage_key):
        raise ValueError("unexpected storage key")
    return evidence_dir() / evidence.storage_key


def files_for(user_id: int, entry_ids: list[int] | None = None) -> list[EvidenceFile]:
    """The learner's evidence files (on the given entries), oldest first."""
    query = select(EvidenceFile).where(EvidenceFile.user_id == user_id)
    if entry_ids is not None:
        query = query.where(EvidenceFile.entry_id.in_(entry_ids))
    return list(session.scalars(query.order_by(EvidenceFile.created_at, EvidenceFile.id)))


def add_evidence(entry: CpdEntry, filename: str | None, data: bytes, now: datetime) -> EvidenceFile:
    """Check and keep a file as evidence on the learner's entry.

    :param data: the whole file; the route has already applied ``CPD_EVIDENCE_MAX_BYTES``.
    :returns: the new file, or the entry's identical file if it already has this one.
    :raises EvidenceRefused: empty, too many files, or not an accepted type; nothing is saved.
    """
    if not data:
        raise EvidenceRefused("The file is empty. Choose the file again and upload it.")
    limit = current_app.config["CPD_EVIDENCE_MAX_BYTES"]
    if len(data) > limit:
        raise EvidenceRefused(f"The file is larger than {size_text(limit)}. Upload a smaller copy.")
    kind = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    for existing in files_for(entry.user_id, [entry.id]):
        if existing.sha256 == digest and existing.byte_size == len(data):
            return existing   # the same file sent twice (a double click, a second tab): kept once
    if len(files_for(entry.user_id, [entry.id])) >= MAX_FILES_PER_ENTRY:
        raise EvidenceRefused(f"An entry can have up to {MAX_FILES_PER_ENTRY} evidence files. "
                              "Delete one before adding another.")
    key = secrets.token_hex(16)
    directory = evidence_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(directory / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    evidence = EvidenceFile(user_id=entry.user_id, entry_id=entry.id, storage_key=key,
                            filename=clean_filename(filename, kind), kind=kind, byte_size=len(data),
                            sha256=digest, created_at=now)
    session.add(evidence)
    session.flush()
    return evidence


def evidence_of(user_id: int, entry_id: int, evidence_id: int) -> EvidenceFile | None:
    """One of the learner's own files on their entry, or None (anyone else's is not found)."""
    if not (plausible_id(entry_id) and plausible_id(evidence_id)):
        return None
    return session.scalar(select(EvidenceFile).where(
        EvidenceFile.id == evidence_id, EvidenceFile.entry_id == entry_id, EvidenceFile.user_id == user_id))


def _remove_after_commit(paths: list[Path]) -> None:
    def remove():
        for path in paths:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
    db.after_commit(remove)


def delete_evidence(evidence: EvidenceFile) -> None:
    """Delete a file: the row now, the bytes once the request has committed."""
    path = path_of(evidence)
    session.delete(evidence)
    session.flush()
    _remove_after_commit([path])


def delete_files_of_entry(entry: CpdEntry) -> None:
    """Remove the files of an entry being deleted (their rows go with it, by cascade)."""
    files = files_for(entry.user_id, [entry.id])
    for evidence in files:
        session.delete(evidence)
    session.flush()
    if files:
        _remove_after_commit([path_of(e) for e in files])


def size_text(byte_size: int) -> str:
    """'10 MB', '240 KB': sizes as people read them (1 MB = 1,048,576 bytes, as file managers do)."""
    if byte_size >= 1024 * 1024:
        value = byte_size / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"
    return f"{max(1, round(byte_size / 1024))} KB"


def describe(evidence: EvidenceFile) -> str:
    """'certificate.pdf (PDF, 240 KB)': how the record and its exports list a file."""
    return f"{evidence.filename} ({KINDS[evidence.kind].name}, {size_text(evidence.byte_size)})"
