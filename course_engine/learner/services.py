"""The learning service: attempts, moves through a scenario, reflections and completion.

Every function takes plain values and models, adds and flushes; the request commits. The
player never reads ``request``; it passes what the learner submitted (the step the page was
shown at, the scene, the choice) and gets back what happened.
"""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from flask import current_app

from .. import signals
from ..auth.services import RowsWithUser
from ..authoring.models import ContentModule, ModuleVersion
from ..authoring.services import module_spec, module_spec_by_id
from ..content import ModuleSpec, State, choose, continue_from_junction, start
from ..content.markdown_render import plain_text
from ..dates import registration_year
from ..db import session, write
from .models import AttemptStatus, Completion, Decision, FinalReflection, JournalEntry, ScenarioAttempt

#: A gap between two actions longer than this counts as this much: a learner who leaves the
#: page open over lunch is not credited with an hour.
ACTIVE_GAP_CAP = timedelta(minutes=10)
REFLECTION_MAX_CHARS = 10_000


class LearningError(ValueError):
    """A request the learner can't make (shown to them as a 400 with this message)."""


class MoveOutcome(enum.Enum):
    applied = "applied"
    #: The page the learner submitted from is out of date (back button, second tab,
    #: double click). Nothing was recorded; they are shown where they are.
    stale = "stale"


@dataclass(frozen=True)
class MoveResult:
    outcome: MoveOutcome
    #: The step of the decision this move recorded, if it recorded one (its feedback page).
    decision_step: int | None = None


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
    if previous is not None:
        previous.status = AttemptStatus.abandoned
    version = session.get(ModuleVersion, module.current_version_id)
    spec = module_spec(version)
    attempt = ScenarioAttempt(user_id=user_id, module_id=module.id, version_id=version.id,
                              status=AttemptStatus.in_progress, current_scene_id=None,
                              counters=dict(spec.counters), step=0, started_at=now, last_active_at=now)
    session.add(attempt)
    session.flush()
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


@dataclass(frozen=True)
class SavedAnswer:
    """A learner's saved answer to a reflection prompt, as the scene page shows it."""

    answer: str
    updated_at: datetime


@dataclass(frozen=True)
class Position:
    """Where a learner is in an attempt: everything the scene page shows, as plain values.

    Read with :data:`POSITION` in one statement, without ORM objects, in the same round trip
    as the signed-in learner. The scene page and
    the moves (begin, choose, continue) are the most requested pages in the product, and
    building ORM objects for the attempt, its version and its journal cost more than the
    rest of a scene page's work put together (see docs/performance.md). The moves accept a
    position or a loaded :class:`ScenarioAttempt`; everything else uses the model.
    """

    id: int
    module_id: int
    version_id: int
    content_hash: str
    status: AttemptStatus
    step: int
    current_scene_id: str | None
    counters: dict[str, int]
    last_active_at: datetime | None
    active_seconds: int
    #: The learner's saved reflection answers in this attempt, by prompt id.
    journal: dict[str, SavedAnswer]
    #: Decisions recorded so far in this attempt (the scene page's "Decision 2 of up to 5").
    decisions_made: int = 0


def _position_from_rows(rows) -> Position | None:
    first = rows[0] if rows else None
    if first is None or first.id is None:  # no such attempt (or one row of None: see POSITION)
        return None
    journal = {row.prompt_id: SavedAnswer(row.answer, row.updated_at) for row in rows if row.prompt_id is not None}
    return Position(first.id, first.module_id, first.version_id, first.content_hash, first.status, first.step,
                    first.current_scene_id, first.counters, first.last_active_at, first.active_seconds, journal,
                    first.decisions_made)


# Counted in the position's own statement, so the scene page keeps its one query.
_DECISIONS_MADE = (select(func.count(Decision.id)).where(Decision.attempt_id == ScenarioAttempt.id)
                   .correlate(ScenarioAttempt).scalar_subquery().label("decisions_made"))


