"""The learning service: attempts, moves through a scenario, reflections and completion.

Every function takes plain values and models, adds and flushes; the request commits. The
player never reads ``request``; it passes what the learner submitted (the step the page was
shown at, the scene, the choice) and gets back what happened.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from flask import current_app

from .. import signals
from ..authoring.models import ContentModule, ModuleVersion
from ..authoring.services import module_spec
from ..content import ModuleSpec
from ..content.markdown_render import plain_text
from ..dates import registration_year
from ..db import insert_unless_exists, session
from . import module_state
from .models import AttemptStatus, Completion, Decision, FinalReflection, JournalEntry, ScenarioAttempt

OPEN_STATUSES = module_state.OPEN

#: A gap between two actions longer than this counts as this much: a learner who leaves the
#: page open over lunch is not credited with an hour.
ACTIVE_GAP_CAP = timedelta(minutes=10)
REFLECTION_MAX_CHARS = 10_000


class LearningError(ValueError):
    """A request the learner can't make (shown to them as a 400 with this message)."""


# --- attempts ----------------------------------------------------------------------------

def published_module(slug: str) -> tuple[ContentModule, ModuleVersion] | None:
    """A published module and its current version, or None."""
    row = session.execute(
        select(ContentModule, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == ContentModule.current_version_id)
        .where(ContentModule.slug == slug, ContentModule.retired_at.is_(None))).first()
    return (row[0], row[1]) if row else None


def open_attempt(user_id: int, module_id: int) -> ScenarioAttempt | None:
    """The learner's unfinished attempt at a module (in the scenario or after it), if any."""
    return session.scalar(
        select(ScenarioAttempt)
        .where(ScenarioAttempt.user_id == user_id, ScenarioAttempt.module_id == module_id,
               ScenarioAttempt.status.in_([AttemptStatus.in_progress, AttemptStatus.scenario_done]))
        .order_by(ScenarioAttempt.id.desc()).limit(1))


def start_attempt(user_id: int, module: ContentModule, now: datetime) -> ScenarioAttempt:
    """Start a new attempt on the module's current version; an unfinished one is kept as abandoned."""
    if not module.is_published:
        raise LearningError("This module is no longer available.")
    previous = open_attempt(user_id, module.id)
    abandoned = 0
    if previous is not None:
        # Conditional: of two starts at once (two tabs), only one abandons it, and counts it.
        abandoned = session.execute(
            update(ScenarioAttempt).where(ScenarioAttempt.id == previous.id, ScenarioAttempt.status.in_(OPEN_STATUSES))
            .values(status=AttemptStatus.abandoned)).rowcount
    version = session.get(ModuleVersion, module.current_version_id)
    spec = module_spec(version)
    attempt = ScenarioAttempt(user_id=user_id, module_id=module.id, version_id=version.id,
                              status=AttemptStatus.in_progress, current_scene_id=None,
                              counters=dict(spec.counters), step=0, started_at=now, last_active_at=now)
    session.add(attempt)
    session.flush()
    module_state.record_started(user_id, module.id, abandoned)
    signals.attempt_started.send(current_app._get_current_object(), attempt=attempt, now=now)
    return attempt


def attempt_for(user_id: int, attempt_id: int) -> ScenarioAttempt | None:
    """The attempt if it belongs to this learner; None otherwise (callers answer 404).

    The version row comes in the same query (its JSON snapshot stays deferred: the decoded
    spec is cached per worker).
    """
    return session.scalar(_ATTEMPT_FOR_USER, {"attempt_id": attempt_id, "user_id": user_id})


# Built once: this runs on every player request that changes something.
_ATTEMPT_FOR_USER = (select(ScenarioAttempt).options(joinedload(ScenarioAttempt.version))
                     .where(ScenarioAttempt.id == bindparam("attempt_id"),
                            ScenarioAttempt.user_id == bindparam("user_id")))


def module_slug(module_id: int) -> str:
    return session.scalar(select(ContentModule.slug).where(ContentModule.id == module_id))


def spec_for(attempt: ScenarioAttempt) -> ModuleSpec:
    return module_spec(attempt.version)


def active_seconds_after(last_active_at: datetime | None, active_seconds: int, now: datetime) -> int:
    """The attempt's active seconds once ``now`` counts: the gap since the last action, capped at
    :data:`ACTIVE_GAP_CAP` (a learner who leaves the page open over lunch is not credited)."""
    gap = now - last_active_at if last_active_at else timedelta(0)
    return active_seconds + int(max(timedelta(0), min(gap, ACTIVE_GAP_CAP)).total_seconds())


def _touch(attempt: ScenarioAttempt, now: datetime) -> None:
    attempt.active_seconds = active_seconds_after(attempt.last_active_at, attempt.active_seconds, now)
    attempt.last_active_at = now


