"""What every quiz bank gets, whichever format it is written in (Markdown or Moodle GIFT):
reading its bytes and lines (UTF-8, no unsafe markup, no images), the checks on its questions
(a correct answer exists, weights add up, feedback present) and on the bank (the draw fits),
and building the ``QuizSpec``.

``quiz_parser`` (Markdown) and ``gift`` (GIFT) each read their own syntax and then call
``read_bank_lines`` and ``build_quiz`` here, so a bank is judged by the same rules in both.
"""

from __future__ import annotations

from pathlib import Path

from . import markdown_render as mr
from ._common import SLUG, FenceTracker, is_int
from .problems import ProblemList
from .specs import QuestionSpec, QuizSpec
from .versioning import file_hash

EPS = 1e-4


def scan_unsafe(lines: list[str], problems: ProblemList, first_line: int = 1) -> None:
    """Report unsafe markup on any line outside fenced code."""
    if not mr.may_contain_unsafe_markup("\n".join(lines)):
        return
    fence = FenceTracker()
    for off, line in enumerate(lines):
        if fence.step(line) and not line.lstrip().startswith(("```", "~~~")):
            continue
        unsafe = mr.find_unsafe_markup(line)
        if unsafe:
            problems.error(
                first_line + off,
                "unsafe-html",
                f"This line contains {unsafe}, which is not allowed in course content because "
                "it could run code in a learner's browser. Remove it: use Markdown for "
                "formatting, ordinary https:// links, and ![description](media/file.png) "
                "for images.",
            )


def check_questions(questions: list[QuestionSpec], problems: ProblemList) -> None:
    """Checks every quiz bank gets, whatever its format."""
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            problems.error(
                q.line,
                "duplicate-question",
                f"The question id '{q.id}' is also used on line {seen[q.id]}. Give each "
                "question its own id.",
            )
        else:
            seen[q.id] = q.line
        if not q.options:
            problems.error(
                q.line,
                "question-no-options",
                f"Question '{q.title}' has no answer options. Add options as '- [x] right "
                "answer' and '- [ ] wrong answer' lines.",
            )
            continue
        if q.type == "ordering":
            if len(q.options) < 2:
                problems.error(
                    q.line,
                    "ordering-too-few",
                    f"Ordering question '{q.title}' needs at least two items to put in order.",
                )
            continue
        best = max_fraction(q)
        if best <= EPS:
            problems.error(
                q.line,
                "question-no-correct",
                f"Question '{q.title}' has no correct answer. Mark the right option with "
                "'[x]' (in GIFT: start it with '=' or give it a positive %weight%).",
            )
        elif best < 1 - EPS:
            problems.error(
                q.line,
                "question-not-full-marks",
                f"In question '{q.title}' no answer earns full marks (the best earns "
                f"{best * 100:g}%). Make the right answer(s) add up to 100%.",
            )
        for opt in q.options:
            if not opt.feedback_html:
                problems.warning(
                    q.line,
                    "option-no-feedback",
                    f"An option of question '{q.title}' has no feedback. Add '  feedback: ' "
                    "under each option saying why it is right or wrong.",
                )
                break


def max_fraction(q: QuestionSpec) -> float:
    """The best score a question allows, as a fraction of its points."""
    if q.type == "ordering":
        return 1.0 if q.options else 0.0
    if q.type == "multiple":
        return min(1.0, sum(o.weight for o in q.options if o.weight > 0) / 100)
    return max((o.weight for o in q.options), default=0) / 100


def build_quiz(
    meta: dict,
    key_lines: dict[str, int],
    questions: list[QuestionSpec],
    path: str,
    data: bytes,
    problems: ProblemList,
) -> QuizSpec | None:
    """Check bank-level settings and build the spec."""
    ok = True
    qid = meta.get("id")
    title = meta.get("title")
    for key, value in (("id", qid), ("title", title)):
        if value is None or value == "":
            ok = False
            problems.error(
                1,
                "field-missing",
                f"The quiz has no '{key}' setting. Add '{key}: ...' to its settings at the top.",
            )
    if qid is not None and not SLUG.match(str(qid)):
        ok = False
        problems.error(
            key_lines.get("id", 1),
            "field-invalid",
            f"The quiz id '{qid}' may only use lower-case letters, digits and hyphens.",
        )
    if not questions:
        problems.error(
            1, "quiz-no-questions", "The quiz has no questions. Add '## Question title {#q-id}' sections."
        )
    draw = meta.get("draw")
    if draw is None:
        draw = len(questions)
    elif not is_int(draw) or draw < 1:
        problems.error(
            key_lines.get("draw", 1),
            "field-invalid",
            "'draw' must be a whole number of questions, at least 1.",
        )
        draw = len(questions)
    elif draw > len(questions) and questions:
        problems.error(
            key_lines.get("draw", 1),
            "draw-too-large",
            f"The quiz draws {draw} questions per attempt but the bank has only "
            f"{len(questions)}. Lower 'draw' or add questions.",
        )
    shuffle = meta.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.error(
            key_lines.get("shuffle", 1), "field-invalid", "'shuffle' must be true or false."
        )
        shuffle = True
    check_questions(questions, problems)
    if not ok:
        return None
    return QuizSpec(
        id=str(qid),
        title=mr.plain_text(title),
        draw=draw,
        shuffle=shuffle,
        questions=tuple(questions),
        source_path=path,
        version=file_hash(data),
    )


def read_bank_lines(path: str | Path, text: str | bytes | None,
                    problems: ProblemList) -> tuple[bytes, list[str]] | None:
    """A quiz bank's bytes (its version is their hash) and lines, after the checks every bank
    gets, Markdown or GIFT: UTF-8 (with or without a BOM; any line ending), no unsafe markup,
    no images. None if it is not UTF-8.

    :param text: the file's content if already read; None reads ``path``.
    """
    data = Path(path).read_bytes() if text is None else text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.error(1, "encoding", "This file is not saved as UTF-8 text. Save it again choosing UTF-8.")
        return None
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    scan_unsafe(lines, problems)
    for idx, line in enumerate(lines):
        if "![" in line or "<img" in line.lower():
            problems.error(
                idx + 1,
                "quiz-image",
                "Quiz banks cannot contain images. Describe what the learner needs to know "
                "in words, or put the image in the module.",
            )
    return data, lines
