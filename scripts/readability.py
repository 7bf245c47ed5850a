#!/usr/bin/env python3
"""Reading ease (Flesch) of scenario modules and quiz banks, as learners see them.

    .venv/bin/python scripts/readability.py [--min 70] FILE_OR_FOLDER ...

Each module or quiz file is parsed by the content core (course_engine.content), so only what a
learner reads is measured: the summary, introduction, scene text, choices, their feedback,
endings and debrief; a quiz's stems, options, feedback and explanations. Settings, ids and front
matter are not. Choice texts and titles have no full stop of their own, so each counts as one
sentence. The score is textstat's Flesch reading ease (higher is easier; the house style asks for
70 or more). Prints one line per file and a summary; exits 1 if any file scores below --min,
2 if a file cannot be read or parsed (the message names the file and what is wrong).
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import textstat  # noqa: E402  (pinned in requirements-dev.txt; see docs/architecture.md)

from course_engine.content import parse_module  # noqa: E402
from course_engine.content.validate import parse_quiz_file  # noqa: E402

_TAG = re.compile(r"<[^>]+>")
_END = re.compile(r"[.!?…:;][\"'”’)]*\s*$")


def plain(fragment: str) -> str:
    """HTML or plain text to plain text, ending like a sentence."""
    text = html.unescape(_TAG.sub(" ", fragment))
    text = re.sub(r"\s+", " ", text).strip()
    if text and not _END.search(text):
        text += "."
    return text


def module_prose(path: Path) -> list[str]:
    spec, problems = parse_module(path, modules_root=path.parent)
    if spec is None:
        raise ValueError("; ".join(str(p) for p in problems[:3]) or "not a scenario module")
    # Conditional passages count too: every one of them is text some learner reads.
    parts = [spec.summary, spec.intro_html, spec.debrief_html, *(p.html for p in spec.debrief_passages)]
    for scene in spec.scenes:
        parts += [scene.title, scene.body_html, *(p.html for p in scene.passages)]
        for choice in scene.choices:
            parts += [choice.text, choice.feedback_html, *(p.html for p in choice.feedback_passages)]
    return parts


def quiz_prose(path: Path) -> list[str]:
    spec, problems = parse_quiz_file(path)
    if spec is None:
        raise ValueError("; ".join(str(p) for p in problems[:3]) or "not a quiz bank")
    parts: list[str] = []
    for q in spec.questions:
        parts += [q.stem_html, q.explanation_html]
        for option in q.options:
            parts += [option.text_html, option.feedback_html]
    return parts


def prose(path: Path) -> str:
    """Everything a learner reads in ``path``, as plain text."""
    kind = quiz_prose if path.parent.name == "quizzes" else module_prose
    return " ".join(p for p in (plain(x) for x in kind(path)) if p)


def score(text: str) -> float:
    return float(textstat.flesch_reading_ease(text))


def files_in(arguments: list[str]) -> list[Path]:
    found: list[Path] = []
    for arg in arguments:
        p = Path(arg)
        if p.is_dir():
            found += sorted(x for x in p.rglob("*") if x.suffix in (".md", ".gift"))
        else:
            found.append(p)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["modules", "quizzes"],
                        help="module or quiz files, or folders (default: modules quizzes)")
    parser.add_argument("--min", type=float, default=70.0, help="lowest acceptable score (default 70)")
    args = parser.parse_args(argv)
    files = files_in(args.paths)
    if not files:
        print("No .md or .gift files found in: " + ", ".join(args.paths), file=sys.stderr)
        return 2
    low, broken, scores = [], [], []
    for i, path in enumerate(files, 1):
        try:
            text = prose(path)
        except (OSError, ValueError) as exc:
            print(f"[{i}/{len(files)}] {path}: cannot measure: {exc}", file=sys.stderr)
            broken.append(path)
            continue
        value = score(text)
        scores.append(value)
        flag = "" if value >= args.min else f"  below {args.min:g}: shorten sentences and use shorter words"
        print(f"[{i}/{len(files)}] {path}: reading ease {value:.1f} ({len(text.split())} words){flag}")
        if value < args.min:
            low.append(path)
    if scores:
        print(f"{len(scores)} files measured: lowest {min(scores):.1f}, highest {max(scores):.1f}; "
              f"{len(low)} below {args.min:g}; {len(broken)} could not be read.")
    return 2 if broken else 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