# One row per saved journal answer (or one row with none).
_POSITION = (select(ScenarioAttempt.id, ScenarioAttempt.module_id, ScenarioAttempt.version_id, ModuleVersion.content_hash,
                    ScenarioAttempt.status, ScenarioAttempt.step, ScenarioAttempt.current_scene_id,
                    ScenarioAttempt.counters, ScenarioAttempt.last_active_at, ScenarioAttempt.active_seconds,
                    JournalEntry.prompt_id, JournalEntry.answer, JournalEntry.updated_at, _DECISIONS_MADE)
             .join(ModuleVersion, ModuleVersion.id == ScenarioAttempt.version_id)
             .outerjoin(JournalEntry, JournalEntry.attempt_id == ScenarioAttempt.id)
             .where(ScenarioAttempt.id == bindparam("attempt_id"), ScenarioAttempt.user_id == bindparam("user_id")))

#: The position as the player's routes get it: in the same round trip as the signed-in
#: learner (``auth.access.login_required_with``), from the URL's ``attempt_id``.
POSITION = RowsWithUser(_POSITION, _position_from_rows)


def spec_at(position: Position) -> ModuleSpec:
    """The module as it was in the position's version."""
    return module_spec_by_id(position.version_id, position.content_hash)


def module_slug(module_id: int) -> str:
    return session.scalar(select(ContentModule.slug).where(ContentModule.id == module_id))


def spec_for(attempt: ScenarioAttempt) -> ModuleSpec:
    return module_spec(attempt.version)


def _touch(attempt: ScenarioAttempt, now: datetime) -> None:
    gap = now - attempt.last_active_at if attempt.last_active_at else timedelta(0)
    attempt.active_seconds += int(max(timedelta(0), min(gap, ACTIVE_GAP_CAP)).total_seconds())
    attempt.last_active_at = now


#: What the moves below work on: a position (the player's routes) or a loaded attempt.
Mover = Position | ScenarioAttempt


def _spec_of(attempt: Mover) -> ModuleSpec:
    return spec_at(attempt) if isinstance(attempt, Position) else spec_for(attempt)


def _claim_step(attempt: Mover, shown_step: int, decision: dict | None = None, **values) -> bool:
    """Move the attempt from ``shown_step`` to the next step, with its new position, atomically.

    One conditional UPDATE: two requests submitted from the same page (two tabs, a double
    click) cannot both apply, because the second finds the step already moved on. A loaded
    attempt is brought up to date; a position is a snapshot and stays as it was read.

    ``decision`` (the :class:`Decision` columns but ``attempt_id``) is recorded only when the
    claim succeeds. On PostgreSQL claim and decision are one statement (a data-modifying
    CTE), atomic without a transaction, which lets the moves run under ``@db.autocommit``
    (BEGIN and COMMIT are two of a choice's six round trips otherwise). SQLite can't nest
    an UPDATE in an INSERT; there the decision is a second statement in the request's
    transaction (SQLite's autocommit bind is the ordinary, transactional engine).
    """
    values["step"] = shown_step + 1
    parameters = {"attempt_id": attempt.id, "shown_step": shown_step, **values}
    if decision is not None and session.get_bind().dialect.name == "postgresql":
        parameters.update({f"decision_{key}": value for key, value in decision.items()})
        result = write(_claim_and_record_statement(tuple(values), tuple(decision)), parameters)
    else:
        result = write(_CLAIM_STEP, parameters)
        if decision is not None and result.rowcount == 1:
            # No savepoint needed: the claim made this request the only one that can write
            # this step (the unique (attempt, step) constraint stays as a backstop).
            write(_INSERT_DECISION, {"attempt_id": attempt.id, **decision})
    if isinstance(attempt, ScenarioAttempt):
        if result.rowcount != 1:
            session.refresh(attempt)
        else:
            for key, value in values.items():
                set_committed_value(attempt, key, value)  # already written: don't UPDATE again
    return result.rowcount == 1


