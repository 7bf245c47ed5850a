"""Check a whole content tree (``modules/`` and ``quizzes/``) in one pass.

``check_tree`` parses every file, never stopping at the first problem, then runs the checks
that need more than one file: duplicate ids, quiz references, reachable pass marks, and
the recommended path. ``flask content check`` and ``python -m course_engine.content check``
both call it.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import engine
from .gift import parse_gift
from .module_parser import parse_module
from .problems import ERROR, WARNING, Problem, sort_problems
from .quiz_bank import max_fraction
from .quiz_parser import parse_quiz_markdown
from .specs import ModuleSpec, QuizSpec
from .versioning import content_hash

STATUS_OK = "ok"
STATUS_WARNINGS = "warnings"
STATUS_ERRORS = "errors"


@dataclass
class ContentReport:
    """Everything ``check_tree`` found.

    ``modules`` and ``quizzes`` hold only the specs whose files have no errors (and, for
    modules, whose quiz has none), keyed by id. ``files`` maps each checked file to
    ``"ok"``, ``"warnings"`` or ``"errors"``.
    """

    modules: dict[str, ModuleSpec] = field(default_factory=dict)
    quizzes: dict[str, QuizSpec] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    module_count: int = 0
    quiz_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return (
            f"Checked {self.module_count} module{'s' if self.module_count != 1 else ''} and "
            f"{self.quiz_count} quiz{'zes' if self.quiz_count != 1 else ''}: "
            f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"
        )


def _key_line(data: bytes, key: str) -> int:
    """Line of ``key:`` (or ``// key:``) in a file's settings, or 1."""
    pattern = re.compile(rb"^(?://\s*)?" + re.escape(key.encode()) + rb"\s*:", re.M)
    m = pattern.search(data)
    return data.count(b"\n", 0, m.start()) + 1 if m else 1


def _list(folder: Path | None, suffixes: tuple[str, ...]) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def parse_quiz_file(path: Path, data: bytes | None = None):
    """Parse a quiz bank, Markdown or GIFT by file extension."""
    data = path.read_bytes() if data is None else data
    if path.suffix.lower() == ".gift":
        return parse_gift(data, path)
    return parse_quiz_markdown(path, data)


#: Below this many files, parsing in one process is faster than starting workers.
PARALLEL_MIN_FILES = 60
_job_state: dict = {}


def _parse_job(item: tuple[str, str]):
    kind, path = item
    if kind == "quiz":
        return parse_quiz_file(Path(path))
    return parse_module(Path(path), None, _job_state["mdir"], _job_state["media_url"])


def _parse_all(quiz_paths, module_paths, mdir, media_url, workers):
    """Parse every file, in worker processes when that pays off."""
    items = [("quiz", str(p)) for p in quiz_paths] + [("module", str(p)) for p in module_paths]
    if workers is None:
        workers = 1
        if len(items) >= PARALLEL_MIN_FILES and threading.active_count() == 1:
            workers = min(os.cpu_count() or 1, 8)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        # Fork shares the parsed-in-memory state (and an unpicklable media_url callable)
        # with the workers. It is only safe with no other threads, even when workers were asked
        # for: a thread holding a lock at the fork leaves the child waiting for it for ever
        # (seen in the test suite, with a browser test's threads alive). Otherwise: one process.
        _job_state.update(mdir=mdir, media_url=media_url)
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                results = pool.map(_parse_job, items, chunksize=max(1, len(items) // (workers * 4)))
        finally:
            _job_state.clear()
        return {path: result for (_kind, path), result in zip(items, results)}
    _job_state.update(mdir=mdir, media_url=media_url)
    try:
        return {path: _parse_job((kind, path)) for kind, path in items}
    finally:
        _job_state.clear()


def worst_case_percent(quiz: QuizSpec) -> float:
    """The best score a learner can get on the hardest possible draw, in percent."""
    fractions = [(max_fraction(q), q.points) for q in quiz.questions]
    if not fractions:
        return 0.0
    pool = fractions if quiz.shuffle else fractions[: quiz.draw]
    picked = sorted(pool)[: quiz.draw]
    possible = sum(p for _, p in picked)
    return 100 * sum(f * p for f, p in picked) / possible if possible else 0.0


def check_tree(
    modules_dir: str | Path | None,
    quizzes_dir: str | Path | None,
    media_url=None,
    workers: int | None = None,
) -> ContentReport:
    """Check every module and quiz bank.

    :param modules_dir: folder of ``*.md`` scenario modules (images live under it).
    :param quizzes_dir: folder of ``*.md`` / ``*.gift`` quiz banks.
    :param media_url: maps an image path relative to ``modules_dir`` to the URL to render.
    :param workers: processes to parse with; None chooses (several only for big trees). Either
        way, several only on systems with fork and only when the calling process has no other
        threads; otherwise the files are parsed in this process.
    """
    report = ContentReport()
    mdir = Path(modules_dir) if modules_dir is not None else None
    qdir = Path(quizzes_dir) if quizzes_dir is not None else None
    file_problems: dict[str, list[Problem]] = {}
    quiz_bytes: dict[str, bytes] = {}
    all_quizzes: dict[str, tuple[QuizSpec, str]] = {}

    quiz_paths = _list(qdir, (".md", ".gift"))
    module_paths = _list(mdir, (".md",))
    parsed = _parse_all(quiz_paths, module_paths, mdir, media_url, workers)
    for path in quiz_paths:
        data = path.read_bytes()
        quiz, problems = parsed[str(path)]
        key = str(path)
        file_problems[key] = problems
        report.quiz_count += 1
        if quiz is None:
            continue
        if quiz.id in all_quizzes:
            problems.append(
                Problem(
                    key,
                    _key_line(data, "id"),
                    ERROR,
                    "duplicate-quiz",
                    f"The quiz id '{quiz.id}' is also used by {all_quizzes[quiz.id][1]}. "
                    "Each quiz bank needs its own id.",
                )
            )
            continue
        all_quizzes[quiz.id] = (quiz, key)
        quiz_bytes[quiz.id] = data

    for qid, (quiz, key) in all_quizzes.items():
        if not any(p.severity == ERROR for p in file_problems[key]):
            report.quizzes[qid] = quiz

    seen_modules: dict[str, str] = {}
    for path in module_paths:
        data = path.read_bytes()
        key = str(path)
        module, problems = parsed[key]
        file_problems[key] = problems
        report.module_count += 1
        if module is None:
            continue
        if module.id in seen_modules:
            problems.append(
                Problem(
                    key,
                    _key_line(data, "id"),
                    ERROR,
                    "duplicate-module",
                    f"The module id '{module.id}' is also used by {seen_modules[module.id]}. "
                    "Each module needs its own id.",
                )
            )
            continue
        seen_modules[module.id] = key
        if module.quiz_id is not None:
            found = all_quizzes.get(module.quiz_id)
            if found is None:
                problems.append(
                    Problem(
                        key,
                        _key_line(data, "quiz"),
                        ERROR,
                        "quiz-missing",
                        f"The module uses the quiz '{module.quiz_id}', but no quiz bank in "
                        f"{qdir or 'quizzes/'} has that id. Check the 'quiz:' setting matches "
                        "the 'id:' of a quiz bank.",
                    )
                )
            elif module.pass_mark is not None and module.pass_mark <= 100:
                best = worst_case_percent(found[0])
                if best + 1e-6 < module.pass_mark:
                    problems.append(
                        Problem(
                            key,
                            _key_line(data, "pass_mark"),
                            ERROR,
                            "pass-mark-unreachable",
                            f"The pass mark {module.pass_mark}% cannot always be reached: with "
                            f"some draws of quiz '{module.quiz_id}' the best possible score is "
                            f"{best:.0f}%. Fix the quiz's questions or lower the pass mark.",
                        )
                    )
        if not any(p.severity == ERROR for p in problems):
            try:
                engine.recommended_path(module)
            except engine.EngineError:
                problems.append(
                    Problem(
                        key,
                        module.scene(module.start).line,
                        ERROR,
                        "recommended-no-ending",
                        "Always taking the best-judged choice goes round in a loop and never "
                        "reaches an ending. Make the safest choice in the loop lead on.",
                    )
                )
        quiz_ok = module.quiz_id is None or module.quiz_id in report.quizzes
        if not any(p.severity == ERROR for p in problems) and quiz_ok:
            media = [(mdir / rel).read_bytes() for rel in module.media] if mdir else []
            version = content_hash(data, quiz_bytes.get(module.quiz_id or ""), media)
            report.modules[module.id] = replace(module, version=version)

    for key, problems in file_problems.items():
        if any(p.severity == ERROR for p in problems):
            report.files[key] = STATUS_ERRORS
        elif problems:
            report.files[key] = STATUS_WARNINGS
        else:
            report.files[key] = STATUS_OK
        report.problems.extend(problems)
    report.problems = sort_problems(report.problems)
    return report
