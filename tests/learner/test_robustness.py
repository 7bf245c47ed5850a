"""The player never corrupts an attempt or records a decision twice, whatever the browser does."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from course_engine.db import session
from course_engine.learner.models import Completion, Decision, JournalEntry, ScenarioAttempt
from course_engine.quizzes.models import QuizAttempt, QuizResponse
from tests.conftest import Browser


def _decisions():
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Decision))


def _attempt(player):
    session.expire_all()
    return session.get(ScenarioAttempt, player.attempt_id)


def test_double_submitted_choice_is_recorded_once(app, player):
    """The same form sent twice (a double click) records one decision; the second is told it was stale."""
    player.start()
    player.begin()
    fields, _ = player.form_values()
    first = player.choose(1, values=fields)
    second = player.choose(1, values=fields)
    assert first.status_code == second.status_code == 303
    assert "/feedback/" in first.headers["Location"]
    assert second.headers["Location"].endswith(player.url)
    assert _decisions() == 1
    page = player.browser.get(player.url).get_data(as_text=True)
    assert "That page was out of date" in page and "Amira alone" in page


def test_back_button_then_a_different_choice_changes_nothing(app, player):
    """After moving on, submitting the old page's form (back button) with another choice is stale."""
    player.start()
    player.begin()
    old_fields, _ = player.form_values()
    player.choose(1, values=old_fields)
    response = player.choose(0, values=old_fields)
    assert response.status_code == 303
    attempt = _attempt(player)
    assert attempt.current_scene_id == "alone" and attempt.counters == {"curiosity": 1}
    assert _decisions() == 1


def test_two_tabs_on_the_same_attempt(app, player, browser):
    """Two tabs show the same scene; the first submit wins, the second is stale and says where you are."""
    player.start()
    player.begin()
    tab_a, _ = player.form_values()
    tab_b, _ = player.form_values()
    player.choose(0, values=tab_a)   # accept the explanation
    player.choose(1, values=tab_b)   # the other tab tries "see alone"
    attempt = _attempt(player)
    assert attempt.current_scene_id == "explained" and attempt.step == 2
    assert _decisions() == 1


def test_concurrent_submits_record_one_decision(app, player):
    """Two requests racing on the same step: exactly one decision, one step forward."""
    player.start()
    player.begin()
    fields, _ = player.form_values()
    clients = []
    for _ in range(2):
        client = app.test_client()
        client.set_cookie("session", player.browser.client.get_cookie("session").value)
        clients.append(client)
    data = dict(fields, choice=f"{fields['scene']}.1")
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda c: c.post(f"{player.url}/choose", data=data).status_code, clients))
    assert sorted(statuses) == [303, 303]
    assert _decisions() == 1 and _attempt(player).step == 2


@pytest.mark.parametrize("choice", ["explained.0", "referral.7", "referral.x", "", "nonsense", "../referral.1"])
def test_tampered_choice_is_a_400_and_records_nothing(app, player, choice):
    """A choice that is not on the current page (another scene's, out of range, malformed) is refused."""
    player.start()
    player.begin()
    fields, _ = player.form_values()
    response = player.browser.client.post(f"{player.url}/choose", data=dict(fields, choice=choice))
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert _decisions() == 0 and _attempt(player).step == 1


def test_missing_step_field_is_a_400(app, player):
    player.start()
    player.begin()
    fields, _ = player.form_values()
    del fields["step"]
    response = player.browser.client.post(f"{player.url}/choose", data=dict(fields, choice="referral.0"))
    assert response.status_code == 400 and _decisions() == 0


def test_another_learners_attempt_is_404(app, player, make_user):
    """Attempts, feedback, debriefs, quizzes and reflections of another learner are 404, never 403."""
    player.start()
    player.begin()
    player.choose(1)
    make_user(email="tom@example.org")
    other = Browser(app.test_client())
    other.login("tom@example.org")
    base = f"/attempts/{player.attempt_id}"
    for url in [base, f"{base}/feedback/1", f"{base}/debrief", f"{base}/reflection", f"{base}/quiz/1",
                f"{base}/quiz/1/results", f"{base}/completed"]:
        assert other.get(url).status_code == 404, url
    for url in [f"{base}/choose", f"{base}/begin", f"{base}/continue", f"{base}/journal/first-thoughts",
                f"{base}/quiz", f"{base}/reflection", f"{base}/quiz/1"]:
        response = other.post(url, {"step": "2", "scene": "alone", "choice": "alone.0", "answer": "x"},
                              form_page="/learning")
        assert response.status_code == 404, url
    assert _decisions() == 1
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_player_requires_login(app, client, published):
    assert client.get("/attempts/1").status_code == 302
    assert client.get("/learning").status_code == 302


