"""An author opens Content, previews a module (walks a choice), opens its map, and sees a
broken module file reported as an error with its line number."""
import re

from .conftest import login
from .helpers import content

SLUG = "writing-the-silence"
BROKEN = "broken-example"


def _content_page(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Content").click()
    page.wait_for_url("**/authoring/")


def test_author_previews_and_sees_a_broken_file(page, live_server, a11y):
    module, _ = content(SLUG)
    login(page, "author@demo.example")
    _content_page(page)
    a11y.check(page, "content")

    page.get_by_role("link", name=f"Preview {module.title}", exact=True).click()
    page.get_by_role("link", name="Start the preview").click()
    scene = module.scene(module.start)
    while scene.kind != "choices":  # walk to the first scene with choices
        page.get_by_role("link", name="Continue").click()
        scene = module.scene(page.url.split("/scene/")[1].split("?")[0])
    assert page.get_by_role("heading", level=1).inner_text() == scene.title
    a11y.check(page, "preview-scene")
    page.get_by_label(scene.choices[0].text, exact=True).check()
    page.get_by_role("button", name="Choose").click()
    page.wait_for_url("**/feedback*")
    a11y.check(page, "preview-feedback")

    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_url(f"**/authoring/map/{SLUG}")
    a11y.check(page, "map")

    source = (live_server.modules / f"{SLUG}.md").read_text()
    lines = source.splitlines()
    broken_line = next(i for i, line in enumerate(lines, start=1) if "->" in line and "[[" in line)
    lines[broken_line - 1] = re.sub(r"->[\w-]+\]\]", "->no-such-scene]]", lines[broken_line - 1])
    text = "\n".join(lines) + "\n"
    text = text.replace(f"id: {SLUG}", f"id: {BROKEN}", 1).replace(f'title: "{module.title}"', 'title: "Broken example"', 1)
    path = live_server.modules / f"{BROKEN}.md"
    path.write_text(text)
    try:
        _content_page(page)
        row = page.get_by_role("row").filter(has_text=f"{BROKEN}.md")
        row_text = row.inner_text()
        assert "Errors" in row_text
        assert f"{BROKEN}.md:{broken_line}:" in row_text, row_text
        assert "no-such-scene" in row_text
        a11y.check(page, "content-with-errors")
    finally:
        path.unlink()
    _content_page(page)
    assert page.get_by_role("row").filter(has_text=f"{BROKEN}.md").count() == 0
