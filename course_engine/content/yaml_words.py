"""YAML errors in an author's words: what they did (a tab, curly quotes, an indentation that
does not line up, a line that is not a setting), at the line where they did it.

PyYAML reports where it gave up, which is often the line after the slip, in parser terms
("found character that cannot start any token"). These look at the source lines themselves
first: a tab or curly quotes are found on their own line.
"""
from __future__ import annotations

import re

import yaml

CURLY = re.compile("[\u201c\u201d\u2018\u2019]")
_KEY = re.compile(r"^([ \t]*)(?:-[ \t]+)?[A-Za-z_][A-Za-z0-9_-]*[ \t]*:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def explain_yaml_error(exc: yaml.YAMLError, lines: list[str], first_line: int) -> tuple[int, str]:
    """``(file line, what went wrong and how to fix it)`` for a YAML error in ``lines``
    (the block's lines; ``first_line`` is the file line of ``lines[0]``)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    at = min(mark.line, len(lines) - 1) if mark is not None and lines else 0
    problem = (getattr(exc, "problem", None) or str(exc)).lower()
    # A tab anywhere up to where the parser stopped: name it on its own line.
    for index in range(0, min(at + 1, len(lines))):
        if "\t" in lines[index][: _indent(lines[index]) + 1] or ("\t" in lines[index] and "tab" in problem):
            return first_line + index, TAB_MESSAGE
    for index in range(max(0, at - 1), min(at + 1, len(lines))):
        if CURLY.search(lines[index]):
            return first_line + index, (
                "This line has curly quotes (“ ” or ‘ ’), which word processors put in. Settings need "
                "straight quotes: replace them with \" (or ' ), e.g. title: \"It's silent: a case\".")
    line = lines[at] if lines else ""
    previous = next((lines[i] for i in range(at - 1, -1, -1) if lines[i].strip()), "")
    if at > 0 and _KEY.match(line) and previous and not previous.rstrip().endswith(":") \
            and _indent(line) > _indent(previous) and not previous.lstrip().startswith("-"):
        return first_line + at, (
            f"The indentation of this line ({_indent(line)} spaces) does not line up with the line "
            f"above it ({_indent(previous)} spaces). Settings at the same level must start in the "
            "same column.")
    if "mapping values are not allowed" in problem:
        return first_line + at, (
            "This line has ': ' inside a value, which is read as a second setting. Put the whole value "
            "in straight quotes, e.g. why: \"It was noted: not actioned.\"")
    if "flow sequence" in str(exc) or "flow mapping" in str(exc):
        opened = getattr(getattr(exc, "context_mark", None), "line", at)
        return first_line + min(opened, len(lines) - 1), (
            "A list in square brackets on this line is not closed, or one of its items has ': ' or "
            "',' in it. Close it with ']', put straight quotes around such items, or write each item "
            "on its own line starting '  - '.")
    if at > 0 and _KEY.match(line) and ("expected <block end>" in problem or "expected key" in problem
                                        or "block mapping" in problem):
        return first_line + at, (
            f"The indentation of this line ({_indent(line)} spaces) does not line up with the lines "
            f"above it ({_indent(previous)} spaces). Settings at the same level must start in the same "
            "column; items of a list start with '  - '.")
    if "could not find expected ':'" in problem or "expected <document start>" in problem \
            or "simple key" in problem:
        for index in range(at, -1, -1):  # the slip is the line without ':' the parser read on into
            if lines[index].strip() and ":" not in lines[index] and not lines[index][:1].isspace():
                at, line = index, lines[index]
                break
        return first_line + at, (
            f"'{line.strip()[:60]}' is not a setting. Each setting is 'name: value' on its own line; "
            "a value that runs on must be indented under its name (or start with '>' on the line of "
            "its name).")
    if "found unexpected end of stream" in problem or "while scanning a quoted scalar" in str(exc):
        start = getattr(getattr(exc, "context_mark", None), "line", at)
        return first_line + min(start, len(lines) - 1), (
            "A quotation mark opened on this line is never closed. Close it with the same straight "
            "quote at the end of the value.")
    text = getattr(exc, "problem", None) or str(exc)
    return first_line + at, (
        f"This line could not be read ({text}). Check that it is 'name: value', indented like the "
        "lines above it, and put straight quotes around values containing ': ' or ' #'.")


def leading_tab(lines: list[str]) -> int | None:
    """Index of the first line indented with a tab, or None."""
    for index, line in enumerate(lines):
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return index
    return None


TAB_MESSAGE = ("This line is indented with a tab character. Settings must be indented with spaces: "
               "replace the tab with spaces (two for each level).")
