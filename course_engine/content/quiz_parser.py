"""Parse a Markdown quiz bank (``quizzes/<id>.md``) into a ``QuizSpec``.

Checks shared with GIFT banks (reading the file, a correct answer exists, weights add up,
feedback present, the draw fits the bank) live in ``quiz_bank``.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import markdown_render as mr
from ._common import (
    CALLOUT_START,
    HEADING_ID,
    SETTING_LINE,
    SLUG,
    FenceTracker,
    dedent_block,
    load_yaml_block,
    split_front_matter,
)
from .problems import Problem, ProblemList
from .quiz_bank import build_quiz, read_bank_lines
from .specs import QUESTION_KINDS, QUESTION_TYPES, OptionSpec, QuestionSpec, QuizSpec

QUIZ_FIELDS = ("id", "title", "draw", "shuffle")
CHECKBOX = re.compile(r"^[-*+][ \t]+\[( |x|X|-?\d+(?:\.\d+)?%)\][ \t]+(.*?)[ \t]*$")
NUMBERED = re.compile(r"^\d+[.)][ \t]+(.*?)[ \t]*$")
#: A numbered line written where a checkbox option belongs: '1. [x] text', or followed by
#: an indented option setting.
NUMBERED_MARK = re.compile(r"^\[(x|X| |\d+(?:\.\d+)?%)\][ \t]+(.*)$")
OPTION_SETTING = re.compile(r"^[ \t]+(?:feedback|keep_last)[ \t]*:")
OPTION_KEYS = ("feedback", "keep_last")


def parse_quiz_markdown(
    path: str | Path, text: str | bytes | None = None
) -> tuple[QuizSpec | None, list[Problem]]:
    """Parse a Markdown quiz bank. Returns ``(spec or None, problems)``."""
    path_str = str(path)
    problems = ProblemList(path_str)
    bank = read_bank_lines(path, text, problems)
    if bank is None:
        return None, list(problems)
    data, lines = bank
    fm = split_front_matter(lines, problems, "quiz")
    if fm is None:
        return None, list(problems)
    for key in fm.data:
        if key not in QUIZ_FIELDS:
            problems.error(
                fm.key_lines.get(str(key), 1),
                "field-unknown",
                f"'{key}' is not a quiz setting. The settings are: {', '.join(QUIZ_FIELDS)}.",
            )
    sections: list[tuple[int, str, str | None, list[tuple[int, str]]]] = []
    fence = FenceTracker()
    for idx in range(fm.body_start, len(lines)):
        line = lines[idx]
        if not fence.step(line) and line.startswith("## "):
            m = HEADING_ID.match(line)
            if m:
                sections.append((idx + 1, mr.plain_text(m.group(2)), m.group(3), []))
                continue
        if sections:
            sections[-1][3].append((idx + 1, line))
    questions = [q for q in (_parse_question(*s, problems) for s in sections) if q]
    quiz = build_quiz(fm.data, fm.key_lines, questions, path_str, data, problems)
    problems.sort(key=lambda pr: (pr.line, pr.severity != "error"))
    return quiz, list(problems)


def _parse_question(
    lineno: int, title: str, qid: str | None, lines: list[tuple[int, str]], problems: ProblemList
) -> QuestionSpec | None:
    if qid is None:
        problems.error(
            lineno,
            "question-no-id",
            f"The question heading '{title}' has no id. Add one at the end, e.g. "
            "'## Seeing the child alone {#q-see-alone}'.",
        )
        return None
    qid = qid.strip()
    if not SLUG.match(qid):
        problems.error(
            lineno,
            "question-bad-id",
            f"The question id '{qid}' may only use lower-case letters, digits and hyphens.",
        )
    i = 0
    while i < len(lines) and not lines[i][1].strip():
        i += 1
    settings: dict[str, tuple[str, int]] = {}
    while i < len(lines):
        m = SETTING_LINE.match(lines[i][1])
        if not m:
            break
        key = m.group(1)
        if key not in ("type", "points", "kind"):
            problems.error(
                lines[i][0],
                "question-setting-unknown",
                f"'{key}:' is not a question setting. Use 'type:', 'points:' and 'kind:'.",
            )
        settings[key] = ((m.group(2) or "").strip(), lines[i][0])
        i += 1
    qtype = settings.get("type", (None, 0))[0]
    if qtype is not None and qtype not in QUESTION_TYPES:
        problems.error(
            settings["type"][1],
            "question-bad-type",
            f"'type: {qtype}' is not a question type. Use single, multiple, true-false or "
            "ordering (or leave it out).",
        )
        qtype = None
    kind = settings.get("kind", ("", 0))[0]
    if kind and kind not in QUESTION_KINDS:
        problems.error(
            settings["kind"][1],
            "question-bad-kind",
            f"'kind: {kind}' is not a question kind. Use {', '.join(QUESTION_KINDS)} (or leave "
            "it out).",
        )
        kind = ""
    points = 1.0
    if "points" in settings:
        raw, pline = settings["points"]
        try:
            points = float(raw)
            if points <= 0:
                raise ValueError
        except ValueError:
            problems.error(pline, "question-bad-points", "'points' must be a number above 0, e.g. 'points: 2'.")
            points = 1.0
    rest = lines[i:]
    has_checkbox = any(CHECKBOX.match(t) for _, t in rest)
    numbered_options = not has_checkbox and qtype in (None, "ordering")
    stem: list[str] = []
    raw_options: list[tuple[int, str, str, list[str]]] = []  # line, mark, text, settings lines
    explain: list[str] = []
    explain_line = 0
    after_reported = False
    fence = FenceTracker()
    j = 0
    while j < len(rest):
        ln, text = rest[j]
        if fence.step(text):
            (stem if not raw_options else explain).append(text)
            j += 1
            continue
        m = CHECKBOX.match(text) if has_checkbox else None
        nm = NUMBERED.match(text) if numbered_options else None
        slip = None if m else NUMBERED.match(text)
        if slip is not None:
            marked = NUMBERED_MARK.match(slip.group(1))
            following = rest[j + 1][1] if j + 1 < len(rest) else ""
            if marked or (not numbered_options and OPTION_SETTING.match(following)):
                mark, otext = (marked.group(1), marked.group(2)) if marked else (" ", slip.group(1))
                problems.error(
                    ln,
                    "option-numbered",
                    f"This option is written as a numbered item ('{text.strip()[:40]}'), so it would "
                    f"not be an option. Write options as '- [x] {otext[:30]}' for a right answer or "
                    f"'- [ ] {otext[:30]}' for a wrong one; numbered lists are only for ordering "
                    "questions.",
                )
                block = []
                j += 1
                while j < len(rest) and (not rest[j][1].strip() or rest[j][1][:1] in " \t"):
                    block.append(rest[j][1])
                    j += 1
                while block and not block[-1].strip():
                    block.pop()
                raw_options.append((ln, mark, otext, block))
                continue
        if m or nm:
            mark, otext = (m.group(1), m.group(2)) if m else ("#", nm.group(1))
            block = []
            j += 1
            while j < len(rest) and (not rest[j][1].strip() or rest[j][1][:1] in " \t"):
                block.append(rest[j][1])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            raw_options.append((ln, mark, otext, block))
            continue
        cm = CALLOUT_START.match(text) if text.startswith(">") else None
        if cm:
            if cm.group(1).upper() != "EXPLAIN":
                problems.error(
                    ln,
                    "callout-unknown",
                    f"'[!{cm.group(1)}]' is not a quiz callout. Use '> [!EXPLAIN]' for the "
                    "explanation shown after answering.",
                )
            explain_line = ln
            j += 1
            while j < len(rest) and rest[j][1].startswith(">"):
                t = rest[j][1][1:]
                explain.append(t[1:] if t.startswith(" ") else t)
                j += 1
            continue
        if raw_options and text.strip() and not after_reported:
            problems.error(
                ln,
                "text-after-options",
                f"Question '{title}' has text after its options. Put the question text above "
                "the options and the explanation in a '> [!EXPLAIN]' block.",
            )
            after_reported = True
        elif not raw_options:
            stem.append(text)
        j += 1
    del explain_line
    options: list[OptionSpec] = []
    for idx, (ln, mark, otext, block) in enumerate(raw_options):
        settings_map: dict = {}
        if block:
            value, ok = load_yaml_block(dedent_block(block), ln + 1, problems, f"option '{otext}'", block)
            if ok and isinstance(value, dict):
                settings_map = value
            elif ok:
                problems.error(
                    ln + 1,
                    "option-settings",
                    f"The lines under option '{otext}' must be settings: 'feedback:' and "
                    "optionally 'keep_last: true'.",
                )
        for key in settings_map:
            if key not in OPTION_KEYS:
                problems.error(
                    ln,
                    "option-setting-unknown",
                    f"'{key}' is not an option setting. Use 'feedback:' and 'keep_last:'.",
                )
        if mark in ("x", "X"):
            weight = 100.0
        elif mark in (" ", "#"):
            weight = 0.0
        else:
            weight = float(mark[:-1])
            if not 0 < weight < 100:
                problems.error(
                    ln,
                    "option-bad-weight",
                    f"The partial credit '[{mark}]' must be between 0% and 100%, e.g. '[50%]'.",
                )
        options.append(
            OptionSpec(
                index=idx,
                text_html=mr.render_inline(otext),
                weight=weight,
                feedback_html=mr.render_markdown(str(settings_map.get("feedback") or "")),
                keep_last=settings_map.get("keep_last") is True,
            )
        )
    # Infer or check the type.
    correct = [o for o in options if o.weight >= 100]
    partial = [o for o in options if 0 < o.weight < 100]
    texts = sorted(mr.plain_text(o.text_html).lower() for o in options)
    if numbered_options and raw_options:
        inferred = "ordering"
    elif texts == ["false", "true"]:
        inferred = "true-false"
    elif len(correct) >= 2:
        inferred = "multiple"
    else:
        inferred = "single"
    qtype = qtype or inferred
    correct_order: tuple[int, ...] = ()
    if qtype == "ordering":
        if has_checkbox:
            problems.error(
                lineno,
                "ordering-needs-numbers",
                f"Ordering question '{title}' must list its items as a numbered list "
                "('1. first', '2. second', ...) in the correct order.",
            )
        options = [OptionSpec(o.index, o.text_html, 100.0, o.feedback_html, False) for o in options]
        correct_order = tuple(range(len(options)))
    elif qtype == "true-false":
        if texts != ["false", "true"] or len(correct) != 1:
            problems.error(
                lineno,
                "true-false-options",
                f"True/false question '{title}' needs exactly two options, 'True' and "
                "'False', with one marked [x].",
            )
    elif qtype == "single":
        if len(correct) > 1:
            problems.error(
                lineno,
                "single-many-correct",
                f"Question '{title}' is single-choice but marks {len(correct)} options [x]. "
                "Mark only one, or use 'type: multiple'.",
            )
    elif qtype == "multiple":
        if partial:
            problems.error(
                lineno,
                "partial-not-single",
                f"Question '{title}' uses partial credit ([N%]), which only single-choice "
                "questions allow. Use [x] and [ ] in multiple-response questions.",
            )
        if len(correct) < 2:
            problems.error(
                lineno,
                "multiple-needs-two",
                f"Multiple-response question '{title}' needs two or more options marked [x]; "
                "with one, use a single-choice question.",
            )
        k = max(len(correct), 1)
        options = [
            OptionSpec(
                o.index,
                o.text_html,
                round(100 / k, 5) if o.weight >= 100 else -round(100 / k, 5),
                o.feedback_html,
                o.keep_last,
            )
            for o in options
        ]
    return QuestionSpec(
        id=qid,
        title=title,
        type=qtype,
        points=points,
        stem_html=mr.render_markdown("\n".join(stem)),
        options=tuple(options),
        explanation_html=mr.render_markdown("\n".join(explain)),
        correct_order=correct_order,
        line=lineno,
        kind=kind,
    )