def decisions_of(attempt: ScenarioAttempt) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.attempt_id == attempt.id).order_by(Decision.step)))


def decision_at(attempt: ScenarioAttempt, step: int) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.attempt_id == attempt.id, Decision.step == step))


# --- reflections -------------------------------------------------------------------------

def save_journal_answer(attempt: ScenarioAttempt, prompt_id: str, answer: str, now: datetime) -> JournalEntry:
    """Save (or update) the learner's private answer to a reflection prompt in this module."""
    answer = (answer or "").strip()
    if not answer:
        raise LearningError("Write your reflection before saving it.")
    if len(answer) > REFLECTION_MAX_CHARS:
        raise LearningError(f"Keep your reflection under {REFLECTION_MAX_CHARS:,} characters.")
    spec = spec_for(attempt)
    found = None
    for scene in spec.scenes:
        for callout in scene.reflects:
            if callout.id == prompt_id:
                found = (scene, callout)
    if found is None:
        raise LearningError("That reflection prompt is not part of this module.")
    scene, callout = found
    # One statement, so the same answer sent twice at once (a double click) saves one entry.
    insert_unless_exists(JournalEntry.__table__, dict(
        user_id=attempt.user_id, attempt_id=attempt.id, module_id=attempt.module_id, prompt_id=prompt_id,
        scene_id=scene.id, prompt_text=plain_text(callout.html), answer=answer, created_at=now, updated_at=now),
        conflict=("attempt_id", "prompt_id"), update=("answer", "updated_at"))
    _touch(attempt, now)
    session.flush()
    return session.scalar(select(JournalEntry).where(JournalEntry.attempt_id == attempt.id,
                                                     JournalEntry.prompt_id == prompt_id)
                          .execution_options(populate_existing=True))


def final_reflection_for(attempt: ScenarioAttempt) -> FinalReflection | None:
    return session.scalar(select(FinalReflection).where(FinalReflection.attempt_id == attempt.id))


def save_final_reflection(attempt: ScenarioAttempt, what_learned: str, impact: str, now: datetime) -> FinalReflection:
    """Save the two CPD questions; editable later, even after completion."""
    what_learned, impact = (what_learned or "").strip(), (impact or "").strip()
    if not what_learned or not impact:
        raise LearningError("Answer both questions: what you learned, and how it will change your practice.")
    if max(len(what_learned), len(impact)) > REFLECTION_MAX_CHARS:
        raise LearningError(f"Keep each answer under {REFLECTION_MAX_CHARS:,} characters.")
    # One statement, so the form sent twice at once (a double click) saves one reflection.
    insert_unless_exists(FinalReflection.__table__, dict(
        user_id=attempt.user_id, attempt_id=attempt.id, what_learned=what_learned, impact_on_practice=impact,
        created_at=now, updated_at=now), conflict=("attempt_id",), update=("what_learned", "impact_on_practice", "updated_at"))
    _touch(attempt, now)
    session.flush()
    return session.scalar(select(FinalReflection).where(FinalReflection.attempt_id == attempt.id)
                          .execution_options(populate_existing=True))


# --- completion --------------------------------------------------------------------------

#: ``app.extensions`` key: what else a module asks of an attempt before it is complete, as a
#: list of :class:`CompletionRequirement` (the quizzes feature adds "pass the quiz"). The
#: learner feature knows nothing of the features that add requirements.
REQUIREMENTS = "course_engine.completion_requirements"


@dataclass(frozen=True)
class RequirementStatus:
    """Where one attempt stands against one requirement of completion."""

    #: What is left, in plain words ("pass the quiz"), or None when it is met.
    missing: str | None
    #: Columns of :class:`Completion` this requirement fills in once met (the quiz score).
    completion_values: dict


class CompletionRequirement:
    """A requirement another feature adds to completion (see :data:`REQUIREMENTS`)."""

    def status(self, attempt: ScenarioAttempt, spec: ModuleSpec, now: datetime) -> RequirementStatus | None:
        """Where the attempt stands; None when the requirement does not apply to this module."""
        raise NotImplementedError

    def debrief_panel(self, attempt: ScenarioAttempt, spec: ModuleSpec, now: datetime) -> str:
        """Its part of the debrief's "To complete this module" box, as safe HTML (a view helper)."""
        return ""


def completion_for(attempt: ScenarioAttempt) -> Completion | None:
    return session.scalar(select(Completion).where(Completion.attempt_id == attempt.id))


def requirement_statuses(attempt: ScenarioAttempt, spec: ModuleSpec, now: datetime) -> list[RequirementStatus]:
    """Every installed requirement that applies to this module, with where the attempt stands."""
    statuses = (requirement.status(attempt, spec, now) for requirement in current_app.extensions.get(REQUIREMENTS, ()))
    return [status for status in statuses if status is not None]


