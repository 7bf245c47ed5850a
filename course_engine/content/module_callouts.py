"""Narrative with callouts (``> [!EVIDENCE]``, ``> [!NOTE]``, ``> [!REFLECT]``), rendered.

A mixin of ``module_parser._ModuleParser``: it uses the parser's problems, its media URL
function and its reflection ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import markdown_render as mr
from ._common import CALLOUT_START, SLUG, FenceTracker, word_count
from .specs import CalloutSpec


@dataclass
class Rendered:
    html: str
    callouts: list[CalloutSpec]
    words: int


class CalloutRendering:
    """Rendering of narrative lines and their callouts (see the module docstring)."""

    def render_block(self, lines: list[tuple[int, str]], where: str) -> Rendered:
        """Render narrative lines, handling callouts. Reflect prompts are not in the html."""
        parts: list[str] = []
        callouts: list[CalloutSpec] = []
        buf: list[str] = []
        words = 0
        fence = FenceTracker()
        i = 0
        n = len(lines)
        while i < n:
            lineno, line = lines[i]
            in_fence = fence.step(line)
            m = None if in_fence or not line.startswith(">") else CALLOUT_START.match(line)
            if m is None:
                buf.append(line)
                i += 1
                continue
            if buf:
                parts.append(mr.render_markdown("\n".join(buf), self.media_url))
                words += word_count("\n".join(buf))
                buf = []
            body: list[str] = []
            i += 1
            while i < n and lines[i][1].startswith(">"):
                text = lines[i][1][1:]
                body.append(text.removeprefix(" "))
                i += 1
            words += word_count(m.group(2)) + word_count("\n".join(body))
            callout = self.make_callout(lineno, m.group(1), m.group(2), "\n".join(body), where)
            if callout is None:
                continue
            callouts.append(callout)
            if callout.kind == "evidence":
                parts.append(
                    '<aside class="callout callout-evidence" aria-label="Evidence">'
                    '<p class="callout-title"><span class="callout-kind">Evidence</span> '
                    f'<cite>{mr.escape(callout.citation)}</cite></p>'
                    f"{callout.html}</aside>"
                )
            elif callout.kind == "note":
                title = (
                    f'<p class="callout-title"><span class="callout-kind">Practice note</span> '
                    f"{mr.escape(callout.title)}</p>"
                    if callout.title
                    else '<p class="callout-title"><span class="callout-kind">Practice note</span></p>'
                )
                parts.append(f'<aside class="callout callout-note" aria-label="Practice note">{title}{callout.html}</aside>')
        if buf:
            parts.append(mr.render_markdown("\n".join(buf), self.media_url))
            words += word_count("\n".join(buf))
        return Rendered("\n".join(p for p in parts if p).strip(), callouts, words)

    def make_callout(
        self, lineno: int, kind: str, rest: str, body: str, where: str
    ) -> CalloutSpec | None:
        kind_l = kind.lower()
        html = mr.render_markdown(body, self.media_url)
        rest = mr.plain_text(rest)
        if kind_l == "evidence":
            if not rest:
                self.problems.error(
                    lineno,
                    "evidence-no-citation",
                    "An [!EVIDENCE] callout needs a citation after it on the same line, e.g. "
                    "'> [!EVIDENCE] Child Safeguarding Practice Review Panel (2025)'.",
                )
            return CalloutSpec("evidence", citation=rest, html=html, line=lineno)
        if kind_l == "note":
            return CalloutSpec("note", title=rest, html=html, line=lineno)
        if kind_l == "reflect":
            if not rest:
                self.problems.error(
                    lineno,
                    "reflect-no-id",
                    "A [!REFLECT] prompt needs an id after it on the same line, e.g. "
                    "'> [!REFLECT] first-assumption'. The id keeps learners' journal answers "
                    "attached to the prompt when you edit its wording.",
                )
                return None
            if not SLUG.match(rest):
                self.problems.error(
                    lineno,
                    "reflect-bad-id",
                    f"The reflect prompt id '{rest}' may only use lower-case letters, digits "
                    "and hyphens, e.g. 'first-assumption'.",
                )
            if rest in self.reflect_ids:
                self.problems.error(
                    lineno,
                    "duplicate-reflect",
                    f"The reflect prompt id '{rest}' is already used on line "
                    f"{self.reflect_ids[rest]}. Give each prompt its own id.",
                )
            else:
                self.reflect_ids[rest] = lineno
            if not body.strip():
                self.problems.error(
                    lineno,
                    "reflect-empty",
                    f"The reflect prompt '{rest}' has no question. Write the question on the "
                    "next line, starting with '> '.",
                )
            return CalloutSpec("reflect", id=rest, html=html, line=lineno)
        self.problems.error(
            lineno,
            "callout-unknown",
            f"'[!{kind}]' is not a known callout{where}. Use [!EVIDENCE], [!NOTE] or [!REFLECT].",
        )
        return None
