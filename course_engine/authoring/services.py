"""Sync content files into the database, and read versions back as specs.

Sync is idempotent and keyed by the module's stable id (slug): an unchanged file does
nothing, a changed file adds a version, a removed file retires the module. Nothing a learner
did is ever deleted.
"""
from __future__ import annotations

import hashlib
import mimetypes
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select

from ..content import ContentReport, ModuleSpec, Problem, QuizSpec, check_tree
from ..db import session, utcnow
from .models import ContentModule, MediaFile, ModuleVersion


#: Where content images are served from (``authoring.media``).
MEDIA_URL_PREFIX = "/content/media"


@dataclass
class SyncResult:
    """What a sync did, for the command's summary and the tests."""

    report: ContentReport
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    #: Modules whose file has errors: the version already live stays live.
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"Synced content: {len(self.created)} new, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.retired)} retired, "
                f"{len(self.skipped)} skipped with errors; {len(self.report.errors)} errors, "
                f"{len(self.report.warnings)} warnings.")


def media_url_for(modules_dir: Path):
    """A function mapping an image path in content to its content-addressed URL."""

    def media_url(relative_path: str) -> str:
        path = (modules_dir / relative_path).resolve()
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return relative_path  # the check reports the missing file
        # Content-addressed, so the URL of an image never changes meaning (see routes.media).
        return f"{MEDIA_URL_PREFIX}/{digest}/{path.name}"

    return media_url


def check_content(modules_dir: str | Path, quizzes_dir: str | Path) -> ContentReport:
    """Check every content file (rendering image URLs as the site serves them)."""
    # One process: forking worker processes inside a web worker (open sockets, a database
    # pool) is not safe, and a site's content is far below the size where it would help.
    return check_tree(modules_dir, quizzes_dir, media_url_for(Path(modules_dir)), workers=1)


def sync_content(modules_dir: str | Path, quizzes_dir: str | Path, now: datetime | None = None) -> SyncResult:
    """Load every valid module (with its quiz) into the database as a new version if it changed.

    :param modules_dir: the ``modules/`` folder.
    :param quizzes_dir: the ``quizzes/`` folder.
    :param now: when retirement is recorded (defaults to now).
    """
    now = now or utcnow()
    modules_dir = Path(modules_dir)
    report = check_content(modules_dir, quizzes_dir)
    result = SyncResult(report)
    existing = {m.slug: m for m in session.scalars(select(ContentModule))}
    present_stems = {p.stem for p in modules_dir.glob("*.md")} if modules_dir.is_dir() else set()

    for slug, spec in sorted(report.modules.items()):
        module = existing.get(slug)
        quiz = report.quizzes.get(spec.quiz_id) if spec.quiz_id else None
        if module is None:
            module = ContentModule(slug=slug)
            session.add(module)
            session.flush()
            result.created.append(slug)
        if module.retired_at is not None:
            module.retired_at = None
            result.restored.append(slug)
        version = session.scalar(select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.content_hash == spec.version))
        if version is None:
            number = (session.scalar(select(func.max(ModuleVersion.number))
                                     .where(ModuleVersion.module_id == module.id)) or 0) + 1
            version = _new_version(module, number, spec, quiz)
            if slug not in result.created:
                result.updated.append(slug)
        elif module.current_version_id == version.id and slug not in result.created:
            result.unchanged.append(slug)
        elif slug not in result.created:
            result.updated.append(slug)  # back to an earlier version's exact content
        module.current_version_id = version.id
        _store_media(modules_dir, spec)

    for slug, module in existing.items():
        if slug in report.modules:
            continue
        if slug in present_stems:
            result.skipped.append(slug)
        elif module.retired_at is None:
            module.retired_at = now
            result.retired.append(slug)
    session.flush()
    return result


def _new_version(module: ContentModule, number: int, spec: ModuleSpec, quiz: QuizSpec | None) -> ModuleVersion:
    version = ModuleVersion(
        module_id=module.id, number=number, content_hash=spec.version, title=spec.title, summary=spec.summary,
        cpd_minutes=spec.cpd_minutes, themes=list(spec.themes), standards=list(spec.standards),
        module_json=spec.to_dict(), quiz_json=quiz.to_dict() if quiz else None, has_quiz=quiz is not None)
    session.add(version)
    session.flush()
    return version


def _store_media(modules_dir: Path, spec: ModuleSpec) -> None:
    for relative in spec.media:
        data = (modules_dir / relative).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if session.scalar(select(MediaFile.id).where(MediaFile.sha256 == digest)) is None:
            content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
            session.add(MediaFile(sha256=digest, filename=Path(relative).name, content_type=content_type, data=data))
            session.flush()


# --- reading versions back -----------------------------------------------------------------

class _SpecCache:
    """Decoded specs per version id. Versions are immutable, so every worker may keep its
    own copy: nothing here is state another worker needs."""

    def __init__(self, size: int = 256):
        self._items: OrderedDict[tuple[str, int, str], object] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key, build):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_cache = _SpecCache()


def module_spec(version: ModuleVersion) -> ModuleSpec:
    """The module as it was in this version (decoded once per worker)."""
    # Keyed by the hash too: ids are reused when a database is emptied or recreated (tests,
    # a re-seeded demo), and a stale spec must never be served for a new version.
    return _cache.get(("module", version.id, version.content_hash), lambda: ModuleSpec.from_dict(version.module_json))


def module_spec_by_id(version_id: int, content_hash: str) -> ModuleSpec:
    """Like :func:`module_spec` for a caller holding only the version's id and hash: the
    snapshot is read from the database only when this worker has not decoded it yet."""
    return _cache.get(("module", version_id, content_hash), lambda: ModuleSpec.from_dict(
        session.scalar(select(ModuleVersion.module_json).where(ModuleVersion.id == version_id))))


def quiz_spec(version: ModuleVersion) -> QuizSpec | None:
    """The version's quiz bank, or None."""
    if not version.has_quiz:
        return None
    return _cache.get(("quiz", version.id, version.content_hash), lambda: QuizSpec.from_dict(version.quiz_json))


def published_versions() -> list[tuple[ContentModule, ModuleVersion]]:
    """Every published module with its current version, by title."""
    return list(session.execute(
        select(ContentModule, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
        .where(ContentModule.retired_at.is_(None))
        .order_by(ModuleVersion.title)).all())


def problems_by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem)
    return grouped
