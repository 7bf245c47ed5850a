"""The one-time submission key's rules (course_engine/submissions.py), shown on the "new CPD
entry" form (any form that creates rows behaves the same). Sending the same form twice at the
same instant is tests/hardening/test_double_submit.py; these are the rules one request at a time."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from course_engine import submissions
from course_engine.cpd.models import CpdEntry
from course_engine.db import insert_unless_exists, session, utcnow
from course_engine.submissions import SubmissionKey
from tests.conftest import Browser, csrf_from

ENTRY = {"activity_type": "course", "title": "Keyed course", "activity_date": "17/03/2026", "minutes": "90",
         "description": "What it was.", "what_learned": "Something.", "impact_on_practice": "Some."}


def _key(html: str) -> str | None:
    match = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', html)
    return match.group(1) if match else None


def _form(browser: Browser, **data) -> dict:
    html = browser.get("/cpd/entries/new").get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "submission_key": _key(html), **ENTRY, **data}


def _entries(user=None, title=None) -> int:
    session.commit()  # end the test's snapshot
    query = select(func.count()).select_from(CpdEntry)
    if user is not None:
        query = query.where(CpdEntry.user_id == user.id)
    if title is not None:
        query = query.where(CpdEntry.title == title)
    return session.scalar(query)


def _keys() -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(SubmissionKey))


def _signed_in(app, user) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def test_each_rendering_carries_a_fresh_well_formed_key(app, make_user):
    """Every time the form is shown it has a new key, one submissions.new_key could make."""
    browser = _signed_in(app, make_user())
    first, second = (_key(browser.get("/cpd/entries/new").get_data(as_text=True)) for _ in range(2))
    assert submissions.is_well_formed(first) and submissions.is_well_formed(second)
    assert first != second


def test_the_same_form_sent_again_is_saved_once_and_answered_with_the_first_outcome(app, make_user):
    """A second tab resending the form: the same 303 as the first, "already saved", one entry."""
    user = make_user()
    browser = _signed_in(app, user)
    data = _form(browser)
    first = browser.client.post("/cpd/entries/new", data=data)
    second = browser.client.post("/cpd/entries/new", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert "#entry-" in first.headers["Location"]
    page = browser.get(second.headers["Location"]).get_data(as_text=True)
    assert "That was already saved" in page
    assert _entries(user) == 1


def test_a_changed_copy_of_a_saved_form_is_not_saved_twice_and_says_so(app, make_user):
    """Back, change the form, send that copy: no second entry, the first one unchanged, and the
    person is told their changes in this copy were not saved (nothing is dropped silently)."""
    user = make_user()
    browser = _signed_in(app, user)
    data = _form(browser)
    first = browser.client.post("/cpd/entries/new", data=data)
    changed = browser.client.post("/cpd/entries/new", data={**data, "title": "Changed title"})
    assert changed.status_code == 303 and changed.headers["Location"] == first.headers["Location"]
    assert "the changes in the copy you just sent were not" in browser.get(changed.headers["Location"]).get_data(as_text=True)
    assert _entries(user) == 1 and _entries(user, "Keyed course") == 1


def test_a_changed_copy_of_the_peer_reflection_form_is_saved_as_a_change(app, make_user):
    """The peer reflection's second save is an update, so a changed copy sent with the same key
    is saved (still one peer row); an unchanged copy is "already saved"."""
    from course_engine.cpd.models import PeerReflection

    user = make_user()
    browser = _signed_in(app, user)
    assert browser.client.post("/cpd/entries/new", data=_form(browser)).status_code == 303
    session.commit()
    entry_id = session.scalar(select(CpdEntry.id).where(CpdEntry.user_id == user.id))
    url = f"/cpd/entries/{entry_id}/peer-reflection"
    html = browser.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "submission_key": _key(html), "discussed_on": "18/03/2026",
            "peer_role": "Senior practitioner", "format": "informal_chat", "what_learned": "First view."}
    assert browser.client.post(url, data=data).status_code == 303
    repeat = browser.client.post(url, data=data)
    assert "That was already saved" in browser.get(repeat.headers["Location"]).get_data(as_text=True)
    assert browser.client.post(url, data={**data, "what_learned": "Second view."}).status_code == 303
    session.commit()
    peers = session.scalars(select(PeerReflection).where(PeerReflection.entry_id == entry_id)).all()
    assert [p.what_learned for p in peers] == ["Second view."]


def test_another_persons_key_is_their_own_new_submission(app, make_user):
    """The claim is per person: someone sending a key another person used (a copied page) makes
    their own entry and is sent to it, never to the other person's."""
    owner, other = make_user(), make_user()
    owner_browser, other_browser = _signed_in(app, owner), _signed_in(app, other)
    data = _form(owner_browser)
    first = owner_browser.client.post("/cpd/entries/new", data=data)
    copied = other_browser.client.post("/cpd/entries/new", data={**_form(other_browser),
                                                                 "submission_key": data["submission_key"]})
    assert first.status_code == copied.status_code == 303
    assert copied.headers["Location"] != first.headers["Location"]
    assert _entries(owner) == 1 and _entries(other) == 1
    assert "already saved" not in other_browser.get(copied.headers["Location"]).get_data(as_text=True)