def _finish_scenario(player):
    player.start()
    player.begin()
    player.choose(1)
    player.choose(0)
    player.proceed()


def _start_quiz(player, number):
    response = player.browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    assert response.headers["Location"].endswith(f"/quiz/{number}")
    html = player.browser.get(f"{player.url}/quiz/{number}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    questions = sorted(set(re.findall(r'name="(q-[a-z0-9-]+)"', html)))
    return token, questions


def test_quiz_answers_are_kept_when_leaving(app, player):
    """Saved answers come back ticked when the learner returns to the quiz."""
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    response = player.browser.client.post(f"{player.url}/quiz/1", data={"csrf_token": token, "action": "save",
                                                                        questions[0]: "1", questions[1]: "0"})
    assert response.status_code == 303
    html = player.browser.get(f"{player.url}/quiz/1").get_data(as_text=True)
    assert re.search(rf'name="{questions[0]}" value="1" checked', html)
    assert re.search(rf'name="{questions[1]}" value="0" checked', html)
    # Starting the quiz again returns to the same open attempt rather than drawing anew.
    token2, again = _start_quiz(player, 1)
    assert again == questions


def test_double_submitted_quiz_is_graded_once(app, player):
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    data = {"csrf_token": token, "action": "submit", **{q: "0" for q in questions}}
    first = player.browser.client.post(f"{player.url}/quiz/1", data=data)
    second = player.browser.client.post(f"{player.url}/quiz/1", data={**data, **{q: "1" for q in questions}})
    assert first.status_code == second.status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(QuizResponse)) == 4
    assert session.scalar(select(QuizAttempt)).score_percent == 100.0


@pytest.mark.parametrize(("right", "passed"), [(4, True), (3, True), (2, False)])
def test_pass_mark_boundary(app, player, right, passed):
    """The pass mark is 75%: 3 of 4 (exactly 75%) passes, 2 of 4 does not."""
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    data = {"csrf_token": token, "action": "submit"}
    for i, q in enumerate(questions):
        data[q] = "0" if i < right else "1"
    player.browser.client.post(f"{player.url}/quiz/1", data=data)
    session.expire_all()
    quiz_attempt = session.scalar(select(QuizAttempt))
    assert quiz_attempt.score_percent == right * 25 and quiz_attempt.passed is passed


@pytest.mark.parametrize("bad", [{"q-not-drawn": "0"}, "bad-option"])
def test_tampered_quiz_answers_are_a_400(app, player, bad):
    """An answer for a question not in this attempt, or an option the question lacks, records nothing."""
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    data = {"csrf_token": token, "action": "submit", **{q: "0" for q in questions}}
    if bad == "bad-option":
        data[questions[0]] = "9"
    else:
        data.update(bad)
    response = player.browser.client.post(f"{player.url}/quiz/1", data=data)
    assert response.status_code == 400
    session.expire_all()
    quiz_attempt = session.scalar(select(QuizAttempt))
    assert quiz_attempt.submitted_at is None and quiz_attempt.answers == {}


def test_unanswered_questions_need_confirmation(app, player):
    """Submitting with questions unanswered asks again (nothing graded) and keeps the answers
    given (a 200: an error status would roll them back)."""
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    response = player.browser.client.post(f"{player.url}/quiz/1", data={"csrf_token": token, "action": "submit",
                                                                        questions[0]: "0"})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    session.expire_all()
    quiz_attempt = session.scalar(select(QuizAttempt))
    assert quiz_attempt.submitted_at is None
    assert quiz_attempt.answers[questions[0].removeprefix("q-")] == [0]


def test_reflection_is_required_for_completion(app, player):
    """Passing the quiz is not enough: without the reflection there is no completion."""
    _finish_scenario(player)
    token, questions = _start_quiz(player, 1)
    player.browser.client.post(f"{player.url}/quiz/1", data={"csrf_token": token, "action": "submit",
                                                              **{q: "0" for q in questions}})
    empty = player.browser.post(f"{player.url}/reflection", {"what_learned": "", "impact_on_practice": ""})
    assert empty.status_code == 400 and "There is a problem" in empty.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Completion)) == 0
    player.browser.post(f"{player.url}/reflection", {"what_learned": "a", "impact_on_practice": "b"})
    player.browser.post(f"{player.url}/reflection", {"what_learned": "a, edited", "impact_on_practice": "b"})
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Completion)) == 1


def test_quiz_cannot_start_before_the_scenario_ends(app, player):
    player.start()
    player.begin()
    response = player.browser.post(f"{player.url}/quiz", {}, form_page=player.url)
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
