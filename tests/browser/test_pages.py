"""The remaining page types, reached as a person reaches them: login, register, the
accessibility statement, a missing page, the account page, the CPD record and its entry form
with errors. Each passes axe (WCAG 2.x A/AA) and reflows at 320 px."""
from playwright.sync_api import expect

from .conftest import login


def test_public_pages(page, live_server, a11y):
    page.goto("/")
    page.get_by_role("link", name="Log in").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    a11y.check(page, "login")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create an account").click()
    a11y.check(page, "register")
    page.get_by_role("link", name="Accessibility statement").click()
    assert "Accessibility" in page.get_by_role("heading", level=1).inner_text()
    a11y.check(page, "accessibility-statement")
    response = page.goto("/no-such-page")
    assert response.status == 404
    a11y.check(page, "error-404")


def test_learner_account_and_cpd_record(page, live_server, a11y):
    login(page, "learner2@demo.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    a11y.check(page, "account")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CPD record").click()
    a11y.check(page, "cpd-record")
    page.get_by_role("link", name="Add CPD done elsewhere").click()
    page.get_by_role("button", name="Add to my CPD record").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    a11y.check(page, "cpd-entry-errors")