def test_an_invalid_form_claims_nothing_so_the_form_shown_again_still_saves(app, make_user):
    """An invalid form is shown again (400) with the key it was sent and claims nothing; once
    corrected, that same form saves."""
    user = make_user()
    browser = _signed_in(app, user)
    data = _form(browser, title="")
    refused = browser.client.post("/cpd/entries/new", data=data)
    assert refused.status_code == 400
    assert _key(refused.get_data(as_text=True)) == data["submission_key"]
    assert _keys() == 0
    saved = browser.client.post("/cpd/entries/new", data={**data, "title": "Corrected"})
    assert saved.status_code == 303
    assert _entries(user, "Corrected") == 1 and _keys() == 1


def test_a_missing_or_malformed_key_is_a_new_submission_as_before(app, make_user):
    """No key (a tab rendered before keys existed, a script) or a key no form of ours made: each
    request is a new submission, and nothing is stored for it."""
    user = make_user()
    browser = _signed_in(app, user)
    for key in (None, "", "not-a-key", "x" * 5000, "\u0661" * 43):
        data = _form(browser)
        data.pop("submission_key")
        if key is not None:
            data["submission_key"] = key
        assert browser.client.post("/cpd/entries/new", data=data).status_code == 303
    assert _entries(user) == 5 and _keys() == 0


def test_purge_deletes_keys_older_than_a_day(app, make_user):
    """``flask submissions purge`` (and ``flask reminders send``, hourly) delete keys older
    than MAX_AGE and keep newer ones; a form sent again after that is a new submission."""
    user = make_user()
    now = utcnow()
    for age in (timedelta(days=2), submissions.MAX_AGE + timedelta(minutes=1), timedelta(hours=23)):
        session.add(SubmissionKey(user_id=user.id, key=submissions.new_key(), created_at=now - age, outcome="/cpd"))
    session.commit()
    result = app.test_cli_runner().invoke(args=["submissions", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 submission keys" in result.output
    assert _keys() == 1
    session.add(SubmissionKey(user_id=user.id, key=submissions.new_key(), created_at=now - timedelta(days=3)))
    session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 form submission keys" in result.output
    assert _keys() == 1


def test_insert_unless_exists_says_whether_it_inserted(app, make_user):
    """The claim relies on insert_unless_exists' answer: True for the row it inserted, False for
    a conflict, on both databases (PostgreSQL needs the row count preserved for this)."""
    user = make_user()
    row = dict(user_id=user.id, key=submissions.new_key(), created_at=utcnow(), outcome=None)
    assert insert_unless_exists(SubmissionKey.__table__, row, conflict=("user_id", "key")) is True
    assert insert_unless_exists(SubmissionKey.__table__, row, conflict=("user_id", "key")) is False
    session.rollback()
