"""A manager assigns a module to their team, a learner in the team completes it, and the
manager sees the completion on the summary, the matrix and the person's page, and in the
matrix CSV export. Every page type passes axe and reflows at 320 px."""
import csv
import io
import re

from playwright.sync_api import expect

from .conftest import login
from .helpers import complete_module, content, open_org_page

ORG = "Demo Borough Council"
TEAM = "Children in Need East"
SLUG = "its-how-we-discipline"
LEARNER, LEARNER_NAME = "learner1@demo.example", "Grace Mensah"


def test_manager_assigns_and_sees_the_completion(page, live_server, a11y):
    module, _ = content(SLUG)
    login(page, "manager@demo.example")
    open_org_page(page, ORG, "Assignments")
    page.get_by_label("Module", exact=True).select_option(label=module.title)
    page.get_by_label("A team").check()
    page.get_by_label("Team", exact=True).select_option(label=TEAM)
    page.get_by_label("No due date").check()
    page.get_by_role("button", name="Assign").click()
    row = page.get_by_role("row").filter(has_text=module.title)
    assert f"Team: {TEAM}" in row.inner_text()
    a11y.check(page, "assignments")
    page.get_by_role("button", name="Log out").click()

    login(page, LEARNER)
    expect(page.get_by_text(module.title).first).to_be_visible()  # assigned on "My learning"
    complete_module(page, SLUG)
    page.get_by_role("button", name="Log out").click()

    login(page, "manager@demo.example")
    open_org_page(page, ORG, "Summary")
    a11y.check(page, "dashboard")
    page.get_by_role("navigation", name=ORG).get_by_role("link", name="Matrix", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=LEARNER_NAME))
    assert "Completed" in row.inner_text()
    a11y.check(page, "matrix")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download these rows as CSV").click()
    rows = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    mine = next(r for r in body if LEARNER in r or LEARNER_NAME in r)
    column = next(i for i, h in enumerate(header) if module.title in h or SLUG in h)
    assert re.search("completed", mine[column], re.I), (header, mine)

    page.get_by_role("link", name=LEARNER_NAME).click()
    assert "Completed" in page.get_by_role("row").filter(has_text=module.title).first.inner_text()
    a11y.check(page, "person-drill-down")

    page.get_by_role("navigation", name=ORG).get_by_role("link", name="Practice insights").click()
    a11y.check(page, "insights")


def test_org_admin_pages(page, live_server, a11y):
    """People and the staff CSV upload (organisation admins only); a manager gets 403 there."""
    login(page, "admin@demo.example")
    open_org_page(page, ORG, "People")
    expect(page.get_by_role("link", name=LEARNER_NAME)).to_be_visible()
    a11y.check(page, "people")
    page.get_by_role("navigation", name=ORG).get_by_role("link", name="Upload staff").click()
    a11y.check(page, "csv-upload")
    upload_url = page.url
    page.get_by_role("button", name="Log out").click()

    login(page, "manager@demo.example")
    response = page.goto(upload_url)
    assert response.status == 403
    a11y.check(page, "error-403")
