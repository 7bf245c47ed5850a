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


def test_cpd_entry_with_standard_4_and_evidence(page, live_server, a11y, tmp_path):
    """A learner tags an entry with parts of standard 4, attaches a PDF, and sees a renamed
    program refused: the entry form, the evidence page and its error state pass axe."""
    from tests.cpd.test_evidence import EXE, pdf_bytes

    login(page, "learner2@demo.example")
    page.goto("/cpd/entries/new")
    page.get_by_label("Type of CPD").select_option("reading")
    page.get_by_label("Title", exact=True).fill("Article on adultification bias")
    page.get_by_label("Date", exact=True).fill("02/11/2026")
    page.get_by_label("Time spent, in minutes").fill("40")
    page.get_by_label("Description, and why it is relevant").fill("An article on how age is read.")
    page.get_by_label("What I learned", exact=True).fill("How adultification hides risk.")
    page.get_by_label("The impact on my practice and on the people I work with").fill("I ask how age is read.")
    page.get_by_label("4.3 Research, theories and frameworks").check()
    page.get_by_label("4.8 Values and ethics").check()
    a11y.check(page, "cpd-entry-standard-4", look=True)
    page.get_by_role("button", name="Add to my CPD record").click()
    card = page.locator("article.cpd-record", has_text="Article on adultification bias")
    expect(card).to_contain_text("4.8 Values and ethics")
    card.get_by_role("link", name="Add a file as evidence").click()
    a11y.check(page, "cpd-evidence-empty")
    program = tmp_path / "certificate.pdf"
    program.write_bytes(EXE)
    page.get_by_label("Evidence file").set_input_files(str(program))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error-summary")).to_contain_text("This type of file is not accepted")
    a11y.check(page, "cpd-evidence-refused", look=True)
    real = tmp_path / "attendance.pdf"
    real.write_bytes(pdf_bytes())
    page.get_by_label("Evidence file").set_input_files(str(real))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="attendance.pdf (PDF,")).to_be_visible()
    a11y.check(page, "cpd-evidence", look=True)
