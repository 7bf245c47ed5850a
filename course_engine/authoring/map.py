"""The drawing of the authors' scene map: scenes laid out left to right by distance from the
start, with the links between them. What is reachable and what can end comes from
``content.graph``; this module only places boxes and lines."""
from __future__ import annotations

from dataclasses import dataclass

from ..content import ModuleSpec
from ..content.graph import SceneGraph


def condition_text(route) -> str:
    """``risk >= 2 and trust >= 1``, or ``otherwise``."""
    return " and ".join(f"{name} {op} {value}" for name, op, value in route.conditions) or "otherwise"


@dataclass
class SvgLayout:
    """Positions for the optional drawing of the map: columns by distance from the start."""

    width: int
    height: int
    nodes: dict[str, tuple[int, int]]
    edges: list[tuple[str, str, bool]]


NODE_W, NODE_H, GAP_X, GAP_Y = 150, 40, 60, 20


def layout_graph(module: ModuleSpec, graph: SceneGraph, recommended: list | None) -> SvgLayout:
    """Lay scenes out left to right by BFS depth; unreachable scenes go in a last column."""
    last = max(graph.depth.values(), default=-1) + 1
    columns: dict[int, list[str]] = {}
    for scene in module.scenes:
        columns.setdefault(graph.depth.get(scene.id, last), []).append(scene.id)
    nodes = {}
    for col, ids in sorted(columns.items()):
        for row, sid in enumerate(ids):
            nodes[sid] = (10 + col * (NODE_W + GAP_X), 10 + row * (NODE_H + GAP_Y))
    on_path = set()
    if recommended:
        for (a, _), (b, _) in zip(recommended, recommended[1:]):
            on_path.add((a.id, b.id))
    edges = []
    for scene in module.scenes:
        targets = {c.target for c in scene.choices} | {r.target for r in scene.routes}
        for target in sorted(targets):
            if target in nodes:
                edges.append((scene.id, target, (scene.id, target) in on_path))
    width = 20 + (max(columns, default=0) + 1) * (NODE_W + GAP_X)
    height = 20 + max((len(v) for v in columns.values()), default=1) * (NODE_H + GAP_Y)
    return SvgLayout(width, height, nodes, edges)
