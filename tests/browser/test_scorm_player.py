"""SCORM packages played in Debian's chromium with a real SCORM run-time (scorm-again, from npm)
as the LMS: a known path and the quiz report the right final values in 1.2 and 2004; a
suspended attempt resumes at the same scene; the packaged player passes axe, reflows at
320 px, plays by keyboard alone and makes no request outside the package."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from werkzeug.middleware.shared_data import SharedDataMiddleware

from course_engine.content import engine
from course_engine.scorm import package
from course_engine.scorm.package import Brand
from tests.branding.conftest import png_bytes
from tests.loopback import LoopbackServer
from tests.parallel import run_lock
from tests.scorm.library import library_input, report

NODE_DIR = Path(__file__).resolve().parents[1] / "scorm" / "node"
LMS_DIR = Path(__file__).resolve().parents[1] / "scorm" / "lms"
BRAND = Brand(name="Northshire Children's Services", accent="#7a1f5c", accent_hover="#5e1847",
              logo_filename="logo.png", logo_data=png_bytes(), logo_width=120, logo_height=40)
#: (folder, module, standard) of the packages the tests play.
PACKAGES = {"streetwise-2004": ("streetwise", "scorm2004"), "streetwise-12": ("streetwise", "scorm12"),
            "intro-12": ("its-silent-introduction", "scorm12")}
REFLECTION = "A private thought about my own practice, never for the LMS"


@pytest.fixture(scope="session")
def scorm_again(tmp_path_factory):
    """scorm-again installed from tests/scorm/node/package-lock.json (npm ci) when missing, under
    a lock every xdist worker shares (two npm ci in one folder would break each other)."""
    dist = NODE_DIR / "node_modules" / "scorm-again" / "dist"
    with run_lock(tmp_path_factory, "npm-scorm"):
        if not dist.exists():
            npm = shutil.which("npm")
            if npm is None:
                pytest.skip("npm is not installed (apt-get install npm): it installs scorm-again for these tests")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=300)
    return dist


@pytest.fixture(scope="session")
def lms(scorm_again, tmp_path_factory):
    """A loopback site: the test LMS page, scorm-again, and the unzipped packages."""
    root = tmp_path_factory.mktemp("lms")
    for folder, (slug, standard) in PACKAGES.items():
        with zipfile.ZipFile(io.BytesIO(package.build(library_input(slug, BRAND), standard))) as zf:
            zf.extractall(root / folder)
    exports = {"/lms": str(LMS_DIR), "/scorm-again": str(scorm_again)}
    exports.update({f"/{folder}": str(root / folder) for folder in PACKAGES})

    def not_found(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = LoopbackServer(SharedDataMiddleware(not_found, exports, cache=False))
    yield server
    server.stop()


@pytest.fixture
def lms_page(chromium, lms):
    """A page on the loopback LMS; any request to another host is refused and remembered."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if host != "127.0.0.1":
            page.outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", guard)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    assert page.outside == [], f"the package asked for {page.outside}"
    assert page.errors == [], f"script errors: {page.errors}"
    context.close()


def open_lms(page, lms, folder: str, state: dict | None = None):
    standard = PACKAGES[folder][1]
    url = f"{lms.url}/lms/lms.html?standard={standard}&package={folder}"
    if state:
        url += "&state=" + quote(json.dumps(state))
    page.goto(url)
    return page.frame_locator("#sco")


def heading(frame) -> str:
    return frame.locator("h1").inner_text()


def moves_of_path(module, steps) -> list[tuple[str, int | None]]:
    return [(scene_id, index) for scene_id, index in steps if module.scene(scene_id).kind != "ending"]


def play(frame, module, steps, note: str | None = None):
    """Play (scene, choice) steps from the scene the player shows; returns decisions made."""
    decisions = 0
    for scene_id, index in steps:
        scene = module.scene(scene_id)
        assert heading(frame) == scene.title
        if note and scene.reflects:
            frame.locator("textarea").first.fill(note)
        if index is None:
            frame.get_by_role("button", name="Continue").click()
            continue
        frame.locator(f"#choice-{index}").check()
        frame.get_by_role("button", name="Choose").click()
        assert heading(frame) == "What happened"
        assert scene.choices[index].text in frame.locator("main").inner_text()
        frame.get_by_role("button", name="Continue").click()
        decisions += 1
    return decisions


