"""The org admin's SCORM packages page in the running app: reached from the organisation menu
(Learning), passes axe and reflows at 320 px, and its link downloads a package with the
organisation's name that validates against ADL's schemas."""
from __future__ import annotations

import io
import json
import re
import zipfile

from .conftest import login


def test_an_org_admin_finds_and_downloads_a_scorm_package(page, live_server, a11y, tmp_path):
    from tests.scorm.test_package import validate

    login(page, "admin@demo.example")
    nav = page.get_by_role("navigation", name="Demo Borough Council")
    nav.get_by_role("link", name="Learning", exact=True).click()
    nav.get_by_role("link", name="SCORM packages").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith("SCORM packages")
    a11y.check(page, "scorm-packages", look=True)
    # Each link names its module and version for a screen reader (visually hidden text).
    link = page.get_by_role("link", name=re.compile(r"^SCORM 2004 4th edition\s*: Streetwise, version 1$"))
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("streetwise-v1-scorm2004")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as zf:
        validate("scorm2004", zf.read("imsmanifest.xml").decode())
        # The name as the organisation shows it now: its own name, or the name as shown that
        # another browser test on this live server may have set (the header then shows it).
        brand = page.locator(".site-header .org-brand__name")
        shown = brand.evaluate("e => e.lastChild.textContent").strip() if brand.count() else "Demo Borough Council"
        assert shown and f'"name":{json.dumps(shown)}' in zf.read("course.js").decode()
