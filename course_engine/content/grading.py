"""Quiz drawing and scoring: pure functions over ``QuizSpec``/``QuestionSpec``.

Responses always use option *indices as authored* (``OptionSpec.index``), never the shuffled
display positions, so a stored response keeps its meaning.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .specs import QuestionSpec, QuizSpec

#: Rounding tolerance for weights such as 33.33333%.
EPS = 1e-4


@dataclass(frozen=True)
class Score:
    earned: float
    possible: float
    correct: bool


@dataclass(frozen=True)
class AttemptScore:
    earned: float
    possible: float
    percent: float
    scores: dict[str, Score]

    def passed(self, pass_mark: float) -> bool:
        return self.percent + EPS >= pass_mark


def _rng(quiz: QuizSpec, seed: object) -> random.Random:
    # String seeds hash with sha512 in Python's random, so this is stable across runs
    # and Python versions.
    return random.Random(f"{quiz.id}\x00{seed}")


def option_order(question: QuestionSpec, rng: random.Random | None) -> tuple[int, ...]:
    """Display order of a question's options; ``keep_last`` options stay at the end."""
    indices = [o.index for o in question.options]
    if question.type == "ordering":
        # The items must never be shown in the answer order.
        order = indices[:]
        r = rng or random.Random(question.id)
        r.shuffle(order)
        if len(order) > 1 and order == list(question.correct_order or indices):
            order = order[1:] + order[:1]
        return tuple(order)
    if rng is None or question.type == "true-false":
        return tuple(indices)
    movable = [o.index for o in question.options if not o.keep_last]
    pinned = [o.index for o in question.options if o.keep_last]
    rng.shuffle(movable)
    return tuple(movable + pinned)


def draw(quiz: QuizSpec, seed: object) -> list[tuple[str, tuple[int, ...]]]:
    """Questions for one attempt, as ``(question_id, option display order)``.

    Deterministic for a given quiz and seed (store the seed with the attempt). With
    ``shuffle`` the questions are sampled and ordered at random and options shuffled;
    without it, the first ``draw`` questions are used in order.
    """
    rng = _rng(quiz, seed)
    count = min(quiz.draw, len(quiz.questions))
    if quiz.shuffle:
        picked = rng.sample(list(quiz.questions), count)
    else:
        picked = list(quiz.questions[:count])
    return [(q.id, option_order(q, rng if quiz.shuffle else None)) for q in picked]


def score_question(question: QuestionSpec, response: Sequence[int] | None) -> Score:
    """Score one response.

    :param response: chosen option indices (single, true-false: one; multiple: any), or
        for ordering the option indices in the learner's order.
    :raise ValueError: for an index the question does not have.
    """
    possible = float(question.points)
    response = tuple(response or ())
    valid = {o.index for o in question.options}
    for i in response:
        if i not in valid:
            raise ValueError(f"question {question.id!r} has no option {i!r}")
    if question.type == "ordering":
        correct_order = tuple(question.correct_order) or tuple(sorted(valid))
        if not correct_order:
            return Score(0.0, possible, False)
        right = sum(1 for a, b in zip(response, correct_order) if a == b)
        fraction = right / len(correct_order)
        exact = response == correct_order
        return Score(possible * fraction, possible, exact)
    weights = {o.index: o.weight for o in question.options}
    if question.type in ("single", "true-false"):
        if len(response) != 1:
            return Score(0.0, possible, False)
        w = weights[response[0]]
        fraction = max(0.0, min(1.0, w / 100))
        return Score(possible * fraction, possible, w >= 100 - EPS)
    total = sum(weights[i] for i in set(response))
    fraction = max(0.0, min(1.0, total / 100))
    if fraction >= 1 - EPS:
        fraction = 1.0
    return Score(possible * fraction, possible, fraction == 1.0)


def grade_attempt(
    quiz: QuizSpec,
    responses: Mapping[str, Sequence[int] | None],
    question_ids: Iterable[str] | None = None,
) -> AttemptScore:
    """Score the drawn questions (default: all); unanswered questions score 0."""
    ids = list(question_ids) if question_ids is not None else [q.id for q in quiz.questions]
    scores = {qid: score_question(quiz.question(qid), responses.get(qid)) for qid in ids}
    earned = sum(s.earned for s in scores.values())
    possible = sum(s.possible for s in scores.values())
    percent = round(100 * earned / possible, 4) if possible else 0.0
    return AttemptScore(earned, possible, percent, scores)


def score_attempt(
    quiz: QuizSpec,
    responses: Mapping[str, Sequence[int] | None],
    question_ids: Iterable[str] | None = None,
) -> float:
    """The attempt's percentage (0-100) over the drawn questions."""
    return grade_attempt(quiz, responses, question_ids).percent
