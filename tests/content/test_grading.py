"""Drawing questions and scoring responses."""

from __future__ import annotations

import pytest

from course_engine.content import draw, grade_attempt, parse_quiz_markdown, score_attempt, score_question
from course_engine.content.grading import Score
from course_engine.content.specs import OptionSpec, QuestionSpec, QuizSpec

BANK = """\
---
id: grading
title: Grading
draw: 3
---

## Single {#q-single}
points: 2

Pick.

- [x] Right
  feedback: F.
- [50%] Half
  feedback: F.
- [ ] Wrong
  feedback: F.
- [ ] None of these
  keep_last: true
  feedback: F.

## Multiple {#q-multi}

Pick all.

- [x] A
  feedback: F.
- [x] B
  feedback: F.
- [ ] C
  feedback: F.
- [ ] D
  feedback: F.

## Truth {#q-tf}

Statement.

- [ ] True
  feedback: F.
- [x] False
  feedback: F.

## Order {#q-order}

Order them.

1. One
2. Two
3. Three
4. Four
"""


@pytest.fixture(scope="module")
def quiz():
    spec, problems = parse_quiz_markdown("grading.md", BANK)
    assert problems == []
    return spec


@pytest.mark.parametrize(
    ("qid", "response", "expected"),
    [
        ("q-single", (0,), Score(2.0, 2.0, True)),
        ("q-single", (1,), Score(1.0, 2.0, False)),  # partial credit [50%]
        ("q-single", (2,), Score(0.0, 2.0, False)),
        ("q-single", (), Score(0.0, 2.0, False)),  # unanswered
        ("q-single", (0, 1), Score(0.0, 2.0, False)),  # two answers to a single choice
        ("q-multi", (0, 1), Score(1.0, 1.0, True)),
        ("q-multi", (0,), Score(0.5, 1.0, False)),  # each right option earns 1/k
        ("q-multi", (0, 1, 2), Score(0.5, 1.0, False)),  # each wrong option loses 1/k
        ("q-multi", (0, 2, 3), Score(0.0, 1.0, False)),  # floor at 0
        ("q-multi", (2, 3), Score(0.0, 1.0, False)),
        ("q-multi", (1, 0, 0), Score(1.0, 1.0, True)),  # repeats count once
        ("q-tf", (1,), Score(1.0, 1.0, True)),
        ("q-tf", (0,), Score(0.0, 1.0, False)),
        ("q-order", (0, 1, 2, 3), Score(1.0, 1.0, True)),
        ("q-order", (1, 0, 2, 3), Score(0.5, 1.0, False)),  # fraction in the right place
        ("q-order", (3, 2, 1, 0), Score(0.0, 1.0, False)),
        ("q-order", (0, 1), Score(0.5, 1.0, False)),  # incomplete order
    ],
)
def test_score_question(quiz, qid, response, expected):
    """Single choice scores the chosen weight; multiple response +1/k per right option and
    -1/k per wrong one, floored at 0; ordering scores the fraction in place, full marks only
    for the exact order."""
    assert score_question(quiz.question(qid), response) == expected


def test_unknown_option_is_rejected(quiz):
    """An option index the question does not have is an error, not a silent zero."""
    with pytest.raises(ValueError):
        score_question(quiz.question("q-single"), (7,))


def test_gift_weights_sum_and_cap():
    """Imported weights (including negative) add up, capped to 0..100%."""
    q = QuestionSpec(
        "q", "Q", "multiple", 1, "", (OptionSpec(0, "a", 50), OptionSpec(1, "b", 50), OptionSpec(2, "c", -100))
    )
    assert score_question(q, (0, 1)) == Score(1.0, 1, True)
    assert score_question(q, (0, 2)) == Score(0.0, 1, False)
    third = QuestionSpec("t", "T", "multiple", 3, "", tuple(OptionSpec(i, str(i), 33.33333) for i in range(3)))
    assert score_question(third, (0, 1, 2)) == Score(3.0, 3, True)


def test_draw_is_deterministic_and_honours_keep_last(quiz):
    """The same seed gives the same questions and option orders; keep_last options stay
    last; different seeds give different draws; true/false options keep their order."""
    first = draw(quiz, 42)
    assert draw(quiz, 42) == first
    assert len(first) == 3 and len({qid for qid, _ in first}) == 3
    draws = [draw(quiz, seed) for seed in range(60)]
    assert len({tuple(d) for d in draws}) > 10
    for d in draws:
        for qid, order in d:
            assert sorted(order) == list(range(len(quiz.question(qid).options)))
            if qid == "q-single":
                assert order[-1] == 3
            if qid == "q-tf":
                assert order == (0, 1)
            if qid == "q-order":
                assert order != (0, 1, 2, 3)
    single_orders = {order for d in draws for qid, order in d if qid == "q-single"}
    assert len(single_orders) > 1


def test_draw_without_shuffle_keeps_authored_order(quiz):
    """With shuffle off, the first 'draw' questions are used in order, options as written
    (ordering items are still mixed up, or the answer would show)."""
    plain = QuizSpec(quiz.id, quiz.title, 4, False, quiz.questions, "", "")
    result = draw(plain, "any")
    assert [qid for qid, _ in result] == ["q-single", "q-multi", "q-tf", "q-order"]
    assert result[0][1] == (0, 1, 2, 3)
    assert result[3][1] != (0, 1, 2, 3)


def test_score_attempt(quiz):
    """The attempt percentage is earned over possible points of the drawn questions;
    unanswered questions score 0."""
    responses = {"q-single": (1,), "q-multi": (0, 1)}
    assert score_attempt(quiz, responses, ["q-single", "q-multi"]) == pytest.approx(200 / 3, abs=1e-3)
    graded = grade_attempt(quiz, responses, ["q-single", "q-multi", "q-tf"])
    assert graded.percent == 50.0
    assert graded.passed(50) and not graded.passed(51)
    assert score_attempt(quiz, {}) == 0.0
