"""The whole learner journey through HTTP, and the records it leaves."""
import re

from sqlalchemy import func, select

from course_engine import signals
from course_engine.db import session
from course_engine.learner.models import AttemptStatus, Completion, Decision, FinalReflection, JournalEntry, ScenarioAttempt
from course_engine.quizzes.models import QuizAttempt, QuizResponse


def _quiz_form(browser, attempt_id, number, correct: bool):
    """Answers for every drawn question: the right option (index 0 in the sample bank) or the wrong one."""
    html = browser.get(f"/attempts/{attempt_id}/quiz/{number}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    questions = sorted(set(re.findall(r'name="(q-[a-z0-9-]+)"', html)))
    assert len(questions) == 4  # draw: 4 from a bank of 5
    data = {"csrf_token": token, "action": "submit"}
    for name in questions:
        data[name] = "0" if correct else "1"
    return data


def test_whole_journey_catalogue_to_completion(app, browser, player):
    """catalogue -> module -> scenario with a conditional route -> debrief -> quiz fail ->
    retake -> pass -> reflection -> completion, with every record checked."""
    completed = []

    def record(sender, **kw):
        completed.append(kw["completion"].id)

    with signals.module_completed.connected_to(record):
        _play_whole_journey(browser, player, completed)


def _play_whole_journey(browser, player, completed):

    catalogue = browser.get("/modules").get_data(as_text=True)
    assert "First visit" in catalogue and "20 minutes of CPD" in catalogue
    module_page = browser.get("/modules/first-visit").get_data(as_text=True)
    assert "Content warning" in module_page and "Mentions harm to a child." in module_page
    assert module_page.index("Content warning") < module_page.index("Learning outcomes")

    player.start()
    intro = player.page().get_data(as_text=True)
    assert "This case is fictional" in intro
    assert player.begin().status_code == 303

    # A reflection prompt answered in place, kept private.
    fields, html = player.form_values()
    assert "What did you assume" in html
    response = browser.client.post(f"{player.url}/journal/first-thoughts",
                                   data={"csrf_token": fields["csrf_token"], "answer": "That the family would be hostile."})
    assert response.status_code == 303

    # Safe choice: curiosity +1 -> Amira alone (feedback shown first) -> curiosity 2 -> route to safe ending.
    response = player.choose(1)
    assert response.status_code == 303 and "/feedback/" in response.headers["Location"]
    feedback = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "You arrange to see Amira at school." in feedback and "Safe practice" in feedback
    response = player.choose(0)
    assert response.status_code == 303
    junction = player.page().get_data(as_text=True)
    assert "Two weeks pass." in junction and "Continue" in junction
    assert player.proceed().status_code == 303
    debrief = browser.get(player.url, follow_redirects=True).get_data(as_text=True)
    assert "Amira is safe" in debrief and "Seeing the child alone matters." in debrief
    assert "The recommended path" in debrief

    attempt = session.get(ScenarioAttempt, player.attempt_id)
    assert attempt.status == AttemptStatus.scenario_done and attempt.ending_scene_id == "safe-end"
    assert attempt.counters == {"curiosity": 2}
    decisions = session.scalars(select(Decision).where(Decision.attempt_id == attempt.id).order_by(Decision.step)).all()
    assert [(d.scene_id, d.choice_index, d.judgement) for d in decisions] == [("referral", 1, "safe"), ("alone", 0, "safe")]
    assert all(d.created_at is not None for d in decisions)

    # Quiz: fail, then retake and pass.
    response = browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    assert response.headers["Location"].endswith("/quiz/1")
    response = browser.client.post(f"{player.url}/quiz/1", data=_quiz_form(browser, player.attempt_id, 1, correct=False))
    results = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not passed" in results and "You scored 0 of 4 points (0%)" in results
    response = browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    assert response.headers["Location"].endswith("/quiz/2")
    browser.client.post(f"{player.url}/quiz/2", data=_quiz_form(browser, player.attempt_id, 2, correct=True))
    assert "Passed" in browser.get(f"{player.url}/quiz/2/results").get_data(as_text=True)

    # Completion needs the reflection.
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Completion)) == 0
    response = browser.post(f"{player.url}/reflection", {"what_learned": "To see the child alone.",
                                                        "impact_on_practice": "I will record the child's words."})
    assert response.status_code == 303 and response.headers["Location"].endswith("/completed")

    session.expire_all()
    completion = session.scalar(select(Completion))
    assert completion.attempt_id == attempt.id and completion.version_id == attempt.version_id
    assert completion.score_percent == 100.0 and completion.cpd_minutes == 20
    session.refresh(attempt)
    assert completion.active_seconds == attempt.active_seconds  # what the attempt had counted
    assert completed == [completion.id]
    quiz_attempts = session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
    assert [(q.number, q.passed, q.score_percent) for q in quiz_attempts] == [(1, False, 0.0), (2, True, 100.0)]
    assert session.scalar(select(func.count()).select_from(QuizResponse)) == 8
    assert session.scalar(select(JournalEntry)).answer == "That the family would be hostile."
    assert session.scalar(select(FinalReflection)).impact_on_practice == "I will record the child's words."
    home = browser.get("/learning").get_data(as_text=True)
    assert "20</strong> minutes of CPD" in home and "First visit" in home


