"""Sharing reflections for supervision: private by default; a learner shares a chosen
entry's reflection with their managers and can withdraw it; managers see only what is
shared, and only for people in the teams they manage."""
from datetime import date

import pytest
from sqlalchemy import select

from course_engine.cpd import services
from course_engine.db import session
from course_engine.learner.models import FinalReflection
from tests.cpd.conftest import at


@pytest.fixture
def org_setup(make_org, make_user, add_member, learner, make_entry, make_completion):
    """Northshire: the learner (Grace) in East, a manager of East, a manager of West, an org
    admin and a learner colleague; Southshire: a manager with a team of their own."""
    org, (east, west) = make_org("Northshire Council", teams=["East", "West"])
    other, (far,) = make_org("Southshire Council", teams=["Far"])
    people = {
        "east_manager": make_user(email="east@north.example", full_name="Erin East"),
        "west_manager": make_user(email="west@north.example", full_name="Will West"),
        "admin": make_user(email="admin@north.example", full_name="Ada Admin"),
        "colleague": make_user(email="colleague@north.example", full_name="Colin Colleague"),
        "south_manager": make_user(email="south@south.example", full_name="Sam South"),
    }
    add_member(org, learner, "learner", team=east)
    add_member(org, people["east_manager"], "manager", manages=[east])
    add_member(org, people["west_manager"], "manager", manages=[west])
    add_member(org, people["admin"], "org_admin")
    add_member(org, people["colleague"], "learner", team=east)
    add_member(other, people["south_manager"], "manager", manages=[far])
    entry = make_entry(learner, date(2026, 3, 17), title="Workshop", what_learned="Shared-entry learning.")
    private = make_entry(learner, date(2026, 4, 1), title="Private reading", what_learned="Never-shared learning.")
    completion = make_completion(learner, at(2026, 5, 1), what_learned="Module learning to share.")
    return dict(org=org, other=other, entry=entry, private=private, completion=completion, **people)


def _reflections_url(org, user):
    return f"/orgs/{org.slug}/people/{user.id}/reflections"


def test_reflections_are_private_by_default(app, org_setup, learner, login_as):
    """Until the learner shares, their manager sees none of their reflections."""
    manager = login_as("east@north.example")
    response = manager.get(_reflections_url(org_setup["org"], learner))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "has not shared any reflections" in html
    for text in ("Shared-entry learning.", "Never-shared learning.", "Module learning to share."):
        assert text not in html


def test_shared_reflections_are_seen_by_the_manager_of_the_team_then_withdrawn(
        app, org_setup, browser, learner, login_as):
    """Shared reflections (an external entry and a module) appear for the manager of the
    learner's team; unshared ones never do; once withdrawn they are gone."""
    entry, completion = org_setup["entry"], org_setup["completion"]
    assert browser.post(f"/cpd/entries/{entry.id}/share", {}, form_page="/cpd?year=2025").status_code == 303
    assert browser.post(f"/cpd/modules/{completion.id}/share", {}, form_page="/cpd?year=2025").status_code == 303
    session.expire_all()
    reflection = session.scalar(select(FinalReflection).where(FinalReflection.attempt_id == completion.attempt_id))
    assert reflection.shared_with_manager_at is not None  # the module's reflection is what is shared
    log = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert log.count("Shared with your managers") == 2 and "Make private again" in log

    manager = login_as("east@north.example")
    url = _reflections_url(org_setup["org"], learner)
    html = manager.get(url).get_data(as_text=True)
    assert "Shared-entry learning." in html and "Module learning to share." in html
    assert "Never-shared learning." not in html and "Private reading" not in html
    assert "Edit" not in html and "Share with my managers" not in html  # a read-only view

    assert browser.post(f"/cpd/entries/{entry.id}/withdraw", {}, form_page="/cpd?year=2025").status_code == 303
    html = manager.get(url).get_data(as_text=True)
    assert "Shared-entry learning." not in html and "Module learning to share." in html
    browser.post(f"/cpd/modules/{completion.id}/withdraw", {}, form_page="/cpd?year=2025")
    html = manager.get(url).get_data(as_text=True)
    assert "Module learning to share." not in html and "has not shared any reflections" in html


