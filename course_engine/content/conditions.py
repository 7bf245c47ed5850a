"""Conditions on the learner's path, as written after ``::: if`` in a conditional passage.

A condition is terms joined by ``and`` / ``or`` (``and`` binds tighter; no parentheses).
A term is a fact id (established on the path so far), ``visited scene-id``, or
``counter OP number``, each optionally preceded by ``not``. Parsed once, at sync time, into
plain tuples that survive JSON: ``((term, term, ...), ...)`` is an OR of ANDs, and a term is
``(kind, negated, name, op, value)`` with kind ``fact``, ``visited`` or ``counter`` (``op``
and ``value`` are ``""`` and ``0`` for the first two).
"""
from __future__ import annotations

import operator
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ._common import COUNTER_NAME, SLUG

Term = tuple  # (kind, negated, name, op, value)
Condition = tuple  # tuple[tuple[Term, ...], ...]

OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
#: Words of the condition language; a fact cannot be called one of these.
KEYWORDS = frozenset({"and", "or", "not", "visited"})
_TOKEN = re.compile(r"\s*(>=|<=|==|!=|>|<|=|[^\s<>=!]+|!)")
_NUMBER = re.compile(r"-?\d{1,9}\Z")

HOW_TO_WRITE = (
    "Write fact ids (e.g. 'shared-words'), 'visited scene-id' or 'counter >= 2' (>=, <=, >, <, "
    "==, !=), each optionally after 'not', joined with 'and' or 'or'; no brackets."
)


class ConditionError(ValueError):
    """A condition that cannot be read; the message says what is wrong, in an author's words."""


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the pattern matches any non-space character
            raise ConditionError(f"'{text[pos:]}' is not understood. {HOW_TO_WRITE}")
        out.append(m.group(1))
        pos = m.end()
    return out


def _term(words: list[str], text: str) -> Term:
    negated = False
    if words and words[0] == "not":
        negated = True
        words = words[1:]
    shown = " ".join(words)
    if not words:
        raise ConditionError(f"Something is missing in '{text}'. {HOW_TO_WRITE}")
    if words[0] == "not":
        raise ConditionError(f"'not not' in '{text}' cancels out: write the term once, with one "
                             "'not' or none.")
    if "(" in shown or ")" in shown:
        raise ConditionError(f"Brackets are not allowed in a condition ('{text}'): 'and' binds "
                             "tighter than 'or', so 'a and b or c' means (a and b) or c. Split "
                             "the passage into two if you need another grouping.")
    if words[0] == "visited":
        if len(words) != 2 or not SLUG.match(words[1]):
            raise ConditionError(f"'{shown}' is not understood: write 'visited' and one scene id, "
                                 "e.g. 'visited home-visit'.")
        return ("visited", negated, words[1], "", 0)
    if len(words) == 1:
        if not SLUG.match(words[0]):
            raise ConditionError(f"'{words[0]}' is not a fact id (lower-case letters, digits and "
                                 f"hyphens) in '{text}'. {HOW_TO_WRITE}")
        return ("fact", negated, words[0], "", 0)
    if len(words) == 3 and words[1] in OPS and COUNTER_NAME.match(words[0]) and _NUMBER.match(words[2]):
        return ("counter", negated, words[0], words[1], int(words[2]))
    if len(words) == 3 and words[1] == "=":
        raise ConditionError(f"'{shown}' uses '=': to compare a counter write '==', e.g. "
                             f"'{words[0]} == {words[2]}'.")
    raise ConditionError(f"'{shown}' is not understood in '{text}'. {HOW_TO_WRITE}")


def parse_condition(text: str) -> Condition:
    """Parse ``shared-words and not visited closed-early or trust >= 2``.

    :raise ConditionError: with a message for the author.
    """
    words = _tokens(text)
    if not words:
        raise ConditionError(f"'::: if' needs a condition after it. {HOW_TO_WRITE}")
    clauses: list[list[list[str]]] = [[[]]]
    for word in words:
        if word == "or":
            clauses.append([[]])
        elif word == "and":
            clauses[-1].append([])
        else:
            clauses[-1][-1].append(word)
    return tuple(tuple(_term(t, text) for t in clause) for clause in clauses)


def term_holds(term: Term, counters: Mapping[str, int], facts: Collection[str],
               visited: Collection[str]) -> bool:
    kind, negated, name, op, value = term
    if kind == "fact":
        result = name in facts
    elif kind == "visited":
        result = name in visited
    else:
        result = OPS[op](counters.get(name, 0), value)
    return result != negated


def holds(condition: Condition, counters: Mapping[str, int], facts: Collection[str],
          visited: Collection[str]) -> bool:
    """Whether the condition holds for this state (an empty condition always holds)."""
    if not condition:
        return True
    return any(all(term_holds(t, counters, facts, visited) for t in clause) for clause in condition)


def term_text(term: Term) -> str:
    kind, negated, name, op, value = term
    body = f"visited {name}" if kind == "visited" else name if kind == "fact" else f"{name} {op} {value}"
    return f"not {body}" if negated else body


def describe(condition: Condition) -> str:
    """The condition as an author writes it."""
    return " or ".join(" and ".join(term_text(t) for t in clause) for clause in condition)


def terms(condition: Condition):
    for clause in condition:
        yield from clause


def from_json(data) -> Condition:
    """The condition from its JSON form (lists) back to tuples."""
    return tuple(tuple((k, bool(n), name, op, v) for k, n, name, op, v in clause) for clause in data or ())


@dataclass(frozen=True)
class PassageSpec:
    """One piece of a text that has conditional passages (a scene, the debrief or a choice's
    feedback), rendered at sync time.

    ``kind`` is ``text`` (shown always), ``if`` (shown when ``condition`` holds), ``else``
    (shown when the ``condition`` of the ``if`` before it does not hold) or ``asserts`` (an
    unconditional passage that makes a claim). ``asserts`` lists the facts the text claims
    were established; ``line`` is the file line of its ``:::`` marker (or first line).
    """

    kind: str
    html: str
    condition: Condition = ()
    asserts: tuple[str, ...] = ()
    line: int = 0

    @property
    def condition_text(self) -> str:
        return describe(self.condition)

    def shown(self, counters, facts, visited) -> bool:
        """Whether a learner in this state sees the passage."""
        if self.kind == "if":
            return holds(self.condition, counters, facts, visited)
        if self.kind == "else":
            return not holds(self.condition, counters, facts, visited)
        return True

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "html": self.html,
            "condition": [[list(t) for t in clause] for clause in self.condition],
            "asserts": list(self.asserts),
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PassageSpec:
        return cls(kind=data["kind"], html=data["html"], condition=from_json(data.get("condition")),
                   asserts=tuple(data.get("asserts", ())), line=data.get("line", 0))


def passages_to_json(passages: tuple[PassageSpec, ...]) -> list[dict]:
    return [p.to_dict() for p in passages]


def passages_from_json(data) -> tuple[PassageSpec, ...]:
    return tuple(PassageSpec.from_dict(p) for p in data or ())


def shown_html(html: str, passages: tuple[PassageSpec, ...], counters, facts, visited) -> str:
    """The HTML a learner in this state sees: ``html`` when the text has no conditional
    passages, else the passages whose condition holds, in order. No Markdown is parsed."""
    if not passages:
        return html
    return "\n".join(p.html for p in passages if p.html and p.shown(counters, facts, visited))
