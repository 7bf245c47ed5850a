"""Every figure the library states about "It's silent" (and its frameworks) must be verified.

The content team may only state figures that the project's list of verified facts marks [V]
(``docs/sources/verified-facts.md``, "the facts file", inside this repository). A mistyped figure ("in 18 reviews"
for "in 19 reviews") or an [S]-only figure ("28 reviews concerned a child's death") must
fail this test. Numbers that belong to the fictional stories (ages, days, times, counts of
missing episodes) must not.

The rule
========

1. **Files.** Every ``*.md`` and ``*.gift`` file under ``modules/`` and ``quizzes/``, not
   only one author's. Front matter is skipped except the prose fields ``title``,
   ``summary``, ``outcomes``, ``content_warning`` and ``support``. Settings lines
   (``judgement:``, ``effects:``, ``type:``, ``points:``, ``ending:``...), route lines
   (``-> if ...``), scene and question ids (``{#...}``), choice targets, option markers such
   as ``[x]`` or ``[50%]``, list numbering (``1.``), URLs and GIFT weights are removed first.
   The text of ``why:`` and ``feedback:`` is kept: it is prose.

2. **What is checked.**

   * Every number anywhere inside an ``> [!EVIDENCE]`` callout (its citation line too).
   * Every number in a sentence that talks about the report or the frameworks, that is,
     a sentence matching :data:`TRIGGERS`: "It's silent", "Panel", "CSPRP", "reviews"
     (plural), "LCSPRs", "the report", "the sample", "Climbié", "Davis", "Hudson",
     "I wanted them all to notice", "Working Together", "WT23", "Social Work England",
     "registration year", "working days", "pieces of CPD".

   So: **keep story numbers out of sentences that talk about the report.** "Amara, 14, was
   reported missing 11 times" is never checked; "Like 19 reviews the Panel read, Amara, 14,
   ..." is, and fails on 14-as-an-age only if 14 were not also a verified figure: don't mix.

3. **What is not a figure** (removed before checking): references such as "SWE 1.5",
   "PCF 3", "KSS 6", "standard 4", "domains 1–6", "finding 5", "recommendation 2",
   "Chapter 5", "section 47", "p.80", "Year 6", "level 3"; identifiers such as "s47" or
   "WT2018" (digits glued to letters); ISO dates; statute years ("Children Act 1989");
   learning durations ("15 minutes", "30-minute"); clock times ("11am"). The word "one" is
   not read as a number (it is too often a pronoun); other number words ("nineteen",
   "twenty-seven") are.

4. **The checks**, for each figure in scope:

   * a percentage must be one of :data:`VERIFIED_PERCENTAGES` (10%, 6%, 17%, 7%);
   * any other number must be in :data:`VERIFIED_FIGURES` (each entry names the facts, by
     their ``F-`` ids in the facts file, that state it);
   * a count of reviews ("N reviews", "N rapid reviews", "N local child safeguarding
     practice reviews", "N LCSPRs") must be one of :data:`REVIEW_COUNTS`; a count of
     children ("N ... children", up to five words between) one of :data:`CHILD_COUNTS`;
     "N working days" 5 or 15; "N pieces of CPD" 2; "N years after" 20;
     "N recommendations" one of 14, 10, 6. These unit checks are what catch a figure that
     is verified in one sense but wrong in another ("20 reviews", "18 reviews").

5. **The facts file.** Every verified figure must be written in one of the facts it names,
   and those facts must exist in ``docs/sources/verified-facts.md``. The file must exist: this
   test fails (it never skips) when it is missing, because a figure list nobody can check
   against its sources is worthless. No test reads anything outside the repository.

The self-tests at the bottom prove the rule bites (a mistyped figure fails) and does not
bite story numbers. This file is pure Python and pytest: it does not import the app.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIRS = ("modules", "quizzes")
FACTS_FILE = ROOT / "docs" / "sources" / "verified-facts.md"

#: Every number the library may state about the report and the frameworks, with the ids of
#: the facts (in docs/sources/verified-facts.md) that state it. [V] items only: the [S]-only
#: "28 reviews concerned a child's death" (F-S-28-REVIEWS-DEATH) is deliberately absent, and
#: so is 80 (the "WT23 p.80" page citation the team's own review doubted: F-WT23-SUPERVISION).
VERIFIED_FIGURES: dict[float, tuple[str, ...]] = {
    1: ("F-EARLY-BREAKDOWN", "F-FINDING-COMPLAINTS-DISMISSED", "F-SWE-CPD-DATES"),
    2: ("F-SWE-CPD-TWO",),
    3: ("F-PCF-STRUCTURE", "F-REC-LEAD-COUNT"),
    4: ("F-SWE-SIX-STANDARDS",),
    5: ("F-WT23-CH5-RAPID-REVIEW",),
    6: ("F-REPORT-OVERREPRESENTATION", "F-SWE-SIX-STANDARDS", "F-I-WANTED-THEM-TO-NOTICE"),
    7: ("F-REPORT-OVERREPRESENTATION",),
    8: ("F-CHILD-Q",),
    9: ("F-PCF-STRUCTURE",),
    10: ("F-REPORT-OVERREPRESENTATION", "F-I-WANTED-THEM-TO-NOTICE"),
    11: ("F-REPORT-DATE", "F-EARLY-BREAKDOWN"),
    13: ("F-EARLY-BREAKDOWN",),
    14: ("F-REPORT-SAMPLE", "F-EARLY-BREAKDOWN", "F-CHILD-Q"),
    15: ("F-EARLY-BREAKDOWN", "F-WT23-CH5-RAPID-REVIEW"),
    16: ("F-EARLY-BREAKDOWN",),
    17: ("F-EARLY-BREAKDOWN", "F-REPORT-OVERREPRESENTATION"),
    19: ("F-REPORT-19-REVIEWS",),
    20: ("F-FINDING-CLIMBIE-SEA-CHANGE",),
    22: ("F-EARLY-BREAKDOWN",),
    23: ("F-EARLY-BREAKDOWN",),
    25: ("F-EARLY-BREAKDOWN",),
    26: ("F-I-WANTED-THEM-TO-NOTICE",),
    27: ("F-REPORT-27-DIED",),
    30: ("F-SWE-CPD-DATES",),
    31: ("F-KSS-STATUS-TIMELINE",),
    32: ("F-EARLY-BREAKDOWN",),
    40: ("F-REPORT-SAMPLE",),
    42: ("F-KSS-STATUS-TIMELINE",),
    53: ("F-REPORT-SAMPLE",),
    54: ("F-REPORT-SAMPLE",),
    193: ("F-I-WANTED-THEM-TO-NOTICE",),
    2017: ("F-KSS-STATUS-TIMELINE",),
    2018: ("F-PCF-STRUCTURE", "F-WT23-PUBLISHED"),
    2021: ("F-MYTH-INVISIBLE-MEN",),
    2022: ("F-REPORT-SAMPLE", "F-SWE-CPD-TWO", "F-CHILD-Q"),
    2023: ("F-WT23-PUBLISHED",),
    2024: ("F-REPORT-SAMPLE", "F-EARLY-BREAKDOWN", "F-I-WANTED-THEM-TO-NOTICE"),
    2025: ("F-REPORT-DATE", "F-PANEL-GUIDANCE-JUNE-2025"),
    2027: ("F-KSS-STATUS-TIMELINE",),
    # SWE standard numbers, in case they are written without the "SWE" label.
    1.1: ("F-SWE-1-1-TO-1-4",),
    1.4: ("F-SWE-1-1-TO-1-4",),
    1.5: ("F-SWE-1-5",),
    1.6: ("F-SWE-1-6",),
    1.7: ("F-SWE-1-7",),
    4.8: ("F-SWE-4-8",),
}
VERIFIED_PERCENTAGES = {10, 6, 17, 7}  # F-REPORT-OVERREPRESENTATION
REVIEW_COUNTS = {54, 40, 14, 19, 25, 15, 16, 23, 1}  # F-REPORT-SAMPLE, F-EARLY-BREAKDOWN, F-REPORT-19-REVIEWS ...
CHILD_COUNTS = {53, 27, 193, 25, 15, 14, 32, 22, 13, 11}  # F-REPORT-SAMPLE, F-EARLY-BREAKDOWN, F-REPORT-27-DIED ...
_UNITS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_ONES = {**{k: v for k, v in _UNITS.items() if v < 10}, "one": 1}
NUMBER_WORD = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[- ](?P<ones>" + "|".join(_ONES) + r"))?"
    r"|(?P<unit>" + "|".join(_UNITS) + r"))\b",
    re.IGNORECASE,
)
#: A number written as digits or words ("19", "nineteen", "twenty-seven").
NUM = r"(?P<n>\d+(?:\.\d+)?|" + NUMBER_WORD.pattern[2:-2] + r")"
#: Words allowed between a number and its unit: they must start with a letter.
GAP = r"(?:[A-Za-z][\w'’-]*,? ){0,%d}?"
UNIT_RULES: list[tuple[str, re.Pattern[str], set[int]]] = [
    (
        "a count of reviews",
        re.compile(r"\b" + NUM + r" " + GAP % 4 + r"(?:reviews|LCSPRs)\b", re.I),
        REVIEW_COUNTS,
    ),
    (
        "a count of children",
        re.compile(r"\b" + NUM + r" (?:of the )?" + GAP % 5 + r"children\b(?!['’])", re.I),
        CHILD_COUNTS,
    ),
    ("a number of working days", re.compile(r"\b" + NUM + r" working days\b", re.I), {5, 15}),
    ("a number of pieces of CPD", re.compile(r"\b" + NUM + r" pieces of CPD\b", re.I), {2}),
    ("a number of years after", re.compile(r"\b" + NUM + r" years after\b", re.I), {20}),
    (
        "a number of recommendations",
        re.compile(r"\b" + NUM + r" (?:(?:national|local) )?recommendations\b", re.I),
        {14, 10, 6},
    ),
]

TRIGGERS = re.compile(
    r"It['’]s silent|\bPanel\b|\bCSPRP\b|\breviews\b|\bLCSPRs\b|\bthe report\b|\bthe sample\b"
    r"|\bClimbi|\bDavis\b|\bHudson\b|I wanted them all to notice|Working Together|\bWT23\b"
    r"|Social Work England|registration year|working days|pieces of CPD",
    re.IGNORECASE,
)

NUMERAL = re.compile(
    r"(?<![A-Za-z0-9.])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![A-Za-z0-9]|\.\d)"
    r"(?P<pct>\s?%|\s?per ?cent)?"
)

_LABELS = (
    r"SWE|PCF|KSS|standards?|domains?|findings?|recommendations?|[Cc]hapters?|[Ss]ections?"
    r"|s\.|p\.|pp\.|page|para(?:graph)?|questions?|steps?|decisions?|scenes?|[Yy]ear|[Ll]evel"
    r"|[Pp]riority|[Tt]ier|[Ll]ine"
)
EXCLUSIONS = [
    # references to standards, findings, chapters... and ranges of them ("domains 1–6").
    re.compile(
        r"\b(?:" + _LABELS + r")\s*\d+(?:\.\d+)?(?:\s*(?:[–—-]|to|and|or|,)\s*\d+(?:\.\d+)?)*"
    ),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    re.compile(r"\bAct \d{4}\b"),  # statute years
    re.compile(r"\b\d+(?:\s?-\s?|\s)(?:CPD )?(?:minutes?|mins?|hours?)\b"),  # learning time
    re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b"),  # clock times
    re.compile(r"\b\d{1,2}:\d{2}\b"),
]

SETTING_LINE = re.compile(
    r"^\s*(?:judgement|effects|type|points|keep_last|ending|draw|shuffle|id)\s*:", re.I
)
PROSE_SETTING = re.compile(r"^\s*(?:why|feedback)\s*:\s*(?P<value>.*)$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[(?:x|X| |\d+%)\]\s+)?")
FRONT_PROSE = re.compile(r"^(?P<key>title|summary|content_warning|support|outcomes)\s*:\s*(?P<v>.*)$")


@dataclass(frozen=True)
class Passage:
    line: int
    text: str
    evidence: bool


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    figure: str
    reason: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.figure!r} {self.reason}: {self.sentence!r}"


def _clean(text: str) -> str:
    text = re.sub(r"\{#[^}]*\}", "", text)
    text = re.sub(r"\[\[(.*?)->[^\]]*\]\]", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"%-?\d+(?:\.\d+)?%", "", text)  # GIFT weights
    text = re.sub(r"::[^:]*::", "", text)  # GIFT titles
    text = text.replace("**", "").replace("`", "").replace("\\", "")
    text = re.sub(r"(?<!\w)\*|\*(?!\w)", "", text)
    return text


def passages(text: str) -> list[Passage]:
    """Split a content file into prose passages, each flagged if it is an EVIDENCE callout."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[Passage] = []
    i = 0
    if lines and lines[0].strip() == "---":
        end = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), 0)
        key = None
        for k in range(1, end):
            raw = lines[k]
            m = FRONT_PROSE.match(raw)
            if m:
                key = m.group("key")
                v = m.group("v").strip()
                if v not in ("", ">", "|", ">-", "|-"):
                    out.append(Passage(k + 1, _clean(v.strip("\"'")), False))
            elif re.match(r"^\S", raw):
                key = None
            elif key:
                out.append(Passage(k + 1, _clean(re.sub(r"^\s*-\s+", "", raw).strip()), False))
        i = end + 1

    block: list[tuple[int, str]] = []
    evidence = False
    in_quote = False

    def flush() -> None:
        nonlocal block, evidence
        if block:
            body = "\n".join(t for _, t in block)
            out.append(Passage(block[0][0], _clean(body), evidence))
        block = []
        evidence = False

    for idx in range(i, len(lines)):
        lineno, raw = idx + 1, lines[idx]
        if raw.lstrip().startswith("//"):  # GIFT comment (front matter in GIFT)
            flush()
            continue
        if raw.lstrip().startswith(">"):
            content = re.sub(r"^\s*>\s?", "", raw)
            callout = re.match(r"^\[!(\w+)\]\s*(.*)$", content)
            if callout or not in_quote:
                flush()
                in_quote = True
            if callout:
                evidence = callout.group(1).upper() == "EVIDENCE"
                if callout.group(1).upper() == "REFLECT":
                    continue  # the text after [!REFLECT] is a prompt id
                content = callout.group(2)
            if content.strip():
                block.append((lineno, content))
            continue
        if in_quote:
            flush()
            in_quote = False
        if not raw.strip() or raw.lstrip().startswith("->") or SETTING_LINE.match(raw):
            flush()
            continue
        if raw.startswith("#"):
            flush()
            block.append((lineno, raw.lstrip("#").strip()))
            flush()
            continue
        m = PROSE_SETTING.match(raw)
        if m:
            flush()
            value = m.group("value").strip()
            if value not in (">", "|", ">-", "|-"):
                block.append((lineno, value))
            continue
        m = LIST_ITEM.match(raw)
        if m:
            flush()
            block.append((lineno, raw[m.end():]))
            continue
        block.append((lineno, raw.strip()))
    flush()
    return out


SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)*_]*\s+|\n(?=\s*\n)")


def sentences(passage: Passage) -> list[tuple[int, str]]:
    result = []
    pos = 0
    for m in list(SENTENCE_END.finditer(passage.text)) + [None]:
        end = m.start() if m else len(passage.text)
        chunk = passage.text[pos:end]
        if chunk.strip():
            line = passage.line + passage.text.count("\n", 0, pos)
            result.append((line, chunk.replace("\n", " ").strip()))
        if m:
            pos = m.end()
    return result


def _word_value(m: re.Match[str]) -> int:
    if m.group("unit"):
        return _UNITS[m.group("unit").lower()]
    return _TENS[m.group("tens").lower()] + (_ONES[m.group("ones").lower()] if m.group("ones") else 0)


def _value(token: str) -> float | None:
    token = token.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?", token):
        v = float(token.replace(",", ""))
        return int(v) if v.is_integer() else v
    m = NUMBER_WORD.fullmatch(token)
    return _word_value(m) if m else None


def check_text(text: str, path: str = "<text>") -> tuple[list[Problem], int]:
    """Check one file's text. Returns ``(problems, number of figures checked)``."""
    problems: list[Problem] = []
    checked = 0
    for passage in passages(text):
        if passage.evidence:
            units = [(passage.line, passage.text.replace("\n", " "))]
        else:
            units = [(ln, s) for ln, s in sentences(passage) if TRIGGERS.search(s)]
        for line, sentence in units:
            scrubbed = sentence
            for pattern in EXCLUSIONS:
                scrubbed = pattern.sub(" ", scrubbed)
            for m in NUMERAL.finditer(scrubbed):
                checked += 1
                value = _value(m.group("num"))
                if m.group("pct"):
                    if value not in VERIFIED_PERCENTAGES:
                        problems.append(Problem(path, line, m.group(0).strip(),
                                                "is not a verified percentage", sentence))
                elif value not in VERIFIED_FIGURES:
                    problems.append(Problem(path, line, m.group("num"),
                                            "is not a verified figure", sentence))
            for m in NUMBER_WORD.finditer(scrubbed):
                checked += 1
                if _word_value(m) not in VERIFIED_FIGURES:
                    problems.append(Problem(path, line, m.group(0),
                                            "is not a verified figure", sentence))
            for label, pattern, allowed in UNIT_RULES:
                for m in pattern.finditer(scrubbed):
                    value = _value(m.group("n"))
                    if value is None or (isinstance(value, int) and 1900 <= value <= 2100):
                        continue  # not a number, or a year ("in 2024 reviews found...")
                    if value not in allowed:
                        problems.append(Problem(path, line, m.group(0),
                                                f"is not a verified figure for {label}", sentence))
    return problems, checked


