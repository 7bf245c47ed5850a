"""Steps shared by the journeys: answering a quiz and completing a module as a learner does."""
from __future__ import annotations

from playwright.sync_api import expect

from course_engine.content import recommended_path
from course_engine.content.markdown_render import plain_text

from tests.conftest import library_report


def content(slug: str):
    """The parsed module and its quiz bank, from the repository's content (checked once)."""
    report = library_report()
    module = report.modules[slug]
    return module, report.quizzes[module.quiz_id]


def answer_quiz(page, quiz, right: bool) -> None:
    """Answer every drawn question on the page, all right or all wrong, by their labels.

    Waits for the quiz form first: ``locator.all()`` does not wait, so straight after a click
    that loads the quiz (a retake's POST and redirect) it could find the previous page and no
    questions, and the test then submitted an empty form."""
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()
    fieldsets = page.locator("fieldset.question").all()
    assert fieldsets, "the quiz page shows no questions"
    for fieldset in fieldsets:
        legend = fieldset.locator("legend").inner_text()
        question = next(q for q in quiz.questions if legend.endswith(q.title))
        if question.type == "ordering":
            order = list(question.correct_order) if right else list(reversed(question.correct_order))
            for position, index in enumerate(order, start=1):
                label = plain_text(question.options[index].text_html)
                fieldset.get_by_label(label, exact=True).select_option(label=str(position))
            continue
        if right:
            wanted = [o for o in question.options if o.weight > 0] if question.type == "multiple" else \
                [max(question.options, key=lambda o: o.weight)]
        else:
            wanted = [min(question.options, key=lambda o: o.weight)]
        for option in wanted:
            fieldset.get_by_label(plain_text(option.text_html), exact=True).check()


def complete_module(page, slug: str, *, retake: bool = False) -> None:
    """From anywhere in the app: Modules (menu), the module, the scenes on the recommended
    path, the quiz (failed first when ``retake``), the final reflection; ends on "completed"."""
    module, quiz = content(slug)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Modules").click()
    page.get_by_role("link", name=module.title, exact=True).click()
    page.get_by_label("I have read the content warning").check()
    page.get_by_role("button", name="Start the module").click()
    page.get_by_role("button", name="Begin the case").click()
    for scene_id, choice_index in recommended_path(module):
        scene = module.scene(scene_id)
        if scene.kind == "choices":
            page.get_by_label(scene.choices[choice_index].text, exact=True).check()
            page.get_by_role("button", name="Confirm my choice").click()
            page.get_by_role("link", name="Continue").click()
        elif scene.kind == "junction" and scene.body_html:
            page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/debrief")
    page.get_by_role("button", name="Take the quiz").click()
    if retake:
        answer_quiz(page, quiz, right=False)
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_text("Not passed").first).to_be_visible()
        page.get_by_role("button", name="Try the quiz again").click()
    answer_quiz(page, quiz, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Passed").first).to_be_visible()
    page.get_by_role("link", name="Next: your final reflection").click()
    page.get_by_label("What did you learn?").fill("To name race and identity, and to record the child's own words.")
    page.get_by_label("How will it change your practice?").fill("I will ask about identity in every assessment.")
    page.get_by_role("button", name="Save my reflection").click()
    page.wait_for_url("**/completed")
    assert "You have completed" in page.get_by_role("heading", level=1).inner_text()


def open_org_page(page, org_name: str, label: str) -> None:
    """Menu "Manage: <organisation>", then the organisation menu's page ``label``: in the
    pages of the current group, or else in the first group (Reports, People, ...) that has it."""
    from course_engine.navigation import ORG_MENU_GROUPS

    page.get_by_role("navigation", name="Main").get_by_role("link", name=f"Manage: {org_name}").click()
    nav = page.get_by_role("navigation", name=org_name)
    pages = nav.locator(".org-nav__links")
    if not pages.get_by_role("link", name=label, exact=True).count():
        for group in ORG_MENU_GROUPS:
            nav.locator(".org-nav__groups").get_by_role("link", name=group, exact=True).click()
            if pages.get_by_role("link", name=label, exact=True).count():
                break
    pages.get_by_role("link", name=label, exact=True).click()
