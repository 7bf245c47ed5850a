"""Moodle GIFT quiz banks: ``parse_gift`` reads one (``gift_export.export_gift`` writes one).

Supported: multiple choice (``=``/``~``), multiple response (``~%50%`` weights, negative
too), true/false, comments, ``::titles::``, ``[markdown]``/``[html]``/``[plain]``/``[moodle]``
format tags, ``#feedback``, ``####general feedback``, escapes and multi-line answers.
Matching, numeric, short answer, missing word and essay questions are reported as errors.

Bank settings go in ``// key: value`` comments before the first question (``id``,
``title``, ``draw``, ``shuffle``); ``// question-id:`` and ``// points:`` comments apply to
the question that follows them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from . import markdown_render as mr
from ._common import SLUG
from .problems import Problem, ProblemList
from .quiz_bank import build_quiz, read_bank_lines
from .specs import QUESTION_KINDS, OptionSpec, QuestionSpec, QuizSpec

SPECIAL = "~=#{}:"
_COMMENT_SETTING = re.compile(r"^//\s*([a-z][a-z_-]*)\s*:\s*(.*?)\s*$")
_FORMAT = re.compile(r"\s*\[(markdown|html|plain|moodle)\]", re.I)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TF = re.compile(r"^(true|false|t|f)$", re.I)
BANK_KEYS = ("id", "title", "draw", "shuffle")
QUESTION_KEYS = ("question-id", "points", "kind")


def _find(s: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped ``target`` at or after ``start``, or -1."""
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if s.startswith(target, i):
            return i
        i += 1
    return -1


def _unescape(s: str) -> str:
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _split_answers(s: str) -> list[str]:
    """Split the inside of ``{...}`` at unescaped ``=`` / ``~`` that start answers."""
    parts: list[str] = []
    i = 0
    start = None
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c in "=~":
            if start is not None:
                parts.append(s[start:i])
            start = i
        i += 1
    if start is not None:
        parts.append(s[start:])
    return parts


def _to_html(text: str, fmt: str, block: bool) -> str:
    """Text as HTML in its format: its own leading ``[format]`` tag if it has one (as Moodle
    reads every answer and feedback), else the question's format ``fmt``."""
    own = _FORMAT.match(text)
    if own:
        fmt = own.group(1).lower()
        text = text[own.end():]
    text = _unescape(text).strip()
    if not text:
        return ""
    if fmt == "markdown":
        return mr.render_markdown(text) if block else mr.render_inline(text)
    if fmt == "html":
        return mr.clean_html(text)
    escaped = html.escape(text, quote=False)
    if fmt == "moodle":
        escaped = escaped.replace("\n", "<br>")
    return f"<p>{escaped}</p>" if block else escaped


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