def content_files() -> list[Path]:
    files: list[Path] = []
    for d in CONTENT_DIRS:
        folder = ROOT / d
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".gift"))
    return files


# --------------------------------------------------------------------------- the library


@pytest.mark.parametrize(
    "path", content_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_report_figure_in_the_library_is_verified(path: Path) -> None:
    problems, _ = check_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "Unverified figures (see the rule in this test's docstring):\n" + "\n".join(
        map(str, problems)
    )


def test_the_library_states_figures_at_all() -> None:
    """Guard against a scanner that silently checks nothing."""
    files = content_files()
    if not files:
        pytest.skip("no content files yet")
    total = sum(check_text(p.read_text(encoding="utf-8"))[1] for p in files)
    assert total > 0


FACT_START = re.compile(r"^- \*\*(?P<id>F-[A-Z0-9-]+)\*\*", re.MULTILINE)
_SPELLED = {3: "three", 6: "six", 9: "nine"}


def parse_facts(text: str) -> dict[str, str]:
    """Split the facts file into ``{fact id: its text}``. A fact starts at a line
    ``- **F-ID** ...`` and runs to the next fact or heading; the id itself is not part of the
    text (so "F-REPORT-19-REVIEWS" does not count as writing 19)."""
    facts: dict[str, str] = {}
    starts = list(FACT_START.finditer(text))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        heading = re.search(r"^#", text[m.end():end], re.MULTILINE)
        body = text[m.end(): m.end() + heading.start() if heading else end]
        assert m.group("id") not in facts, f"fact {m.group('id')} is defined twice"
        facts[m.group("id")] = body
    return facts


def figure_written_in(figure: float, text: str) -> bool:
    """True if ``figure`` appears in ``text`` as a whole number (not inside a longer number),
    or, for three, six and nine, as a word."""
    digits = f"{figure:g}"
    if re.search(rf"(?<![\d.]){re.escape(digits)}(?!\d|\.\d)", text):
        return True
    word = _SPELLED.get(figure)
    return bool(word and re.search(rf"\b{word}\b", text, re.IGNORECASE))


def load_facts(path: Path = FACTS_FILE) -> dict[str, str]:
    """The facts file, parsed. Its absence is a failure, never a skip."""
    assert path.is_file(), (
        f"docs/sources/{path.name} is missing: the report-figures test checks every figure "
        "against the project's own list of verified facts. Restore it (git checkout) rather "
        "than skipping this test."
    )
    return parse_facts(path.read_text(encoding="utf-8"))


def test_every_verified_figure_is_written_in_a_fact_that_names_it() -> None:
    """Each verified figure is stated by at least one of the facts it cites, and every cited
    fact exists in docs/sources/verified-facts.md."""
    facts = load_facts()
    missing_ids = sorted({i for ids in VERIFIED_FIGURES.values() for i in ids} - set(facts))
    assert not missing_ids, f"figures cite facts that are not in the facts file: {missing_ids}"
    unstated = [f for f, ids in VERIFIED_FIGURES.items()
                if not any(figure_written_in(f, facts[i]) for i in ids)]
    assert not unstated, f"figures not written in any fact they cite: {unstated}"


def test_secondary_and_doubted_figures_stay_out() -> None:
    """The [S]-only "28 reviews" and the doubted "p.80" are recorded as such in the facts
    file, and neither is a verified figure."""
    facts = load_facts()
    assert "28 reviews concerned a child's death [S]" in facts["F-S-28-REVIEWS-DEATH"]
    assert 28 not in VERIFIED_FIGURES
    assert "dropped" in facts["F-WT23-SUPERVISION"] and 80 not in VERIFIED_FIGURES


FACT_ID = re.compile(r"\bF-[A-Z0-9]+(?:-[A-Z0-9]+)*")


def cited_fact_ids(text: str) -> set[str]:
    return set(FACT_ID.findall(text))


def test_every_fact_id_cited_in_docs_and_content_exists() -> None:
    """Writers and the audit cite facts by id: each id cited in docs/ or in a module or quiz
    file is defined in the facts file (a typo would point a writer at nothing)."""
    facts = load_facts()
    cited: dict[str, set[str]] = {}
    for path in sorted((ROOT / "docs").rglob("*.md")) + content_files():
        for fact_id in cited_fact_ids(path.read_text(encoding="utf-8")):
            if fact_id not in facts:
                cited.setdefault(fact_id, set()).add(str(path.relative_to(ROOT)))
    assert not cited, f"fact ids cited but not defined in the facts file: {cited}"


def test_self_test_fact_parser_and_figure_matching() -> None:
    """The parser splits facts at their ids and stops at headings; figures match as whole
    numbers only, so "19" is not found in "2019" or "190"."""
    sample = (
        "## Part A\n\n- **F-ONE** [V] In 19 reviews risk was recognised.\n  Source: x\n"
        "- **F-TWO** [V] Published in 2019; 190 pages; three super-domains.\n\n## Part B\n"
        "text after a heading is not part of F-TWO: 54 reviews\n"
    )
    facts = parse_facts(sample)
    assert set(facts) == {"F-ONE", "F-TWO"}
    assert not figure_written_in(2, parse_facts("- **F-TWO-2** [V] no figure here\n")["F-TWO-2"])
    assert "Source: x" in facts["F-ONE"] and "54 reviews" not in facts["F-TWO"]
    assert figure_written_in(19, facts["F-ONE"])
    assert not figure_written_in(19, facts["F-TWO"])
    assert figure_written_in(3, facts["F-TWO"])
    assert not figure_written_in(54, facts["F-TWO"])
    assert figure_written_in(1.5, "SWE 1.5: recognise") and not figure_written_in(1.5, "11.5")
    assert cited_fact_ids("see F-REC-2-EMPOWER and F-LAW-S20-7-OBJECTION.") == {
        "F-REC-2-EMPOWER", "F-LAW-S20-7-OBJECTION"}


def test_self_test_a_missing_facts_file_fails_loudly(tmp_path: Path) -> None:
    """With the facts file gone, loading it is an assertion failure naming the file."""
    with pytest.raises(AssertionError, match="no-such-file.md is missing"):
        load_facts(tmp_path / "no-such-file.md")


# --------------------------------------------------------------------------- self-tests

MODULE = """---
id: sample
title: "Sample"
summary: The Panel read 54 reviews about 53 children.
outcomes:
  - Explain why the Panel looked at {figure} reviews.
cpd_minutes: 30
pass_mark: 80
review_date: 2027-03-31
---

The report looked at 54 reviews (40 rapid reviews and 14 LCSPRs) about 53 Black, Asian and
Mixed Heritage children between January 2022 and March 2024.

> [!EVIDENCE] Child Safeguarding Practice Review Panel, "It's silent" (2025), p.80
> In 19 reviews, risk was at least partly recognised but not turned into action.

## A scene {#scene-3}

Amara, 14, was reported missing 11 times in 18 months. Kai is 9 and in Year 6. She has 3
children and works 12-hour shifts. At 11am the DSL calls.

- [[Accept it->scene-12]]
  judgement: unsafe
  why: The Panel found this in 19 reviews.
  effects: trust +12, risk -3
  feedback: >
    SWE 1.5 and PCF 3 apply; see Chapter 5 and section 47 of the Children Act 1989 and s47.
    This 30-minute module meets 1 of your 2 pieces of CPD.

-> if risk >= 12: scene-12
"""


def _problems(text: str) -> list[Problem]:
    return check_text(text)[0]


def test_self_test_correct_sample_passes() -> None:
    assert _problems(MODULE.replace("{figure}", "54")) == []


def test_self_test_mistyped_review_count_is_caught() -> None:
    bad = MODULE.replace("{figure}", "54").replace("In 19 reviews", "In 18 reviews")
    problems = _problems(bad)
    assert problems, "a mistyped figure in an EVIDENCE callout must fail"
    assert any(p.figure.startswith("18") for p in problems)


@pytest.mark.parametrize(
    "sentence",
    [
        "In 18 reviews, risk was recognised but not acted on.",  # mistyped 19
        "The Panel looked at 55 reviews.",  # mistyped 54
        "The report covers 52 Black, Asian and Mixed Heritage children.",  # mistyped 53
        "In 20 reviews, risk was recognised but not acted on.",  # 20 is verified, not for reviews
        "The report found 28 reviews concerned a child's death.",  # [S] only
        "Black children were the focus of 12% of reviews.",  # mistyped 10%
        "Mixed-ethnicity children were 70 per cent of reviews, the Panel said.",
        "The Panel said twenty-eight children died.",  # number words count too
        "The rapid review must be completed within 10 working days.",
        "Social Work England asks for 3 pieces of CPD.",
        "The report asks why race is marginalised 25 years after the Climbié inquiry.",
        "The report was published on 12 March 2025.",
    ],
)
def test_self_test_wrong_figures_fail(sentence: str) -> None:
    assert _problems(f"## Scene {{#s}}\n\n{sentence}\n"), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "In 19 reviews, risk was at least partly recognised but not turned into action.",
        "The Panel looked at 54 reviews (40 rapid reviews and 14 LCSPRs).",
        "27 of the children died.",
        "Black children were the focus of 10% of reviews but are 6% of the child population.",
        "The report asks why race is still marginalised 20 years after the Climbié inquiry.",
        "The local authority notifies the Panel within 5 working days.",
        "Social Work England asks for at least 2 pieces of CPD per registration year.",
        "Of the 54 reviews, 25 concerned Mixed Heritage children and 15 concerned Black children.",
        "The Panel's 2024 report \"I wanted them all to notice\" covered 193 children.",
        # story numbers, not about the report: never checked
        "Amara, 14, was reported missing 11 times over 18 months.",
        "Inaya is 13 and has lived with her nan for 4 years.",
        # references and identifiers are not figures
        "The Panel's findings map to SWE 1.5, PCF 3 and KSS 6, domains 1–6 and Chapter 5.",
        "The Panel expects a section 47 enquiry (s47) under the Children Act 1989.",
        "This 15-minute module introduces the report; it takes 45 minutes with the quiz.",
    ],
)
def test_self_test_correct_or_story_figures_pass(sentence: str) -> None:
    assert _problems(f"## Scene {{#s}}\n\n{sentence}\n") == [], sentence