# The SET clause comes from the values passed in (the new position).
_CLAIM_STEP = (ScenarioAttempt.__table__.update()
               .where(ScenarioAttempt.__table__.c.id == bindparam("attempt_id"),
                      ScenarioAttempt.__table__.c.step == bindparam("shown_step")))
_INSERT_DECISION = Decision.__table__.insert()


@functools.lru_cache(maxsize=16)  # one per set of columns a move sets (an ending sets more)
def _claim_and_record_statement(attempt_columns: tuple[str, ...], decision_columns: tuple[str, ...]):
    """``WITH claimed AS (UPDATE scenario_attempt ... RETURNING id) INSERT INTO decision
    SELECT ... FROM claimed``: inserts the decision only if the UPDATE claimed the step."""
    attempts, decisions = ScenarioAttempt.__table__, Decision.__table__
    claimed = (attempts.update()
               .where(attempts.c.id == bindparam("attempt_id"), attempts.c.step == bindparam("shown_step"))
               .values({name: bindparam(name, type_=attempts.c[name].type) for name in attempt_columns})
               .returning(attempts.c.id)
               .cte("claimed"))
    decision_values = [bindparam(f"decision_{name}", type_=decisions.c[name].type) for name in decision_columns]
    return (decisions.insert()
            .from_select(["attempt_id", *decision_columns], select(claimed.c.id, *decision_values))
            .add_cte(claimed)
            .execution_options(preserve_rowcount=True))  # SQLAlchemy drops an INSERT's row count otherwise


def _arrival(attempt: Mover, spec: ModuleSpec, state: State, now: datetime) -> dict:
    """Column values for arriving at ``state`` (the scene, counters, and an ending if it is one)."""
    gap = now - attempt.last_active_at if attempt.last_active_at else timedelta(0)
    values = {
        "current_scene_id": state.scene_id, "counters": dict(state.counters), "last_active_at": now,
        "active_seconds": attempt.active_seconds + int(max(timedelta(0), min(gap, ACTIVE_GAP_CAP)).total_seconds()),
    }
    if spec.scene(state.scene_id).kind == "ending":
        values.update(status=AttemptStatus.scenario_done, ending_scene_id=state.scene_id, scenario_finished_at=now)
    return values


def begin_scenario(attempt: Mover, shown_step: int, now: datetime) -> MoveResult:
    """Leave the introduction for the first scene."""
    if attempt.status != AttemptStatus.in_progress or attempt.current_scene_id is not None:
        return MoveResult(MoveOutcome.stale)
    spec = _spec_of(attempt)
    if shown_step != attempt.step or not _claim_step(attempt, shown_step, **_arrival(attempt, spec, start(spec), now)):
        return MoveResult(MoveOutcome.stale)
    return MoveResult(MoveOutcome.applied)


def parse_choice_key(key: str) -> tuple[str, int]:
    """``"scene-id.2"`` -> ("scene-id", 2); raises LearningError when malformed."""
    scene_id, _, index = (key or "").rpartition(".")
    if not scene_id or not index.isdigit():
        raise LearningError("That choice is not one of the options on this page. Choose one of the options shown.")
    return scene_id, int(index)


