"""The pages of background work, reached through the organisation menu as an org admin reaches
them: Exports (ask for the whole organisation's matrix, see it being prepared or ready, the
download link) and Failed jobs. Each passes axe (WCAG 2.x A/AA) and reflows at 320 px."""
from playwright.sync_api import expect

from .conftest import login
from .helpers import open_org_page


def test_org_admin_exports_and_failed_jobs(page, live_server, a11y):
    login(page, "admin@demo.example")
    open_org_page(page, "Demo Borough Council", "Exports")
    a11y.check(page, "org-exports")
    page.get_by_label("People by module (matrix)", exact=False).check()
    page.get_by_role("button", name="Prepare the export").click()
    # The live server runs jobs inline after the response: ready at once, or on "Check again".
    if page.get_by_role("link", name="Check again").count():
        a11y.check(page, "org-export-being-prepared")
        page.get_by_role("link", name="Check again").click()
    expect(page.get_by_role("link", name="Download the CSV")).to_be_visible()
    a11y.check(page, "org-export-ready")
    open_org_page(page, "Demo Borough Council", "Failed jobs")
    expect(page.get_by_text("no queue is configured")).to_be_visible()
    a11y.check(page, "org-failed-jobs")
