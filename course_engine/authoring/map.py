"""The drawing of the authors' scene map: scenes laid out left to right by distance from the
start, with the links between them routed around the boxes.

What is reachable and what can end comes from ``content.graph``; this module only places
boxes and lines. Boxes sit in columns with empty corridors between them and empty lanes
between rows, and every link runs only along those: out of its scene's right side into the
corridor, along a lane when it has to pass other columns or go back, and into its target's
left side through the corridor before it. So no line ever crosses a box, every arrow enters
its target from the left, and a link back to an earlier scene reads the right way (it is
dashed, and the legend says so).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..content import ModuleSpec
from ..content.graph import SceneGraph

NODE_W, NODE_H, GAP_X, GAP_Y = 170, 52, 90, 36
MARGIN = GAP_X // 2 + 10
#: Characters of a scene id on one line of its box (two lines at most; longer ids end in …).
LINE_CHARS = 21


def condition_text(route) -> str:
    """``risk >= 2 and trust >= 1``, or ``otherwise``."""
    return " and ".join(f"{name} {op} {value}" for name, op, value in route.conditions) or "otherwise"


def wrap_label(text: str, width: int = LINE_CHARS, lines: int = 2) -> list[str]:
    """A scene id on at most ``lines`` lines of ``width`` characters, broken after hyphens
    where possible; what does not fit ends in '…' (the full id is the box's tooltip)."""
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        if len(rest) <= width:
            out.append(rest)
            rest = ""
            break
        cut = rest.rfind("-", 0, width) + 1 or width
        out.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        out[-1] = out[-1][: width - 1] + "…"
    return out


@dataclass
class Edge:
    """One link drawn as a polyline (``points``) from ``source`` to ``target``."""

    source: str
    target: str
    recommended: bool
    back: bool
    points: list[tuple[int, int]] = field(default_factory=list)

    @property
    def d(self) -> str:
        first, *rest = self.points
        return f"M {first[0]} {first[1]} " + " ".join(f"L {x} {y}" for x, y in rest)


@dataclass
class SvgLayout:
    """Positions for the drawing of the map: columns by distance from the start."""

    width: int
    height: int
    #: Top-left corner of each scene's box.
    nodes: dict[str, tuple[int, int]]
    edges: list[Edge]
    labels: dict[str, list[str]]


def layout_graph(module: ModuleSpec, graph: SceneGraph, recommended: list | None) -> SvgLayout:
    """Lay scenes out left to right by BFS depth (unreachable scenes in a last column) and
    route every link along the corridors between columns and the lanes between rows."""
    last = max(graph.depth.values(), default=-1) + 1
    columns: dict[int, list[str]] = {}
    for scene in module.scenes:
        columns.setdefault(graph.depth.get(scene.id, last), []).append(scene.id)
    col_of, row_of, nodes = {}, {}, {}
    for col, ids in sorted(columns.items()):
        for row, sid in enumerate(ids):
            col_of[sid], row_of[sid] = col, row
            nodes[sid] = (MARGIN + col * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y))
    rows = max((len(v) for v in columns.values()), default=1)
    on_path = set()
    if recommended:
        for (a, _), (b, _) in zip(recommended, recommended[1:]):
            on_path.add((a.id, b.id))
    pairs = []
    for scene in module.scenes:
        targets = dict.fromkeys(c.target for c in scene.choices) | dict.fromkeys(r.target for r in scene.routes)
        pairs += [(scene.id, t) for t in targets if t in nodes]
    # Spread the links that share a corridor or a lane so they stay apart.
    corridor_use: dict[int, int] = {}
    lane_use: dict[int, int] = {}

    def corridor_x(col: int) -> int:
        """x of a fresh track in the corridor to the right of column ``col`` (-1: the margin)."""
        n = corridor_use.get(col, 0)
        corridor_use[col] = n + 1
        base = MARGIN + (col + 1) * (NODE_W + GAP_X) - GAP_X // 2
        return base + _spread(n, GAP_X // 2 - 6)

    def lane_y(boundary: int) -> int:
        """y of a fresh track in the lane above row ``boundary`` (``rows``: below the last row)."""
        n = lane_use.get(boundary, 0)
        lane_use[boundary] = n + 1
        base = MARGIN + boundary * (NODE_H + GAP_Y) - GAP_Y // 2
        return base + _spread(n, GAP_Y // 2 - 4)

    edges = []
    for source, target in pairs:
        sx, sy = nodes[source]
        tx, ty = nodes[target]
        start = (sx + NODE_W, sy + NODE_H // 2 + _spread(corridor_use.get(col_of[source], 0) % 5, NODE_H // 2 - 8))
        end_y = ty + NODE_H // 2
        back = col_of[target] <= col_of[source]
        out_x = corridor_x(col_of[source])
        points = [start, (out_x, start[1])]
        if col_of[target] == col_of[source] + 1:
            points += [(out_x, end_y), (tx, end_y)]
        else:
            boundary = min(row_of[source] + 1, rows) if back or row_of[target] > row_of[source] \
                else row_of[source]
            lane = lane_y(boundary)
            in_x = corridor_x(col_of[target] - 1)
            points += [(out_x, lane), (in_x, lane), (in_x, end_y), (tx, end_y)]
        edges.append(Edge(source, target, (source, target) in on_path, back, _simplify(points)))
    width = 2 * MARGIN + (max(columns, default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    height = 2 * MARGIN + rows * (NODE_H + GAP_Y) - GAP_Y
    labels = {s.id: wrap_label(s.id) for s in module.scenes}
    return SvgLayout(width, height, nodes, edges, labels)


def _spread(n: int, room: int) -> int:
    """Offsets 0, +6, -6, +12, -12, … for the n-th track, kept within ``room``."""
    step = 6
    offset = ((n + 1) // 2) * step * (1 if n % 2 else -1)
    limit = max(room, 0) // step * step
    return max(-limit, min(limit, offset))


def _simplify(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop repeated points and points in the middle of a straight run."""
    out: list[tuple[int, int]] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == point[0] or out[-2][1] == out[-1][1] == point[1]):
            out[-1] = point
            continue
        out.append(point)
    return out