def answer_quiz(frame, quiz, right: bool):
    """Answer every drawn question rightly (or wrongly) from the bank's own key."""
    fieldsets = frame.locator("fieldset[data-question]")
    fieldsets.first.wait_for()  # count() does not wait for the quiz page to be drawn
    for n in range(fieldsets.count()):
        fs = fieldsets.nth(n)
        q = quiz.question(fs.get_attribute("data-question"))
        if q.type == "ordering":
            order = list(q.correct_order) if right else list(reversed(q.correct_order))
            for item in q.correct_order:
                # By the position a person reads (1 first): Playwright matches a value string
                # against labels too, and option "2" is labelled "3".
                fs.locator(f"#q-{n}-item-{item}").select_option(label=str(order.index(item) + 1))
            continue
        best = max(q.options, key=lambda o: o.weight)
        worst = min(q.options, key=lambda o: o.weight)
        if q.type == "multiple":
            picks = [o.index for o in q.options if (o.weight > 0) == right] or [worst.index]
        else:
            picks = [(best if right else worst).index]
        for index in picks:
            fs.locator(f"#q-{n}-option-{index}").check()
    frame.get_by_role("button", name="Submit answers").click()


def final_values(page) -> dict:
    """The last value the package set for every element, and the run-time calls made. Every
    value must have been accepted by scorm-again (which checks formats as an LMS does)."""
    recorded = page.evaluate("() => window.recorded")
    refused = [r for r in recorded if r[2] != "true"]
    assert refused == [], f"the run-time refused {refused}"
    values = {}
    for element, value, _result, _error in recorded:
        values[element] = value
    return {"values": values, "recorded": recorded, "calls": page.evaluate("() => window.calls")}


def test_scorm2004_known_path_and_passed_quiz_report_the_right_values(lms_page, lms):
    """streetwise's recommended path (a junction with text on it) and a right quiz: completed,
    passed, score 100 (scaled 1), an ISO 8601 session time, exit normal, one choice
    interaction per decision with the learner's response and its result; the journal note
    is never sent."""
    module = report().modules["streetwise"]
    quiz = report().quizzes[module.quiz_id]
    frame = open_lms(lms_page, lms, "streetwise-2004")
    assert heading(frame) == module.title
    assert frame.locator(".brand__name").inner_text() == BRAND.name
    frame.get_by_role("button", name="Start the scenario").click()
    steps = moves_of_path(module, engine.recommended_path(module))
    decisions = play(frame, module, steps, note="My journal: " + REFLECTION)
    assert heading(frame) == module.scene(engine.recommended_path(module)[-1][0]).title
    frame.get_by_role("button", name="Go to the debrief").click()
    frame.locator("textarea").fill(REFLECTION)
    frame.get_by_role("button", name="Go to the quiz").click()
    answer_quiz(frame, quiz, right=True)
    assert "passed" in frame.locator(".result").inner_text()
    frame.get_by_role("button", name="Finish the module").click()
    got = final_values(lms_page)
    v = got["values"]
    assert v["cmi.completion_status"] == "completed" and v["cmi.success_status"] == "passed"
    assert (v["cmi.score.raw"], v["cmi.score.min"], v["cmi.score.max"], v["cmi.score.scaled"]) == ("100", "0", "100", "1")
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?\d+(\.\d{1,2})?S", v["cmi.session_time"]), v["cmi.session_time"]
    assert v["cmi.exit"] == "normal" and got["calls"][-1] == "Terminate"
    ids = {k for k in v if re.fullmatch(r"cmi\.interactions\.\d+\.id", k)}
    assert len(ids) == decisions == sum(1 for _, i in steps if i is not None)
    for n, (scene_id, index) in enumerate([(s, i) for s, i in steps if i is not None]):
        p = f"cmi.interactions.{n}."
        assert v[p + "type"] == "choice" and v[p + "id"] == f"decision-{n + 1}-{scene_id}"
        assert v[p + "learner_response"] == f"choice-{index}"
        assert v[p + "result"] == {"safe": "correct", "partly-safe": "neutral", "unsafe": "incorrect"}[
            module.scene(scene_id).choices[index].judgement]
    # The API itself holds the same values (scorm-again validated each one as it was set).
    cmi = lms_page.evaluate("() => JSON.parse(JSON.stringify(window.API_1484_11.cmi))")
    assert cmi["completion_status"] == "completed" and cmi["success_status"] == "passed"
    assert REFLECTION not in json.dumps(got["recorded"]) and REFLECTION not in json.dumps(cmi)


