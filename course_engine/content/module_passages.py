"""Conditional passages (``::: if … / ::: else / :::``) and facts, for the module parser.

A mixin of ``module_parser._ModuleParser``: it splits a text (a scene's narrative, the
debrief, a choice's feedback) into passages, renders each one with the parser's
``render_block`` and remembers every fact, scene and counter a passage or setting names, so
that ``check_references`` can report unknown ones once every scene has been read.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ._common import SLUG, FenceTracker
from .conditions import ConditionError, PassageSpec, parse_condition, terms
from .specs import CalloutSpec

PASSAGE_MARK = re.compile(r"^:::(.*)$")
PASSAGE_OPEN = re.compile(r"^[ \t]*(if|else|asserts)\b[ \t]*(.*?)[ \t]*$")
ASSERTS_LINE = re.compile(r"^asserts:[ \t]*(.*?)[ \t]*$")
PASSAGE_FORMS = (
    "'::: if condition' (then the text, then ':::'), '::: else' straight after it, or "
    "'::: asserts fact-id' for a passage shown always that makes a claim"
)


@dataclass
class Block:
    """A run of lines: plain text, or one passage between ``:::`` lines."""

    kind: str  # text | if | else | asserts
    line: int
    condition: tuple = ()
    asserts: tuple[str, ...] = ()
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Reference:
    """A fact, scene or counter named by a setting or a condition, checked at the end."""

    kind: str  # fact | visited | counter
    name: str
    line: int


class PassageParsing:
    """Conditional passages and fact lists (see the module docstring)."""

    def fact_list(self, raw: object, line: int, what: str) -> tuple[str, ...]:
        """Fact ids from ``a, b`` or a YAML list; each is remembered for the unknown-fact check."""
        if raw is None or raw == "":
            return ()
        items = raw if isinstance(raw, list) else str(raw).strip().strip("[]").split(",")
        out: list[str] = []
        for item in items:
            name = str(item).strip()
            if not name:
                continue
            if not SLUG.match(name):
                self.problems.error(
                    line,
                    "fact-bad-id",
                    f"'{name}' in {what} is not a fact id: fact ids use lower-case letters, "
                    "digits and hyphens, e.g. 'shared-words'; separate several with commas.",
                )
                continue
            self.references.append(Reference("fact", name, line))
            out.append(name)
        return tuple(dict.fromkeys(out))

    def split_passages(self, lines: list[tuple[int, str]], where: str) -> list[Block]:
        """The text as blocks; reports unclosed, nested and malformed ``:::`` lines."""
        blocks: list[Block] = [Block("text", lines[0][0] if lines else 0)]
        open_block: Block | None = None
        last_closed: Block | None = None  # the if block an else may follow
        nested = 0  # openers reported as nested whose ':::' must not close the outer passage
        fence = FenceTracker()
        p = self.problems
        for lineno, line in lines:
            if fence.step(line) or not line.startswith(":::"):
                if open_block is not None:
                    if not open_block.lines and not open_block.asserts and ASSERTS_LINE.match(line):
                        value = ASSERTS_LINE.match(line).group(1)
                        open_block.asserts = self.fact_list(value, lineno, "'asserts:'")
                        continue
                    open_block.lines.append((lineno, line))
                else:
                    if line.strip():
                        last_closed = None
                    blocks[-1].lines.append((lineno, line))
                continue
            rest = PASSAGE_MARK.match(line.rstrip()).group(1)
            if not rest.strip() and nested:
                nested -= 1
                continue
            if not rest.strip():
                if open_block is None:
                    p.error(lineno, "passage-close-alone",
                            f"This ':::' closes no passage{where}. Passages start with "
                            f"{PASSAGE_FORMS}; remove this line or add the opening line above.")
                    continue
                if not any(t.strip() for _, t in open_block.lines):
                    p.error(open_block.line, "passage-empty",
                            f"The passage opened on line {open_block.line} has no text. Write the "
                            "text between the opening line and ':::', or remove both lines.")
                last_closed = open_block if open_block.kind == "if" else None
                open_block = None
                blocks.append(Block("text", lineno + 1))
                continue
            if open_block is not None:
                p.error(lineno, "passage-nested",
                        f"Passages cannot be nested: the passage opened on line {open_block.line} "
                        "is still open. Close it with a line ':::' first; to combine conditions "
                        "write them on one line, e.g. '::: if shared-words and trust >= 2'.")
                self.broken = True
                nested += 1
                continue
            m = PASSAGE_OPEN.match(rest)
            if m is None:
                p.error(lineno, "passage-malformed",
                        f"'{line.strip()}' is not understood{where}. Write {PASSAGE_FORMS}.")
                self.broken = True
                open_block = Block("if", lineno)  # so its ':::' closes it without a second error
                last_closed = None
                blocks.append(open_block)
                continue
            word, arg = m.group(1), m.group(2)
            if word == "if":
                condition = self.passage_condition(arg, lineno)
                open_block = Block("if", lineno, condition)
            elif word == "else":
                if arg:
                    p.error(lineno, "passage-malformed",
                            f"'::: else' takes nothing after it (found '{arg}'). For another "
                            "condition close this passage and start a new '::: if …'.")
                if last_closed is None:
                    p.error(lineno, "passage-else-alone",
                            f"This '::: else' does not follow a '::: if' passage{where}. Put it "
                            "straight after the ':::' that closes the '::: if' passage.")
                    self.broken = True
                    open_block = Block("else", lineno)
                else:
                    open_block = Block("else", lineno, last_closed.condition)
            else:
                facts = self.fact_list(arg, lineno, "'::: asserts'")
                if not facts:
                    p.error(lineno, "passage-malformed",
                            "'::: asserts' needs the fact ids the passage claims, e.g. "
                            "'::: asserts shared-words'.")
                open_block = Block("asserts", lineno, (), facts)
            last_closed = None
            blocks.append(open_block)
        if open_block is not None:
            p.error(open_block.line, "passage-unclosed",
                    f"The passage opened on line {open_block.line} is never closed. Add a line "
                    "with only ':::' after its text.")
            self.broken = True
        return [b for b in blocks if b.kind != "text" or any(t.strip() for _, t in b.lines)]

    def passage_condition(self, text: str, lineno: int) -> tuple:
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            self.problems.error(lineno, "condition-malformed", f"The condition after '::: if' is not "
                                f"understood: {exc}")
            self.broken = True
            return ()
        for kind, _neg, name, _op, _value in terms(condition):
            self.references.append(Reference(kind, name, lineno))
        return condition

    def render_text(self, lines: list[tuple[int, str]], where: str):
        """Render a text that may hold passages: ``(rendered, passages)``.

        Without passages, ``rendered.html`` is the whole text and ``passages`` is ``()``;
        with them, ``rendered.html`` is "" and each passage has its own HTML.
        """
        if not any(line.startswith(":::") for _, line in lines):
            return self.render_block(lines, where), ()
        blocks = self.split_passages(lines, where)
        html_parts: list[PassageSpec] = []
        callouts: list[CalloutSpec] = []
        words = 0
        for block in blocks:
            rendered = self.render_block(block.lines, where)
            words += rendered.words
            for callout in rendered.callouts:
                if callout.kind == "reflect" and block.kind != "text":
                    self.problems.error(
                        callout.line, "passage-reflect",
                        f"The reflect prompt '{callout.id}' is inside a conditional passage. "
                        "Journal prompts are shown to everyone: move it outside the ':::' lines.")
            callouts.extend(rendered.callouts)
            html_parts.append(PassageSpec(block.kind, rendered.html, block.condition, block.asserts,
                                          block.line))
        if all(b.kind == "text" for b in blocks):
            return type(rendered)("\n".join(x.html for x in html_parts), callouts, words), ()
        return type(rendered)("", callouts, words), tuple(html_parts)

    def check_references(self, facts: dict[str, str], scene_ids: set[str], counters: dict[str, int]) -> None:
        """Report facts, scenes and counters named anywhere that the module does not have."""
        p = self.problems
        declared = ", ".join(sorted(facts)) or "none (add 'facts:' at the top)"
        used: set[str] = set()
        for ref in self.references:
            if ref.kind == "fact":
                used.add(ref.name)
                if ref.name not in facts:
                    close = difflib.get_close_matches(ref.name, list(facts), n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    p.error(ref.line, "fact-unknown",
                            f"The fact '{ref.name}' is not declared under 'facts:' at the top.{hint} "
                            f"Declared facts: {declared}. Fix the spelling or declare it there "
                            "with a one-line description.")
            elif ref.kind == "visited" and ref.name not in scene_ids:
                p.error(ref.line, "visited-unknown-scene",
                        f"'visited {ref.name}' names a scene that does not exist. Use the id of a "
                        "scene heading's {#id}.")
            elif ref.kind == "counter" and ref.name not in counters:
                p.error(ref.line, "unknown-counter",
                        f"The condition tests the counter '{ref.name}', which is not listed under "
                        "'counters:' at the top. Add it there with a starting value, or fix the "
                        "spelling.")
        for name in facts:
            if name not in used:
                p.warning(self.fact_lines.get(name, 1), "fact-unused",
                          f"The fact '{name}' is declared but nothing establishes, asserts or tests "
                          "it. Use it, or remove it from 'facts:'.")