def make_choice(attempt: Mover, shown_step: int, shown_scene_id: str, choice_key: str,
                now: datetime) -> MoveResult:
    """Record a decision and move on.

    :param shown_step: the step the page was rendered at (a hidden field).
    :param shown_scene_id: the scene the page showed (a hidden field).
    :param choice_key: ``scene-id.index`` of the chosen option.
    :raises LearningError: for a choice that does not belong to the current scene (tampering);
        nothing is recorded.
    :returns: ``stale`` when the page was out of date (nothing recorded), else ``applied``.
    """
    if attempt.status != AttemptStatus.in_progress or shown_step != attempt.step \
            or shown_scene_id != attempt.current_scene_id:
        return MoveResult(MoveOutcome.stale)
    spec = _spec_of(attempt)
    scene = spec.scene(attempt.current_scene_id) if attempt.current_scene_id else None
    choice_scene, index = parse_choice_key(choice_key)
    if scene is None or scene.kind != "choices" or choice_scene != scene.id or index >= len(scene.choices):
        raise LearningError("That choice is not one of the options on this page. Choose one of the options shown.")
    state = choose(spec, State(scene.id, dict(attempt.counters)), index)
    choice = scene.choices[index]
    decision = {"step": shown_step, "scene_id": scene.id, "choice_index": index, "judgement": choice.judgement,
                "target_scene_id": state.scene_id, "counters_after": dict(state.counters), "created_at": now}
    if not _claim_step(attempt, shown_step, decision, **_arrival(attempt, spec, state, now)):
        return MoveResult(MoveOutcome.stale)
    signals.decision_recorded.send(current_app._get_current_object(), attempt_id=attempt.id, step=shown_step, scene_id=scene.id,
                                   choice_index=index, judgement=choice.judgement, now=now)
    return MoveResult(MoveOutcome.applied, decision_step=shown_step)


def continue_junction(attempt: Mover, shown_step: int, shown_scene_id: str, now: datetime) -> MoveResult:
    """Leave a junction that had text to read."""
    if attempt.status != AttemptStatus.in_progress or shown_step != attempt.step \
            or shown_scene_id != attempt.current_scene_id:
        return MoveResult(MoveOutcome.stale)
    spec = _spec_of(attempt)
    scene = spec.scene(attempt.current_scene_id)
    if scene.kind != "junction":
        raise LearningError("There is nothing to continue from here.")
    state = continue_from_junction(spec, State(scene.id, dict(attempt.counters)))
    if not _claim_step(attempt, shown_step, **_arrival(attempt, spec, state, now)):
        return MoveResult(MoveOutcome.stale)
    return MoveResult(MoveOutcome.applied)


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
    entry = session.scalar(select(JournalEntry).where(JournalEntry.attempt_id == attempt.id,
                                                      JournalEntry.prompt_id == prompt_id))
    if entry is None:
        entry = JournalEntry(user_id=attempt.user_id, attempt_id=attempt.id, module_id=attempt.module_id,
                             prompt_id=prompt_id, scene_id=scene.id, prompt_text=plain_text(callout.html),
                             answer=answer, created_at=now, updated_at=now)
        session.add(entry)
    else:
        entry.answer, entry.updated_at = answer, now
    _touch(attempt, now)
    session.flush()
    return entry


def final_reflection_for(attempt: ScenarioAttempt) -> FinalReflection | None:
    return session.scalar(select(FinalReflection).where(FinalReflection.attempt_id == attempt.id))


def save_final_reflection(attempt: ScenarioAttempt, what_learned: str, impact: str, now: datetime) -> FinalReflection:
    """Save the two CPD questions; editable later, even after completion."""
    what_learned, impact = (what_learned or "").strip(), (impact or "").strip()
    if not what_learned or not impact:
        raise LearningError("Answer both questions: what you learned, and how it will change your practice.")
    if max(len(what_learned), len(impact)) > REFLECTION_MAX_CHARS:
        raise LearningError(f"Keep each answer under {REFLECTION_MAX_CHARS:,} characters.")
    reflection = final_reflection_for(attempt)
    if reflection is None:
        reflection = FinalReflection(user_id=attempt.user_id, attempt_id=attempt.id, what_learned=what_learned,
                                     impact_on_practice=impact, created_at=now, updated_at=now)
        session.add(reflection)
    else:
        reflection.what_learned, reflection.impact_on_practice, reflection.updated_at = what_learned, impact, now
    _touch(attempt, now)
    session.flush()
    return reflection


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
    attempt.status = AttemptStatus.completed
    session.flush()
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
