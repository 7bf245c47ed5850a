"""The role guard and organisation isolation."""
from sqlalchemy import select

from course_engine.db import session
from course_engine.audit import AuditLog
from course_engine.orgs.models import Team


def _setup(make_org, make_user, add_member):
    org, (east, west) = make_org("Northshire Council", teams=["East", "West"])
    other, (far,) = make_org("Southshire Council", teams=["Far"])
    admin = make_user(email="admin@north.example")
    manager = make_user(email="manager@north.example")
    learner = make_user(email="learner@north.example")
    add_member(org, admin, "org_admin")
    add_member(org, manager, "manager", manages=[east])
    add_member(org, learner, "learner", team=east)
    return org, east, west, other, far


def test_learner_gets_403_on_a_manager_page(app, browser, make_org, make_user, add_member):
    org, east, *_ = _setup(make_org, make_user, add_member)
    browser.login("learner@north.example")
    assert browser.get(f"/orgs/{org.slug}/").status_code == 403
    assert browser.get(f"/orgs/{org.slug}/teams/{east.id}").status_code == 403


def test_anonymous_is_sent_to_login(app, client, make_org, make_user, add_member):
    org, *_ = _setup(make_org, make_user, add_member)
    response = client.get(f"/orgs/{org.slug}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_manager_sees_own_team_but_gets_404_for_others(app, browser, make_org, make_user, add_member):
    """A manager sees the teams they manage; another team in the same organisation, or any
    team of another organisation, is 404 (its existence is not confirmed)."""
    org, east, west, other, far = _setup(make_org, make_user, add_member)
    browser.login("manager@north.example")
    assert browser.get(f"/orgs/{org.slug}/teams/{east.id}").status_code == 200
    assert browser.get(f"/orgs/{org.slug}/teams/{west.id}").status_code == 404
    assert browser.get(f"/orgs/{org.slug}/teams/{far.id}").status_code == 404
    assert browser.get(f"/orgs/{other.slug}/teams/{far.id}").status_code == 404
    assert browser.get(f"/orgs/{other.slug}/").status_code == 404


def test_org_admin_sees_every_team_and_creates_one_audited(app, browser, make_org, make_user, add_member):
    org, east, west, *_ = _setup(make_org, make_user, add_member)
    browser.login("admin@north.example")
    assert browser.get(f"/orgs/{org.slug}/teams/{west.id}").status_code == 200
    response = browser.post(f"/orgs/{org.slug}/teams", {"name": "Fostering"}, form_page=f"/orgs/{org.slug}/")
    assert response.status_code == 303
    team = session.scalar(select(Team).where(Team.name == "Fostering"))
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "team.create", AuditLog.target_id == str(team.id)))
    assert entry.actor.email == "admin@north.example" and entry.organisation_id == org.id
    assert "team.create" in browser.get(f"/orgs/{org.slug}/audit").get_data(as_text=True)


def test_manager_cannot_create_teams(app, browser, make_org, make_user, add_member):
    org, *_ = _setup(make_org, make_user, add_member)
    browser.login("manager@north.example")
    response = browser.post(f"/orgs/{org.slug}/teams", {"name": "Sneaky"}, form_page="/account")
    assert response.status_code == 403
    assert session.scalar(select(Team).where(Team.name == "Sneaky")) is None


def test_duplicate_team_name_is_a_400_with_message(app, browser, make_org, make_user, add_member):
    org, *_ = _setup(make_org, make_user, add_member)
    browser.login("admin@north.example")
    response = browser.post(f"/orgs/{org.slug}/teams", {"name": "East"}, form_page=f"/orgs/{org.slug}/")
    assert response.status_code == 400
    assert "already a team called" in response.get_data(as_text=True)


def test_deactivated_member_loses_access(app, browser, make_org, make_user, add_member):
    from course_engine.db import utcnow

    org, *_ = _setup(make_org, make_user, add_member)
    admin_membership = add_member(org, make_user(email="leaver@north.example"), "org_admin")
    admin_membership.deactivated_at = utcnow()
    session.commit()
    browser.login("leaver@north.example")
    assert browser.get(f"/orgs/{org.slug}/").status_code == 404


def test_person_in_two_organisations(app, browser, make_org, make_user, add_member):
    """An agency worker can belong to two organisations with different roles."""
    org, east, _west, other, far = _setup(make_org, make_user, add_member)
    agency = make_user(email="agency@example.org")
    add_member(org, agency, "learner", team=east)
    add_member(other, agency, "manager", manages=[far])
    browser.login("agency@example.org")
    assert browser.get(f"/orgs/{org.slug}/").status_code == 403
    assert browser.get(f"/orgs/{other.slug}/teams/{far.id}").status_code == 200
