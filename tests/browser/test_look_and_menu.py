"""The organisation's look and the grouped organisation menu in a real browser.

An org admin lands on their dashboard, sets a light accent that only just passes AA and a
logo; axe finds nothing on the pages that carry them, the site's focus style is exactly the
same as on a page without an accent, and members see the name and logo in their header. The
grouped menu fits one line at 1280 px, reflows at 320 px, works by keyboard and without
JavaScript. Screenshots of the menu at both widths are always kept (artifacts/screenshots).
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from course_engine.branding.contrast import WHITE, contrast_ratio
from course_engine.demo.services import DEMO_ORG_SLUG
from course_engine.navigation import ORG_MENU_GROUPS

from .conftest import SCREENSHOTS, login

ORG = "Demo Borough Council"
#: A light blue whose white text only just reaches AA (4.54:1): the hardest accent we accept.
LIGHT_ACCENT = "#3473db"

FOCUS = """() => { const s = getComputedStyle(document.activeElement);
  return {outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, offset: s.outlineOffset,
          shadow: s.boxShadow, text: document.activeElement.innerText}; }"""
SAME_LINE = """(selector) => { const tops = Array.from(document.querySelectorAll(selector)).map(
  el => Math.round(el.getBoundingClientRect().top)); return new Set(tops).size === 1 && tops.length > 0; }"""


def _logo_file(tmp_path):
    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).rectangle((10, 10, 110, 110), fill=(0, 110, 80, 255))
    path = tmp_path / "demo-logo.jpg"  # a PNG with the wrong name: judged by content
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _focus_on(page, text: str, limit: int = 80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS)
        if info["text"].strip() == text:
            return info
    raise AssertionError(f"never reached {text!r} by Tab")


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_admin_sets_a_light_accent_and_logo_without_weakening_contrast_or_focus(page, live_server, a11y, tmp_path):
    assert 4.5 <= contrast_ratio(LIGHT_ACCENT, WHITE) < 4.6
    # The site's own focus style, on a page with no organisation look (nobody signed in).
    page.goto("/verify")
    plain_focus = _focus_on(page, "Log in")

    login(page, "admin@demo.example")
    assert page.url.endswith(f"/orgs/{DEMO_ORG_SLUG}/dashboard")  # admins land on their dashboard
    nav = page.get_by_role("navigation", name=ORG)
    nav.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation's look")

    page.get_by_role("textbox", name="Accent colour").fill("#5b9bf0")
    page.get_by_role("button", name="Save name and colour").click()
    expect(page.get_by_role("alert")).to_contain_text("against white")  # refused: too light, says the ratio
    a11y.check(page, "look-refused")
    page.get_by_role("textbox", name="Name as shown").fill("Demo Borough Children's Services")
    page.get_by_role("textbox", name="Accent colour").fill(LIGHT_ACCENT)
    page.get_by_role("button", name="Save name and colour").click()
    expect(page.get_by_text("Your organisation's look is saved.")).to_be_visible()
    page.set_input_files("#logo", str(_logo_file(tmp_path)))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("re-encoded as PNG")).to_be_visible()
    a11y.check(page, "look")

    header = page.locator(".site-header")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(52, 115, 219)"
    expect(header.locator(".org-brand")).to_contain_text("Demo Borough Children's Services")
    expect(header.locator(".org-brand img")).to_have_attribute("alt", "")
    page.goto(f"/orgs/{DEMO_ORG_SLUG}/dashboard")
    a11y.check(page, "dashboard-light-accent")
    page.goto(f"/orgs/{DEMO_ORG_SLUG}/assignments")
    a11y.check(page, "assignments-light-accent")  # primary buttons on the accent

    # Focus looks exactly as it does without an accent, on the accent band itself too.
    page.goto(f"/orgs/{DEMO_ORG_SLUG}/dashboard")
    branded_focus = _focus_on(page, "Account")
    assert (branded_focus["outline"], branded_focus["offset"], branded_focus["shadow"]) == \
        (plain_focus["outline"], plain_focus["offset"], plain_focus["shadow"])
    page.get_by_role("button", name="Log out").click()

    # A learner of the organisation sees its name and logo in their header.
    login(page, "learner2@demo.example")
    assert page.url.endswith("/learning")
    expect(page.locator(".site-header .org-brand")).to_contain_text("Demo Borough Children's Services")
    assert page.evaluate("document.querySelector('.org-brand img').naturalWidth") == 360
    a11y.check(page, "my-learning-light-accent")
    page.get_by_role("button", name="Log out").click()


def test_grouped_menu_fits_one_line_reflows_at_320_and_works_by_keyboard(page, live_server, a11y):
    login(page, "admin@demo.example")
    nav = page.get_by_role("navigation", name=ORG)
    groups = nav.locator(".org-nav__groups a")
    assert groups.all_inner_texts() == list(ORG_MENU_GROUPS)
    assert page.evaluate(SAME_LINE, ".org-nav__groups a")
    assert page.evaluate(SAME_LINE, ".org-nav__links a")
    expect(nav.locator('.org-nav__links a[aria-current="page"]')).to_have_text("Summary")
    _screenshot(page, "org-menu-1280")
    a11y.check(page, "org-menu")

    # By keyboard: Tab to a group, Enter opens its first page, whose own links follow.
    page.goto(f"/orgs/{DEMO_ORG_SLUG}/dashboard")
    info = _focus_on(page, "People")
    assert info["outline"].startswith("solid") and info["shadow"] != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/orgs/{DEMO_ORG_SLUG}/people")
    expect(nav.locator('.org-nav__groups a[aria-current="true"]')).to_have_text("People")
    _focus_on(page, "Upload staff")
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload staff from a CSV file")

    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/orgs/{DEMO_ORG_SLUG}/dashboard/matrix")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    boxes = [nav.locator(".org-nav__groups a").nth(i).bounding_box() for i in range(len(ORG_MENU_GROUPS))]
    assert all(b["height"] >= 44 and b["width"] >= 24 for b in boxes)
    _screenshot(page, "org-menu-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_grouped_menu_works_without_javascript(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False,
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        login(page, "manager@demo.example")
        nav = page.get_by_role("navigation", name=ORG)
        assert nav.locator(".org-nav__groups a").all_inner_texts() == ["Reports", "People", "Learning"]
        nav.get_by_role("link", name="Learning", exact=True).click()
        page.wait_for_url("**/assignments")
        expect(nav.locator('.org-nav__links a[aria-current="page"]')).to_have_text("Assignments")
    finally:
        context.close()
