"""``check`` on the paths an author gives: every path is checked for what it is, or refused.

Never a false pass: a folder is checked as a content tree only when it is one (it holds
``modules/`` or ``quizzes/``, or is one of them); a file is checked as a module or a quiz bank
by its extension and its content (``kind`` settles a file that could be either); anything
else is refused with a message saying what was expected. Checking nothing at all is an
error, and so is every refused path, so the exit code is non-zero whenever something given
was not checked.
"""
from __future__ import annotations

import re
from pathlib import Path

from .gift import parse_gift
from .module_parser import parse_module
from .problems import ERROR, Problem, sort_problems
from .quiz_parser import parse_quiz_markdown
from .validate import STATUS_ERRORS, ContentReport, check_tree

KINDS = ("module", "quiz")
_FRONT_KEY = re.compile(r"^([a-z_]+)\s*:", re.M)
_MODULE_KEYS = {"cpd_minutes", "outcomes", "standards", "fictional", "summary", "counters", "start",
                "review_date", "authors", "content_warning", "support", "facts", "pass_mark", "quiz"}
_QUIZ_KEYS = {"draw", "shuffle"}
_CHOICE = re.compile(r"\[\[[^\]]*->[^\]]*\]\]|^ending:", re.M)
_OPTION = re.compile(r"^\s*[-*+]\s+\[(?:x|X| |\d+%)\]", re.M)
_GIFT = re.compile(r"\{[^{}]*(?:^|\s|})[=~][^{}]*\}|\{\s*(?:T|F|TRUE|FALSE)\s*(?:#[^}]*)?\}|^::[^:]+::", re.M | re.S)


def guess_kind(data: bytes) -> str | None:
    """``module``, ``quiz``, ``gift`` or None (cannot tell) from a file's content."""
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    front = ""
    if text.lstrip().startswith("---"):
        parts = text.lstrip().split("\n---", 1)
        front = parts[0] if len(parts) == 2 else ""
    keys = set(_FRONT_KEY.findall(front))
    module = bool(keys & _MODULE_KEYS) or bool(_CHOICE.search(text))
    quiz = bool(keys & _QUIZ_KEYS) or bool(_OPTION.search(text))
    if module != quiz:
        return "module" if module else "quiz"
    if not module and not front and _GIFT.search(text):
        return "gift"
    return None


def _refuse(path: Path, code: str, message: str) -> Problem:
    return Problem(str(path), 1, ERROR, code, message)


def _content_root(path: Path) -> Path | None:
    """The folder holding ``modules/`` / ``quizzes/`` that ``path`` (a folder) belongs to."""
    if (path / "modules").is_dir() or (path / "quizzes").is_dir():
        return path
    if path.name in ("modules", "quizzes"):
        return path.parent
    return None


def _check_file(path: Path, kind: str | None, combined: ContentReport, trees: dict) -> None:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    guessed = "gift" if suffix == ".gift" else guess_kind(data)
    if kind is None and suffix not in (".md", ".gift"):
        if guessed == "gift":
            combined.problems.append(_refuse(
                path, "file-extension",
                f"'{path.name}' looks like a Moodle GIFT quiz bank, but GIFT banks must be named "
                f"'.gift' to be loaded. Rename it to '{path.stem}.gift' and check it again."))
        else:
            combined.problems.append(_refuse(
                path, "file-extension",
                f"'{path.name}' is not content the check knows: scenario modules and Markdown quiz "
                "banks are '.md' files, Moodle GIFT banks '.gift' files. Rename it, or leave it out."))
        return
    if kind is None:
        kind = "quiz" if guessed in ("quiz", "gift") else guessed
    if kind is None:
        combined.problems.append(_refuse(
            path, "kind-unclear",
            f"Cannot tell whether '{path.name}' is a scenario module or a quiz bank: it has neither "
            "a module's settings (such as 'cpd_minutes:' or 'fictional:') and choices, nor a quiz's "
            "options ('- [x] …'). Say which with '--kind module' or '--kind quiz'."))
        return
    in_tree = path.parent.name == ("modules" if kind == "module" else "quizzes")
    if in_tree:
        root = path.parent.parent
        key = (str(root / "modules"), str(root / "quizzes"))
        if key not in trees:
            trees[key] = check_tree(*key, media_url=trees.get("media_url"))
        report = trees[key]
        combined.problems.extend(p for p in report.problems if p.path == str(path))
        combined.files[str(path)] = report.files.get(str(path), STATUS_ERRORS)
        combined.modules.update({k: v for k, v in report.modules.items() if v.source_path == str(path)})
        combined.quizzes.update({k: v for k, v in report.quizzes.items() if v.source_path == str(path)})
    else:
        if kind == "module":
            spec, problems = parse_module(path, data, path.parent, trees.get("media_url"))
            if spec is not None and not any(p.is_error for p in problems):
                combined.modules[spec.id] = spec
        elif suffix == ".gift" or guessed == "gift":
            spec, problems = parse_gift(data, path)
        else:
            spec, problems = parse_quiz_markdown(path, data)
        if kind == "quiz" and spec is not None and not any(p.is_error for p in problems):
            combined.quizzes[spec.id] = spec
        combined.problems.extend(problems)
        combined.files[str(path)] = "errors" if any(p.is_error for p in problems) else (
            "warnings" if problems else "ok")
    if kind == "module":
        combined.module_count += 1
    else:
        combined.quiz_count += 1


def check_paths(paths: list[str | Path] | None = None, media_url=None, kind: str | None = None) -> ContentReport:
    """Check content given as folders or files (the command-line entry point).

    A folder holding ``modules/`` and/or ``quizzes/`` is checked whole; a ``modules`` or
    ``quizzes`` folder is checked with its sibling; a single file is checked for what it is
    (inside a ``modules/`` or ``quizzes/`` folder with the rest of its tree, so quiz
    references resolve, reporting only its own problems; elsewhere on its own). No paths
    means the current folder.

    :param kind: ``module`` or ``quiz``: what the given files are, when their content cannot
        tell (or to override it).
    """
    combined = ContentReport()
    trees: dict = {"media_url": media_url}
    for raw in paths or ["."]:
        path = Path(raw)
        if not path.exists():
            combined.problems.append(_refuse(path, "file-missing", f"'{path}' does not exist. Check the path."))
            continue
        if path.is_dir():
            root = _content_root(path)
            if root is None:
                combined.problems.append(_refuse(
                    path, "path-not-content",
                    f"'{path}' is a folder without 'modules/' or 'quizzes/' in it, so there is "
                    "nothing to check. Give the project folder (it holds 'modules/' and "
                    "'quizzes/'), one of those folders, or a file."))
                continue
            key = (str(root / "modules"), str(root / "quizzes"))
            report = check_tree(*key, media_url=media_url)
            trees[key] = report
            combined.problems.extend(report.problems)
            combined.files.update(report.files)
            combined.modules.update(report.modules)
            combined.quizzes.update(report.quizzes)
            combined.module_count += report.module_count
            combined.quiz_count += report.quiz_count
            continue
        _check_file(path, kind, combined, trees)
    combined.problems = sort_problems(combined.problems)
    if combined.module_count + combined.quiz_count == 0:  # last: it sums up the run
        given = ", ".join(f"'{p}'" for p in (paths or ["."]))
        combined.problems.append(_refuse(
            Path(str((paths or ["."])[0])), "nothing-checked",
            f"Nothing was checked: {given} held no module ('.md' in modules/) and no quiz bank "
            "('.md' or '.gift' in quizzes/)."))
    return combined
