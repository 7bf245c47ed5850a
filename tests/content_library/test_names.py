"""Names across the library (issue 16, section 3; writers' brief, rule 1 and rule 8): every
character's first name and surname belongs to one module only, so no family reads as the same
family in another module, and no name is, or is one letter from, a name in a published case.

A module introduces each character in bold (`**Anna Varghese**`, `**DC Rowe**`); those are the
names checked. Quiz banks' new cases are checked against the published cases too, and against
the modules' characters."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "modules").glob("*.md"))
QUIZZES = sorted((ROOT / "quizzes").glob("*.md"))
TITLES = {"Mr", "Mrs", "Ms", "Dr", "DC", "DI"}
#: The published cases the writers' brief (rule 1) names, first names and surnames.
PUBLISHED = ("Sara Sharif", "Dwelaniyah Robinson", "Victoria Climbié", "Daniel Pelka", "Peter Connelly",
             "Arthur Labinjo-Hughes", "Star Hobson", "Logan Mwangi", "Khyra Ishaq", "Hamzah Khan",
             "Ellie Butler", "Finley Boden")
PUBLISHED_PARTS = {p for name in PUBLISHED for p in re.split(r"[ -]", name)}
#: Real people the library cites by name (authors, a solicitor quoted in Community Care): their
#: names are sources, not characters, and are removed before looking for clashes.
REAL_PEOPLE = ("Richard White", "Jahnine Davis", "Annie Hudson")
BOLD_NAME = re.compile(r"\*\*([A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,2})\*\*")


def character_names(path: Path) -> set[str]:
    """First names and surnames a module introduces in bold (titles dropped)."""
    names = set()
    for bold in BOLD_NAME.findall(path.read_text(encoding="utf-8")):
        names |= {w for w in bold.split() if w not in TITLES}
    return names


def one_letter_apart(a: str, b: str) -> bool:
    """True if a and b differ by one inserted, deleted or changed letter (or are equal)."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def without_real_people(text: str) -> str:
    for person in REAL_PEOPLE:
        text = text.replace(person, "")
    return text


CHARACTERS = {p.stem: character_names(p) for p in MODULES}


def test_every_module_introduces_its_characters():
    """The check has something to check: each module names at least three characters."""
    assert len(CHARACTERS) == 10
    assert all(len(names) >= 3 for names in CHARACTERS.values()), CHARACTERS


@pytest.mark.parametrize("slug", sorted(CHARACTERS))
def test_no_character_name_is_used_in_another_module_or_bank(slug):
    """A module's character names appear in no other module, and in no other module's quiz
    bank (its own bank may use them)."""
    others = [p for p in MODULES + QUIZZES if p.stem != slug]
    clashes = []
    for name in sorted(CHARACTERS[slug]):
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
        clashes += [f"{name} in {p.parent.name}/{p.name}" for p in others
                    if pattern.search(without_real_people(p.read_text(encoding="utf-8")))]
    assert clashes == []


@pytest.mark.parametrize("slug", sorted(CHARACTERS))
def test_no_character_is_named_like_a_published_case(slug):
    """No character's first name or surname is, or is one letter from, one in a published case
    ("Hamza" is one letter from "Hamzah")."""
    near = [f"{n} ~ {p}" for n in CHARACTERS[slug] for p in PUBLISHED_PARTS if one_letter_apart(n, p)]
    assert near == []


@pytest.mark.parametrize("bank", [p.stem for p in QUIZZES])
def test_no_quiz_case_uses_a_published_case_name(bank):
    """A new case in a quiz bank never uses a published case's first name or surname (or one a
    letter from it, for names of five letters or more)."""
    text = (ROOT / "quizzes" / f"{bank}.md").read_text(encoding="utf-8")
    words = set(re.findall(r"\b[A-Z][a-zé]+\b", text))
    near = sorted(f"{w} ~ {p}" for w in words for p in PUBLISHED_PARTS
                  if w == p or (len(p) >= 5 and len(w) >= 5 and one_letter_apart(w, p)))
    assert near == []


def test_self_test_the_near_miss_rule():
    """The rule catches a one-letter variant and lets different names through."""
    assert one_letter_apart("Hamza", "Hamzah") and one_letter_apart("Sarah", "Sara")
    assert one_letter_apart("Ollie", "Ellie") and not one_letter_apart("Ella", "Ellie")
    assert not one_letter_apart("Asif", "Hamzah") and not one_letter_apart("Rowe", "Hughes")
