"""Registration years (1 December to 30 November), the summary against Social Work England's
requirement (at least 2 pieces of CPD, at least 1 with peer reflection) and peer reflections."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from course_engine.cpd import services
from course_engine.cpd.models import PeerFormat, PeerReflection
from course_engine.cpd.services import RegistrationYear
from course_engine.db import session, utcnow
from tests.cpd.conftest import at

Y2025 = RegistrationYear.starting(2025)   # 1 December 2025 to 30 November 2026
Y2026 = RegistrationYear.starting(2026)   # 1 December 2026 to 30 November 2027


def _titles(user, year):
    return {r.title for r in services.records_for(user.id, year)}


def test_registration_year_runs_1_december_to_30_november():
    """30 November belongs to the year that began the previous 1 December; 1 December starts a new one."""
    assert RegistrationYear.containing(date(2026, 11, 30)) == Y2025
    assert RegistrationYear.containing(date(2026, 12, 1)) == Y2026
    assert RegistrationYear.containing(date(2025, 12, 1)) == Y2025
    assert (Y2025.start, Y2025.end, Y2025.label) == (date(2025, 12, 1), date(2026, 11, 30), "2025\u201326")


def test_entries_on_30_november_and_1_december_fall_in_different_years(app, learner, make_entry):
    """An entry dated 2026-11-30 counts in 2025-26; one dated 2026-12-01 counts in 2026-27."""
    make_entry(learner, date(2026, 11, 30), title="Last day")
    make_entry(learner, date(2026, 12, 1), title="First day")
    make_entry(learner, date(2025, 11, 30), title="Year before")
    assert _titles(learner, Y2025) == {"Last day"}
    assert _titles(learner, Y2026) == {"First day"}
    assert _titles(learner, RegistrationYear.starting(2024)) == {"Year before"}


def test_module_completions_use_the_day_in_england(app, learner, make_completion):
    """A module completed at 23:59 on 30 November counts in that year; at 00:00 on 1 December,
    in the next (both days are GMT, so UTC and England agree at this boundary)."""
    make_completion(learner, at(2026, 11, 30, 23, 59, 59), what_learned="late")
    make_completion(learner, at(2026, 12, 1, 0, 0, 0), what_learned="early")
    assert [r.what_learned for r in services.records_for(learner.id, Y2025)] == ["late"]
    assert [r.what_learned for r in services.records_for(learner.id, Y2026)] == ["early"]


def test_a_summer_completion_late_in_the_evening_uses_the_day_in_england(app, learner, make_completion):
    """At 23:30 UTC on 30 June it is already 1 July in England (BST): the record shows 1 July."""
    make_completion(learner, at(2026, 6, 30, 23, 30))
    assert [r.day for r in services.records_for(learner.id)] == [date(2026, 7, 1)]


def test_log_shows_only_the_chosen_year(app, browser, learner, make_entry):
    """The log shows the chosen year's records and summary; the year list offers both years."""
    make_entry(learner, date(2026, 11, 30), title="Last day")
    make_entry(learner, date(2026, 12, 1), title="First day")
    html = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert "Last day" in html and "First day" not in html
    assert '<option value="2026"' in html and '<option value="2025" selected' in html
    html = browser.get("/cpd?year=2026-27").get_data(as_text=True)
    assert "First day" in html and "Last day" not in html


def test_log_defaults_to_the_current_year(app, browser, learner):
    """Without a year, the log shows the registration year containing today."""
    current = RegistrationYear.containing(services.local_date(utcnow()))
    html = browser.get("/cpd").get_data(as_text=True)
    assert f"Registration year {current.label}" in html and current.long_label in html


@pytest.mark.parametrize("value", ["abc", "1700", "20250", "2025-", "../2025"])
def test_a_bad_year_is_a_400(app, browser, learner, value):
    """A year that is not a plausible registration year is a 400 with a clear message."""
    for url in ("/cpd", "/cpd/export.csv", "/cpd/export.pdf"):
        response = browser.get(url, query_string={"year": value})
        assert response.status_code == 400, url
        assert "Choose a registration year" in response.get_data(as_text=True)


