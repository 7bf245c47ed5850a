"""What the results page says about each answered question: plain values for the template.

The page must teach, so it says in words (never only by colour) which options the learner
chose, which were right, and which right ones they missed, with the feedback for every option
they chose and every right option; for an "order the steps" question it sets the learner's
order beside the right one. Pure functions of the question, its display order and the stored
response, so they are tested without a database.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..content import OptionSpec, QuestionSpec
from ..content.grading import EPS

#: What an option was, for the learner: the CSS modifier and the words said about it.
PICKED_RIGHT = "picked-right"
PICKED_PART = "picked-part"
PICKED_WRONG = "picked-wrong"
MISSED = "missed"
LEFT_WRONG = "left-wrong"


@dataclass(frozen=True)
class OptionReview:
    option: OptionSpec
    picked: bool
    #: Earns credit when chosen (a right answer of a multiple-answer question, the answer of a
    #: single-answer one, or a partly right option worth some points).
    correct: bool
    #: One of the constants above.
    verdict: str
    #: What the page says about it, in words ("You chose this: correct").
    label: str
    show_feedback: bool


@dataclass(frozen=True)
class OrderedItem:
    """One item of an "order the steps" question, in the learner's order."""

    option: OptionSpec
    #: 1-based: where the learner put it, and where it belongs.
    position: int
    right_position: int

    @property
    def in_place(self) -> bool:
        return self.position == self.right_position


@dataclass(frozen=True)
class QuestionReview:
    question: QuestionSpec
    answered: bool
    options: tuple[OptionReview, ...]
    #: One sentence on the answer as a whole ("You chose 2 of the 3 right answers ...").
    summary: str
    #: Ordering questions: the learner's order and the right order.
    your_order: tuple[OrderedItem, ...] = ()
    right_order: tuple[OptionSpec, ...] = ()


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _option_review(question: QuestionSpec, option: OptionSpec, picked: bool) -> OptionReview:
    full = option.weight >= 100 - EPS
    credit = option.weight > EPS
    if question.type == "multiple":
        if picked and credit:
            verdict, label = PICKED_RIGHT, "You chose this: it is a right answer"
        elif credit:
            verdict, label = MISSED, "You did not choose this, but it is a right answer (missed)"
        elif picked:
            verdict, label = PICKED_WRONG, "You chose this: it is not a right answer"
        else:
            verdict, label = LEFT_WRONG, "Not a right answer, and you did not choose it"
    else:
        if picked and full:
            verdict, label = PICKED_RIGHT, "You chose this: it is the right answer"
        elif picked and credit:
            verdict, label = PICKED_PART, f"You chose this: partly right ({option.weight:.0f}% of the points)"
        elif picked:
            verdict, label = PICKED_WRONG, "You chose this: it is not the right answer"
        elif full:
            verdict, label = MISSED, "The right answer (you did not choose it)"
        elif credit:
            verdict, label = LEFT_WRONG, f"Partly right ({option.weight:.0f}% of the points); you did not choose it"
        else:
            verdict, label = LEFT_WRONG, "Not the right answer"
    return OptionReview(option, picked, credit, verdict, label,
                        show_feedback=bool(option.feedback_html) and (picked or full or credit))


def _multiple_summary(options: Sequence[OptionReview]) -> str:
    right = [o for o in options if o.correct]
    chosen_right = [o for o in right if o.picked]
    chosen_wrong = [o for o in options if o.picked and not o.correct]
    if not chosen_right and not chosen_wrong:
        return f"You did not choose any answer. There {'is' if len(right) == 1 else 'are'} {_count(len(right), 'right answer')}."
    if len(chosen_right) == len(right) and not chosen_wrong:
        return f"You chose all {_count(len(right), 'right answer')} and nothing else."
    sentence = f"You chose {len(chosen_right)} of the {_count(len(right), 'right answer')}"
    missed = len(right) - len(chosen_right)
    if chosen_wrong:
        sentence += f" and {_count(len(chosen_wrong), 'answer')} that {'is' if len(chosen_wrong) == 1 else 'are'} not right"
    if missed:
        sentence += f"; you missed {missed}"
    return sentence + "."


def review_question(question: QuestionSpec, order: Sequence[int], selected: Sequence[int] | None) -> QuestionReview:
    """The review of one drawn question: ``order`` is its options' display order, ``selected``
    the stored response (option indices as authored; for ordering, in the learner's order)."""
    selected = list(selected or ())
    answered = bool(selected)
    by_index = {o.index: o for o in question.options}
    if question.type == "ordering":
        right = list(question.correct_order) or sorted(by_index)
        right_position = {index: position for position, index in enumerate(right, start=1)}
        yours = tuple(OrderedItem(by_index[index], position, right_position[index])
                      for position, index in enumerate(selected, start=1) if index in by_index)
        in_place = sum(1 for item in yours if item.in_place)
        if not answered:
            summary = "You did not put these in order."
        elif in_place == len(right):
            summary = "Every step is in the right place."
        else:
            summary = f"{in_place} of the {len(right)} steps {'is' if in_place == 1 else 'are'} in the right place."
        return QuestionReview(question, answered, (), summary, yours, tuple(by_index[i] for i in right))
    options = tuple(_option_review(question, by_index[index], index in selected) for index in order)
    if question.type == "multiple":
        summary = _multiple_summary(options)
    elif not answered:
        summary = "You did not answer this question."
    else:
        summary = ""
    return QuestionReview(question, answered, options, summary)
