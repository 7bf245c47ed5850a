"""The module library (this repository's modules/ and quizzes/) as package inputs, without a
database: the content core's check gives the same specs ``flask content sync`` stores, so
every module in the library can be packaged, validated and played."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from course_engine.authoring.services import check_content
from course_engine.scorm.package import Brand, PackageInput, media_used

ROOT = Path(__file__).resolve().parents[2]
MODULES, QUIZZES = ROOT / "modules", ROOT / "quizzes"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


@functools.lru_cache(maxsize=1)
def report():
    result = check_content(MODULES, QUIZZES)
    assert not result.errors, [str(p) for p in result.errors]
    return result


def slugs() -> list[str]:
    return sorted(report().modules)


def library_input(slug: str, brand: Brand | None = None, number: int = 1) -> PackageInput:
    """A package input for a library module, its images read from modules/media/."""
    spec = report().modules[slug]
    quiz = report().quizzes.get(spec.quiz_id) if spec.quiz_id else None
    module, quiz_json = spec.to_dict(), quiz.to_dict() if quiz else None
    files = {}
    for relative in spec.media:
        data = (MODULES / relative).read_bytes()
        files[(hashlib.sha256(data).hexdigest(), Path(relative).name)] = data
    media = {key: data for key, data in files.items() if key in media_used(module, quiz_json)}
    return PackageInput(slug=slug, version_number=number, module=module, quiz=quiz_json,
                        brand=brand or Brand(name="course-engine"), media=media)


def largest_slug() -> str:
    """The library module with the most scenes and choices (the worst case for suspend_data)."""
    return max(slugs(), key=lambda s: (len(report().modules[s].scenes),
                                       sum(len(sc.choices) for sc in report().modules[s].scenes)))
