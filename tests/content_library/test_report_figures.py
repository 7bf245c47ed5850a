"""Every figure the library states about "It's silent" (and its frameworks) must be verified.

The content team may only state figures that the domain brief marks [V]
(/work/shared/reference/domain-brief.md, "the brief"). A mistyped figure ("in 18 reviews"
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
   * any other number must be in :data:`VERIFIED_FIGURES` (each entry names the brief line
     it comes from);
   * a count of reviews ("N reviews", "N rapid reviews", "N local child safeguarding
     practice reviews", "N LCSPRs") must be one of :data:`REVIEW_COUNTS`; a count of
     children ("N ... children", up to five words between) one of :data:`CHILD_COUNTS`;
     "N working days" 5 or 15; "N pieces of CPD" 2; "N years after" 20;
     "N recommendations" one of 14, 10, 6. These unit checks are what catch a figure that
     is verified in one sense but wrong in another ("20 reviews", "18 reviews").

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
BRIEF = Path("/work/shared/reference/domain-brief.md")

#: Every number the library may state about the report and the frameworks, with the brief
#: line (in /work/shared/reference/domain-brief.md) it comes from. [V] items only: the
#: [S]-only "28 reviews concerned a child's death" (line 23) is deliberately absent.
VERIFIED_FIGURES: dict[float, str] = {
    1: "aged from under 1 to 17 (l.20); one local review (l.33); 1 December, 1 September (l.63)",
    2: "at least 2 pieces of CPD per registration year (l.62)",
    3: "three 'super-domains' of the PCF (l.82); three lead recommendations (l.50-52)",
    4: "standard 4 is CPD (l.68)",
    5: "notify the Panel within 5 working days (l.107)",
    6: "6% of the child population (l.25); six SWE standards (l.68); 6 local recommendations (l.121)",
    7: "7% of the population (l.25)",
    8: "Child Q: 8 findings (l.114)",
    9: "nine PCF domains (l.82)",
    10: "10% of reviews (l.25); 10 national recommendations (l.121)",
    11: "published 11 March 2025 (l.13); 11 recorded as neurodivergent (l.21)",
    13: "13 recorded as disabled (l.21)",
    14: "14 LCSPRs (l.17); 14 Asian children (l.19); Child Q 14 recommendations (l.114)",
    15: "15 Black children (l.19); rapid review within 15 working days (l.107)",
    16: "disability missing in 16 reviews (l.21)",
    17: "aged up to 17 (l.20); 17% of reviews (l.25)",
    19: "in 19 reviews risk recognised but not acted on (l.31)",
    20: "20 years after the Climbie inquiry (l.38)",
    22: "22 female (l.20)",
    23: "neurodivergence not reported in 23 reviews (l.21)",
    25: "25 Mixed Heritage children (l.19)",
    26: "'I wanted them all to notice', 26 November 2024 (l.118)",
    27: "27 children died (l.24)",
    30: "30 November (l.63)",
    31: "until 31 March 2027 (l.98)",
    32: "32 male (l.20)",
    40: "40 rapid reviews (l.17)",
    42: "s42 of the Children and Social Work Act 2017 (l.97)",
    53: "53 Black, Asian and Mixed Heritage children (l.17)",
    54: "54 reviews (l.17)",
    80: "WT23 p.80 (l.105)",
    193: "'I wanted them all to notice' covered 193 children (l.118)",
    2017: "Children and Social Work Act 2017 (l.97)",
    2018: "PCF 2018 refresh (l.82); WT2018 (l.104)",
    2021: "'The Myth of Invisible Men', September 2021 (l.117)",
    2022: "incidents from January 2022 (l.17); CPD rose to two in 2022 (l.62); Child Q March 2022 (l.112)",
    2023: "Working Together 2023, December 2023 (l.104)",
    2024: "incidents to March 2024 (l.17); NCASC December 2024 (l.22); 26 November 2024 (l.118)",
    2025: "published 11 March 2025 (l.13); Panel guidance June 2025 (l.107)",
    2027: "KSS until 31 March 2027, early career standards from 1 April 2027 (l.98)",
    # SWE standard numbers, in case they are written without the "SWE" label.
    1.1: "SWE 1.1 (l.73)",
    1.4: "SWE 1.4 (l.73)",
    1.5: "SWE 1.5 (l.70)",
    1.6: "SWE 1.6 (l.71)",
    1.7: "SWE 1.7 (l.72)",
    4.8: "SWE 4.8 (l.74)",
}
VERIFIED_PERCENTAGES = {10, 6, 17, 7}  # l.25
REVIEW_COUNTS = {54, 40, 14, 19, 25, 15, 16, 23, 1}  # l.17, 19, 21, 31, 33
CHILD_COUNTS = {53, 27, 193, 25, 15, 14, 32, 22, 13, 11}  # l.17, 19-21, 24, 118
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


def test_verified_figures_appear_in_the_brief() -> None:
    """Each verified figure (other than spelled-out ones) is written in the brief."""
    if not BRIEF.exists():
        pytest.skip("the domain brief is not available here")
    brief = BRIEF.read_text(encoding="utf-8")
    spelled = {3: "three", 6: "six", 9: "nine"}
    for figure in VERIFIED_FIGURES:
        text = f"{figure:g}"
        assert re.search(rf"(?<!\d){re.escape(text)}(?!\d)", brief) or spelled.get(figure, "§") in brief, figure
    assert "28 reviews concerned a child's death [S]" in brief
    assert 28 not in VERIFIED_FIGURES


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
