"""The learner's pages around a decision and a quiz, in a real browser: the content-warning
gate explains itself, the scene page says where the learner is and uses a desktop's width,
the feedback page shows the evidence for the decision, and a multiple-answer question's
results mark every right option, the missed ones too."""
import re

from playwright.sync_api import expect

from course_engine.content import recommended_path
from course_engine.content.markdown_render import plain_text
from course_engine.content.progress import decision_count

from .conftest import login
from .helpers import content

#: Its first scene has EVIDENCE callouts, and its bank has several multiple-answer questions.
SLUG = "noted-not-actioned"
ROW_TOLERANCE = 1


def _evidence_of(scene, choice):
    """(the evidence for a decision, whether it is the choice's own), as the page picks it."""
    own = [c for c in choice.feedback_callouts if c.kind == "evidence"]
    return (own, True) if own else ([c for c in scene.callouts if c.kind == "evidence"], False)


def _answer(page, quiz, partly_multiple: bool) -> list:
    """Answer the drawn questions rightly, except multiple-answer ones (one right option and one
    wrong one, so the others are missed); returns the multiple-answer questions drawn."""
    drawn_multiple = []
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()  # .all() does not wait
    for fieldset in page.locator("fieldset.question").all():
        legend = fieldset.locator("legend").inner_text()
        question = next(q for q in quiz.questions if legend.endswith(q.title))
        if question.type == "ordering":
            for position, index in enumerate(question.correct_order, start=1):
                fieldset.get_by_label(plain_text(question.options[index].text_html), exact=True).select_option(str(position))
        elif question.type == "multiple" and partly_multiple:
            drawn_multiple.append(question)
            right = [o for o in question.options if o.weight > 0]
            wrong = [o for o in question.options if o.weight <= 0]
            for option in (right[0], wrong[0]):
                fieldset.get_by_label(plain_text(option.text_html), exact=True).check()
        else:
            wanted = [o for o in question.options if o.weight > 0] if question.type == "multiple" else \
                [max(question.options, key=lambda o: o.weight)]
            for option in wanted:
                fieldset.get_by_label(plain_text(option.text_html), exact=True).check()
    return drawn_multiple


def test_gate_progress_evidence_and_multiple_answer_results(page, live_server, a11y):
    module, quiz = content(SLUG)
    login(page, "learner6@demo.example")
    page.goto(f"/modules/{SLUG}")

    # The gate: not ticked -> the same error summary as every form (focused, linked to the box).
    page.get_by_role("button", name="Start the module").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Confirm that you have read the content warning and know where to find support.")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    a11y.check(page, "module-gate-error")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "acknowledge"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Start the module").click()
    page.get_by_role("button", name="Begin the case").click()

    # The first scene: "Decision 1 of up to N" from the module's graph; progress beside the case at 1280 px.
    count = decision_count(module)
    expected = f"Decision 1 of {'up to ' if count.fewest != count.most else ''}{count.most}"
    expect(page.locator(".scene-progress")).to_have_text(expected)
    main, side = page.locator(".scene-layout__main").bounding_box(), page.locator(".scene-layout__side").bounding_box()
    assert side["x"] >= main["x"] + main["width"] - ROW_TOLERANCE and side["y"] < main["y"] + 100, (main, side)
    a11y.check(page, "scene", look=True)
    page.set_viewport_size({"width": 320, "height": 700})
    main, side = page.locator(".scene-layout__main").bounding_box(), page.locator(".scene-layout__side").bounding_box()
    assert side["y"] >= main["y"] + main["height"] - ROW_TOLERANCE, (main, side)  # one column on a phone
    page.set_viewport_size({"width": 1280, "height": 900})

    # Every feedback page on the way shows the evidence for its decision: the choice's own,
    # in what happened next, or else the scene's, beside it.
    with_evidence = 0
    for scene_id, choice_index in recommended_path(module):
        scene = module.scene(scene_id)
        if scene.kind == "choices":
            choice = scene.choices[choice_index]
            page.get_by_label(choice.text, exact=True).check()
            page.get_by_role("button", name="Confirm my choice").click()
            evidence, own = _evidence_of(scene, choice)
            where = page.locator(".feedback-layout__chosen") if own else \
                page.get_by_role("region", name="The evidence for this decision")
            for callout in evidence:
                shown = where.locator("aside.callout-evidence").filter(has_text=callout.citation)
                expect(shown).to_contain_text(plain_text(callout.html)[:60])
            if evidence and not with_evidence:
                a11y.check(page, "feedback-evidence", look=True)
            with_evidence += bool(evidence)
            page.get_by_role("link", name="Continue").click()
        elif scene.kind == "junction" and scene.has_text:
            page.get_by_role("button", name="Continue").click()
    assert with_evidence, f"no decision on the recommended path of {SLUG} has evidence: pick another module"
    page.wait_for_url("**/debrief")

    # The quiz, until a draw includes a multiple-answer question (most draws do).
    page.get_by_role("button", name="Take the quiz").click()
    for _ in range(6):
        if page.locator("fieldset.question input[type=checkbox]").count():
            break
        # No multiple-answer question drawn: hand this attempt in blank (a fail) and retake.
        page.get_by_role("button", name="Submit answers").click()
        page.get_by_label("Submit with unanswered questions").check()
        page.get_by_role("button", name="Submit answers").click()
        page.get_by_role("button", name="Try the quiz again").click()
    drawn = _answer(page, quiz, partly_multiple=True)
    assert drawn, "six draws without a multiple-answer question"
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url("**/results")
    for question in drawn:
        section = page.locator("section.question-result").filter(
            has=page.get_by_role("heading", name=re.compile(re.escape(question.title) + "$")))
        right = [o for o in question.options if o.weight > 0]
        for number, option in enumerate(right):
            item = section.locator(".option-review").filter(has_text=plain_text(option.text_html))
            verdict = "You chose this: it is a right answer" if number == 0 else \
                "You did not choose this, but it is a right answer (missed)"
            expect(item.locator(".option-review__verdict")).to_have_text(re.compile(re.escape(verdict)))
            if option.feedback_html:
                expect(item.locator(".option-review__feedback")).to_contain_text(plain_text(option.feedback_html)[:50])
        wrong = next(o for o in question.options if o.weight <= 0)
        expect(section.locator(".option-review").filter(has_text=plain_text(wrong.text_html))
               .locator(".option-review__verdict")).to_have_text(re.compile("You chose this: it is not a right answer"))
        expect(section).to_contain_text(f"You chose 1 of the {len(right)} right answers")
    assert not re.search(r"\d\.\d{3}", page.locator("main").inner_text()), "a score shown with float noise"
    a11y.check(page, "quiz-results-multiple", look=True)
