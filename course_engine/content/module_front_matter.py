"""The settings between the ``---`` lines at the top of a scenario module: checked, normalised.

Part of the module parser (``module_parser.parse_module``); see docs/format.md.
"""
from __future__ import annotations

import re

from . import markdown_render as mr
from ._common import (
    COUNTER_NAME,
    SLUG,
    as_iso_date,
    is_int,
)
from .conditions import KEYWORDS
from .problems import ProblemList
from .specs import (
    SourceSpec,
)

FIELDS = {
    "id", "title", "summary", "cpd_minutes", "outcomes", "themes", "standards",
    "content_warning", "support", "quiz", "pass_mark", "recertify_months", "counters",
    "quiz_max_attempts", "quiz_cooldown_minutes",
    "start", "fictional", "sources", "authors", "review_date", "facts",
}  # fmt: skip
REQUIRED_FIELDS = (
    "id", "title", "summary", "cpd_minutes", "outcomes", "standards", "fictional",
    "authors", "review_date",
)  # fmt: skip


def check_front_matter(data: dict, key_lines: dict[str, int], p: ProblemList) -> dict | None:
    """The module's settings, checked and normalised; None when a required one is unusable.

    Every problem goes to ``p`` with the line of its key.
    """
    ok = True

    def line(key: str) -> int:
        return key_lines.get(key, 1)

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        p.error(line(key), "field-invalid", message)

    for key in data:
        if str(key) not in FIELDS:
            p.error(
                line(str(key)),
                "field-unknown",
                f"'{key}' is not a module setting. Check the spelling; the settings are: "
                f"{', '.join(sorted(FIELDS))}.",
            )
    for key in REQUIRED_FIELDS:
        if key == "fictional" and data.get(key) is None:
            ok = False
            p.error(
                1,
                "field-missing",
                "The module has no 'fictional' setting. Add 'fictional: true' between the '---' "
                "lines at the top: the value must be true, to confirm the case study is a fictional "
                "vignette and no real person can be recognised in it.",
            )
            continue
        if data.get(key) is None or data.get(key) == "":
            ok = False
            p.error(
                1,
                "field-missing",
                f"The module has no '{key}' setting. Add '{key}: ...' between the '---' "
                "lines at the top (see docs/authoring.md for an example).",
            )
    meta: dict = {}

    def text_field(key: str, required: bool) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, (list, dict)):
            bad(key, f"'{key}' must be a single piece of text, not a list.")
            return ""
        return mr.plain_text(value)

    def text_list(key: str, minimum: int) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(
            isinstance(v, (list, dict)) or v is None for v in value
        ):
            bad(key, f"'{key}' must be a list of text items, one per line starting '  - '.")
            return ()
        items = tuple(mr.plain_text(v) for v in value)
        if len(items) < minimum:
            bad(key, f"'{key}' needs at least {minimum} item(s).")
        return items

    raw_id = data.get("id")
    meta["id"] = str(raw_id) if raw_id is not None else ""
    if raw_id is not None and not SLUG.match(str(raw_id)):
        bad(
            "id",
            f"The module id '{raw_id}' may only use lower-case letters, digits and "
            "hyphens (for example 'noted-not-actioned'). It must never change once "
            "learners have started the module.",
        )
    meta["title"] = text_field("title", True)
    meta["summary"] = text_field("summary", True)
    meta["content_warning"] = text_field("content_warning", False)
    meta["support"] = text_field("support", False)
    if meta["content_warning"] and not meta["support"]:
        p.error(
            line("content_warning"),
            "support-missing",
            "The module has a content_warning but no 'support' setting. Add 'support:' "
            "saying where learners can find support (supervisor, employee assistance).",
        )
    minutes = data.get("cpd_minutes")
    meta["cpd_minutes"] = minutes if is_int(minutes) else 0
    if minutes is not None and not (is_int(minutes) and 1 <= minutes <= 600):
        bad("cpd_minutes", "'cpd_minutes' must be a whole number of minutes from 1 to 600.")
    meta["outcomes"] = text_list("outcomes", 1)
    meta["standards"] = text_list("standards", 1)
    meta["authors"] = text_list("authors", 1)
    meta["themes"] = tuple(t.lower() for t in text_list("themes", 0))
    fictional = data.get("fictional")
    if fictional is not None and fictional is not True:
        ok = False
        p.error(
            line("fictional"),
            "not-fictional",
            "'fictional' must be 'true': case studies must be fictional vignettes, never "
            "real people. Write 'fictional: true' once you have checked this.",
        )
    review = data.get("review_date")
    meta["review_date"] = as_iso_date(review) or ""
    if review is not None and not meta["review_date"]:
        bad("review_date", f"'review_date' must be a date written as YYYY-MM-DD, not '{review}'.")
    quiz = data.get("quiz")
    meta["quiz"] = str(quiz) if quiz is not None else None
    if quiz is not None and not SLUG.match(str(quiz)):
        bad("quiz", f"The quiz id '{quiz}' may only use lower-case letters, digits and hyphens.")
    pass_mark = data.get("pass_mark")
    meta["pass_mark"] = pass_mark if is_int(pass_mark) else None
    if pass_mark is not None and not is_int(pass_mark):
        bad("pass_mark", "'pass_mark' must be a whole number percentage, e.g. 80.")
    elif is_int(pass_mark) and pass_mark > 100:
        ok = False
        p.error(
            line("pass_mark"),
            "pass-mark-unreachable",
            f"The pass mark {pass_mark}% can never be reached: scores go up to 100%. "
            "Use a number from 1 to 100.",
        )
    elif is_int(pass_mark) and pass_mark < 1:
        bad("pass_mark", "'pass_mark' must be from 1 to 100.")
    if quiz is not None and pass_mark is None:
        ok = False
        p.error(
            line("quiz"),
            "pass-mark-missing",
            "The module has a quiz but no 'pass_mark'. Add e.g. 'pass_mark: 80'.",
        )
    if quiz is None and pass_mark is not None:
        bad("pass_mark", "'pass_mark' is set but there is no 'quiz'. Add 'quiz: <quiz id>' or remove the pass mark.")
    months = data.get("recertify_months")
    meta["recertify_months"] = months if is_int(months) else None
    if months is not None and not (is_int(months) and 1 <= months <= 120):
        bad("recertify_months", "'recertify_months' must be a whole number of months from 1 to 120.")
    attempts = data.get("quiz_max_attempts")
    meta["quiz_max_attempts"] = attempts if is_int(attempts) else None
    if attempts is not None and not (is_int(attempts) and 1 <= attempts <= 100):
        bad("quiz_max_attempts", "'quiz_max_attempts' must be a whole number from 1 to 100 (leave it out for unlimited retakes).")
    if attempts is not None and quiz is None:
        bad("quiz_max_attempts", "'quiz_max_attempts' is set but there is no 'quiz'. Add 'quiz: <quiz id>' or remove it.")
    cooldown = data.get("quiz_cooldown_minutes")
    meta["quiz_cooldown_minutes"] = cooldown if is_int(cooldown) else 0
    if cooldown is not None and not (is_int(cooldown) and 0 <= cooldown <= 10080):
        bad("quiz_cooldown_minutes", "'quiz_cooldown_minutes' must be a whole number of minutes from 0 to 10080 (a week).")
    counters = data.get("counters")
    meta["counters"] = {}
    if counters is not None:
        if not isinstance(counters, dict):
            bad("counters", "'counters' must list each counter on its own indented line as 'name: starting value'.")
        else:
            for name, value in counters.items():
                if not COUNTER_NAME.match(str(name)) or not is_int(value):
                    bad(
                        "counters",
                        f"The counter '{name}: {value}' is not valid. Counter names use "
                        "lower-case letters, digits and underscores; the value is a whole number.",
                    )
                else:
                    meta["counters"][str(name)] = value
    meta["facts"] = check_facts(data.get("facts"), key_lines, p, bad)
    start = data.get("start")
    meta["start"] = str(start) if start is not None else None
    sources = data.get("sources")
    src_specs: list[SourceSpec] = []
    if sources is not None:
        if not isinstance(sources, list):
            bad("sources", "'sources' must be a list; each item has 'title:' and 'url:'.")
        else:
            for item in sources:
                if isinstance(item, str):
                    src_specs.append(SourceSpec(mr.plain_text(item)))
                elif isinstance(item, dict) and item.get("title"):
                    url = str(item.get("url") or "").strip()
                    if url and not re.match(r"https?://", url):
                        bad("sources", f"The source link '{url}' must start with https:// or http://.")
                        url = ""
                    src_specs.append(SourceSpec(mr.plain_text(item["title"]), url))
                else:
                    bad("sources", "Each source needs a 'title:' (and usually a 'url:').")
    meta["sources"] = tuple(src_specs)
    return meta if ok else (meta if meta["id"] else None)


