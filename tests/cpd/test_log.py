"""The CPD log: completed modules appear by themselves; CPD done elsewhere is added, edited
and deleted by its owner only; bad input is refused with a 400 that names the field."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from course_engine.cpd.models import ActivityType, CpdEntry
from course_engine.db import session
from tests.cpd.conftest import at
from tests.learner.test_journey import _quiz_form

VALID = {
    "activity_type": "reading",
    "title": "Child Q review",
    "activity_date": "2026-02-03",
    "minutes": "75",
    "description": "Read the Child Q review: it is about adultification.",
    "what_learned": "How adultification bias shapes decisions.",
    "impact_on_practice": "I will question how I read a child's age.",
}


def _count():
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CpdEntry))


def test_log_needs_login(app, client):
    """The CPD log is personal: anonymous visitors are sent to log in."""
    response = client.get("/cpd")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_has_cpd_record(app, browser, learner):
    """Everyone logged in has a 'CPD record' menu item, marked current on the log."""
    html = browser.get("/cpd").get_data(as_text=True)
    assert re.search(r'<a href="/cpd" aria-current="page">CPD record</a>', html)


def test_module_completed_through_the_player_appears_with_its_reflection(app, browser, player):
    """A module completed through the player is in the log, with date, minutes, the final
    reflection and a link to edit that reflection on the learner's reflection page."""
    player.start()
    player.begin()
    player.choose(1)
    player.choose(0)
    player.proceed()
    browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    browser.client.post(f"{player.url}/quiz/1", data=_quiz_form(browser, player.attempt_id, 1, correct=True))
    response = browser.post(f"{player.url}/reflection", {"what_learned": "See the child alone, every time.",
                                                        "impact_on_practice": "I will record Amira’s own words."})
    assert response.status_code == 303
    html = browser.get("/cpd").get_data(as_text=True)
    assert "First visit" in html and "20 minutes" in html
    assert "See the child alone, every time." in html and "I will record Amira’s own words." in html
    assert f'href="/attempts/{player.attempt_id}/reflection"' in html
    assert "Module completed on this site" in html


