"""The player shows learners only the passages their path earned: the scene page, the
feedback page and the debrief read the facts and visited scenes stored on the attempt."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from course_engine.db import session
from course_engine.learner.models import Decision, ScenarioAttempt

from tests.conftest import sync_sample_content

from .conftest import Player

EXAMPLE = Path(__file__).parents[1] / "content" / "data" / "passages" / "consistent.md"


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def words_kept(app, make_user, browser):
    modules = Path(app.config["MODULES_DIR"])
    quizzes = Path(app.config["QUIZZES_DIR"])
    modules.mkdir(parents=True, exist_ok=True)
    quizzes.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, modules / "words-kept.md")
    sync_sample_content(modules, quizzes)
    make_user(email="grace@example.org", full_name="Grace Mensah")
    assert browser.login("grace@example.org").status_code == 302
    player = Player(browser, slug="words-kept")
    player.start()
    assert player.begin().status_code == 303
    return player


def _feedback(player, response):
    assert response.status_code == 303, response.get_data(as_text=True)
    return _text(player.browser.get(response.headers["Location"]))


def test_summarised_path_sees_the_summary_not_her_words(app, words_kept):
    """Seen alone, then summarised: the ending shows the summary passage only, the debrief
    its 'next time' passage, and the feedback its unconditional claim and evidence."""
    player = words_kept
    first = _feedback(player, player.choose(0))
    assert "Practitioners should see the child alone." in first and "Working Together" in first
    summary_feedback = _feedback(player, player.choose(1))
    assert "the words in the record are yours" in summary_feedback
    assert "Her mother's account came first" not in summary_feedback
    ending = _text(player.browser.get(f"{player.url}/debrief"))
    assert "The meeting heard your summary, not her words." in ending
    assert "as she said them" not in ending
    assert "Next time, write down the child's own words." in ending


def test_words_shared_path_sees_her_words(app, words_kept):
    """Seen alone, words written and shared: the ending credits exactly that."""
    player = words_kept
    player.choose(0)
    player.choose(0)
    ending = _text(player.browser.get(f"{player.url}/debrief"))
    assert "The meeting heard Amira's words as she said them." in ending
    assert "your summary" not in ending and "Next time" not in ending
    with app.app_context():
        attempt = session.scalar(select(ScenarioAttempt).where(ScenarioAttempt.id == player.attempt_id))
        assert attempt.facts == ["saw-alone", "shared-words"]
        assert attempt.visited == ["alone", "call", "heard", "strategy"]


def test_feedback_reads_the_state_after_the_choice(app, words_kept):
    """Feedback passages read the facts and visited scenes recorded with the decision: via
    her mother, the summary's feedback says her account came first, even when reopened."""
    player = words_kept
    player.choose(1)  # speak to her mother first
    player.choose(0)  # see Amira alone after all
    response = player.choose(1)  # summarise
    text = _feedback(player, response)
    assert "Her mother's account came first" in text
    with app.app_context():
        decision = session.scalar(select(Decision).where(Decision.attempt_id == player.attempt_id,
                                                         Decision.step == 3))
        assert decision.facts_after == ["saw-alone"] and "mother" in decision.visited_after
    closed = _text(player.browser.get(f"{player.url}/debrief"))
    assert "Nobody heard from Amira herself." not in closed  # she was seen alone after all
    assert "The case is closed." in closed
