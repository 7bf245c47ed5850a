"""The scenario state machine: pure functions over a ``ModuleSpec`` and a ``State``.

A learner is always at a scene the player can show: a scene with choices, a junction with
text (shown with a Continue button) or an ending. Junctions without text are passed through.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field

from .specs import JUDGEMENT_RANK, ModuleSpec, RouteSpec, SceneSpec, shown_html

_OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class EngineError(ValueError):
    """A move that the module does not allow (bad choice index, not at a junction, ...)."""


@dataclass(frozen=True)
class State:
    """Where a learner is, the value of every counter, the facts established and the scenes
    visited so far on this attempt (the scene they are at included)."""

    scene_id: str
    counters: dict[str, int] = field(default_factory=dict)
    facts: frozenset[str] = frozenset()
    visited: frozenset[str] = frozenset()

    def key(self) -> tuple:
        return (self.scene_id, tuple(sorted(self.counters.items())), self.facts, self.visited)

    def to_dict(self) -> dict:
        return {"scene_id": self.scene_id, "counters": dict(self.counters),
                "facts": sorted(self.facts), "visited": sorted(self.visited)}

    @classmethod
    def from_dict(cls, data: dict) -> State:
        return cls(data["scene_id"], dict(data["counters"]), frozenset(data.get("facts", ())),
                   frozenset(data.get("visited", ())))

    def arrive(self, scene: SceneSpec, counters: dict[str, int] | None = None,
               facts: Iterable[str] = ()) -> State:
        """The state on arriving at ``scene``: it counts as visited and establishes its facts.

        :param counters: the counters after the move (default: unchanged).
        :param facts: facts the move itself established (a choice's ``establishes``).
        """
        return State(scene.id, self.counters if counters is None else counters,
                     self.facts.union(facts, scene.establishes), self.visited | {scene.id})

    def sees(self, html: str, passages) -> str:
        """The HTML of a text (a scene's, the debrief, a feedback) that this learner sees."""
        return shown_html(html, passages, self.counters, self.facts, self.visited)


@dataclass(frozen=True)
class PathResult:
    """One complete path: the ``(scene_id, choice_index | None)`` steps shown to the learner,
    the ending reached and the counters at the end."""

    steps: tuple[tuple[str, int | None], ...]
    ending: str
    counters: dict[str, int]


class PathLimitError(EngineError):
    """``all_paths`` found more paths (or states) than its limit."""


def conditions_hold(route: RouteSpec, counters: dict[str, int]) -> bool:
    """True if every condition of the route holds (always true for ``otherwise``)."""
    return all(_OPS[op](counters.get(name, 0), value) for name, op, value in route.conditions)


def route_target(scene: SceneSpec, counters: dict[str, int]) -> str:
    """The scene a junction leads to with these counters."""
    for route in scene.routes:
        if conditions_hold(route, counters):
            return route.target
    raise EngineError(f"junction {scene.id!r} has no route for {counters!r}")


def apply_effects(effects, counters: dict[str, int]) -> dict[str, int]:
    """Return new counters after ``(counter, op, amount)`` effects."""
    new = dict(counters)
    for name, op, amount in effects:
        if op == "+":
            new[name] = new.get(name, 0) + amount
        elif op == "-":
            new[name] = new.get(name, 0) - amount
        else:
            new[name] = amount
    return new


def _settle(module: ModuleSpec, state: State) -> State:
    """Pass through junctions with no text until reaching a scene to show."""
    seen = set()
    while True:
        scene = module.scene(state.scene_id)
        if scene.kind != "junction" or scene.has_text:
            return state
        if state.scene_id in seen:
            raise EngineError(f"junctions loop at {state.scene_id!r}")
        seen.add(state.scene_id)
        state = state.arrive(module.scene(route_target(scene, state.counters)))


def start(module: ModuleSpec) -> State:
    """The state at the beginning of the module."""
    return _settle(module, State("", dict(module.counters)).arrive(module.scene(module.start)))


def choose(module: ModuleSpec, state: State, choice_index: int) -> State:
    """Apply a choice: its effects, then move to its target (passing text-less junctions)."""
    scene = module.scene(state.scene_id)
    if scene.kind != "choices":
        raise EngineError(f"scene {scene.id!r} has no choices")
    if not 0 <= choice_index < len(scene.choices):
        raise EngineError(f"scene {scene.id!r} has no choice {choice_index}")
    choice = scene.choices[choice_index]
    return _settle(module, state.arrive(module.scene(choice.target), apply_effects(choice.effects, state.counters),
                                        choice.establishes))


def continue_from_junction(module: ModuleSpec, state: State) -> State:
    """Leave a junction that has text (the learner pressed Continue)."""
    scene = module.scene(state.scene_id)
    if scene.kind != "junction":
        raise EngineError(f"scene {scene.id!r} is not a junction")
    return _settle(module, state.arrive(module.scene(route_target(scene, state.counters))))


def is_finished(module: ModuleSpec, state: State) -> bool:
    return module.scene(state.scene_id).kind == "ending"


def best_choice(scene: SceneSpec) -> int:
    """Index of the choice with the best judgement; the first listed wins ties."""
    return min(
        range(len(scene.choices)),
        key=lambda i: (JUDGEMENT_RANK.get(scene.choices[i].judgement, 99), i),
    )


def recommended_path(module: ModuleSpec) -> list[tuple[str, int | None]]:
    """The path taking the best-judged choice everywhere, as ``(scene_id, choice_index)``
    pairs; junctions with text and the ending have ``None``.

    Raises ``EngineError`` if it loops without reaching an ending.
    """
    state = start(module)
    steps: list[tuple[str, int | None]] = []
    seen = set()
    while True:
        if state.key() in seen:
            raise EngineError(f"the recommended path loops at {state.scene_id!r}")
        seen.add(state.key())
        scene = module.scene(state.scene_id)
        if scene.kind == "ending":
            steps.append((scene.id, None))
            return steps
        if scene.kind == "junction":
            steps.append((scene.id, None))
            state = continue_from_junction(module, state)
            continue
        idx = best_choice(scene)
        steps.append((scene.id, idx))
        state = choose(module, state, idx)


def all_paths(module: ModuleSpec, limit: int = 100000) -> list[PathResult]:
    """Every path from the start to an ending, following counters exactly.

    A path that revisits a (scene, counters) state is a cycle and is not extended. Raises
    ``PathLimitError`` if more than ``limit`` paths or states are explored.
    """
    results: list[PathResult] = []
    explored = 0
    first = start(module)
    stack: list[tuple[State, tuple, frozenset]] = [(first, (), frozenset([first.key()]))]
    while stack:
        state, steps, on_path = stack.pop()
        explored += 1
        if explored > limit or len(results) > limit:
            raise PathLimitError(f"more than {limit} paths or states")
        scene = module.scene(state.scene_id)
        if scene.kind == "ending":
            results.append(PathResult(steps + ((scene.id, None),), scene.id, dict(state.counters)))
            continue
        if scene.kind == "junction":
            moves = [(None, continue_from_junction(module, state))]
        else:
            moves = [(i, choose(module, state, i)) for i in range(len(scene.choices))]
        for idx, nxt in reversed(moves):
            key = nxt.key()
            if key in on_path:
                continue
            stack.append((nxt, steps + ((scene.id, idx),), on_path | {key}))
    return results
