"""A learner completes the leaders' module, "It starts with us" (issue 16, section 5), in a real
browser: the introduction, the five decisions on the recommended path with a reflection saved
to the private journal on the way, the ending that path earns (the passages its choices
established are shown, the other branches are not), the quiz, the final reflection and the
certificate, a PDF naming the learner and the module. The module's own pages pass axe (WCAG
2.x A/AA) and reflow at 320 px."""
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from course_engine.content import recommended_path

from .conftest import login
from .helpers import answer_quiz, content

SLUG = "it-starts-with-us"
#: A demo learner no other browser test uses, so this journey starts from nothing.
LEARNER, LEARNER_NAME = "learner4@demo.example", "Daniel Kowalski"

#: Text that only the recommended path may show, and text from the branches it did not take.
REVIEW_SCENE_SHOWN = "I do the talking for Bà."
REVIEW_SCENE_HIDDEN = "Nobody from your service has spoken with Bà Lan without Minh interpreting."
ENDING_SHOWN = ("Asif's grievance is heard under the council's procedure.",
                "In the team's monthly slot, Bethany brings her first assessment of Minh herself")
ENDING_HIDDEN = ("Outside the grievance, the team never talks about what happened",
                 "The team's e-learning is done",
                 "I raised a grievance, and then I became the trainer.")


def test_a_manager_completes_the_leaders_module_to_a_certificate(page, live_server, a11y):
    module, quiz = content(SLUG)
    steps = recommended_path(module)
    assert module.scene(steps[-1][0]).ending_judgement == "safe"
    login(page, LEARNER)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Modules").click()
    page.get_by_role("link", name=module.title, exact=True).click()
    a11y.check(page, "leaders-module")
    page.get_by_label("I have read the content warning").check()
    page.get_by_role("button", name="Start the module").click()
    expect(page.get_by_text("This case is fictional.")).to_be_visible()
    expect(page.get_by_text("three lead recommendations for local leaders and partnerships")).to_be_visible()
    a11y.check(page, "leaders-introduction")
    page.get_by_role("button", name="Begin the case").click()

    decisions = 0
    for scene_id, choice_index in steps:
        scene = module.scene(scene_id)
        if scene.kind == "choices":
            expect(page.get_by_role("heading", level=1)).to_have_text(scene.title)
            if scene.reflects:
                # The complaint scene's prompt: the answer goes to the private journal.
                page.get_by_label("Your reflection").fill("Him first, then the team. I noticed I wanted it to be calm.")
                page.get_by_role("button", name="Save reflection").click()
                expect(page.get_by_text("Your reflection is saved in your private journal.")).to_be_visible()
            if scene_id == "review-draft":
                # The family's file tells the truth about the supervision this path held.
                expect(page.get_by_text(REVIEW_SCENE_SHOWN)).to_be_visible()
                expect(page.get_by_text(REVIEW_SCENE_HIDDEN)).to_have_count(0)
                a11y.check(page, "leaders-scene")
            page.get_by_label(scene.choices[choice_index].text, exact=True).check()
            page.get_by_role("button", name="Confirm my choice").click()
            if scene_id == "complaint":
                a11y.check(page, "leaders-feedback")
            page.get_by_role("link", name="Continue").click()
            decisions += 1
        elif scene.kind == "junction" and scene.body_html:
            page.get_by_role("button", name="Continue").click()
    assert decisions == 5

    page.wait_for_url("**/debrief")
    ending = module.scene(steps[-1][0])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Debrief: {ending.title}")
    outcome = page.get_by_role("region", name="The outcome for the child and family")
    for text in ENDING_SHOWN:
        expect(outcome.get_by_text(text)).to_be_visible()
    for text in ENDING_HIDDEN:
        expect(outcome.get_by_text(text)).to_have_count(0)
    a11y.check(page, "leaders-debrief")

    page.get_by_role("button", name="Take the quiz").click()
    answer_quiz(page, quiz, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Passed").first).to_be_visible()

    page.get_by_role("link", name="Next: your final reflection").click()
    page.get_by_label("What did you learn?").fill(
        "That a quick sign-off, a quiet word and 'cultural factors' are how a service stays silent.")
    page.get_by_label("How will it change your practice?").fill(
        "I will record the reflection in supervision, and act on a complaint of racism the same day.")
    page.get_by_role("button", name="Save my reflection").click()
    page.wait_for_url("**/completed")
    assert f"You have completed {module.title}" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    row = page.get_by_role("row").filter(has_text=module.title)
    expect(row).to_have_count(1)
    assert "Valid" in row.inner_text()
    number = row.locator(".cert-number").inner_text().strip()
    assert re.fullmatch(r"CE-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", number), number
    # Fetched with the browser's own session, so the test holds whether the link is served
    # inline or as an attachment.
    pdf = page.request.get(row.locator(f"a[href*='{number}']").first.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    flat = re.sub(r"\s+", " ", text)
    assert LEARNER_NAME in flat
    assert "It starts with us" in flat
    assert number in flat.replace(" ", "") or number in flat
