"""Helpers shared by the module and quiz parsers: front matter, YAML with line numbers,
callout blocks and fenced-code tracking."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import yaml

from .problems import ProblemList
from .yaml_words import TAB_MESSAGE, explain_yaml_error, leading_tab

try:  # libyaml is ~10x faster; fall back to the pure-Python loader if it is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
COUNTER_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CALLOUT_START = re.compile(r"^>\s?\[!([A-Za-z]+)\][ \t]*(.*?)\s*$")
HEADING_ID = re.compile(r"^(##)[ \t]+(.*?)[ \t]*(?:\{#([^}]*)\})?[ \t]*$")
SETTING_LINE = re.compile(r"^([a-z][a-z_-]*):(?:[ \t]+(.*?))?[ \t]*$")


class FenceTracker:
    """Tell whether a line is inside a fenced code block (``` or ~~~)."""

    def __init__(self) -> None:
        self.marker: str | None = None

    def step(self, line: str) -> bool:
        """Feed one line; return True if it is part of a fence (fence lines included)."""
        m = FENCE.match(line) if ("`" in line or "~" in line) else None
        if self.marker is None:
            if m:
                self.marker = m.group(1)
                return True
            return False
        if m and m.group(1)[0] == self.marker[0] and len(m.group(1)) >= len(self.marker):
            self.marker = None
        return True


@dataclass
class FrontMatter:
    data: dict
    key_lines: dict[str, int]
    body_start: int  # 0-based index of the first body line
    end_line: int  # 1-based line of the closing ---


def yaml_problem_line(exc: yaml.YAMLError, first_line: int) -> int:
    """Map a YAML error to a 1-based file line, given the file line of YAML line 0."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return first_line + (mark.line if mark is not None else 0)


def yaml_problem_text(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"{problem} ({context})" if context and problem else problem


def split_front_matter(lines: list[str], problems: ProblemList, what: str) -> FrontMatter | None:
    """Read the ``---`` front matter at the top of a file.

    Reports problems and returns ``None`` when there is none or it cannot be read.
    """
    if not lines or lines[0].strip() != "---":
        problems.error(
            1,
            "front-matter-missing",
            f"The {what} must start with settings between two '---' lines (the front matter). "
            "Add a line '---' at the very top, the settings (id, title, ...), then another '---'.",
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.error(
            1,
            "front-matter-unclosed",
            "The settings at the top (front matter) are never closed. "
            "Add a line with only '---' after the last setting.",
        )
        return None
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.YAMLError as exc:
        line, message = explain_yaml_error(exc, lines[1:end], 2)
        problems.error(line, "yaml", f"The settings at the top could not be read. {message}")
        return None
    if node is None:
        return FrontMatter({}, {}, end + 1, end + 1)
    if not isinstance(node, yaml.MappingNode):
        problems.error(
            2,
            "yaml",
            "The settings at the top must be a list of 'name: value' lines.",
        )
        return None
    key_lines: dict[str, int] = {}
    for key_node, _value in node.value:
        key = str(key_node.value)
        line = 2 + key_node.start_mark.line
        if key in key_lines:
            problems.error(
                line,
                "duplicate-setting",
                f"The setting '{key}' is given twice (also on line {key_lines[key]}). "
                "Keep only one.",
            )
        else:
            key_lines[key] = line
    data = yaml.load(source, Loader=_Loader) or {}
    return FrontMatter(data, key_lines, end + 1, end + 1)


_SIMPLE_KEY = re.compile(r"([a-z_][a-z0-9_-]*):(?: (.*))?\Z")
_YAML_WORDS = frozenset(
    "yes no true false on off null y n ~".split()
)


def simple_yaml_mapping(text: str) -> dict | None:
    """Parse the common, simple shape of a settings block without PyYAML.

    Handles ``key: plain text`` lines and ``key: >`` / ``key: |`` blocks whose lines share
    one indentation. Returns None for anything else so the caller uses PyYAML; the result
    is always what PyYAML would return (tested).
    """
    if "\t" in text or "#" in text:
        return None
    lines = text.split("\n")
    out: dict = {}
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].rstrip()
        if not line:
            i += 1
            continue
        m = _SIMPLE_KEY.match(line)
        if m is None or m.group(1) in out:
            return None
        key, value = m.group(1), (m.group(2) or "").strip()
        i += 1
        if value in (">", "|"):
            block = []
            while i < n and lines[i].startswith(" "):
                block.append(lines[i])
                i += 1
            if not block:
                return None
            indent = len(block[0]) - len(block[0].lstrip(" "))
            if any(len(b) - len(b.lstrip(" ")) != indent or not b.strip() for b in block):
                return None
            parts = [b.strip() for b in block]
            # Clip chomping keeps the last line break only if the text has one there.
            out[key] = (" " if value == ">" else "\n").join(parts) + ("\n" if i < n else "")
            continue
        if i < n and lines[i].startswith(" "):
            return None  # a plain value continued on the next line
        if value in ("true", "True", "TRUE"):
            out[key] = True
            continue
        if value in ("false", "False", "FALSE"):
            out[key] = False
            continue
        if (
            not value
            or not ("A" <= value[0] <= "Z" or "a" <= value[0] <= "z")
            or value.lower() in _YAML_WORDS
            or ": " in value
            or value.endswith(":")
        ):
            return None
        out[key] = value
    return out


def load_yaml_block(
    text: str, first_line: int, problems: ProblemList, where: str, raw_lines: list[str] | None = None
) -> tuple[object, bool]:
    """Parse a small YAML block; on error report it (mapped to the file line) and
    return ``(None, False)``.

    :param raw_lines: the block's lines before dedenting, so a tab is named on its own line.
    """
    tab = leading_tab(raw_lines) if raw_lines and "\t" in "".join(raw_lines) else None
    if tab is not None:
        problems.error(first_line + tab, "yaml", f"The settings under {where} could not be read. {TAB_MESSAGE}")
        return None, False
    fast = simple_yaml_mapping(text)
    if fast is not None:
        return fast, True
    try:
        return yaml.load(text, Loader=_Loader), True
    except yaml.YAMLError as exc:
        line, message = explain_yaml_error(exc, text.split("\n"), first_line)
        problems.error(line, "yaml", f"The settings under {where} could not be read. {message}")
        return None, False


def as_iso_date(value: object) -> str | None:
    """Return an ISO date string for a YAML date or a 'YYYY-MM-DD' string, else None."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def dedent_block(lines: list[str]) -> str:
    """Remove the common leading indentation of a block of lines."""
    indents = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(x[cut:] if x.strip() else "" for x in lines)


def word_count(text: str) -> int:
    return len(text.split())
