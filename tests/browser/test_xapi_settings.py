"""The org admin connects a learning record store in a real browser: a bad endpoint and a
missing secret get the error summary (nothing saved), a good one is saved and switched on, the
test statement reaches Ralph's LRS on loopback; the page passes axe and reflows at 320 px."""
from playwright.sync_api import expect

from tests.xapi.lrs import KEY, SECRET, RalphLRS

from .conftest import login
from .helpers import open_org_page

ORG = "Demo Borough Council"


def test_org_admin_connects_a_learning_record_store(page, live_server, a11y, tmp_path):
    lrs = RalphLRS(tmp_path / "ralph")
    try:
        login(page, "admin@demo.example")
        open_org_page(page, ORG, "Learning records (xAPI)")
        expect(page.get_by_role("heading", level=1)).to_contain_text("learning records (xAPI)")
        a11y.check(page, "xapi-settings")

        # A bad endpoint and no secret: both errors in the summary, linked to their fields.
        page.get_by_label("xAPI endpoint").fill("lrs.example.gov.uk/xAPI")
        page.get_by_label("Key (user name)").fill(KEY)
        page.get_by_role("button", name="Save").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary.get_by_role("link")).to_have_count(1)
        link = summary.get_by_role("link").first
        assert link.get_attribute("href") == "#endpoint"
        expect(page.get_by_label("Key (user name)")).to_have_value(KEY)  # what was typed is kept
        a11y.check(page, "xapi-settings-errors", look=True)

        page.get_by_label("xAPI endpoint").fill(lrs.endpoint)
        page.get_by_role("button", name="Save").click()
        expect(summary.get_by_role("link", name="Enter the secret")).to_be_visible()
        assert summary.get_by_role("link").first.get_attribute("href") == "#secret"
        expect(page.get_by_text("Status")).to_have_count(0)  # nothing was saved

        page.get_by_label("Secret (password)").fill(SECRET)
        page.get_by_label("Send learning records to this store").check()
        page.get_by_label("Identify people by their email address").uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Learning record store settings saved. Records are sent from now on.")).to_be_visible()
        expect(page.locator("dl.summary-list")).to_contain_text("On")
        expect(page.get_by_label("Secret (password)")).to_have_value("")  # never shown back
        assert SECRET not in page.content()

        page.get_by_role("button", name="Send a test statement").click()
        expect(page.get_by_text("The store accepted the test statement")).to_be_visible()
        sent_id = page.get_by_text("The store accepted the test statement").inner_text().split("(id ")[1].rstrip(").")
        assert sent_id in {s["id"] for s in lrs.statements()}
        a11y.check(page, "xapi-settings-saved", look=True)
    finally:
        lrs.stop()