def check_facts(raw: object, key_lines: dict[str, int], p: ProblemList, bad) -> dict[str, str]:
    """``facts:``: each fact id on its own indented line with a one-line description.

    ``key_lines`` has ``facts.<id>`` entries for the line of each fact (see ``fact_lines``).
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("facts", "'facts' must list each fact on its own indented line as "
                     "'fact-id: what it means', e.g. '  shared-words: Inaya's words were shared'.")
        return {}
    facts: dict[str, str] = {}
    for name, description in raw.items():
        name = str(name)
        line = key_lines.get(f"facts.{name}", key_lines.get("facts", 1))
        if not SLUG.match(name) or name in KEYWORDS:
            p.error(line, "fact-bad-id",
                    f"The fact id '{name}' may only use lower-case letters, digits and hyphens "
                    "(e.g. 'shared-words'), and cannot be one of the words "
                    f"{', '.join(sorted(KEYWORDS))}.")
            continue
        if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
            p.error(line, "field-invalid", f"The fact '{name}' needs a one-line description after its id, e.g. "
                         f"'  {name}: what happened on the path'.")
        facts[name] = mr.plain_text(description) if isinstance(description, str) else ""
    return facts


FACT_LINE = re.compile(r"^[ \t]+([^\s:#][^:#]*?)[ \t]*:")


def fact_lines(lines: list[str], key_lines: dict[str, int], end_line: int) -> dict[str, int]:
    """``facts.<id>`` -> the file line of each fact under ``facts:`` (for messages)."""
    start = key_lines.get("facts")
    found: dict[str, int] = {}
    if start is None:
        return found
    for index in range(start, end_line - 1):  # lines[start] is the line after 'facts:'
        line = lines[index]
        if line.strip() and not line[:1].isspace():
            break
        m = FACT_LINE.match(line)
        if m:
            found.setdefault(f"facts.{m.group(1).strip()}", index + 1)
    return found