def test_the_peer_reflection_travels_with_a_shared_entry(app, org_setup, learner, add_peer, login_as):
    """A shared entry shows its peer reflection (the colleague's role, never a name) to the manager."""
    entry = org_setup["entry"]
    add_peer(learner, "entries", entry.id, role="Family support worker", what_learned="Peer view on the father.")
    services.set_shared(services.record_for(learner.id, "entries", entry.id), True, at(2026, 6, 1))
    session.commit()
    html = login_as("east@north.example").get(_reflections_url(org_setup["org"], learner)).get_data(as_text=True)
    assert "Peer view on the father." in html and "Family support worker" in html


@pytest.fixture
def shared(org_setup, learner):
    """The learner has shared both the entry and the module reflection."""
    for kind, record_id in (("entries", org_setup["entry"].id), ("modules", org_setup["completion"].id)):
        services.set_shared(services.record_for(learner.id, kind, record_id), True, at(2026, 6, 1))
    session.commit()
    return org_setup


def test_manager_of_another_team_gets_404(app, shared, learner, login_as):
    """A manager whose teams do not include the learner cannot confirm the learner exists: 404."""
    assert login_as("west@north.example").get(_reflections_url(shared["org"], learner)).status_code == 404


def test_a_learner_gets_403(app, shared, learner, login_as):
    """A learner in the organisation, even in the same team, is refused: 403."""
    colleague = login_as("colleague@north.example")
    assert colleague.get(_reflections_url(shared["org"], learner)).status_code == 403


def test_another_organisation_gets_404(app, shared, learner, login_as):
    """A manager of another organisation gets 404 both through that organisation's address
    and through their own."""
    south = login_as("south@south.example")
    assert south.get(_reflections_url(shared["org"], learner)).status_code == 404
    assert south.get(_reflections_url(shared["other"], learner)).status_code == 404


def test_org_admin_sees_shared_reflections_of_anyone_in_the_organisation(app, shared, learner, login_as):
    """The guard lets organisation admins in; they see every team (as orgs.visible_team_ids says)."""
    html = login_as("admin@north.example").get(_reflections_url(shared["org"], learner)).get_data(as_text=True)
    assert "Shared-entry learning." in html and "Never-shared learning." not in html


def test_a_person_who_left_is_404(app, shared, learner, login_as):
    """Once the learner's membership is deactivated, their manager no longer sees them."""
    from course_engine.orgs.models import Membership

    membership = session.scalar(select(Membership).where(Membership.user_id == learner.id))
    membership.deactivated_at = at(2026, 7, 1)
    session.commit()
    assert login_as("east@north.example").get(_reflections_url(shared["org"], learner)).status_code == 404


def test_shared_reflections_for_is_the_same_rule_for_other_features(app, shared, learner):
    """``shared_reflections_for`` returns None for people the viewer may not see (callers 404)
    and only shared records for those they may."""
    from course_engine.orgs.models import Membership

    def membership_of(user):
        return session.scalar(select(Membership).where(Membership.user_id == user.id))

    records = services.shared_reflections_for(membership_of(shared["east_manager"]), learner.id)
    assert {(r.kind, r.title) for r in records} == {("entries", "Workshop"), ("modules", "First visit")}
    assert services.shared_reflections_for(membership_of(shared["west_manager"]), learner.id) is None
    assert services.shared_reflections_for(membership_of(shared["south_manager"]), learner.id) is None
    assert services.shared_reflections_for(membership_of(shared["colleague"]), learner.id) is None
    assert services.shared_reflections_for(membership_of(shared["east_manager"]), shared["colleague"].id) == []


def test_sharing_needs_a_post(app, shared, browser):
    """Share and withdraw change state, so they are POST only (and CSRF-checked)."""
    entry = shared["entry"]
    assert browser.get(f"/cpd/entries/{entry.id}/share").status_code == 405
    assert browser.client.post(f"/cpd/entries/{entry.id}/withdraw").status_code == 400
    session.expire_all()
    assert services.entry_for(shared["entry"].user_id, entry.id).shared_with_manager_at is not None