def test_scorm12_failed_quiz_reports_failed_with_its_score(lms_page, lms):
    """1.2: the introduction module's recommended path and a wrong quiz: lesson_status failed,
    score raw below the pass mark (min 0, max 100), HHHH:MM:SS.SS session time, no exit
    'suspend' once finished."""
    module = report().modules["its-silent-introduction"]
    quiz = report().quizzes[module.quiz_id]
    frame = open_lms(lms_page, lms, "intro-12")
    frame.get_by_role("button", name="Start the scenario").click()
    play(frame, module, moves_of_path(module, engine.recommended_path(module)))
    frame.get_by_role("button", name="Go to the debrief").click()
    frame.get_by_role("button", name="Go to the quiz").click()
    answer_quiz(frame, quiz, right=False)
    assert "not passed" in frame.locator(".result").inner_text()
    frame.get_by_role("button", name="Finish the module").click()
    v = final_values(lms_page)["values"]
    assert v["cmi.core.lesson_status"] == "failed"
    assert float(v["cmi.core.score.raw"]) < module.pass_mark
    assert (v["cmi.core.score.min"], v["cmi.core.score.max"]) == ("0", "100")
    assert re.fullmatch(r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?", v["cmi.core.session_time"]), v["cmi.core.session_time"]
    assert v["cmi.core.exit"] == ""
    cmi = lms_page.evaluate("() => JSON.parse(JSON.stringify(window.API.cmi))")
    assert cmi["core"]["lesson_status"] == "failed"


def test_a_suspended_scorm12_attempt_resumes_at_the_same_scene(lms_page, lms):
    """Two decisions into streetwise, the learner leaves (the frame unloads): exit 'suspend',
    suspend_data and lesson_location kept. Launched again with them, the player opens at
    the same scene with the decision count kept, and the journal note is still in the browser
    but was never in suspend_data."""
    module = report().modules["streetwise"]
    frame = open_lms(lms_page, lms, "streetwise-12")
    frame.get_by_role("button", name="Start the scenario").click()
    steps = moves_of_path(module, engine.recommended_path(module))
    play(frame, module, steps[:2], note=REFLECTION)
    at = heading(frame)
    assert at == module.scene(steps[2][0]).title
    lms_page.evaluate("() => document.getElementById('sco').remove()")
    lms_page.wait_for_function("() => window.calls.includes('LMSFinish')")
    v = final_values(lms_page)["values"]
    assert v["cmi.core.exit"] == "suspend" and v["cmi.core.lesson_status"] == "incomplete"
    assert v["cmi.core.lesson_location"] == steps[2][0]
    assert len(v["cmi.suspend_data"]) <= 4096 and REFLECTION not in v["cmi.suspend_data"]

    state = {"cmi": {"core": {"entry": "resume", "lesson_status": "incomplete",
                              "lesson_location": v["cmi.core.lesson_location"]},
                     "suspend_data": v["cmi.suspend_data"]}}
    frame = open_lms(lms_page, lms, "streetwise-12", state=state)
    assert heading(frame) == at
    assert frame.locator(".progress").inner_text() == "Decision 3"
    # The rest of the path plays on from there to the ending.
    play(frame, module, steps[2:])
    frame.get_by_role("button", name="Go to the debrief").click()
    assert heading(frame) == "Debrief"
    # The journal note from the first session is still in this browser (localStorage, same origin).
    assert REFLECTION in lms_page.evaluate("() => Object.keys(localStorage).map(k => localStorage.getItem(k)).join('|')")


def test_the_packaged_player_passes_axe_reflows_at_320px_and_plays_by_keyboard(lms_page, lms, a11y):
    """Every kind of page of the player (start, scene with its error, feedback, junction,
    ending, debrief, quiz with its error, result, finished), opened as the package's own page:
    axe (WCAG 2.2 A/AA) finds nothing, nothing scrolls sideways at 320 px, and the whole
    module is played with the keyboard alone (Tab, Space, Enter), focus on each new heading."""
    module = report().modules["streetwise"]
    quiz = report().quizzes[module.quiz_id]
    page = lms_page
    page.goto(f"{lms.url}/streetwise-2004/index.html")
    a11y.check(page, "scorm-start", look=True)
    # Focus starts on the page's heading; behind it, the skip link is the page's first stop.
    assert page.evaluate("() => document.activeElement.id") == "heading"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the module"
    _tab_to_button(page, "Start the scenario")
    page.keyboard.press("Enter")
    focused = "() => document.activeElement.id"
    checked = set()
    for scene_id, index in moves_of_path(module, engine.recommended_path(module)):
        assert page.evaluate(focused) == "heading"
        kind = module.scene(scene_id).kind
        if kind == "junction":
            if "junction" not in checked:
                a11y.check(page, "scorm-junction")
                checked.add("junction")
            _tab_to_button(page, "Continue")
            page.keyboard.press("Enter")
            continue
        if "scene" not in checked:
            _tab_to_button(page, "Choose")
            page.keyboard.press("Enter")  # nothing chosen: the error summary takes focus
            assert page.evaluate("() => document.activeElement.className") == "error-summary"
            a11y.check(page, "scorm-scene-error", look=True)
            checked.add("scene")
        page.focus("#heading")
        _tab_to(page, "choice-0")
        for _ in range(index):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        assert page.is_checked(f"#choice-{index}")
        _tab_to_button(page, "Choose")
        page.keyboard.press("Enter")
        if "feedback" not in checked:
            a11y.check(page, "scorm-feedback", look=True)
            checked.add("feedback")
        _tab_to_button(page, "Continue")
        page.keyboard.press("Enter")
    a11y.check(page, "scorm-ending")
    _tab_to_button(page, "Go to the debrief")
    page.keyboard.press("Enter")
    a11y.check(page, "scorm-debrief", look=True)
    _tab_to_button(page, "Go to the quiz")
    page.keyboard.press("Enter")
    a11y.check(page, "scorm-quiz", look=True)
    _tab_to_button(page, "Submit answers")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.className") == "error-summary"
    a11y.check(page, "scorm-quiz-error")
    answer_quiz(page, quiz, right=True)
    a11y.check(page, "scorm-result", look=True)
    _tab_to_button(page, "Finish the module")
    page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "You have finished this module"
    a11y.check(page, "scorm-finished")


def _tab_to(page, element_id: str, limit: int = 80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == element_id:
            return
    raise AssertionError(f"never reached #{element_id} by Tab")


def _tab_to_button(page, name: str, limit: int = 80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent") == name:
            return
    raise AssertionError(f"never reached the button {name!r} by Tab")


def test_a_resumed_scorm2004_attempt_adds_interactions_after_the_ones_kept(lms_page, lms):
    """2004: two decisions, then the learner leaves (exit 'suspend', location and suspend_data
    kept with both interactions). Relaunched with them, the player opens at the same scene, and
    the next decision is interaction 2: the LMS's earlier ones are never overwritten."""
    module = report().modules["streetwise"]
    frame = open_lms(lms_page, lms, "streetwise-2004")
    frame.get_by_role("button", name="Start the scenario").click()
    steps = moves_of_path(module, engine.recommended_path(module))
    play(frame, module, steps[:2])
    at = heading(frame)
    lms_page.evaluate("() => document.getElementById('sco').remove()")
    lms_page.wait_for_function("() => window.calls.includes('Terminate')")
    v = final_values(lms_page)["values"]
    assert v["cmi.exit"] == "suspend" and v["cmi.completion_status"] == "incomplete"
    kept = {k[len("cmi."):]: value for k, value in v.items() if k.startswith("cmi.interactions.")}
    assert {k for k in kept if k.endswith(".id")} == {"interactions.0.id", "interactions.1.id"}
    interactions = {}
    for key, value in kept.items():
        _, n, rest = key.split(".", 2)
        if rest.startswith("correct_responses"):
            interactions.setdefault(n, {}).setdefault("correct_responses", {"0": {}})["0"]["pattern"] = value
        else:
            interactions.setdefault(n, {})[rest] = value
    state = {"cmi": {"entry": "resume", "completion_status": "incomplete", "location": v["cmi.location"],
                     "suspend_data": v["cmi.suspend_data"], "interactions": interactions}}
    errors = []
    lms_page.on("pageerror", lambda e: errors.append(str(e)))
    frame = open_lms(lms_page, lms, "streetwise-2004", state=state)
    lms_page.wait_for_function("() => window.loadError !== undefined")
    assert lms_page.evaluate("() => window.loadError") is None and errors == []
    assert heading(frame) == at
    assert lms_page.evaluate("() => window.API_1484_11.GetValue('cmi.interactions._count')") == "2"
    play(frame, module, steps[2:3])
    v = final_values(lms_page)["values"]
    assert v["cmi.interactions.2.id"] == f"decision-3-{steps[2][0]}"
    assert "cmi.interactions.0.id" not in v and "cmi.interactions.1.id" not in v
