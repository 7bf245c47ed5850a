"""The quiz page and its results teach: every right option of a multiple-answer question is
marked (missed ones too) with its feedback and in words; points read as people read them; an
"order the steps" question starts unset and a gap or a repeat is an error, not a guess."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from course_engine.db import session
from course_engine.quizzes.models import QuizAttempt
from tests.conftest import csrf_from, sync_sample_content

#: Shown in this order (no shuffle), all three drawn.
BANK = """---
id: first-visit
title: "First visit: check your learning"
draw: 3
shuffle: false
---

## Who to involve {#who}
type: multiple

Which of these do you do? Choose all that apply.

- [x] See the child alone
  feedback: Seeing her alone lets her speak freely.
- [x] Record her words as she said them
  feedback: Her own words are the evidence.
- [x] Check agency records
  feedback: Records show what others already know.
- [ ] Ask her brother to interpret
  feedback: A family member cannot interpret neutrally.
- [ ] Close the case
  feedback: Nothing has been tested yet.

## The steps {#steps}
type: ordering

Put these in order.

1. Receive the referral
2. Check records
3. See the child
4. Hold a strategy discussion

## Partly {#partly}
type: single

Which is best?

- [x] Escalate under the policy
  feedback: Right.
- [50%] Ask your manager later
  feedback: Half right.
- [ ] Do nothing
  feedback: No.
"""


@pytest.fixture
def quiz_ready(app, content_dirs, player):
    """A learner at the debrief of the sample module whose bank is :data:`BANK`, with the
    quiz started; returns the quiz page's URL."""
    modules, quizzes = content_dirs
    (Path(quizzes) / "first-visit.md").write_text(BANK, encoding="utf-8")
    sync_sample_content(modules, quizzes)
    player.start()
    player.begin()
    player.choose(1)
    player.choose(0)
    player.proceed()
    response = player.browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    assert response.status_code == 303
    return response.headers["Location"]


def _post(player, url, data):
    html = player.browser.get(url).get_data(as_text=True)
    return player.browser.client.post(url, data={"csrf_token": csrf_from(html), **data})


def _ordering_fields(positions):
    """``positions``: option index -> position ("" for "Choose a position")."""
    return {f"q-steps.{index}": str(position) for index, position in positions.items()}


RIGHT_ORDER = {0: 1, 1: 2, 2: 3, 3: 4}


def test_ordering_steps_start_unset_with_a_choose_a_position_prompt(app, quiz_ready, player):
    """No step starts at "1": each select offers "Choose a position" first, selected."""
    html = player.browser.get(quiz_ready).get_data(as_text=True)
    selects = re.findall(r'<select id="q-steps-(\d)" name="q-steps\.\1".*?</select>', html, re.DOTALL)
    assert sorted(selects) == ["0", "1", "2", "3"]
    for block in re.findall(r'<select id="q-steps-\d".*?</select>', html, re.DOTALL):
        options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', block)
        assert options[0] == ("", " selected", "Choose a position")
        assert [o[0] for o in options[1:]] == ["1", "2", "3", "4"] and not any(o[1] for o in options[1:])


