"""The scene map's drawing: every link routed around the boxes (no segment crosses a scene's
box), every link ending in an arrow at its target's left side, back and same-column links
marked, and long scene ids wrapped to fit their boxes."""
from __future__ import annotations

from pathlib import Path

from course_engine.authoring.map import NODE_H, NODE_W, layout_graph, wrap_label
from course_engine.content import parse_module, recommended_path
from course_engine.content.graph import analyse

TANGLE = Path(__file__).parents[1] / "content" / "data" / "map" / "tangle.md"


def segments_crossing_boxes(nodes: dict[str, tuple[float, float]], edges, width=NODE_W, height=NODE_H):
    """Every (edge, segment, box) where an axis-aligned segment enters a box's interior."""
    hits = []
    for source, target, points in edges:
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            for sid, (bx, by) in nodes.items():
                if y1 == y2 and by < y1 < by + height and max(x1, x2) > bx and min(x1, x2) < bx + width:
                    hits.append((source, target, sid))
                elif x1 == x2 and bx < x1 < bx + width and max(y1, y2) > by and min(y1, y2) < by + height:
                    hits.append((source, target, sid))
                elif x1 != x2 and y1 != y2:
                    hits.append((source, target, "diagonal"))
    return hits


def _layout():
    module, problems = parse_module(TANGLE)
    assert problems == []
    steps = [(module.scene(sid), None) for sid, _ in recommended_path(module)]
    return module, layout_graph(module, analyse(module), steps)


def test_no_link_crosses_a_scene_box():
    """Forward, skipping, same-column and back links all run outside every box."""
    module, svg = _layout()
    edges = [(e.source, e.target, e.points) for e in svg.edges]
    assert len(edges) == 13
    assert segments_crossing_boxes(svg.nodes, edges) == []


def test_every_link_enters_its_target_from_the_left():
    """Each link starts on its scene's right side and ends on its target's left side, so the
    arrowhead points into the target, back links included."""
    _module, svg = _layout()
    for e in svg.edges:
        sx, sy = svg.nodes[e.source]
        tx, ty = svg.nodes[e.target]
        assert e.points[0][0] == sx + NODE_W and sy <= e.points[0][1] <= sy + NODE_H
        assert e.points[-1] == (tx, ty + NODE_H // 2)
        assert e.points[-2][0] < tx and e.points[-2][1] == ty + NODE_H // 2


def test_back_and_same_column_links_are_marked_back():
    _module, svg = _layout()
    back = {(e.source, e.target) for e in svg.edges if e.back}
    assert back == {("right", "start"), ("right", "left"), ("left", "right"), ("middle", "right"),
                    ("middle", "safe-end"),
                    ("a-very-long-scene-identifier-that-overflows-its-box", "left")}


def test_long_ids_wrap_to_fit():
    """Ids wrap after a hyphen onto two lines of at most 21 characters; longer ones end in '…'."""
    assert wrap_label("a-very-long-scene-identifier-that-overflows-its-box") == ["a-very-long-scene-", "identifier-that-…"]
    assert wrap_label("start") == ["start"]
    assert all(len(line) <= 21 for line in wrap_label("x" * 60))
