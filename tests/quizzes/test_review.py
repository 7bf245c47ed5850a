"""The words the results page says about each option, from the question and the stored answer
alone (no database): chosen or not, right or not, missed right answers, an order in place."""
from course_engine.content import parse_quiz_markdown
from course_engine.quizzes.review import (
    LEFT_WRONG,
    MISSED,
    PICKED_RIGHT,
    PICKED_WRONG,
    review_question,
)

BANK = """---
id: q
title: Q
---

## Many {#many}
type: multiple

Which?

- [x] A
  feedback: a
- [x] B
  feedback: b
- [ ] C
  feedback: c

## One {#one}

Which?

- [x] Right
  feedback: r
- [ ] Wrong
  feedback: w

## Order {#order}
type: ordering

Put in order.

1. First
2. Second
3. Third
"""

QUIZ, _PROBLEMS = parse_quiz_markdown("q.md", BANK)


def _verdicts(review):
    return [(item.option.index, item.verdict, item.show_feedback) for item in review.options]


def test_all_right_options_chosen_and_nothing_else():
    review = review_question(QUIZ.question("many"), (0, 1, 2), [0, 1])
    assert _verdicts(review) == [(0, PICKED_RIGHT, True), (1, PICKED_RIGHT, True), (2, LEFT_WRONG, False)]
    assert review.summary == "You chose all 2 right answers and nothing else."


def test_nothing_chosen_marks_every_right_option_missed_with_its_feedback():
    review = review_question(QUIZ.question("many"), (2, 1, 0), [])
    assert _verdicts(review) == [(2, LEFT_WRONG, False), (1, MISSED, True), (0, MISSED, True)]
    assert not review.answered and review.summary == "You did not choose any answer. There are 2 right answers."


def test_a_wrong_single_answer_shows_the_right_one_as_missed():
    review = review_question(QUIZ.question("one"), (0, 1), [1])
    assert _verdicts(review) == [(0, MISSED, True), (1, PICKED_WRONG, True)]
    assert review.options[0].label == "The right answer (you did not choose it)"
    assert review_question(QUIZ.question("one"), (0, 1), None).summary == "You did not answer this question."


def test_an_order_says_where_each_step_belongs():
    review = review_question(QUIZ.question("order"), (2, 0, 1), [1, 0, 2])
    assert [(i.option.index, i.position, i.right_position, i.in_place) for i in review.your_order] == [
        (1, 1, 2, False), (0, 2, 1, False), (2, 3, 3, True)]
    assert [o.index for o in review.right_order] == [0, 1, 2]
    assert review.summary == "1 of the 3 steps is in the right place."
    assert review_question(QUIZ.question("order"), (2, 0, 1), []).summary == "You did not put these in order."