def what_is_missing(attempt: ScenarioAttempt, now: datetime,
                    statuses: list[RequirementStatus] | None = None) -> list[str]:
    """What still stands between this attempt and completion, in plain words, in order."""
    missing = []
    if attempt.ending_scene_id is None:
        missing.append("reach an ending of the scenario")
    if statuses is None:
        statuses = requirement_statuses(attempt, spec_for(attempt), now)
    missing.extend(status.missing for status in statuses if status.missing)
    if final_reflection_for(attempt) is None:
        missing.append("write your final reflection")
    return missing


def try_complete(attempt: ScenarioAttempt, now: datetime) -> Completion | None:
    """Record the completion at once if every requirement is met; exactly once per attempt.

    Called when the final reflection is saved and when a quiz attempt is graded (whichever
    comes last completes). Announces ``signals.module_completed`` so certificates and
    reports can react without the player knowing them.
    """
    existing = completion_for(attempt)
    if existing is not None:
        return existing
    spec = spec_for(attempt)
    statuses = requirement_statuses(attempt, spec, now)
    if what_is_missing(attempt, now, statuses):
        return None
    values = {key: value for status in statuses for key, value in status.completion_values.items()}
    completion = Completion(user_id=attempt.user_id, module_id=attempt.module_id, version_id=attempt.version_id,
                            attempt_id=attempt.id, active_seconds=attempt.active_seconds,
                            cpd_minutes=spec.cpd_minutes, completed_at=now, **values)
    try:
        with session.begin_nested():
            session.add(completion)
    except IntegrityError:
        return completion_for(attempt)
    # Conditional, so an attempt abandoned meanwhile (a start in another tab) is not counted
    # closed twice; it is marked completed either way, as before.
    closed = session.execute(
        update(ScenarioAttempt).where(ScenarioAttempt.id == attempt.id, ScenarioAttempt.status.in_(OPEN_STATUSES))
        .values(status=AttemptStatus.completed)).rowcount
    if not closed:
        attempt.status = AttemptStatus.completed
    session.flush()
    module_state.record_completed(attempt.user_id, attempt.module_id, now, closed)
    signals.module_completed.send(current_app._get_current_object(), completion=completion, now=now)
    return completion


def complete_after_quiz(sender, scenario_attempt_id: int, passed: bool, now: datetime, **_kwargs) -> None:
    """``quiz_attempt_graded`` receiver: a pass may be the last thing missing (the reflection
    can be written first), so try to complete, in the grading's unit of work."""
    if passed:
        attempt = session.get(ScenarioAttempt, scenario_attempt_id)
        if attempt is not None:
            try_complete(attempt, now)


# --- the learner's home ------------------------------------------------------------------

@dataclass(frozen=True)
class InProgressItem:
    attempt: ScenarioAttempt
    title: str
    slug: str
    cpd_minutes: int


def in_progress_for(user_id: int) -> list[InProgressItem]:
    rows = session.execute(
        select(ScenarioAttempt, ModuleVersion.title, ContentModule.slug, ModuleVersion.cpd_minutes)
        .join(ModuleVersion, ModuleVersion.id == ScenarioAttempt.version_id)
        .join(ContentModule, ContentModule.id == ScenarioAttempt.module_id)
        .where(ScenarioAttempt.user_id == user_id,
               ScenarioAttempt.status.in_([AttemptStatus.in_progress, AttemptStatus.scenario_done]))
        .order_by(ScenarioAttempt.last_active_at.desc())).all()
    return [InProgressItem(*row) for row in rows]


def completions_for(user_id: int) -> list[tuple[Completion, str, str]]:
    """(completion, title of the version completed, slug), newest first."""
    return list(session.execute(
        select(Completion, ModuleVersion.title, ContentModule.slug)
        .join(ModuleVersion, ModuleVersion.id == Completion.version_id)
        .join(ContentModule, ContentModule.id == Completion.module_id)
        .where(Completion.user_id == user_id).order_by(Completion.completed_at.desc())).all())


def cpd_minutes_in_year(user_id: int, today: date) -> tuple[int, date, date]:
    """CPD minutes from completions in the registration year containing ``today``."""
    first, last = registration_year(today)
    start_at = datetime(first.year, first.month, first.day)
    end_at = datetime(last.year, last.month, last.day) + timedelta(days=1)
    from datetime import timezone

    total = session.scalar(select(func.coalesce(func.sum(Completion.cpd_minutes), 0)).where(
        Completion.user_id == user_id,
        Completion.completed_at >= start_at.replace(tzinfo=timezone.utc),
        Completion.completed_at < end_at.replace(tzinfo=timezone.utc)))
    return int(total or 0), first, last
