"""The player: where a learner is in a scenario (a :class:`Position`) and their moves through it.

The scene page and the moves (begin, choose, continue) are the most requested pages in the
product, so they work on plain values read in one statement with the signed-in learner
(:data:`POSITION`, through ``auth.access.login_required_with``), never ORM objects, and each
move is one atomic write (``db.TransactionMode.single_write``). Every form carries the step
it was shown at; a move claims that step with a conditional UPDATE, so a back button, a
second tab or a double click can never apply twice (the move is then ``stale``). See
docs/performance.md for what this buys and docs/architecture.md for the rules.

The spec (the module as its version was published) is looked up once by the route and
passed to every function here.
"""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, select

from .. import signals
from ..auth.services import RowsWithUser
from ..authoring.models import ModuleVersion
from ..authoring.services import module_spec_by_id
from ..content import ModuleSpec, State, choose, continue_from_junction, start
from ..db import claim_then_insert, session, write
from .models import AttemptStatus, Decision, JournalEntry, ScenarioAttempt
from .services import LearningError, active_seconds_after


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


STALE = MoveResult(MoveOutcome.stale)


@dataclass(frozen=True)
class SavedAnswer:
    """A learner's saved answer to a reflection prompt, as the scene page shows it."""

    answer: str
    updated_at: datetime


@dataclass(frozen=True)
class Position:
    """Where a learner is in an attempt: everything the scene page shows, as plain values.

    A snapshot: a move writes the new position and the next page reads it again.
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
    #: Facts established and scenes visited so far (conditional passages read them).
    facts: frozenset[str] = frozenset()
    visited: frozenset[str] = frozenset()

    def state(self) -> State:
        """The engine's state at this position (at a scene)."""
        return State(self.current_scene_id or "", dict(self.counters), self.facts, self.visited)


def _position_from_rows(rows) -> Position | None:
    first = rows[0] if rows else None
    if first is None or first.id is None:  # no such attempt (or one row of None: see POSITION)
        return None
    journal = {row.prompt_id: SavedAnswer(row.answer, row.updated_at) for row in rows if row.prompt_id is not None}
    return Position(first.id, first.module_id, first.version_id, first.content_hash, first.status, first.step,
                    first.current_scene_id, first.counters, first.last_active_at, first.active_seconds, journal,
                    first.decisions_made, frozenset(first.facts or ()), frozenset(first.visited or ()))


# Counted in the position's own statement, so the scene page keeps its one query.
_DECISIONS_MADE = (select(func.count(Decision.id)).where(Decision.attempt_id == ScenarioAttempt.id)
                   .correlate(ScenarioAttempt).scalar_subquery().label("decisions_made"))

# One row per saved journal answer (or one row with none).
_POSITION = (select(ScenarioAttempt.id, ScenarioAttempt.module_id, ScenarioAttempt.version_id, ModuleVersion.content_hash,
                    ScenarioAttempt.status, ScenarioAttempt.step, ScenarioAttempt.current_scene_id,
                    ScenarioAttempt.counters, ScenarioAttempt.last_active_at, ScenarioAttempt.active_seconds,
                    ScenarioAttempt.facts, ScenarioAttempt.visited, JournalEntry.prompt_id, JournalEntry.answer,
                    JournalEntry.updated_at, _DECISIONS_MADE)
             .join(ModuleVersion, ModuleVersion.id == ScenarioAttempt.version_id)
             .outerjoin(JournalEntry, JournalEntry.attempt_id == ScenarioAttempt.id)
             .where(ScenarioAttempt.id == bindparam("attempt_id"), ScenarioAttempt.user_id == bindparam("user_id")))

#: The position as the player's routes get it: in the same round trip as the signed-in
#: learner (``auth.access.login_required_with``), from the URL's ``attempt_id``.
POSITION = RowsWithUser(_POSITION, _position_from_rows)


def position_of(user_id: int, attempt_id: int) -> Position | None:
    """The learner's position in their attempt, read on its own (commands, tests, benchmarks)."""
    return _position_from_rows(session.execute(_POSITION, {"user_id": user_id, "attempt_id": attempt_id}).all())


def spec_at(position: Position) -> ModuleSpec:
    """The module as it was in the position's version (decoded once per worker)."""
    return module_spec_by_id(position.version_id, position.content_hash)


# --- moves ---------------------------------------------------------------------------------

def begin(position: Position, spec: ModuleSpec, shown_step: int, now: datetime) -> MoveResult:
    """Leave the introduction for the first scene."""
    if position.status != AttemptStatus.in_progress or position.current_scene_id is not None \
            or shown_step != position.step:
        return STALE
    if not _claim(position, shown_step, _arrival(position, spec, start(spec), now)):
        return STALE
    return MoveResult(MoveOutcome.applied)