@pytest.mark.parametrize("positions, words", [
    ({0: 1, 1: 2, 2: "", 3: 4}, "1 still says “Choose a position”"),
    ({0: 1, 1: 1, 2: 3, 3: 4}, "(1 is used more than once)"),
])
def test_a_gap_or_a_repeat_in_an_order_stops_the_submit_with_an_error_summary(app, quiz_ready, player, positions, words):
    """Submitting with a step unset or a position used twice: the page again (200: the other answers
    are saved, and an error status would roll them back), the summary names the question and the
    problem and links to its first step; the choices made are shown again; nothing graded, even
    with "submit with unanswered questions" ticked."""
    data = {"q-who": ["0", "1", "2"], "q-partly": "0", **_ordering_fields(positions),
            "action": "submit", "confirm_unanswered": "yes"}
    response = _post(player, quiz_ready, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    first_step = re.search(r'<select id="(q-steps-\d)"', html).group(1)
    assert "“The steps”" in summary and words in summary and f'href="#{first_step}"' in summary
    assert 'id="q-steps-error"' in html  # the message beside the question too
    chosen = dict(re.findall(r'<select id="q-steps-(\d)".*?<option value="([^"]*)" selected>', html, re.DOTALL))
    assert chosen == {str(k): str(v) for k, v in positions.items()}
    session.expire_all()
    quiz_attempt = session.scalar(select(QuizAttempt))
    assert quiz_attempt.submitted_at is None
    assert quiz_attempt.answers["who"] == [0, 1, 2] and quiz_attempt.answers["partly"] == [0]  # kept


def test_save_later_keeps_other_answers_and_says_the_order_was_not_saved(app, quiz_ready, player):
    """"Save and come back later" with a gap in an order: the other answers are kept, the page
    says the order is not saved yet (200: the rest was saved, and an error status would roll it
    back), and an all-unset order simply clears it."""
    response = _post(player, quiz_ready, {"q-who": ["0"], **_ordering_fields({0: 2, 1: "", 2: "", 3: ""}),
                                          "action": "save"})
    assert response.status_code == 200 and "Your other answers are saved." in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(QuizAttempt)).answers == {"who": [0]}

    response = _post(player, quiz_ready, {"q-who": [""], **_ordering_fields(RIGHT_ORDER), "action": "save"})
    assert response.status_code == 303
    session.expire_all()
    # Every box unticked clears the saved answer; a complete order is saved in the learner's order.
    assert session.scalar(select(QuizAttempt)).answers == {"who": [], "steps": [0, 1, 2, 3]}
    html = player.browser.get(quiz_ready).get_data(as_text=True)
    shown = dict(re.findall(r'<select id="q-steps-(\d)".*?<option value="([^"]*)" selected>', html, re.DOTALL))
    assert shown == {"0": "1", "1": "2", "2": "3", "3": "4"}


def test_autosave_reports_an_order_it_could_not_keep(app, quiz_ready, player):
    html = player.browser.get(quiz_ready).get_data(as_text=True)
    response = player.browser.client.post(quiz_ready, headers={"Accept": "application/json"}, data={
        "csrf_token": csrf_from(html), "action": "save", **_ordering_fields({0: 1, 1: "", 2: "", 3: ""})})
    assert response.status_code == 200 and response.get_json() == {"saved": True, "not_saved": ["The steps"]}


@pytest.mark.parametrize("fields", [
    {"q-steps": ["0", "1", "2", "3"]},          # the old form of an ordering answer
    {"q-steps.9": "1"},                        # a step the question does not have
    {"q-steps.0": "5"},                        # a position past the end
    {"q-steps.0": "1", "q-steps.1": "2"},      # steps missing from the question
    {"q-who.0": "1"},                          # a position for a question that is not ordering
])
def test_a_tampered_or_out_of_date_ordering_field_is_a_400_that_saves_nothing(app, quiz_ready, player, fields):
    response = _post(player, quiz_ready, {**fields, "action": "save"})
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(QuizAttempt)).answers == {}


def test_the_right_order_scores_full_points(app, quiz_ready, player):
    """Positions chosen as the right order earn the question's point (the learner's order, not
    the display order, is what is graded)."""
    response = _post(player, quiz_ready, {"q-who": ["0", "1", "2"], "q-partly": "0",
                                          **_ordering_fields(RIGHT_ORDER), "action": "submit"})
    assert response.status_code == 303
    session.expire_all()
    quiz_attempt = session.scalar(select(QuizAttempt))
    assert quiz_attempt.score_percent == 100.0 and quiz_attempt.passed


