"""Where people land after signing in: learners on My learning, a manager or organisation admin
on their organisation's dashboard, someone with that role in several organisations on the
chooser; a valid ``next`` still wins, and an outside one is ignored."""
from __future__ import annotations

import pytest


@pytest.fixture
def people(app, make_org, make_user, add_member):
    north, (team,) = make_org("Northshire Council")
    south, _ = make_org("Southshire Council", teams=["Far"])
    made = {
        "learner": make_user(email="learner@example.org"),
        "manager": make_user(email="manager@example.org"),
        "admin": make_user(email="admin@example.org"),
        "both": make_user(email="both@example.org"),
        "learner_and_manager": make_user(email="mixed@example.org"),
        "nobody": make_user(email="nobody@example.org"),
    }
    add_member(north, made["learner"], "learner", team=team)
    add_member(north, made["manager"], "manager", manages=[team])
    add_member(north, made["admin"], "org_admin")
    add_member(north, made["both"], "manager")
    add_member(south, made["both"], "org_admin")
    add_member(north, made["learner_and_manager"], "learner")
    add_member(south, made["learner_and_manager"], "manager")
    return north, south, made


def _landing(browser, email, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    response = browser.post(url, {"email": email, "password": "correct horse battery staple"}, form_page="/login")
    assert response.status_code == 302
    first = response.headers["Location"]
    if first != "/":
        return first
    return browser.get("/").headers["Location"]


@pytest.mark.parametrize("who, where", [
    ("learner", "/learning"),
    ("nobody", "/learning"),
    ("manager", "/orgs/northshire-council/dashboard"),
    ("admin", "/orgs/northshire-council/dashboard"),
    ("learner_and_manager", "/orgs/southshire-council/dashboard"),
    ("both", "/orgs/"),
])
def test_each_role_lands_where_it_starts(browser, people, who, where):
    _north, _south, made = people
    assert _landing(browser, made[who].email) == where


def test_a_valid_next_still_wins_and_an_outside_one_is_ignored(browser, people):
    _north, _south, made = people
    assert _landing(browser, made["manager"].email, "/modules") == "/modules"
    browser.logout()
    assert _landing(browser, made["manager"].email, "https://evil.example/") == "/orgs/northshire-council/dashboard"
    browser.logout()
    assert _landing(browser, made["learner"].email, "//evil.example/") == "/learning"


def test_the_chooser_lists_each_organisation_with_the_role(browser, people):
    north, south, made = people
    browser.login(made["both"].email)
    page = browser.get("/orgs/").get_data(as_text=True)
    assert f'href="/orgs/{north.slug}/dashboard"' in page and f'href="/orgs/{south.slug}/dashboard"' in page
    assert "(Manager)" in page and "(Organisation admin)" in page
    assert 'href="/learning"' in page


def test_the_chooser_sends_someone_with_one_organisation_straight_to_it_and_needs_sign_in(browser, people):
    north, _south, made = people
    assert "/login" in browser.get("/orgs/").headers["Location"]
    browser.login(made["manager"].email)
    assert browser.get("/orgs/").headers["Location"] == f"/orgs/{north.slug}/dashboard"
    browser.logout()
    browser.login(made["learner"].email)
    page = browser.get("/orgs/")
    assert page.status_code == 200 and "do not manage" in page.get_data(as_text=True)
