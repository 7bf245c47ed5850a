"""Every staff-and-teams route denies whoever may not use it.

Rules: anonymous -> the login page; a learner -> 403; a manager on an org-admin page -> 403;
a manager asking for a team, person or invitation outside the teams they can see -> 404;
anyone from another organisation -> 404, and an id from another organisation inside this
organisation's URLs -> 404; a POST without the CSRF token -> 400 (nothing saved).
"""
from __future__ import annotations

import pytest

ADMIN, EMPLOYER = "admin", "employer"

#: (method, URL template, who may use it). Templates are filled from the ``staff`` fixture;
#: ``{team}``, ``{person}``, ``{invitation}``, ``{delegation}`` and ``{import_}`` name objects of West
#: (which East's manager may not see).
ROUTES = [
    ("GET", "/orgs/{org}/", EMPLOYER),
    ("GET", "/orgs/{org}/teams/{team}", EMPLOYER),
    ("GET", "/orgs/{org}/people", EMPLOYER),
    ("GET", "/orgs/{org}/people/{person}", EMPLOYER),
    ("GET", "/orgs/{org}/invitations", EMPLOYER),
    ("GET", "/orgs/{org}/people/import", ADMIN),
    ("GET", "/orgs/{org}/audit", ADMIN),
    ("POST", "/orgs/{org}/teams", ADMIN),
    ("POST", "/orgs/{org}/teams/{team}/rename", ADMIN),
    ("POST", "/orgs/{org}/teams/{team}/archive", ADMIN),
    ("POST", "/orgs/{org}/teams/{team}/restore", ADMIN),
    ("POST", "/orgs/{org}/teams/{team}/managers", ADMIN),
    ("POST", "/orgs/{org}/teams/{team}/managers/{manager}/remove", ADMIN),
    ("POST", "/orgs/{org}/people/{person}", ADMIN),
    ("POST", "/orgs/{org}/people/{person}/deactivate", ADMIN),
    ("POST", "/orgs/{org}/people/{person}/reactivate", ADMIN),
    ("POST", "/orgs/{org}/people/{manager}/delegates", ADMIN),
    ("POST", "/orgs/{org}/people/{manager}/delegates/{delegation}/remove", ADMIN),
    ("POST", "/orgs/{org}/invitations", EMPLOYER),
    ("POST", "/orgs/{org}/invitations/{invitation}/resend", EMPLOYER),
    ("POST", "/orgs/{org}/invitations/{invitation}/revoke", EMPLOYER),
    ("POST", "/orgs/{org}/people/import", ADMIN),
    ("POST", "/orgs/{org}/people/import/{import_}/confirm", ADMIN),
]
IDS = [f"{m} {u}" for m, u, _ in ROUTES]


def _north(staff, template):
    return template.format(org=staff.org.slug, team=staff.west.id, person=staff.learner_west.id,
                           manager=staff.manager_west.id, invitation=staff.invitation_west.id,
                           delegation=staff.delegation_west.id, import_=staff.import_north.id)


def _south_ids_in_north(staff, template):
    return template.format(org=staff.org.slug, team=staff.far.id, person=staff.learner_far.id,
                           manager=staff.delegation_far.manager_membership_id,
                           invitation=staff.invitation_far.id, delegation=staff.delegation_far.id,
                           import_=staff.import_south.id)


def _request(browser, method, url, form_page="/account"):
    """GET, or POST with a valid CSRF token taken from ``form_page``."""
    if method == "GET":
        return browser.get(url)
    return browser.post(url, {}, form_page=form_page)


def _snapshot():
    """Counts of every table the staff routes write to, to prove a denied request wrote nothing."""
    from sqlalchemy import func, select

    from course_engine.db import session
    from course_engine.audit import AuditLog
    from course_engine.orgs.models import Invitation, ManagerDelegate, Membership, StaffImport, Team, TeamManager

    session.expire_all()
    counts = {m.__name__: session.scalar(select(func.count()).select_from(m))
              for m in (AuditLog, Invitation, ManagerDelegate, Membership, StaffImport, Team, TeamManager)}
    counts["deactivated"] = session.scalar(select(func.count()).select_from(Membership)
                                           .where(Membership.deactivated_at.is_not(None)))
    return counts


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=IDS)
def test_anonymous_is_sent_to_login(app, browser, staff, method, template, allowed):
    response = _request(browser, method, _north(staff, template), form_page="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=IDS)
def test_learner_gets_403(app, browser, staff, method, template, allowed):
    browser.login("east.learner@north.example")
    before = _snapshot()
    assert _request(browser, method, _north(staff, template)).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=IDS)
def test_manager_of_another_team(app, browser, staff, method, template, allowed):
    """East's manager: 403 on org-admin pages, 404 for West's team, people and invitations."""
    browser.login("east.manager@north.example")
    before = _snapshot()
    response = _request(browser, method, _north(staff, template))
    if allowed == ADMIN:
        assert response.status_code == 403
    elif any(key in template for key in ("{team}", "{person}", "{invitation}")):
        assert response.status_code == 404
    elif method == "POST":
        assert response.status_code == 400  # the invite form: West is not a team they can choose
    else:
        assert response.status_code == 200
    assert _snapshot() == before


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=IDS)
def test_other_organisation_gets_404(app, browser, staff, method, template, allowed):
    browser.login("admin@south.example")
    before = _snapshot()
    assert _request(browser, method, _north(staff, template)).status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("method,template,allowed",
                         [r for r in ROUTES if any(k in r[1] for k in ("{team}", "{person}", "{manager}",
                                                                       "{invitation}", "{delegation}", "{import_}"))],
                         ids=[i for i, r in zip(IDS, ROUTES) if any(k in r[1] for k in (
                             "{team}", "{person}", "{manager}", "{invitation}", "{delegation}", "{import_}"))])
def test_ids_of_another_organisation_are_404(app, browser, staff, method, template, allowed):
    """North's admin using South's ids in North's URLs gets 404: ids are looked up within the organisation."""
    browser.login("admin@north.example")
    before = _snapshot()
    assert _request(browser, method, _south_ids_in_north(staff, template)).status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("method,template,allowed", [r for r in ROUTES if r[0] == "POST"],
                         ids=[i for i, r in zip(IDS, ROUTES) if r[0] == "POST"])
def test_post_without_csrf_is_400(app, browser, staff, method, template, allowed):
    browser.login("admin@north.example")
    before = _snapshot()
    response = browser.client.post(_north(staff, template), data={})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert _snapshot() == before


@pytest.mark.parametrize("template", [t for m, t, _ in ROUTES if m == "GET"])
def test_org_admin_can_open_every_page(app, browser, staff, template):
    browser.login("admin@north.example")
    assert browser.get(_north(staff, template)).status_code == 200


def test_manager_sees_own_and_delegated_pages(app, browser, staff):
    """West's delegate (the spare manager) sees West's team, people and invitations."""
    browser.login("spare.manager@north.example")
    assert browser.get(_north(staff, "/orgs/{org}/teams/{team}")).status_code == 200
    assert browser.get(_north(staff, "/orgs/{org}/people/{person}")).status_code == 200
    page = browser.get(_north(staff, "/orgs/{org}/invitations")).get_data(as_text=True)
    assert "new.west@example.org" in page