@pytest.mark.parametrize("count, with_peer, steps", [
    (0, 0, ["Add two pieces of CPD", "Record a peer reflection on one of them"]),
    (1, 0, ["Add one more piece of CPD", "Record a peer reflection on one of your entries"]),
    (1, 1, ["Add one more piece of CPD"]),
    (2, 0, ["Record a peer reflection on one of your entries"]),
    (2, 1, []),
    (5, 2, []),
])
def test_next_steps(count, with_peer, steps):
    """The next step names exactly what is missing: more CPD, a peer reflection, or nothing."""
    assert services.next_steps(count, with_peer) == steps


def test_peer_reflection_counts_toward_the_requirement(app, browser, learner, make_entry, make_completion):
    """Two records meet the requirement only once one has a peer reflection; a peer
    reflection on a module completion counts as much as one on CPD done elsewhere."""
    make_entry(learner, date(2026, 1, 10))
    completion = make_completion(learner, at(2026, 2, 1))
    html = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert "Requirement not met yet" in html and "Record a peer reflection on one of your entries." in html

    page = browser.get(f"/cpd/modules/{completion.id}/peer-reflection").get_data(as_text=True)
    assert "not their name" in page and "Supervision with a manager" in page
    response = browser.post(f"/cpd/modules/{completion.id}/peer-reflection", {
        "discussed_on": "2026-02-10", "peer_role": "Advanced practitioner", "format": "team_meeting",
        "what_learned": "The team saw the father differently."})
    assert response.status_code == 303
    peer = session.scalar(select(PeerReflection))
    assert (peer.completion_id, peer.entry_id, peer.format, peer.peer_role) == \
        (completion.id, None, PeerFormat.team_meeting, "Advanced practitioner")

    html = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert "Requirement met" in html and "Requirement not met yet" not in html
    assert "The team saw the father differently." in html and "A reflective team meeting" in html
    summary = services.year_summary(learner.id, Y2025, date(2026, 3, 1))
    assert (summary.count, summary.with_peer, summary.met, summary.next_steps) == (2, 1, True, [])


def test_a_peer_reflection_counts_in_the_year_of_its_cpd(app, learner, make_entry, add_peer):
    """The record's date decides the year: a peer reflection on last year's CPD does not count this year."""
    old = make_entry(learner, date(2025, 11, 20))
    make_entry(learner, date(2025, 12, 2))
    make_entry(learner, date(2026, 1, 2))
    add_peer(learner, "entries", old.id, discussed_on=date(2025, 12, 5))
    assert services.year_summary(learner.id, Y2025, date(2026, 3, 1)).next_steps == \
        ["Record a peer reflection on one of your entries"]


def test_peer_reflection_can_be_edited_and_removed(app, browser, learner, make_entry, add_peer):
    """The peer reflection form shows what was saved; deleting it keeps the record itself."""
    entry = make_entry(learner)
    add_peer(learner, "entries", entry.id)
    url = f"/cpd/entries/{entry.id}/peer-reflection"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="Senior practitioner"' in page and 'value="20/03/2026"' in page
    assert re.search(r'<input checked id="format-\d" name="format" required type="radio" value="group_supervision">', page)
    response = browser.post(f"{url}/delete", {}, form_page=url)
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(select(PeerReflection)) is None
    assert services.entry_for(learner.id, entry.id) is not None


@pytest.mark.parametrize("field, value, message", [
    ("discussed_on", "32/01/2026", "The date of the discussion must be a real date"),
    ("discussed_on", "", "Enter the date of the discussion"),
    ("discussed_on", "2099-05-01", "must be today or in the past"),
    ("peer_role", " ", "Enter your colleague's role (not their name)"),
    ("format", "", "Choose how you discussed it"),
    ("format", "carrier-pigeon", "Choose how you discussed it from the list"),
    ("what_learned", "", "Write what you learned from discussing it"),
])
def test_bad_peer_reflection_is_a_400_naming_the_field(app, browser, learner, make_entry, field, value, message):
    """An invalid peer reflection is refused with a 400 naming the field; nothing is saved."""
    entry = make_entry(learner)
    data = {"discussed_on": "2026-03-20", "peer_role": "Team manager", "format": "informal_chat",
            "what_learned": "We talked about the father."}
    data[field] = value
    response = browser.post(f"/cpd/entries/{entry.id}/peer-reflection", data)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 400 and f'href="#{field}"' in html and message in html
    session.expire_all()
    assert session.scalar(select(PeerReflection)) is None