def parse_choice_key(key: str) -> tuple[str, int]:
    """``"scene-id.2"`` -> ("scene-id", 2); raises LearningError when malformed."""
    scene_id, _, index = (key or "").rpartition(".")
    if not scene_id or not index.isdigit():
        raise LearningError("That choice is not one of the options on this page. Choose one of the options shown.")
    return scene_id, int(index)


def make_choice(position: Position, spec: ModuleSpec, shown_step: int, shown_scene_id: str, choice_key: str,
                now: datetime) -> MoveResult:
    """Record a decision and move on.

    :param shown_step: the step the page was rendered at (a hidden field).
    :param shown_scene_id: the scene the page showed (a hidden field).
    :param choice_key: ``scene-id.index`` of the chosen option.
    :raises LearningError: for a choice that does not belong to the current scene (tampering);
        nothing is recorded.
    :returns: ``stale`` when the page was out of date (nothing recorded), else ``applied``.
    """
    if position.status != AttemptStatus.in_progress or shown_step != position.step \
            or shown_scene_id != position.current_scene_id:
        return STALE
    scene = spec.scene(position.current_scene_id) if position.current_scene_id else None
    choice_scene, index = parse_choice_key(choice_key)
    if scene is None or scene.kind != "choices" or choice_scene != scene.id or index >= len(scene.choices):
        raise LearningError("That choice is not one of the options on this page. Choose one of the options shown.")
    state = choose(spec, position.state(), index)
    choice = scene.choices[index]
    decision = {"attempt_id": position.id, "step": shown_step, "scene_id": scene.id, "choice_index": index,
                "judgement": choice.judgement, "target_scene_id": state.scene_id,
                "counters_after": dict(state.counters), "facts_after": sorted(state.facts),
                "visited_after": sorted(state.visited), "created_at": now}
    if not _claim(position, shown_step, _arrival(position, spec, state, now), decision):
        return STALE
    signals.decision_recorded.send(current_app._get_current_object(), attempt_id=position.id, step=shown_step,
                                   scene_id=scene.id, choice_index=index, judgement=choice.judgement, now=now)
    return MoveResult(MoveOutcome.applied, decision_step=shown_step)


def continue_junction(position: Position, spec: ModuleSpec, shown_step: int, shown_scene_id: str,
                      now: datetime) -> MoveResult:
    """Leave a junction that had text to read."""
    if position.status != AttemptStatus.in_progress or shown_step != position.step \
            or shown_scene_id != position.current_scene_id:
        return STALE
    scene = spec.scene(position.current_scene_id)
    if scene.kind != "junction":
        raise LearningError("There is nothing to continue from here.")
    state = continue_from_junction(spec, position.state())
    if not _claim(position, shown_step, _arrival(position, spec, state, now)):
        return STALE
    return MoveResult(MoveOutcome.applied)


def _arrival(position: Position, spec: ModuleSpec, state: State, now: datetime) -> dict:
    """Column values for arriving at ``state`` (the scene, counters, facts, visited scenes, and
    an ending if it is one)."""
    values = {"current_scene_id": state.scene_id, "counters": dict(state.counters), "facts": sorted(state.facts),
              "visited": sorted(state.visited), "last_active_at": now,
              "active_seconds": active_seconds_after(position.last_active_at, position.active_seconds, now)}
    if spec.scene(state.scene_id).kind == "ending":
        values.update(status=AttemptStatus.scenario_done, ending_scene_id=state.scene_id, scenario_finished_at=now)
    return values


def _claim(position: Position, shown_step: int, values: dict, decision: dict | None = None) -> bool:
    """Move the attempt from ``shown_step`` to the next step with its new ``values``, atomically,
    recording ``decision`` (the :class:`Decision` columns) only if the claim succeeds."""
    values = {**values, "step": shown_step + 1}
    parameters = {"attempt_id": position.id, "shown_step": shown_step, **values}
    claim = _claim_statement(tuple(values))
    if decision is None:
        return write(claim, parameters).rowcount == 1
    return claim_then_insert(claim, parameters, Decision.__table__, decision)


@functools.lru_cache(maxsize=16)  # one per set of columns a move sets (an ending sets more)
def _claim_statement(columns: tuple[str, ...]):
    attempts = ScenarioAttempt.__table__
    return (attempts.update()
            .where(attempts.c.id == bindparam("attempt_id"), attempts.c.step == bindparam("shown_step"))
            .values({name: bindparam(name, type_=attempts.c[name].type) for name in columns}))


def feedback_state(decision) -> State:
    """The state right after a recorded decision (its feedback's passages are read with it)."""
    return State(decision.target_scene_id, dict(decision.counters_after), frozenset(decision.facts_after or ()),
                 frozenset(decision.visited_after or ()))


def final_state(attempt) -> State:
    """The state of a finished attempt at its ending (the ending's and the debrief's passages)."""
    return State(attempt.ending_scene_id or "", dict(attempt.counters), frozenset(attempt.facts or ()),
                 frozenset(attempt.visited or ()))
