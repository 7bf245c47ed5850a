"""The quiz as a requirement of completing a module (see ``learner.services.REQUIREMENTS``)."""
from __future__ import annotations

from datetime import datetime

from flask import render_template
from sqlalchemy import select

from ..content import ModuleSpec
from ..db import session
from ..learner.models import ScenarioAttempt
from ..learner.services import CompletionRequirement, RequirementStatus
from . import services
from .models import QuizAttempt


def passed_quiz_attempt(attempt: ScenarioAttempt) -> QuizAttempt | None:
    """The first quiz attempt of this scenario attempt that passed, if any."""
    return session.scalar(select(QuizAttempt).where(QuizAttempt.scenario_attempt_id == attempt.id,
                                                    QuizAttempt.passed.is_(True)).order_by(QuizAttempt.number).limit(1))


class QuizRequirement(CompletionRequirement):
    """A module with a quiz is complete only once the quiz is passed; the completion keeps the score."""

    def status(self, attempt: ScenarioAttempt, spec: ModuleSpec, now: datetime) -> RequirementStatus | None:
        if not spec.quiz_id:
            return None
        passed = passed_quiz_attempt(attempt)
        if passed is None:
            return RequirementStatus("pass the quiz", {})
        return RequirementStatus(None, {"quiz_attempt_id": passed.id, "score_percent": passed.score_percent})

    def debrief_panel(self, attempt: ScenarioAttempt, spec: ModuleSpec, now: datetime) -> str:
        if not spec.quiz_id:
            return ""
        return render_template("quizzes/_debrief_panel.html", attempt=attempt, spec=spec,
                               quiz_attempts=services.attempts_of(attempt),
                               quiz_allowed=services.next_attempt_allowed_at(attempt, now))
