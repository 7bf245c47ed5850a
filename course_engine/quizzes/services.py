"""Quiz attempts: drawing questions, keeping answers, grading once, retake rules."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from .. import signals
from ..authoring.services import module_spec, quiz_spec
from ..content import QuestionSpec, QuizSpec, draw, grade_attempt
from ..db import insert_unless_exists, session
from ..learner.models import AttemptStatus, ScenarioAttempt
from .models import QuizAttempt, QuizResponse


class QuizError(ValueError):
    """A quiz request the learner can't make; the message says why and what to do."""


@dataclass(frozen=True)
class RetakeRules:
    """Per module: at most ``max_attempts`` (None: unlimited), ``cooldown`` between attempts."""

    max_attempts: int | None
    cooldown: timedelta


def rules_for(attempt: ScenarioAttempt) -> RetakeRules:
    spec = module_spec(attempt.version)
    return RetakeRules(spec.quiz_max_attempts, timedelta(minutes=spec.quiz_cooldown_minutes or 0))


def quiz_for(attempt: ScenarioAttempt) -> QuizSpec:
    quiz = quiz_spec(attempt.version)
    if quiz is None:
        raise QuizError("This module has no quiz.")
    return quiz


def attempts_of(attempt: ScenarioAttempt) -> list[QuizAttempt]:
    return list(session.scalars(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id)
                                .order_by(QuizAttempt.number)))


def open_quiz_attempt(attempt: ScenarioAttempt) -> QuizAttempt | None:
    return session.scalar(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id,
                                                    QuizAttempt.submitted_at.is_(None)))


def next_attempt_allowed_at(attempt: ScenarioAttempt, now: datetime) -> tuple[bool, str | None]:
    """Whether a new quiz attempt may start now, and if not, why (in plain words)."""
    if attempt.status not in (AttemptStatus.scenario_done,):
        if attempt.status == AttemptStatus.completed:
            return False, "You have already completed this module."
        return False, "Finish the scenario before taking the quiz."
    previous = attempts_of(attempt)
    if any(q.passed for q in previous):
        return False, "You have already passed this quiz."
    rules = rules_for(attempt)
    submitted = [q for q in previous if q.submitted_at is not None]
    if rules.max_attempts is not None and len(submitted) >= rules.max_attempts:
        return False, (f"You have used all {rules.max_attempts} attempts at this quiz. "
                       "Restart the module from its page to try again.")
    if submitted and rules.cooldown:
        ready = submitted[-1].submitted_at + rules.cooldown
        if now < ready:
            minutes = max(1, int((ready - now).total_seconds() // 60) + (1 if (ready - now).total_seconds() % 60 else 0))
            return False, f"You can try the quiz again in {minutes} minute{'s' if minutes != 1 else ''}."
    return True, None


def start_quiz_attempt(attempt: ScenarioAttempt, now: datetime) -> QuizAttempt:
    """Draw and shuffle questions for a new quiz attempt (or return the one already open)."""
    existing = open_quiz_attempt(attempt)
    if existing is not None:
        return existing
    allowed, reason = next_attempt_allowed_at(attempt, now)
    if not allowed:
        raise QuizError(reason)
    quiz = quiz_for(attempt)
    # The next number follows the last *submitted* attempt (at most one is open, and it is the
    # newest), so two "Start the quiz" clicks at once both aim at the same number: the database
    # keeps the first (attempt + number is unique) and the second goes to it. A double click
    # never opens a second attempt that would use up a retake.
    number = (session.scalar(select(func.max(QuizAttempt.number))
                             .where(QuizAttempt.scenario_attempt_id == attempt.id,
                                    QuizAttempt.submitted_at.is_not(None))) or 0) + 1
    drawn = [[qid, list(order)] for qid, order in draw(quiz, secrets.token_hex(16))]
    spec = module_spec(attempt.version)
    insert_unless_exists(QuizAttempt.__table__, dict(
        scenario_attempt_id=attempt.id, user_id=attempt.user_id, module_id=attempt.module_id, number=number,
        drawn=drawn, answers={}, started_at=now, pass_mark=int(spec.pass_mark or 0)),
        conflict=("scenario_attempt_id", "number"))
    return session.scalar(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id,
                                                    QuizAttempt.number == number)
                          .execution_options(populate_existing=True))


def quiz_attempt_for(attempt: ScenarioAttempt, number: int) -> QuizAttempt | None:
    return session.scalar(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id,
                                                    QuizAttempt.number == number))


def drawn_questions(attempt: ScenarioAttempt, quiz_attempt: QuizAttempt) -> list[tuple[QuestionSpec, list[int]]]:
    """The drawn questions in order, each with its options' display order."""
    quiz = quiz_for(attempt)
    return [(quiz.question(qid), order) for qid, order in quiz_attempt.drawn]


@dataclass(frozen=True)
class SubmittedAnswers:
    """What a submitted quiz page says, read by :func:`parse_answers`."""

    #: Answers to keep, as option indices (for ordering: in the learner's order). An empty
    #: list clears a saved answer (every box unticked, every step back to "Choose a position").
    answers: dict[str, list[int]]
    #: "Order the steps" questions with a step left at "Choose a position" or a position
    #: given twice: question id -> what to do, in plain words. These are not saved.
    order_problems: dict[str, str]
    #: The positions the learner chose for each ordering question's steps (question id ->
    #: option index -> 1-based position or None), to show them again with the problem.
    positions: dict[str, dict[int, int | None]]