def test_conditional_routing_takes_the_other_branch(app, browser, player):
    """An unsafe first choice leaves curiosity at 0, so the junction routes to the unsafe ending."""
    player.start()
    player.begin()
    player.choose(0)   # accept explanation
    player.choose(0)   # close the referral
    player.proceed()   # the junction: curiosity is 0
    attempt = session.get(ScenarioAttempt, player.attempt_id)
    session.refresh(attempt)
    assert attempt.ending_scene_id == "unsafe-end"
    player2_page = browser.get(f"{player.url}/debrief").get_data(as_text=True)
    assert "Amira is not protected" in player2_page and "Unsafe practice" in player2_page


def test_resume_from_a_new_session(app, make_user, player, browser):
    """Closing the browser and logging in elsewhere resumes at the same scene."""
    from tests.conftest import Browser

    player.start()
    player.begin()
    player.choose(1)
    other = Browser(app.test_client())
    other.login("grace@example.org")
    home = other.get("/learning").get_data(as_text=True)
    assert f"/attempts/{player.attempt_id}" in home
    page = other.get(f"/attempts/{player.attempt_id}").get_data(as_text=True)
    assert "Amira alone" in page


def test_saved_reflection_comes_back_on_the_scene_page(app, player, browser):
    """The scene page shows the learner's saved answer in place, with when it was saved."""
    player.start()
    player.begin()
    fields, html = player.form_values()
    assert "Saved " not in html
    browser.client.post(f"{player.url}/journal/first-thoughts",
                        data={"csrf_token": fields["csrf_token"], "answer": "That the family would be <hostile>."})
    page = player.page().get_data(as_text=True)
    assert "That the family would be &lt;hostile&gt;.</textarea>" in page
    assert "<p class=\"muted\">Saved " in page


def test_an_abandoned_attempt_sends_the_learner_to_the_module_page(app, player, browser):
    player.start()
    player.begin()
    first = player.attempt_id
    player.start()
    response = browser.get(f"/attempts/{first}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/modules/first-visit")
    assert "this earlier attempt is closed" in browser.get("/modules/first-visit").get_data(as_text=True)


def test_restart_keeps_the_old_attempt(app, player, browser):
    player.start()
    player.begin()
    first = player.attempt_id
    player.start()
    assert player.attempt_id != first
    session.expire_all()
    assert session.get(ScenarioAttempt, first).status == AttemptStatus.abandoned
    assert session.scalar(select(func.count()).select_from(ScenarioAttempt)) == 2
