"""Quiz banks test transfer (issue 16, section 4): at least half of every bank's questions put
a new short case and ask what to do next and why. The bank says so question by question with
`kind: transfer`, so the balance is checked here, not only claimed in the review."""
from pathlib import Path

import pytest

from tests.conftest import library_report
from course_engine.content.quiz_parser import parse_quiz_markdown
from course_engine.content.specs import QUESTION_KINDS

ROOT = Path(__file__).resolve().parents[2]
REPORT = library_report()  # checked once per process
BANKS = sorted(REPORT.quizzes)


def transfer_share(quiz) -> tuple[int, int]:
    """(transfer questions, questions) in a bank."""
    return sum(1 for q in quiz.questions if q.kind == "transfer"), len(quiz.questions)


@pytest.mark.parametrize("bank", BANKS)
def test_every_question_in_the_library_says_what_it_asks(bank):
    """Every shipped question has a kind, so no question escapes the count."""
    quiz = REPORT.quizzes[bank]
    unkinded = [q.id for q in quiz.questions if q.kind not in QUESTION_KINDS]
    assert unkinded == []


@pytest.mark.parametrize("bank", BANKS)
def test_at_least_half_of_every_bank_is_transfer(bank):
    """At least half of the bank (rounded up for an odd count) are transfer questions."""
    transfer, total = transfer_share(REPORT.quizzes[bank])
    assert 2 * transfer >= total, f"{bank}: {transfer} transfer of {total}"


def test_ten_banks_are_counted():
    """The count covers the whole library: one bank per module, ten modules."""
    assert len(BANKS) == 10 and set(BANKS) == {m.quiz_id for m in REPORT.modules.values()}


BANK = """---
id: tiny
title: Tiny
---

## A new case {#q-new}
kind: transfer

A 9-year-old ... What do you do next, and why?

- [x] Right
  feedback: Yes.
- [ ] Wrong
  feedback: No.

## Recall {#q-recall}
kind: recall
type: single

Which is true?

- [x] Right
  feedback: Yes.
- [ ] Wrong
  feedback: No.

## No kind {#q-none}

Pick one.

- [x] Right
  feedback: Yes.
- [ ] Wrong
  feedback: No.
"""


def test_self_test_kind_is_read_and_a_short_bank_fails_the_rule():
    """The parser reads `kind:` next to `type:`; a bank with one transfer question in three
    fails the half rule, and the same bank with two passes it."""
    quiz, problems = parse_quiz_markdown("tiny.md", BANK)
    assert problems == [] and quiz is not None
    assert [q.kind for q in quiz.questions] == ["transfer", "recall", ""]
    assert quiz.questions[1].type == "single"
    transfer, total = transfer_share(quiz)
    assert (transfer, total) == (1, 3) and not 2 * transfer >= total
    quiz2, _ = parse_quiz_markdown("tiny.md", BANK.replace("## No kind {#q-none}\n", "## No kind {#q-none}\nkind: transfer\n"))
    assert transfer_share(quiz2) == (2, 3)
    assert 2 * transfer_share(quiz2)[0] >= transfer_share(quiz2)[1]
