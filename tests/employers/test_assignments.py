"""Making assignments, who they apply to, their due dates, and what learners see."""
from datetime import timedelta

from sqlalchemy import select

from course_engine.db import session, utcnow
from course_engine.employers.models import Assignment, TargetKind
from course_engine.employers.services import assignments_for_learner
from course_engine.audit import AuditLog
from course_engine.orgs.models import Membership
from tests.employers.conftest import TODAY, assign, attempt, at


def _form(**kw):
    data = {"module": "", "target": "team", "team": "0", "person_email": "", "due": "none", "due_date": "",
            "due_days": "", "recert_months": "", "recert_window_days": "30"}
    data.update({k: str(v) for k, v in kw.items()})
    return data


def test_admin_assigns_to_the_whole_organisation(world, module, login):
    """An org admin can assign to everyone; the assignment is audited and everyone sees it."""
    browser = login(world.admin)
    due = TODAY + timedelta(days=60)
    response = browser.post(f"/orgs/{world.org.slug}/assignments",
                            _form(module=module.id, target="organisation", due="date", due_date=due.isoformat(),
                                  recert_months=12))
    assert response.status_code == 303
    row = session.scalar(select(Assignment))
    assert (row.target_kind, row.due_date, row.recert_months, row.recert_window_days) == (
        TargetKind.organisation, due, 12, 30)
    assert session.scalar(select(AuditLog).where(AuditLog.action == "assignment.create")) is not None
    for user in (world.learner_a, world.learner_b, world.manager_a):
        (item,) = assignments_for_learner(user.id, TODAY)
        assert (item.slug, item.status, item.due_date, item.organisation_name) == (
            "first-visit", "not_started", due, "Test Council")


def test_manager_may_not_assign_to_the_organisation(world, module, login):
    """A manager assigning to the whole organisation gets the form back with the reason."""
    browser = login(world.manager_a)
    response = browser.post(f"/orgs/{world.org.slug}/assignments", _form(module=module.id, target="organisation"))
    assert response.status_code == 400
    assert session.scalar(select(Assignment)) is None


def test_manager_assigns_to_own_team_and_person(world, module, login):
    """A manager can assign to their team and, by email, to a person in it; not to someone else's."""
    browser = login(world.manager_a)
    url = f"/orgs/{world.org.slug}/assignments"
    assert browser.post(url, _form(module=module.id, team=world.team_a.id, due="days", due_days=30)).status_code == 303
    assert browser.post(url, _form(module=module.id, target="person", person_email="learner_a@example.org")).status_code == 303
    response = browser.post(url, _form(module=module.id, target="person", person_email="learner_b@example.org"))
    assert response.status_code == 400 and "Nobody in your teams" in response.get_data(as_text=True)
    kinds = sorted(a.target_kind.value for a in session.scalars(select(Assignment)))
    assert kinds == ["person", "team"]
    page = browser.get(url).get_data(as_text=True)
    assert "Within 30 days of joining" in page and "Amy Learner" in page


def test_invalid_due_date_is_a_form_error(world, module, login):
    """'By a date' without a date is a 400 with a message, and nothing is saved."""
    browser = login(world.admin)
    response = browser.post(f"/orgs/{world.org.slug}/assignments", _form(module=module.id, team=world.team_a.id, due="date"))
    assert response.status_code == 400 and "Enter the due date" in response.get_data(as_text=True)
    assert session.scalar(select(Assignment)) is None


def test_people_who_join_later_get_the_teams_assignments(world, module, make_user, add_member):
    """A team's assignments apply to people who join it later, due N days after they join."""
    assign(world.org, module, team=world.team_a, due_days=30, created=at(TODAY - timedelta(days=100)))
    newcomer = make_user(email="new@example.org", full_name="Nia Newcomer")
    membership = add_member(world.org, newcomer, "learner", team=world.team_a)
    membership.joined_at = at(TODAY - timedelta(days=10))
    session.commit()
    (item,) = assignments_for_learner(newcomer.id, TODAY)
    assert item.due_date == TODAY + timedelta(days=20) and item.status == "not_started"
    # Existing staff count from the day it was assigned: 100 days ago + 30 -> overdue.
    session.get(Membership, world.m["learner_a"].id).joined_at = at(TODAY - timedelta(days=1000))
    session.commit()
    (item,) = assignments_for_learner(world.learner_a.id, TODAY)
    assert item.due_date == TODAY - timedelta(days=70) and item.status == "overdue"
    assert assignments_for_learner(world.learner_b.id, TODAY) == []


def test_person_in_two_organisations_sees_each_and_each_sees_its_own(world, module, add_member, login):
    """Someone in two organisations sees both organisations' assignments, labelled; each
    organisation's matrix shows only its own assignment for them."""
    add_member(world.other_org, world.learner_a, "learner")
    assign(world.org, module, team=world.team_a, due_date=TODAY + timedelta(days=40))
    assign(world.other_org, module, due_date=TODAY + timedelta(days=5))
    items = assignments_for_learner(world.learner_a.id, TODAY)
    assert sorted((i.organisation_name, i.due_date) for i in items) == [
        ("Other Trust", TODAY + timedelta(days=5)), ("Test Council", TODAY + timedelta(days=40))]
    home = login(world.learner_a).get("/learning").get_data(as_text=True)
    assert "Other Trust" in home and "Test Council" in home
    ours = login(world.admin).get(f"/orgs/{world.org.slug}/dashboard/matrix.csv").get_data(as_text=True)
    theirs = login(world.outsider).get(f"/orgs/{world.other_org.slug}/dashboard/matrix.csv").get_data(as_text=True)
    assert (TODAY + timedelta(days=40)).isoformat() in ours and (TODAY + timedelta(days=5)).isoformat() not in ours
    assert (TODAY + timedelta(days=5)).isoformat() in theirs and (TODAY + timedelta(days=40)).isoformat() not in theirs
    assert "Ben Learner" not in theirs


def test_completion_and_recertification_show_to_the_learner(world, module):
    """A completion within the recertification window is due soon, with the expiry as its date."""
    assign(world.org, module, recert_months=12)
    completed = TODAY - timedelta(days=350)
    attempt(world.learner_a, module, completed=at(completed))
    (item,) = assignments_for_learner(world.learner_a.id, TODAY)
    assert item.status == "due_soon" and item.due_date > TODAY and item.status_label == "Due soon"
    (item,) = assignments_for_learner(world.learner_b.id, TODAY)
    assert item.status == "not_started"


def test_remove_assignment(world, module, login):
    """Removing an assignment keeps it for the record but it no longer applies (audited)."""
    row = assign(world.org, module, team=world.team_a)
    browser = login(world.manager_a)
    response = browser.post(f"/orgs/{world.org.slug}/assignments/{row.id}/remove", {},
                            form_page=f"/orgs/{world.org.slug}/assignments")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Assignment, row.id).removed_at is not None
    assert assignments_for_learner(world.learner_a.id, TODAY) == []
    assert session.scalar(select(AuditLog).where(AuditLog.action == "assignment.remove")) is not None


def test_deactivated_people_drop_out(world, module):
    """A leaver's assignments no longer apply (their records stay)."""
    assign(world.org, module)
    session.get(Membership, world.m["learner_a"].id).deactivated_at = utcnow()
    session.commit()
    assert assignments_for_learner(world.learner_a.id, TODAY) == []
