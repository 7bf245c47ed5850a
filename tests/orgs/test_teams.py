"""Teams: rename, archive and restore (org admin), all audit-logged; managers added and removed."""
from __future__ import annotations

from sqlalchemy import select

from course_engine.db import session
from course_engine.audit import AuditLog
from course_engine.orgs.models import Membership, Team, TeamManager


def _audit(action):
    session.expire_all()
    return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_rename_team_is_audited(app, browser, staff):
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/teams/{staff.east.id}"
    response = browser.post(url + "/rename", {"name": "  East   Locality "}, form_page=url)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Team, staff.east.id).name == "East Locality"
    (entry,) = _audit("team.rename")
    assert entry.detail == {"from": "East", "to": "East Locality"} and entry.actor_id == staff.admin.user_id


def test_rename_to_an_existing_name_is_refused(app, browser, staff):
    """Team names are unique within an organisation: a clash is a 400 with a message, nothing saved."""
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/teams/{staff.east.id}"
    response = browser.post(url + "/rename", {"name": "West"}, form_page=url)
    assert response.status_code == 400
    assert "already a team called" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Team, staff.east.id).name == "East"
    assert browser.post(url + "/rename", {"name": "   "}, form_page=url).status_code == 400


def test_archived_team_is_hidden_from_lists_and_pickers_but_members_keep_it(app, browser, staff):
    """Archiving hides a team from the teams list, the people filter, the invite and role pickers;
    its members keep their team and records; restoring brings it back. Both are audited."""
    browser.login("admin@north.example")
    slug, east = staff.org.slug, staff.east
    assert browser.post(f"/orgs/{slug}/teams/{east.id}/archive", {}, form_page=f"/orgs/{slug}/").status_code == 302
    overview = browser.get(f"/orgs/{slug}/").get_data(as_text=True)
    assert "Archived teams (1)" in overview
    teams_table = overview.split("Archived teams")[0]
    assert f"/teams/{east.id}\"" not in teams_table
    for page in ("invitations", "people", f"people/{staff.learner_west.id}"):
        html = browser.get(f"/orgs/{slug}/{page}").get_data(as_text=True)
        assert f'value="{east.id}"' not in html, page
    session.expire_all()
    assert session.get(Membership, staff.learner_east.id).team_id == east.id
    # The archived team's page still works for the admin, to restore it.
    assert "was archived" in browser.get(f"/orgs/{slug}/teams/{east.id}").get_data(as_text=True)
    assert browser.post(f"/orgs/{slug}/teams/{east.id}/restore", {}, form_page=f"/orgs/{slug}/").status_code == 302
    assert f"/teams/{east.id}\"" in browser.get(f"/orgs/{slug}/").get_data(as_text=True)
    assert len(_audit("team.archive")) == 1 and len(_audit("team.restore")) == 1


def test_archived_team_is_hidden_from_its_manager(app, browser, staff):
    browser.login("admin@north.example")
    slug = staff.org.slug
    browser.post(f"/orgs/{slug}/teams/{staff.east.id}/archive", {}, form_page=f"/orgs/{slug}/")
    browser.logout()
    browser.login("east.manager@north.example")
    assert f"/teams/{staff.east.id}\"" not in browser.get(f"/orgs/{slug}/").get_data(as_text=True)


def test_admin_adds_and_removes_a_team_manager(app, browser, staff):
    """Only a current manager of the organisation can be made a team's manager; audited both ways."""
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/teams/{staff.east.id}"
    page = browser.get(url).get_data(as_text=True)
    assert "Spare Manager" in page
    assert browser.post(url + "/managers", {"membership_id": staff.spare_manager.id}).status_code == 302
    link = session.scalar(select(TeamManager).where(TeamManager.team_id == staff.east.id,
                                                    TeamManager.membership_id == staff.spare_manager.id))
    assert link is not None
    # A learner is not a choice.
    response = browser.post(url + "/managers", {"membership_id": staff.learner_east.id})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    remove = f"{url}/managers/{staff.spare_manager.id}/remove"
    assert browser.post(remove, {}, form_page=url).status_code == 302
    session.expire_all()
    assert session.scalar(select(TeamManager).where(TeamManager.team_id == staff.east.id,
                                                    TeamManager.membership_id == staff.spare_manager.id)) is None
    assert len(_audit("team.remove_manager")) == 1
    assert any(e.detail.get("user_id") == staff.spare_manager.user_id for e in _audit("team.add_manager"))


def test_team_page_shows_members_with_roles_in_stacked_table(app, browser, staff):
    browser.login("east.manager@north.example")
    html = browser.get(f"/orgs/{staff.org.slug}/teams/{staff.east.id}").get_data(as_text=True)
    assert "table--stack" in html and 'data-label="Role"' in html
    assert "Learner East" in html and "Learner" in html
    assert "Manager East" in html  # under Managers
    assert "Rename" not in html  # managers can't change teams


def test_org_named_like_a_fixed_path_gets_another_slug(app):
    """An organisation called "Join" must not be shadowed by the invitation link /orgs/join/<token>."""
    from course_engine.orgs.services import slugify

    assert slugify("Join") == "join-org"
