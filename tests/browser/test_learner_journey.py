"""A learner completes a module in a real browser, with a failed quiz and a retake, and every
page type passes axe (WCAG 2.x A/AA) and reflows at 320 px."""

import pytest
from playwright.sync_api import expect

from course_engine.content import recommended_path
from tests.conftest import library_report

from .conftest import login
from .helpers import answer_quiz as _answer_quiz

SLUG = "its-silent-introduction"


@pytest.fixture(scope="module")
def content():
    report = library_report()
    module = report.modules[SLUG]
    return module, report.quizzes[module.quiz_id]


def test_learner_completes_a_module_with_a_retake(page, live_server, a11y, content):
    module, quiz = content
    login(page, "learner3@demo.example")
    a11y.check(page, "my-learning")

    page.get_by_role("link", name="Modules").first.click()
    a11y.check(page, "catalogue")
    page.get_by_role("link", name=module.title).click()
    a11y.check(page, "module")
    page.get_by_label("I have read the content warning").check()
    page.get_by_role("button", name="Start the module").click()
    a11y.check(page, "introduction")
    page.get_by_role("button", name="Begin the case").click()

    seen_feedback = seen_scene = seen_junction = False
    for scene_id, choice_index in recommended_path(module):
        scene = module.scene(scene_id)
        if scene.kind == "choices":
            if not seen_scene:
                a11y.check(page, "scene")
                seen_scene = True
            page.get_by_label(scene.choices[choice_index].text, exact=True).check()
            page.get_by_role("button", name="Confirm my choice").click()
            if not seen_feedback:
                a11y.check(page, "feedback")
                seen_feedback = True
            page.get_by_role("link", name="Continue").click()
        elif scene.kind == "junction" and scene.body_html:
            if not seen_junction:
                a11y.check(page, "junction")
                seen_junction = True
            page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/debrief")
    a11y.check(page, "debrief")

    page.get_by_role("button", name="Take the quiz").click()
    a11y.check(page, "quiz")
    _answer_quiz(page, quiz, right=False)
    page.get_by_role("button", name="Submit answers").click()
    # expect() waits for the results page (is_visible() looked once, and could look too soon).
    expect(page.locator(".badge--failed").first).to_be_visible()
    expect(page.locator(".badge--failed").first).to_contain_text("Not passed")
    a11y.check(page, "quiz-results-failed")
    page.get_by_role("button", name="Try the quiz again").click()
    _answer_quiz(page, quiz, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".badge--passed").first).to_be_visible()
    expect(page.locator(".badge--passed").first).to_contain_text("Passed")
    a11y.check(page, "quiz-results-passed")

    page.get_by_role("link", name="Next: your final reflection").click()
    page.get_by_role("button", name="Save my reflection").click()
    a11y.check(page, "reflection-errors")
    page.get_by_label("What did you learn?").fill("That silence about race is itself a risk to children.")
    page.get_by_label("How will it change your practice?").fill("I will ask about identity in every assessment.")
    page.get_by_role("button", name="Save my reflection").click()
    page.wait_for_url("**/completed")
    a11y.check(page, "completed")
    assert "You have completed" in page.get_by_role("heading", level=1).inner_text()
