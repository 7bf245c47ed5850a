"""People: the people page, deactivating leavers, role and team changes, delegates."""
from __future__ import annotations

from sqlalchemy import select

from course_engine.db import session
from course_engine.audit import AuditLog
from course_engine.orgs.models import ManagerDelegate, Membership, OrgRole, TeamManager
from course_engine.orgs.services import visible_team_ids


def _membership(mid):
    session.expire_all()
    return session.get(Membership, mid)


def test_admin_sees_everyone_manager_sees_their_teams(app, browser, staff):
    browser.login("admin@north.example")
    html = browser.get(f"/orgs/{staff.org.slug}/people").get_data(as_text=True)
    assert "Learner East" in html and "Learner West" in html and "Ada Admin" in html
    assert "learner@south.example" not in html
    browser.logout()
    browser.login("east.manager@north.example")
    html = browser.get(f"/orgs/{staff.org.slug}/people").get_data(as_text=True)
    assert "Learner East" in html and "Learner West" not in html
    assert browser.get(f"/orgs/{staff.org.slug}/people?team={staff.west.id}").status_code == 404


def test_people_filters_by_team_and_status(app, browser, staff):
    browser.login("admin@north.example")
    slug = staff.org.slug
    html = browser.get(f"/orgs/{slug}/people?team={staff.west.id}").get_data(as_text=True)
    assert "Learner West" in html and "Learner East" not in html
    browser.post(f"/orgs/{slug}/people/{staff.learner_west.id}/deactivate", {},
                 form_page=f"/orgs/{slug}/people/{staff.learner_west.id}")
    browser.get(f"/orgs/{slug}/")  # shows (and so clears) the flash message naming them
    assert "Learner West" not in browser.get(f"/orgs/{slug}/people").get_data(as_text=True)
    html = browser.get(f"/orgs/{slug}/people?status=deactivated").get_data(as_text=True)
    assert "Learner West" in html and "Learner East" not in html and "Deactivated" in html
    html = browser.get(f"/orgs/{slug}/people?status=all").get_data(as_text=True)
    assert "Learner West" in html and "Learner East" in html
    assert 'data-label="Status"' in html and "table--stack" in html


def test_deactivation_removes_access_and_keeps_records(app, browser, staff):
    """A deactivated manager loses the organisation's pages (404, as for a stranger) but their
    membership, team links and audit trail stay; reactivating restores access. Both audited."""
    slug = staff.org.slug
    browser.login("admin@north.example")
    person_url = f"/orgs/{slug}/people/{staff.manager_east.id}"
    assert browser.post(person_url + "/deactivate", {}, form_page=person_url).status_code == 302
    membership = _membership(staff.manager_east.id)
    assert membership.deactivated_at is not None and membership.role == OrgRole.manager
    assert session.scalar(select(TeamManager).where(TeamManager.membership_id == membership.id)) is not None
    browser.logout()
    browser.login("east.manager@north.example")
    assert browser.get(f"/orgs/{slug}/").status_code == 404
    assert browser.get(f"/orgs/{slug}/teams/{staff.east.id}").status_code == 404
    assert browser.get("/account").status_code == 200  # their account still works
    browser.logout()
    browser.login("admin@north.example")
    assert browser.post(person_url + "/reactivate", {}, form_page=person_url).status_code == 302
    browser.logout()
    browser.login("east.manager@north.example")
    assert browser.get(f"/orgs/{slug}/teams/{staff.east.id}").status_code == 200
    actions = [e.action for e in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert "membership.deactivate" in actions and "membership.reactivate" in actions


def test_admin_cannot_deactivate_themselves(app, browser, staff):
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/people/{staff.admin.id}"
    response = browser.post(url + "/deactivate", {}, form_page=url)
    assert response.status_code == 400 and "deactivate yourself" in response.get_data(as_text=True)
    assert _membership(staff.admin.id).deactivated_at is None


def test_change_role_and_team(app, browser, staff):
    """An admin changes role and team (audited); a manager made a learner stops managing teams."""
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/people/{staff.manager_west.id}"
    response = browser.post(url, {"role": "learner", "team": str(staff.east.id)})
    assert response.status_code == 302
    membership = _membership(staff.manager_west.id)
    assert membership.role == OrgRole.learner and membership.team_id == staff.east.id
    assert session.scalar(select(TeamManager).where(TeamManager.membership_id == membership.id)) is None
    assert session.scalar(select(ManagerDelegate).where(
        ManagerDelegate.manager_membership_id == membership.id)) is None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "membership.update"))
    assert entry.detail["before"]["role"] == "manager" and entry.detail["after"]["role"] == "learner"
    # A team from another organisation is not a choice.
    response = browser.post(url, {"role": "learner", "team": str(staff.far.id)})
    assert response.status_code == 400
    assert _membership(staff.manager_west.id).team_id == staff.east.id


def test_admin_cannot_change_their_own_role(app, browser, staff):
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/people/{staff.admin.id}"
    response = browser.post(url, {"role": "learner", "team": ""})
    assert response.status_code == 400 and "own role" in response.get_data(as_text=True)
    assert _membership(staff.admin.id).role == OrgRole.org_admin


def test_delegate_sees_the_delegating_managers_teams_and_loses_them_when_removed(app, browser, staff):
    """visible_team_ids gives a delegate the delegating manager's teams; removing the delegation
    (audited) takes them away, on the pages too."""
    assert visible_team_ids(_membership(staff.spare_manager.id)) == {staff.west.id}
    browser.login("spare.manager@north.example")
    team_url = f"/orgs/{staff.org.slug}/teams/{staff.west.id}"
    assert browser.get(team_url).status_code == 200
    browser.logout()

    browser.login("admin@north.example")
    person_url = f"/orgs/{staff.org.slug}/people/{staff.manager_west.id}"
    remove = f"{person_url}/delegates/{staff.delegation_west.id}/remove"
    assert browser.post(remove, {}, form_page=person_url).status_code == 302
    assert visible_team_ids(_membership(staff.spare_manager.id)) == set()
    assert session.scalar(select(AuditLog).where(AuditLog.action == "manager.remove_delegate")) is not None
    browser.logout()
    browser.login("spare.manager@north.example")
    assert browser.get(team_url).status_code == 404


def test_admin_adds_a_delegate(app, browser, staff):
    """Only another current manager can be a delegate; delegation is audited and is one step only."""
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/people/{staff.manager_east.id}"
    assert browser.post(url + "/delegates", {"membership_id": staff.manager_west.id}).status_code == 302
    assert visible_team_ids(_membership(staff.manager_west.id)) == {staff.west.id, staff.east.id}
    # The spare manager is West's delegate, not East's: delegation is not transitive.
    assert visible_team_ids(_membership(staff.spare_manager.id)) == {staff.west.id}
    assert session.scalar(select(AuditLog).where(AuditLog.action == "manager.add_delegate",
                                                 AuditLog.target_id == str(staff.manager_east.user_id)))
    for bad in (staff.learner_east.id, staff.manager_east.id):
        response = browser.post(url + "/delegates", {"membership_id": bad})
        assert response.status_code == 400


def test_deactivated_manager_stops_sharing_teams_with_delegate(app, staff):
    """A delegate sees a manager's teams only while that manager is current."""
    from course_engine.orgs import services

    services.deactivate_member(None, _membership(staff.manager_west.id))
    session.commit()
    assert visible_team_ids(_membership(staff.spare_manager.id)) == set()
