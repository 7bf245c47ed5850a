"""Which organisation's look a page's header shows (the rules in branding/services.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_engine.branding import services as branding
from course_engine.branding.images import clean_logo
from course_engine.db import session
from course_engine.employers.models import Assignment, TargetKind

from tests.conftest import copy_sample_content, sync_sample_content

from .conftest import png_bytes

CONTENT = Path(__file__).resolve().parents[1] / "certificates" / "data"
ORG_BRAND = re.compile(r'<p class="org-brand">(.*?)</p>', re.S)


def _brand(html: str) -> str | None:
    """The organisation shown in the header (its visible name), or None."""
    match = ORG_BRAND.search(html)
    if not match:
        return None
    return re.sub(r"<[^>]+>|Organisation: ", "", match.group(1)).strip()


def _look(org, name, accent="#1f4e79", logo=True):
    branding.save_look(None, org, display_name=name, accent_colour=accent)
    if logo:
        branding.save_logo(None, org, clean_logo(png_bytes()))
    session.commit()


def test_a_member_of_one_organisation_sees_its_look_on_their_own_pages(browser, place):
    """Rule 2: the learner's only organisation, on My learning and their account page: its name,
    its logo (decorative: the name is beside it) and its accent stylesheet."""
    _look(place.org, "Northshire Children's Services")
    browser.login(place.learner.email)
    for url in ("/learning", "/account"):
        page = browser.get(url).get_data(as_text=True)
        assert _brand(page) == "Northshire Children&#39;s Services", url
        assert re.search(r'<img src="/brand/logos/[0-9a-f]{64}" alt="" width="120" height="40">', page)
        assert '<link rel="stylesheet" href="/brand/accent/1f4e79.css">' in page


def test_an_organisation_without_a_look_and_people_without_one_show_the_sites_own(browser, place, make_user):
    browser.login(place.learner.email)
    assert _brand(browser.get("/learning").get_data(as_text=True)) is None
    browser.logout()
    _look(place.org, "Northshire")
    loner = make_user(email="loner@example.org")
    browser.login(loner.email)
    page = browser.get("/learning").get_data(as_text=True)
    assert _brand(page) is None and "/brand/accent/" not in page
    browser.logout()
    assert _brand(browser.get("/verify").get_data(as_text=True)) is None  # nobody signed in


def test_a_look_without_a_name_shows_the_organisations_name_and_no_accent_keeps_the_sites(browser, place):
    _look(place.org, "", accent="", logo=False)
    browser.login(place.learner.email)
    page = browser.get("/learning").get_data(as_text=True)
    assert _brand(page) == "Northshire Council"
    assert "/brand/accent/" not in page and "/brand/logos/" not in page


def test_a_new_look_shows_at_once_on_the_next_page(browser, place):
    """The look is kept in memory per version; saving makes a new version, so no stale header."""
    _look(place.org, "First name")
    browser.login(place.learner.email)
    assert _brand(browser.get("/learning").get_data(as_text=True)) == "First name"
    _look(place.org, "Second name", accent="#767676")
    page = browser.get("/learning").get_data(as_text=True)
    assert _brand(page) == "Second name" and "/brand/accent/767676.css" in page


@pytest.fixture
def agency_worker(app, place, make_user, add_member):
    """A learner in both councils (an agency worker); each council has its own look, and each
    assigns one of the two modules."""
    from course_engine.learner.services import published_module

    sync_sample_content(*copy_sample_content(app, CONTENT))
    _look(place.org, "North look")
    _look(place.other, "South look", accent="#767676")
    worker = make_user(email="agency@example.org")
    add_member(place.org, worker)
    add_member(place.other, worker, "manager")
    home_visit, _ = published_module("home-visit")
    recording, _ = published_module("recording-words")
    session.add(Assignment(organisation_id=place.org.id, module_id=home_visit.id, target_kind=TargetKind.organisation))
    session.add(Assignment(organisation_id=place.other.id, module_id=recording.id, target_kind=TargetKind.organisation))
    session.commit()
    return worker


def test_in_several_organisations_the_page_or_assignment_decides_else_none(browser, place, agency_worker):
    """Rule 3: My learning shows no organisation; a module's page shows the organisation that
    assigned it; an organisation's own pages show that organisation (rule 1)."""
    browser.login(agency_worker.email)
    assert _brand(browser.get("/learning").get_data(as_text=True)) is None
    assert _brand(browser.get("/modules/home-visit").get_data(as_text=True)) == "North look"
    page = browser.get("/modules/recording-words").get_data(as_text=True)
    assert _brand(page) == "South look" and "/brand/accent/767676.css" in page
    assert _brand(browser.get(f"/orgs/{place.other.slug}/dashboard").get_data(as_text=True)) == "South look"


def test_in_several_organisations_the_attempt_pages_follow_the_assigning_organisation(browser, place, agency_worker):
    browser.login(agency_worker.email)
    page = browser.post("/modules/home-visit/start", {"acknowledge": "y"}, form_page="/modules/home-visit")
    assert page.status_code in (302, 303)
    attempt_url = page.headers["Location"]
    assert _brand(browser.get(attempt_url).get_data(as_text=True)) == "North look"


def test_a_module_both_organisations_assigned_shows_neither(browser, place, agency_worker):
    from course_engine.learner.services import published_module

    home_visit, _ = published_module("home-visit")
    session.add(Assignment(organisation_id=place.other.id, module_id=home_visit.id, target_kind=TargetKind.organisation))
    session.commit()
    browser.login(agency_worker.email)
    assert _brand(browser.get("/modules/home-visit").get_data(as_text=True)) is None


def test_an_organisations_pages_show_that_organisation_to_its_managers(browser, place):
    """Rule 1 on the guard's pages: the manager sees their organisation's look on its dashboard."""
    _look(place.org, "North look")
    browser.login(place.manager.email)
    assert _brand(browser.get(f"/orgs/{place.org.slug}/dashboard").get_data(as_text=True)) == "North look"