def test_add_edit_and_delete_an_entry(app, browser, learner):
    """A learner adds CPD done elsewhere, edits it, and deletes it after confirming."""
    response = browser.post("/cpd/entries/new", VALID)
    assert response.status_code == 303
    entry = session.scalar(select(CpdEntry))
    assert (entry.user_id, entry.activity_type, entry.activity_date, entry.minutes) == \
        (learner.id, ActivityType.reading, date(2026, 2, 3), 75)
    assert entry.shared_with_manager_at is None  # private by default
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Child Q review" in html and "Reading or research" in html and "75 minutes" in html

    edit_url = f"/cpd/entries/{entry.id}/edit"
    form = browser.get(edit_url).get_data(as_text=True)
    assert 'value="03/02/2026"' in form and '<option selected value="reading">' in form
    response = browser.post(edit_url, dict(VALID, title="Child Q review (second reading)", minutes="40",
                                           activity_date="17/02/2026"))
    assert response.status_code == 303
    session.expire_all()
    entry = session.get(CpdEntry, entry.id)
    assert (entry.title, entry.minutes, entry.activity_date) == ("Child Q review (second reading)", 40, date(2026, 2, 17))

    confirm = browser.get(f"/cpd/entries/{entry.id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    assert _count() == 1  # asking is not deleting
    response = browser.post(f"/cpd/entries/{entry.id}/delete", {})
    assert response.status_code == 303 and _count() == 0


@pytest.mark.parametrize("field, value, message", [
    ("activity_date", "31/02/2026", "The date you did this CPD must be a real date"),
    ("activity_date", "yesterday", "The date you did this CPD must be a real date"),
    ("activity_date", "", "Enter the date you did this CPD"),
    ("activity_date", "2099-01-01", "The date you did this CPD must be today or in the past"),
    ("activity_date", "1999-12-31", "must be after 1 January 2000"),
    ("minutes", "abc", "Enter the time it took in minutes"),
    ("minutes", "0", "Enter the time it took in minutes"),
    ("minutes", "-5", "Enter the time it took in minutes"),
    ("minutes", "1.5", "Enter the time it took in minutes"),
    ("minutes", "999999", "Enter the time it took in minutes"),
    ("minutes", "", "Enter the time it took in minutes"),
    ("title", "   ", "Enter a title for this CPD"),
    ("title", "x" * 201, "Field cannot be longer than 200 characters"),
    ("activity_type", "", "Choose the type of CPD"),
    ("activity_type", "webinar-of-doom", "Choose the type of CPD from the list"),
    ("description", "", "Describe the CPD and why it is relevant"),
    ("what_learned", "", "Write what you learned"),
    ("impact_on_practice", "", "Write the impact on your practice"),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_lost(app, browser, learner, field, value, message):
    """Invalid input is refused with a 400, an error summary linking to the field, the
    message next to it, nothing saved, and everything the learner typed shown again."""
    response = browser.post("/cpd/entries/new", dict(VALID, **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert 'aria-invalid="true"' in html
    if field in ("activity_date", "minutes"):
        assert f'name="{field}" type="text" value="{value}"' in html  # kept as typed, to correct
    assert "Read the Child Q review: it is about adultification." in html or field == "description"
    assert "How adultification bias shapes decisions." in html or field == "what_learned"
    assert _count() == 0


def test_a_bad_edit_changes_nothing(app, browser, learner, make_entry):
    """An invalid edit is a 400 and the saved entry is left as it was."""
    entry = make_entry(learner)
    response = browser.post(f"/cpd/entries/{entry.id}/edit", dict(VALID, minutes="lots", title="Changed"))
    assert response.status_code == 400 and "Enter the time it took in minutes" in response.get_data(as_text=True)
    session.expire_all()
    entry = session.get(CpdEntry, entry.id)
    assert (entry.title, entry.minutes) == ("Adultification bias workshop", 90)


def test_a_post_without_csrf_saves_nothing(app, browser, learner):
    """Every POST is checked for its CSRF token: without it, a 400 and nothing saved."""
    browser.get("/cpd/entries/new")
    response = browser.client.post("/cpd/entries/new", data=VALID)
    assert response.status_code == 400 and _count() == 0


def test_another_learners_entries_are_404(app, browser, learner, make_user, make_entry, make_completion):
    """A learner cannot see, edit, delete, reflect on or share another learner's records:
    each is a 404, and the records are untouched."""
    other = make_user(email="other@example.org")
    entry = make_entry(other, what_learned="Other's private learning.")
    completion = make_completion(other, at(2026, 3, 1))
    for url in (f"/cpd/entries/{entry.id}/edit", f"/cpd/entries/{entry.id}/delete",
                f"/cpd/entries/{entry.id}/peer-reflection", f"/cpd/modules/{completion.id}/peer-reflection"):
        assert browser.get(url).status_code == 404, url
    posts = [(f"/cpd/entries/{entry.id}/edit", VALID), (f"/cpd/entries/{entry.id}/delete", {}),
             (f"/cpd/entries/{entry.id}/share", {}), (f"/cpd/modules/{completion.id}/share", {}),
             (f"/cpd/entries/{entry.id}/peer-reflection",
              {"discussed_on": "2026-03-02", "peer_role": "Manager", "format": "informal_chat", "what_learned": "x"})]
    for url, data in posts:
        assert browser.post(url, data, form_page="/cpd").status_code == 404, url
    session.expire_all()
    kept = session.get(CpdEntry, entry.id)
    assert kept is not None and kept.title == "Adultification bias workshop" and kept.shared_with_manager_at is None
    assert "Other's private learning." not in browser.get("/cpd?year=2025").get_data(as_text=True)