def _order_problem(question: QuestionSpec, positions: dict[int, int | None]) -> str | None:
    """Why these positions are not an order yet (None when they are one)."""
    count = len(positions)
    unset = sum(1 for p in positions.values() if p is None)
    chosen = [p for p in positions.values() if p is not None]
    repeated = sorted({p for p in chosen if chosen.count(p) > 1})
    if not unset and not repeated:
        return None
    details = []
    if unset:
        details.append(f"{unset} still say{'s' if unset == 1 else ''} “Choose a position”")
    if repeated:
        listed = " and ".join(str(p) for p in repeated)
        details.append(f"{listed} {'is' if len(repeated) == 1 else 'are'} used more than once")
    return (f"Give each step of “{question.title}” a different position from 1 to {count} "
            f"({'; '.join(details)}). To leave it unanswered, set every step to “Choose a position”.")


def parse_answers(quiz_attempt: QuizAttempt, attempt: ScenarioAttempt, form: dict[str, list[str]]) -> SubmittedAnswers:
    """Read submitted fields, rejecting anything not on the page (a question not drawn, an
    option the question does not have).

    ``q-<question id>`` carries the chosen option indices (an empty value marks a question
    whose boxes were all unticked); ``q-<question id>.<option index>`` the position (1..n, or
    empty: "Choose a position") the learner gave one step of an "order the steps" question.
    :raise QuizError: for a field the page could not have sent (the page is out of date).
    """
    questions = {q.id: (q, order) for q, order in drawn_questions(attempt, quiz_attempt)}
    answers: dict[str, list[int]] = {}
    positions: dict[str, dict[int, int | None]] = {}
    stale = "An answer was sent for a question that is not in this quiz. Reload the page and try again."
    for name, values in form.items():
        if not name.startswith("q-"):
            continue
        qid, dot, item = name[2:].partition(".")
        if qid not in questions:
            raise QuizError(stale)
        question, order = questions[qid]
        if (question.type == "ordering") != bool(dot):
            raise QuizError(stale)
        if dot:
            value = values[-1] if values else ""
            if not item.isdigit() or int(item) not in order or not (value == "" or value.isdigit()) \
                    or (value and not 1 <= int(value) <= len(order)):
                raise QuizError(f"A position for “{question.title}” is not one of the choices. Reload the page and try again.")
            positions.setdefault(qid, {})[int(item)] = int(value) if value else None
            continue
        picked: list[int] = []
        for value in values:
            if value == "":
                continue
            if not value.isdigit() or int(value) not in order:
                raise QuizError(f"An answer to “{question.title}” is not one of its options. Reload the page and try again.")
            picked.append(int(value))
        if question.type in ("single", "true-false") and len(picked) > 1:
            raise QuizError(f"Choose one answer for “{question.title}”.")
        answers[qid] = picked
    problems: dict[str, str] = {}
    for qid, chosen in positions.items():
        question, order = questions[qid]
        if set(chosen) != set(order):
            raise QuizError(f"Part of “{question.title}” is missing from what was sent. Reload the page and try again.")
        if all(p is None for p in chosen.values()):
            answers[qid] = []
            continue
        problem = _order_problem(question, chosen)
        if problem:
            problems[qid] = problem
        else:
            answers[qid] = sorted(chosen, key=lambda index: chosen[index])
    return SubmittedAnswers(answers, problems, positions)


def save_answers(quiz_attempt: QuizAttempt, answers: dict[str, list[int]]) -> None:
    """Keep answers so far (the learner may leave and come back)."""
    if quiz_attempt.submitted_at is not None:
        return
    merged = dict(quiz_attempt.answers or {})
    merged.update(answers)
    quiz_attempt.answers = merged
    session.flush()


def submit(attempt: ScenarioAttempt, quiz_attempt: QuizAttempt, answers: dict[str, list[int]], now: datetime) -> bool:
    """Grade the attempt once. Returns False (and changes nothing) when it was already submitted.

    The conditional UPDATE makes a double submit harmless: only one request can claim it.
    """
    if quiz_attempt.submitted_at is not None:
        return False
    save_answers(quiz_attempt, answers)
    claimed = session.execute(
        QuizAttempt.__table__.update()
        .where(and_(QuizAttempt.id == quiz_attempt.id, QuizAttempt.submitted_at.is_(None)))
        .values(submitted_at=now))
    if claimed.rowcount != 1:
        session.refresh(quiz_attempt)
        return False
    quiz = quiz_for(attempt)
    question_ids = [qid for qid, _order in quiz_attempt.drawn]
    result = grade_attempt(quiz, {k: v for k, v in quiz_attempt.answers.items()}, question_ids)
    quiz_attempt.submitted_at = now
    quiz_attempt.score_percent = round(result.percent, 2)
    quiz_attempt.passed = result.passed(quiz_attempt.pass_mark)
    for qid in question_ids:
        score = result.scores[qid]
        session.add(QuizResponse(quiz_attempt_id=quiz_attempt.id, question_id=qid,
                                 selected=list(quiz_attempt.answers.get(qid, [])), earned=score.earned,
                                 possible=score.possible, correct=score.correct))
    session.flush()
    signals.quiz_attempt_graded.send(current_app._get_current_object(), quiz_attempt_id=quiz_attempt.id,
                                     scenario_attempt_id=attempt.id, score_percent=quiz_attempt.score_percent,
                                     passed=quiz_attempt.passed, now=now)
    return True


def responses_of(quiz_attempt: QuizAttempt) -> dict[str, QuizResponse]:
    return {r.question_id: r for r in session.scalars(select(QuizResponse)
                                                      .where(QuizResponse.quiz_attempt_id == quiz_attempt.id))}
