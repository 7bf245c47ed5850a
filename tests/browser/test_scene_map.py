"""The scene map of a module with back edges, same-column links and a long scene id, as an
author sees it in the browser: a screenshot is kept, and the drawn SVG's own geometry shows
that no link crosses a scene's box, every link has an arrowhead, and the legend is there."""
import re
import shutil
from pathlib import Path

from ..authoring.test_map_drawing import segments_crossing_boxes
from .conftest import SCREENSHOTS, login

TANGLE = Path(__file__).parents[1] / "content" / "data" / "map" / "tangle.md"


def _points(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2]))


def test_scene_map_routes_links_around_boxes(page, live_server, a11y):
    tangle = Path(live_server.modules) / "tangle.md"
    shutil.copy(TANGLE, tangle)
    try:
        login(page, "author@demo.example")
        page.goto(f"{live_server.url}/authoring/map/tangle")
        svg = page.locator("svg.map-svg")
        svg.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        svg.screenshot(path=str(SCREENSHOTS / "scene-map-tangle.png"))
        page.screenshot(path=str(SCREENSHOTS / "scene-map-tangle-page.png"), full_page=True)
        boxes = page.eval_on_selector_all(
            "svg.map-svg rect.map-node",
            "els => els.map(e => [e.dataset.scene, e.x.baseVal.value, e.y.baseVal.value,"
            " e.width.baseVal.value, e.height.baseVal.value])")
        paths = page.eval_on_selector_all(
            "svg.map-svg path.map-edge",
            "els => els.map(e => [e.dataset.source, e.dataset.target, e.getAttribute('d'),"
            " e.getAttribute('marker-end')])")
        assert len(boxes) == 7 and len(paths) == 13
        (width, height), = {(w, h) for _sid, _x, _y, w, h in boxes}
        nodes = {sid: (x, y) for sid, x, y, _w, _h in boxes}
        edges = [(s, t, _points(d)) for s, t, d, _m in paths]
        assert segments_crossing_boxes(nodes, edges, width, height) == []
        assert all(marker in ("url(#arrow)", "url(#arrow-rec)") for *_rest, marker in paths)
        for source, target, points in edges:  # each arrow ends on its target's left side
            x, y = nodes[target]
            assert points[-1][0] == x and y < points[-1][1] < y + height, (source, target)
        # Every label fits inside its box.
        overflow = page.eval_on_selector_all(
            "svg.map-svg g", "gs => gs.filter(g => { const r = g.querySelector('rect').getBBox();"
            " return [...g.querySelectorAll('text')].some(t => { const b = t.getBBox();"
            " return b.x + b.width > r.x + r.width || b.y + b.height > r.y + r.height; }); }).length")
        assert overflow == 0
        legend = page.get_by_role("heading", name="Key to the drawing")
        assert legend.is_visible()
        assert "dashed: a link back to an earlier scene" in page.locator(".map-legend").inner_text()
        a11y.check(page, "scene-map-tangle")
    finally:
        tangle.unlink(missing_ok=True)
