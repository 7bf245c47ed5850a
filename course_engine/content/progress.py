"""How many decisions a module asks for: "Decision 2 of up to 5" on the scene page.

Worked out from the module's scene graph once per decoded module (the result is kept on the
spec, which the player decodes once per worker), never per request. Every choice and every
junction route counts as possible whatever the counters, so the most is an upper bound: a
path the counters rule out may be counted, which is why the page says "up to".
"""
from __future__ import annotations

from dataclasses import dataclass

from .graph import targets_of
from .specs import ModuleSpec


@dataclass(frozen=True)
class DecisionCount:
    """The fewest and the most decisions on a path from the start to an ending."""

    fewest: int
    most: int


_UNSET = object()


def decision_count(module: ModuleSpec) -> DecisionCount | None:
    """The fewest and most decisions (scenes with choices) on any path from the start to an
    ending; None when a loop of scenes makes the most unbounded (the page then shows only
    "Decision 2"). Cached on the spec object."""
    cached = module.__dict__.get("_decision_count", _UNSET)
    if cached is _UNSET:
        cached = _count(module)
        object.__setattr__(module, "_decision_count", cached)  # frozen: as ModuleSpec.scene() does
    return cached


def _count(module: ModuleSpec) -> DecisionCount | None:
    scenes = {s.id: s for s in module.scenes}
    if module.start not in scenes:
        return None
    edges = {sid: [t for t in targets_of(s) if t in scenes] for sid, s in scenes.items()}
    done: dict[str, tuple[int, int] | None] = {}
    visiting: set[str] = set()
    # Depth-first with an explicit stack (modules may be deep): (scene, children pushed yet?).
    stack = [(module.start, False)]
    while stack:
        sid, expanded = stack.pop()
        if sid in done:
            continue
        if not expanded:
            if sid in visiting:
                return None  # a loop
            visiting.add(sid)
            stack.append((sid, True))
            for nxt in edges[sid]:
                if nxt not in done:
                    if nxt in visiting:
                        return None
                    stack.append((nxt, False))
            continue
        visiting.discard(sid)
        scene = scenes[sid]
        own = 1 if scene.kind == "choices" else 0
        if scene.kind == "ending":
            done[sid] = (0, 0)
            continue
        below = [done[n] for n in edges[sid] if done.get(n) is not None]
        done[sid] = (own + min(b[0] for b in below), own + max(b[1] for b in below)) if below else None
    found = done.get(module.start)
    return DecisionCount(*found) if found else None
