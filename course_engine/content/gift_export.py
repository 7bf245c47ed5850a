"""Write a quiz bank as Moodle GIFT (``export_gift``), saying what GIFT cannot keep.

The reading half is ``gift.py``; the two share only the characters GIFT escapes
(``gift.SPECIAL``). Ordering questions and "keep last" have no GIFT form: ``export_gift_report``
names each one left out or not kept, so an author is never surprised in Moodle.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import markdown_render as mr
from .gift import SPECIAL
from .specs import QuizSpec


def _esc(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for c in SPECIAL:
        text = text.replace(c, "\\" + c)
    return text.replace("\r", "").replace("\n", "\\n")


def _weight(w: float) -> str:
    return f"{w:.5f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class GiftExport:
    """What ``export_gift_report`` wrote: the text, the questions written, and what it left
    out (question id, why) and what it could not keep (question id, what, why)."""

    text: str
    written: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    not_kept: tuple[tuple[str, str], ...]

    def summary(self, where: str) -> str:
        n = len(self.written)
        lines = [f"Wrote {n} question{'s' if n != 1 else ''} to {where}."]
        for qid, why in self.left_out:
            lines.append(f"Left out '{qid}': {why}.")
        for qid, what in self.not_kept:
            lines.append(f"In '{qid}': {what}.")
        return "\n".join(lines)


def export_gift_report(quiz: QuizSpec) -> GiftExport:
    """Export ``quiz`` and say exactly what was written and what was not (and why)."""
    text = export_gift(quiz)
    left_out = tuple((q.id, "it is an ordering question, and GIFT has no ordering type")
                     for q in quiz.questions if q.type == "ordering")
    written = tuple(q.id for q in quiz.questions if q.type != "ordering")
    not_kept = tuple((q.id, f"'keep last' on option {o.index + 1} is not kept: Moodle has no such setting, "
                            "so it may shuffle that option")
                     for q in quiz.questions if q.type != "ordering" for o in q.options if o.keep_last)
    return GiftExport(text, written, left_out, not_kept)


def export_gift(quiz: QuizSpec) -> str:
    """Write a quiz as a GIFT bank Moodle can import (all text in ``[html]`` format).

    Ordering questions have no GIFT equivalent: they are left out with a comment saying so.
    ``keep_last`` is not kept (Moodle has no such setting). ``export_gift_report`` says both.
    """
    out = [
        f"// id: {quiz.id}",
        f"// title: {quiz.title}",
        f"// draw: {quiz.draw}",
        f"// shuffle: {'true' if quiz.shuffle else 'false'}",
        "",
    ]
    for q in quiz.questions:
        if q.type == "ordering":
            out += [f"// Question '{q.id}' ({q.title}) is an ordering question; GIFT has no ordering type, so it is left out.", ""]
            continue
        out.append(f"// question-id: {q.id}")
        if q.points != 1:
            out.append(f"// points: {_weight(q.points)}")
        if q.kind:
            out.append(f"// kind: {q.kind}")
        head = f"::{_esc(q.title)}::[html]{_esc(q.stem_html)}"
        general = f"####{_esc(q.explanation_html)}" if q.explanation_html else ""
        if q.type == "true-false":
            truth = next(o for o in q.options if o.weight >= 100)
            other = next(o for o in q.options if o is not truth)
            is_true = mr.plain_text(truth.text_html).lower() == "true"
            tf = "TRUE" if is_true else "FALSE"
            fbs = ""
            if truth.feedback_html or other.feedback_html:
                fbs = f"#{_esc(other.feedback_html)}#{_esc(truth.feedback_html)}"
            out += [f"{head}{{{tf}{fbs}{general}}}", ""]
            continue
        lines = [head + "{"]
        for o in q.options:
            if q.type == "single" and o.weight >= 100:
                mark = "="
            elif o.weight == 0:
                mark = "~"
            else:
                mark = f"~%{_weight(o.weight)}%"
            fb = f"#{_esc(o.feedback_html)}" if o.feedback_html else ""
            lines.append(f"\t{mark}{_esc(o.text_html)}{fb}")
        if general:
            lines.append(f"\t{general}")
        lines.append("}")
        out += lines + [""]
    return "\n".join(out)