class _GiftParser:
    def __init__(self, path: str, problems: ProblemList) -> None:
        self.path = path
        self.problems = problems
        self.meta: dict = {}
        self.key_lines: dict[str, int] = {}
        self.questions: list[QuestionSpec] = []
        self.used_ids: set[str] = set()
        self.kind = ""  # the current question's kind, read from its pending comments

    def parse(self, lines: list[str]) -> None:
        pending: dict[str, tuple[str, int]] = {}
        block: list[tuple[int, str]] = []
        for idx, raw in enumerate(lines + [""]):
            lineno = idx + 1
            stripped = raw.strip()
            if stripped.startswith("//"):
                m = _COMMENT_SETTING.match(stripped)
                if m:
                    key, value = m.group(1), m.group(2)
                    if key in BANK_KEYS and not self.questions and not block:
                        self.meta[key] = value
                        self.key_lines[key] = lineno
                    elif key in QUESTION_KEYS:
                        pending[key] = (value, lineno)
                continue
            if stripped.startswith("$CATEGORY:"):
                continue
            if stripped:
                block.append((lineno, raw))
                continue
            if block:
                self.question(block, pending)
                block = []
                pending = {}

    def question(self, block: list[tuple[int, str]], pending: dict) -> None:
        p = self.problems
        first = block[0][0]
        text = "\n".join(t for _, t in block)

        def line_at(offset: int) -> int:
            return first + text.count("\n", 0, max(offset, 0))

        title = ""
        body_start = 0
        if text.lstrip().startswith("::"):
            lead = len(text) - len(text.lstrip())
            end = _find(text, "::", lead + 2)
            if end == -1:
                p.error(first, "gift-title", "The question title is not closed. Write it as ::Title:: before the question.")
                return
            title = _unescape(text[lead + 2 : end]).strip()
            body_start = end + 2
        fmt = "moodle"
        fm = _FORMAT.match(text, body_start)
        if fm:
            fmt = fm.group(1).lower()
            body_start = fm.end()
        open_at = _find(text, "{", body_start)
        if open_at == -1:
            p.error(
                first,
                "gift-no-answers",
                "This question has no answers in '{...}'. Add them, e.g. {=right ~wrong}. "
                "(Description-only items are not supported.)",
            )
            return
        close_at = _find(text, "}", open_at + 1)
        if close_at == -1:
            p.error(line_at(open_at), "gift-unclosed", "The answers start with '{' but there is no closing '}'.")
            return
        stem_src = text[body_start:open_at]
        inner = text[open_at + 1 : close_at]
        after = text[close_at + 1 :]
        aline = line_at(open_at)
        stray = after.strip()
        if stray and (not re.search(r"\w", stray) or "}" in stray or "{" in stray):
            p.error(
                line_at(close_at),
                "gift-malformed-end",
                f"This question has stray characters '{stray[:20]}' after its closing '}}'. Remove "
                "them, or escape a brace meant as text as '\\}'.",
            )
            return
        if stray:
            p.error(
                aline,
                "gift-missing-word",
                "Missing-word questions (text after the '}' answers) are not supported. Put "
                "the answers at the end of the question.",
            )
            return
        general = ""
        gf = _find(inner, "####")
        if gf != -1:
            general = inner[gf + 4 :]
            inner = inner[:gf]
        answers_src = inner.strip()
        if not answers_src:
            p.error(aline, "gift-essay", "Essay questions ('{}' with no answers) are not supported.")
            return
        if answers_src.startswith("#"):
            p.error(aline, "gift-numeric", "Numeric questions ('{#...}') are not supported.")
            return
        stem_html = _to_html(stem_src, fmt, True)
        if not title:
            plain = " ".join(mr.plain_text(_unescape(stem_src)).split())
            title = (plain[:57] + "...") if len(plain) > 60 else plain or "Question"
        qid = self.question_id(pending, title)
        self.kind = self.question_kind(pending)
        points = 1.0
        if "points" in pending:
            try:
                points = float(pending["points"][0])
                if points <= 0:
                    raise ValueError
            except ValueError:
                p.error(pending["points"][1], "question-bad-points", "'points' must be a number above 0.")
                points = 1.0
        head = answers_src.split("#", 1)[0].strip()
        if _TF.match(head):
            parts = []
            pos = 0
            while True:
                nxt = _find(answers_src, "#", pos)
                if nxt == -1:
                    parts.append(answers_src[pos:])
                    break
                parts.append(answers_src[pos:nxt])
                pos = nxt + 1
            truth = head.lower().startswith("t")
            wrong_fb = _to_html(parts[1], fmt, True) if len(parts) > 1 else ""
            right_fb = _to_html(parts[2], fmt, True) if len(parts) > 2 else ""
            options = (
                OptionSpec(0, "True", 100.0 if truth else 0.0, right_fb if truth else wrong_fb),
                OptionSpec(1, "False", 0.0 if truth else 100.0, wrong_fb if truth else right_fb),
            )
            self.add(qid, title, "true-false", points, stem_html, options, general, fmt, first)
            return
        parts = _split_answers(answers_src)
        lead_text = answers_src[: len(answers_src) - len("".join(parts))] if parts else answers_src
        if not parts or lead_text.strip():
            p.error(
                aline,
                "gift-answer-syntax",
                "The answers are not understood. Start each answer with '=' (right) or '~' "
                "(wrong, or ~%50% for a weighted answer).",
            )
            return
        if any(part.startswith("=") and _find(part, "->") != -1 for part in parts):
            p.error(aline, "gift-matching", "Matching questions ('=a -> b') are not supported.")
            return
        if not any(part.startswith("~") for part in parts):
            p.error(
                aline,
                "gift-short-answer",
                "Short-answer questions (only '=' answers, no '~') are not supported. Add "
                "wrong options starting with '~' to make it multiple choice.",
            )
            return
        options = []
        has_equals = any(part.startswith("=") for part in parts)
        for idx, part in enumerate(parts):
            marker, body = part[0], part[1:].strip()
            weight = 100.0 if marker == "=" else 0.0
            wm = _WEIGHT.match(body)
            if wm:
                weight = float(wm.group(1))
                body = body[wm.end() :]
                if not -100 <= weight <= 100:
                    p.error(aline, "gift-bad-weight", f"The weight %{wm.group(1)}% must be between -100% and 100%.")
            fb_at = _find(body, "#")
            feedback = ""
            if fb_at != -1:
                feedback = body[fb_at + 1 :]
                body = body[:fb_at]
            options.append(
                OptionSpec(idx, _to_html(body, fmt, False), weight, _to_html(feedback, fmt, True))
            )
        qtype = "single" if has_equals else "multiple"
        self.add(qid, title, qtype, points, stem_html, tuple(options), general, fmt, first)

    def question_id(self, pending: dict, title: str) -> str:
        if "question-id" in pending:
            value, line = pending["question-id"]
            if not SLUG.match(value):
                self.problems.error(line, "question-bad-id", f"The question id '{value}' may only use lower-case letters, digits and hyphens.")
            base = value
        else:
            base = "q-" + (_slugify(title) or str(len(self.questions) + 1))
        qid, n = base, 2
        if "question-id" not in pending:
            while qid in self.used_ids:
                qid = f"{base}-{n}"
                n += 1
        self.used_ids.add(qid)
        return qid

    def question_kind(self, pending: dict) -> str:
        """The ``// kind:`` comment's value (as the Markdown bank's ``kind:``), or ""."""
        if "kind" not in pending:
            return ""
        value, line = pending["kind"]
        if value not in QUESTION_KINDS:
            self.problems.error(line, "question-bad-kind", f"'kind: {value}' is not a question kind. "
                                f"Use {', '.join(QUESTION_KINDS)} (or leave it out).")
            return ""
        return value

    def add(self, qid, title, qtype, points, stem_html, options, general, fmt, line) -> None:
        self.questions.append(
            QuestionSpec(
                id=qid,
                title=mr.plain_text(title),
                type=qtype,
                points=points,
                stem_html=stem_html,
                options=tuple(options),
                explanation_html=_to_html(general, fmt, True),
                line=line,
                kind=self.kind,
            )
        )


def parse_gift(text: str | bytes | None, path: str | Path) -> tuple[QuizSpec | None, list[Problem]]:
    """Parse a GIFT bank. ``text`` may be None to read ``path``."""
    path_str = str(path)
    problems = ProblemList(path_str)
    bank = read_bank_lines(path, text, problems)
    if bank is None:
        return None, list(problems)
    data, lines = bank
    parser = _GiftParser(path_str, problems)
    parser.parse(lines)
    meta: dict = dict(parser.meta)
    stem = Path(path_str).stem
    if "id" not in meta and SLUG.match(stem):
        meta["id"] = stem  # Moodle exports have no id comment: use the file name
    meta.setdefault("title", meta.get("id"))
    if "draw" in meta:
        try:
            meta["draw"] = int(meta["draw"])
        except ValueError:
            meta["draw"] = 0
    if "shuffle" in meta:
        meta["shuffle"] = {"true": True, "false": False}.get(str(meta["shuffle"]).lower(), meta["shuffle"])
    quiz = build_quiz(meta, parser.key_lines, parser.questions, path_str, data, problems)
    problems.sort(key=lambda pr: (pr.line, pr.severity != "error"))
    return quiz, list(problems)
