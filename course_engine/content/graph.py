"""A module's scenes as a graph: which scenes can be reached, which can still end.

One reachability search serves both the check (``check_graph``: every scene reachable,
an ending reachable from every scene, no silent junction loops) and the authors' scene
map (``analyse``). Every choice and route counts as possible, whatever the counters.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from .problems import ProblemList
from .specs import ModuleSpec, SceneSpec


def targets_of(scene: SceneSpec) -> list[str]:
    """Where a scene leads: its choices' and routes' targets, in order (may name no scene)."""
    return [c.target for c in scene.choices] + [r.target for r in scene.routes]


def distances_from(start: str, edges: dict[str, list[str]]) -> dict[str, int]:
    """Breadth-first distance of every scene reachable from ``start`` (``start`` itself: 0)."""
    depth = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in edges.get(current, ()):
            if nxt not in depth:
                depth[nxt] = depth[current] + 1
                queue.append(nxt)
    return depth


def can_reach(goals: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    """Every scene from which one of ``goals`` can be reached (the goals included)."""
    reverse: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    found = set(goals)
    queue = deque(found)
    while queue:
        for previous in reverse.get(queue.popleft(), ()):
            if previous not in found:
                found.add(previous)
                queue.append(previous)
    return found


@dataclass
class SceneGraph:
    """What the scene map shows about a module."""

    #: Breadth-first distance from the start of every reachable scene.
    depth: dict[str, int]
    #: Scenes from which some ending can be reached.
    can_end: set[str]
    #: Targets of choices and routes that name no scene, per scene.
    missing: dict[str, list[str]]

    @property
    def reachable(self) -> set[str]:
        return set(self.depth)

    def unreachable(self, scene: SceneSpec) -> bool:
        return scene.id not in self.depth

    def dead_end(self, scene: SceneSpec) -> bool:
        return scene.kind != "ending" and scene.id not in self.can_end


def analyse(module: ModuleSpec) -> SceneGraph:
    """Reachability from the start and which scenes can still end (for the scene map)."""
    ids = {s.id for s in module.scenes}
    edges = {s.id: [t for t in targets_of(s) if t in ids] for s in module.scenes}
    missing = {s.id: [t for t in targets_of(s) if t not in ids] for s in module.scenes}
    depth = distances_from(module.start, edges) if module.start in ids else {}
    can_end = can_reach((s.id for s in module.scenes if s.kind == "ending"), edges)
    return SceneGraph(depth, can_end, missing)


def check_graph(scenes: list[tuple[SceneSpec, int]], meta: dict | None, p: ProblemList, *, start_line: int,
                broken: bool) -> str | None:
    """The checks on the scenes as a graph; returns the id of the first scene.

    :param start_line: the line of the ``start:`` setting (for its error).
    :param broken: a choice or route could not be read, so reachability would mislead: skip it.
    """
    if not scenes:
        p.error(
            1,
            "no-scenes",
            "The module has no scenes. Add at least one '## Title {#scene-id}' heading.",
        )
        return None
    by_id: dict[str, SceneSpec] = {}
    for scene, _ in scenes:
        if scene.id in by_id:
            p.error(
                scene.line,
                "duplicate-scene",
                f"The scene id '{scene.id}' is also used on line {by_id[scene.id].line}. "
                "Each scene needs its own id.",
            )
        else:
            by_id[scene.id] = scene
    start = scenes[0][0].id
    requested = meta.get("start") if meta else None
    if requested is not None:
        if requested in by_id:
            start = requested
        else:
            p.error(
                start_line,
                "start-missing",
                f"'start: {requested}' names a scene that does not exist. Use the id of a "
                "scene heading, or remove 'start:' to begin at the first scene.",
            )
    counters = meta["counters"] if meta else {}
    edges: dict[str, list[str]] = {sid: [] for sid in by_id}
    for scene, _ in scenes:
        seen_text: dict[str, int] = {}
        for choice in scene.choices:
            if choice.text in seen_text:
                p.error(
                    choice.line,
                    "duplicate-choice",
                    f"Scene '{scene.id}' offers the choice '{choice.text}' twice (also on "
                    f"line {seen_text[choice.text]}). Reword or remove one.",
                )
            else:
                seen_text[choice.text] = choice.line
            if choice.target not in by_id:
                p.error(
                    choice.line,
                    "choice-target-missing",
                    f"Choice '{choice.text}' leads to scene '{choice.target}', which does "
                    "not exist. Check the id after '->' matches a scene heading's {#id}.",
                )
            else:
                edges[scene.id].append(choice.target)
            for counter, _op, _n in choice.effects:
                if counter not in counters:
                    p.error(
                        choice.line,
                        "unknown-counter",
                        f"Choice '{choice.text}' changes the counter '{counter}', which is "
                        "not listed under 'counters:' at the top. Add it there with a "
                        "starting value, or fix the spelling.",
                    )
        if scene.kind == "junction":
            otherwise_seen = False
            for route in scene.routes:
                if otherwise_seen:
                    p.error(
                        route.line,
                        "route-after-otherwise",
                        "This route comes after '-> otherwise' so it can never be used. "
                        "Move '-> otherwise' to the end.",
                    )
                if route.is_otherwise:
                    otherwise_seen = True
                if route.target not in by_id:
                    p.error(
                        route.line,
                        "route-target-missing",
                        f"The route leads to scene '{route.target}', which does not exist. "
                        "Check the id after ':' matches a scene heading's {#id}.",
                    )
                else:
                    edges[scene.id].append(route.target)
                for counter, _op, _n in route.conditions:
                    if counter not in counters:
                        p.error(
                            route.line,
                            "unknown-counter",
                            f"The route tests the counter '{counter}', which is not "
                            "listed under 'counters:' at the top. Add it there with a "
                            "starting value, or fix the spelling.",
                        )
            if not otherwise_seen:
                p.error(
                    scene.routes[-1].line,
                    "junction-no-otherwise",
                    f"Junction scene '{scene.id}' has no '-> otherwise: scene-id' line, so "
                    "learners could get stuck. Add it as the last route.",
                )
    if broken:
        return start  # a choice or route could not be read: graph checks would mislead
    reached = distances_from(start, edges)
    for sid, scene in by_id.items():
        if sid not in reached:
            p.error(
                scene.line,
                "scene-unreachable",
                f"No choice or route leads to scene '{sid}', so learners can never see "
                "it. Point a choice or route at it, or delete it.",
            )
    endings = [sid for sid, s in by_id.items() if s.kind == "ending"]
    if not endings:
        p.error(
            1,
            "no-endings",
            "The module has no ending. Add at least one scene with 'ending: safe', "
            "'ending: partly-safe' or 'ending: unsafe' under its heading.",
        )
        return start
    if len(endings) == 1:
        p.warning(
            by_id[endings[0]].line,
            "one-ending",
            "The module has only one ending, so choices make no difference to the outcome. "
            "Consider adding another ending.",
        )
    can_end = can_reach(endings, edges)
    for sid, scene in by_id.items():
        stuck = scene.kind == "choices" and not scene.choices  # reported as scene-no-exit
        if sid in reached and sid not in can_end and scene.kind != "ending" and not stuck:
            p.error(
                scene.line,
                "no-way-to-end",
                f"From scene '{sid}' no ending can be reached: every way on loops back. "
                "Make at least one choice or route lead towards an ending.",
            )
    # Junctions without text that route to each other forever.
    silent = {
        sid for sid, s in by_id.items() if s.kind == "junction" and not s.has_text
    }
    for sid in silent:
        stack, seen = [sid], set()
        while stack:
            cur = stack.pop()
            for t in edges[cur]:
                if t == sid:
                    p.error(
                        by_id[sid].line,
                        "junction-loop",
                        f"Junction '{sid}' can route back to itself through other "
                        "junctions without showing anything, which would loop forever. "
                        "Give one of them some text or route to a scene with choices.",
                    )
                    stack = []
                    break
                if t in silent and t not in seen:
                    seen.add(t)
                    stack.append(t)
    return start