def _results(player, quiz_ready, data):
    response = _post(player, quiz_ready, {**data, "action": "submit"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return player.browser.get(response.headers["Location"]).get_data(as_text=True)


def _text(fragment):
    return re.sub(r"<[^>]+>", "", fragment or "").strip()


def _option_items(html, question_id):
    """(verdict class, the words said, option text, feedback shown) for each option reviewed."""
    section = html[html.index(f'id="result-{question_id}"'):]
    section = section[:section.index("</section>")]
    items = []
    for verdict, body in re.findall(r'<li class="option-review option-review--([a-z-]+)">(.*?)</li>', section, re.DOTALL):
        label = re.search(r'<p class="option-review__verdict"><span aria-hidden="true">[^<]*</span>(.*?)</p>', body, re.DOTALL)
        text = re.search(r'<div class="option-review__text">(.*?)</div>', body, re.DOTALL)
        feedback = re.search(r'<div class="option-review__feedback"><span class="visually-hidden">Feedback: </span>(.*?)</div>',
                             body, re.DOTALL)
        items.append((verdict, _text(label.group(1)), _text(text.group(1)), _text(feedback.group(1)) if feedback else ""))
    return items, section


def test_results_mark_every_right_option_of_a_multiple_answer_question_in_words(app, quiz_ready, player):
    """One right option chosen, one wrong: the page says which were chosen, which are right and
    which right ones were missed, each right option with its feedback; ⅓ point reads as a third."""
    html = _results(player, quiz_ready, {"q-who": ["0", "3"], "q-partly": "1", **_ordering_fields(RIGHT_ORDER)})
    items, section = _option_items(html, "who")
    by_text = {text: (verdict, label, feedback) for verdict, label, text, feedback in items}
    assert by_text["See the child alone"] == ("picked-right", "You chose this: it is a right answer",
                                              "Seeing her alone lets her speak freely.")
    assert by_text["Record her words as she said them"] == (
        "missed", "You did not choose this, but it is a right answer (missed)", "Her own words are the evidence.")
    assert by_text["Check agency records"][0:2] == ("missed", "You did not choose this, but it is a right answer (missed)")
    assert by_text["Check agency records"][2] == "Records show what others already know."
    assert by_text["Ask her brother to interpret"] == ("picked-wrong", "You chose this: it is not a right answer",
                                                       "A family member cannot interpret neutrally.")
    assert by_text["Close the case"] == ("left-wrong", "Not a right answer, and you did not choose it", "")
    assert "You chose 1 of the 3 right answers and 1 answer that is not right; you missed 2." in section
    # +⅓ for the right one, −⅓ for the wrong one: nothing, said plainly.
    assert "0 of 1 point" in section and "0.33" not in html

    partly_items, partly = _option_items(html, "partly")
    assert ("picked-part", "You chose this: partly right (50% of the points)", "Ask your manager later", "Half right.") in partly_items
    assert ("missed", "The right answer (you did not choose it)", "Escalate under the policy", "Right.") in partly_items
    assert "½ of 1 point" in partly
    # 1 + 0 + ½ of 3 points: 50%.
    assert "You scored 1½ of 3 points (50%)" in html


def test_results_show_thirds_of_a_point_and_the_order_beside_the_right_one(app, quiz_ready, player):
    """Two of three right options: ⅔ point (never 0.666667); an order with two steps swapped
    says which steps are out of place and shows the right order."""
    html = _results(player, quiz_ready, {"q-who": ["0", "1"], "q-partly": "0",
                                         **_ordering_fields({0: 1, 1: 3, 2: 2, 3: 4})})
    _items, who = _option_items(html, "who")
    assert "⅔ of 1 point" in who and "you missed 1" in who
    steps = html[html.index('id="result-steps"'):]
    steps = steps[:steps.index("</section>")]
    assert "2 of the 4 steps are in the right place." in steps and "½ of 1 point" in steps
    assert steps.count("Belongs at position") == 2 and steps.count("In the right place") == 2
    assert "You scored 2⅙ of 3 points (72%)" in html
    assert "0.66" not in html and "0.33" not in html