def test_self_test_front_matter_prose_is_checked_but_settings_are_not() -> None:
    assert _problems(MODULE.replace("{figure}", "54")) == []
    problems = _problems(MODULE.replace("{figure}", "45"))
    assert problems and {p.line for p in problems} == {6}


def test_self_test_gift_bank() -> None:
    gift = (
        "// id: sample\n"
        "::Q1:: How many reviews did the Panel look at? {\n"
        "=54 reviews #Right: 54 reviews.\n"
        "~%50%45 reviews #No, the Panel looked at 54 reviews.\n"
        "}\n"
    )
    problems = _problems(gift)
    assert [p.figure for p in problems if p.figure.startswith("45")], problems


def test_self_test_mistyping_a_real_library_figure_is_caught() -> None:
    """Mistype each "N reviews" figure in the real library files: every one must be caught."""
    mutated = 0
    for path in content_files():
        text = path.read_text(encoding="utf-8")
        before = len(check_text(text)[0])
        for m in re.finditer(r"\b(54|40|19|14) (?:rapid )?reviews\b", text):
            bad = text[: m.start(1)] + "18" + text[m.end(1):]
            assert len(check_text(bad)[0]) > before, f"{path}: '18 reviews' at {m.start()} not caught"
            mutated += 1
    if mutated == 0:
        pytest.skip("no review counts in the library yet")
