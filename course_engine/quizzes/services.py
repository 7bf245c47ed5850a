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
from ..db import session
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
    number = (session.scalar(select(func.max(QuizAttempt.number))
                             .where(QuizAttempt.scenario_attempt_id == attempt.id)) or 0) + 1
    drawn = [[qid, list(order)] for qid, order in draw(quiz, secrets.token_hex(16))]
    spec = module_spec(attempt.version)
    quiz_attempt = QuizAttempt(scenario_attempt_id=attempt.id, user_id=attempt.user_id, module_id=attempt.module_id,
                               number=number, drawn=drawn, answers={}, started_at=now,
                               pass_mark=int(spec.pass_mark or 0))
    session.add(quiz_attempt)
    session.flush()
    return quiz_attempt


def quiz_attempt_for(attempt: ScenarioAttempt, number: int) -> QuizAttempt | None:
    return session.scalar(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id,
                                                    QuizAttempt.number == number))


def drawn_questions(attempt: ScenarioAttempt, quiz_attempt: QuizAttempt) -> list[tuple[QuestionSpec, list[int]]]:
    """The drawn questions in order, each with its options' display order."""
    quiz = quiz_for(attempt)
    return [(quiz.question(qid), order) for qid, order in quiz_attempt.drawn]


def parse_answers(quiz_attempt: QuizAttempt, attempt: ScenarioAttempt, form: dict[str, list[str]]) -> dict[str, list[int]]:
    """Turn submitted fields ``q-<question id>`` into option indices, rejecting anything not
    on the page (a question not drawn, an option the question does not have)."""
    questions = {q.id: (q, order) for q, order in drawn_questions(attempt, quiz_attempt)}
    answers: dict[str, list[int]] = {}
    for name, values in form.items():
        if not name.startswith("q-"):
            continue
        qid = name[2:]
        if qid not in questions:
            raise QuizError("An answer was sent for a question that is not in this quiz. Reload the page and try again.")
        question, order = questions[qid]
        picked: list[int] = []
        for value in values:
            if not value.isdigit() or int(value) not in order:
                raise QuizError(f"An answer to “{question.title}” is not one of its options. Reload the page and try again.")
            picked.append(int(value))
        if question.type in ("single", "true-false") and len(picked) > 1:
            raise QuizError(f"Choose one answer for “{question.title}”.")
        if question.type == "ordering" and sorted(picked) != sorted(order) and picked:
            raise QuizError(f"Put every item of “{question.title}” in order, each once.")
        answers[qid] = picked
    return answers


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
