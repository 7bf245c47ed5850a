"""A double click never answers 500 and never writes twice: each form a person can send twice
at once (a double click, a second tab) is sent twice at the same instant to a real threaded
server, on SQLite and PostgreSQL; both answers are good (2xx/3xx, the same outcome) and there is
one row. The player's moves are covered by tests/learner/test_robustness.py."""
from __future__ import annotations

import importlib.metadata
import re
import threading

import pytest
import requests
from sqlalchemy import func, select

from course_engine.db import session
from course_engine.learner.models import FinalReflection, JournalEntry
from course_engine.quizzes.models import QuizAttempt
from tests.hardening.world import client_for, play_to_ending, start_attempt
from tests.loopback import LoopbackServer


@pytest.fixture
def live(app, published, make_user):
    """A learner with an attempt just begun, and the app served on loopback (threaded)."""
    user = make_user(email="double@example.org", full_name="Dee Double")
    browser = client_for(app, user)
    attempt_id = start_attempt(browser)
    server = LoopbackServer(app)
    http = requests.Session()
    # The same browser as far as session protection can tell: its cookie and user agent.
    http.headers["User-Agent"] = f"Werkzeug/{importlib.metadata.version('werkzeug')}"
    http.cookies.set("session", browser.client.get_cookie("session").value)
    yield server, http, attempt_id
    server.stop()


def _token(http, url) -> str:
    html = http.get(url, timeout=30).text
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def _twice_at_once(http, url, data) -> list[requests.Response]:
    """POST the same form from two threads released together by a barrier."""
    barrier, responses, errors = threading.Barrier(2), [None, None], []

    def send(i):
        barrier.wait()
        try:
            responses[i] = http.post(url, data=data, allow_redirects=False, timeout=60)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return responses


def _count(model, **where) -> int:
    session.commit()  # end the test's snapshot
    return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_journal_answer_sent_twice_at_once_is_one_entry(live):
    """journal_entry (attempt + prompt): two good answers, one entry with the answer."""
    server, http, attempt_id = live
    url = f"{server.url}/attempts/{attempt_id}"
    data = {"csrf_token": _token(http, url), "answer": "Sent twice."}
    for _round in range(3):
        responses = _twice_at_once(http, f"{url}/journal/first-thoughts", data)
        assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
        assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _count(JournalEntry, attempt_id=attempt_id) == 1


def test_final_reflection_sent_twice_at_once_is_one_reflection(app, live):
    """final_reflection (attempt): two good answers to the same page, one reflection."""
    server, http, attempt_id = live
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}/reflection"
    data = {"csrf_token": _token(http, url), "what_learned": "Twice.", "impact_on_practice": "Once."}
    responses = _twice_at_once(http, url, data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _count(FinalReflection, attempt_id=attempt_id) == 1


def test_quiz_start_sent_twice_at_once_is_one_quiz_attempt(app, live):
    """quiz_attempt (attempt + number): both clicks go to quiz attempt 1; no second attempt uses a retake."""
    server, http, attempt_id = live
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}"
    data = {"csrf_token": _token(http, f"{url}/debrief")}
    responses = _twice_at_once(http, f"{url}/quiz", data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert {r.headers["Location"].rsplit("/", 1)[-1] for r in responses} == {"1"}
    assert _count(QuizAttempt, scenario_attempt_id=attempt_id) == 1


def test_quiz_submitted_twice_at_once_is_graded_once(app, live):
    """quiz submission (already a claim, kept so): both answers go to the results, one set of responses."""
    from course_engine.quizzes.models import QuizResponse
    from tests.conftest import Browser

    server, http, attempt_id = live
    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}"
    http.post(f"{url}/quiz", data={"csrf_token": _token(http, f"{url}/debrief")}, timeout=30)
    html = http.get(f"{url}/quiz/1", timeout=30).text
    data = {"csrf_token": _token(http, f"{url}/quiz/1"), "action": "submit"}
    data.update({name: "0" for name in set(re.findall(r'name="(q-[a-z0-9-]+)"', html))})
    responses = _twice_at_once(http, f"{url}/quiz/1", data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert {r.headers["Location"].rsplit("/", 1)[-1] for r in responses} == {"results"}
    quiz_attempt_id = session.scalar(select(QuizAttempt.id).where(QuizAttempt.scenario_attempt_id == attempt_id))
    assert _count(QuizResponse, quiz_attempt_id=quiz_attempt_id) == 4  # the sample quiz draws 4 questions, graded once
