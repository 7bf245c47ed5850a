"""Sharing is with ONE chosen organisation's managers (issue 13, section 4): the share records
the organisation; only its managers and admins see it; joining another organisation shares
nothing with it, and leaving the organisation hides it from it."""
from datetime import date

import pytest
from sqlalchemy import select

from course_engine.cpd import services
from course_engine.db import session, utcnow
from course_engine.learner.models import FinalReflection
from course_engine.orgs.models import Membership


@pytest.fixture
def two_orgs(make_org, make_user, add_member, learner, make_entry, make_completion):
    """Northshire (A) with the learner, an admin and a manager of the learner's team;
    Southshire (B) with an admin and a manager of a team of its own; the learner's records."""
    a, (east,) = make_org("Northshire Council", teams=["East"])
    b, (far,) = make_org("Southshire Council", teams=["Far"])
    people = dict(
        a_admin=make_user(email="admin@north.example"), a_manager=make_user(email="manager@north.example"),
        b_admin=make_user(email="admin@south.example"), b_manager=make_user(email="manager@south.example"))
    add_member(a, learner, "learner", team=east)
    add_member(a, people["a_admin"], "org_admin")
    add_member(a, people["a_manager"], "manager", manages=[east])
    add_member(b, people["b_admin"], "org_admin")
    add_member(b, people["b_manager"], "manager", manages=[far])
    entry = make_entry(learner, date(2026, 3, 17), title="Workshop", what_learned="Entry learning for A.")
    completion = make_completion(learner, utcnow(), what_learned="Module learning for A.")
    return dict(a=a, b=b, east=east, far=far, entry=entry, completion=completion, **people)


def _url(org, user):
    return f"/orgs/{org.slug}/people/{user.id}/reflections"


def _share(browser, kind, record_id, organisation=None):
    data = {} if organisation is None else {"organisation": str(organisation)}
    return browser.post(f"/cpd/{kind}/{record_id}/share", data, form_page="/cpd")


def _seen(login_as, email, org, learner):
    response = login_as(email).get(_url(org, learner))
    html = response.get_data(as_text=True)
    return response.status_code, "Entry learning for A." in html, "Module learning for A." in html


def test_a_share_records_the_one_organisation_of_a_learner_in_one(app, two_orgs, browser, learner):
    """A learner in one organisation shares without choosing; the share names that organisation."""
    assert _share(browser, "entries", two_orgs["entry"].id).status_code == 303
    assert _share(browser, "modules", two_orgs["completion"].id).status_code == 303
    session.expire_all()
    assert services.entry_for(learner.id, two_orgs["entry"].id).shared_with_organisation_id == two_orgs["a"].id
    reflection = session.scalar(select(FinalReflection).where(
        FinalReflection.attempt_id == two_orgs["completion"].attempt_id))
    assert reflection.shared_with_organisation_id == two_orgs["a"].id
    assert "at Northshire Council, since" in browser.get("/cpd").get_data(as_text=True)


def test_joining_another_organisation_shares_nothing_with_it(app, two_orgs, browser, learner, add_member,
                                                             login_as):
    """Share in A, then join B: B's admin and B's manager see nothing; A still sees both."""
    _share(browser, "entries", two_orgs["entry"].id)
    _share(browser, "modules", two_orgs["completion"].id)
    add_member(two_orgs["b"], learner, "learner", team=two_orgs["far"])

    assert _seen(login_as, "admin@south.example", two_orgs["b"], learner) == (200, False, False)
    assert _seen(login_as, "manager@south.example", two_orgs["b"], learner) == (200, False, False)
    assert _seen(login_as, "admin@north.example", two_orgs["a"], learner) == (200, True, True)
    assert _seen(login_as, "manager@north.example", two_orgs["a"], learner) == (200, True, True)


def test_the_employers_person_page_follows_the_same_rule(app, two_orgs, browser, learner, add_member, login_as):
    """The dashboard's person page (employers) shows B's admin none of what was shared with A."""
    _share(browser, "entries", two_orgs["entry"].id)
    membership_b = add_member(two_orgs["b"], learner, "learner", team=two_orgs["far"])
    membership_a = session.scalar(select(Membership).where(Membership.user_id == learner.id,
                                                           Membership.organisation_id == two_orgs["a"].id))
    b_page = login_as("admin@south.example").get(f"/orgs/{two_orgs['b'].slug}/dashboard/people/{membership_b.id}")
    a_page = login_as("admin@north.example").get(f"/orgs/{two_orgs['a'].slug}/dashboard/people/{membership_a.id}")
    assert b_page.status_code == 200 and "Entry learning for A." not in b_page.get_data(as_text=True)
    assert a_page.status_code == 200 and "Entry learning for A." in a_page.get_data(as_text=True)


def test_leaving_the_organisation_hides_the_share_from_it(app, two_orgs, browser, learner, add_member, login_as):
    """After the learner leaves A, A's admin no longer sees them (404), and B still sees nothing."""
    _share(browser, "entries", two_orgs["entry"].id)
    add_member(two_orgs["b"], learner, "learner", team=two_orgs["far"])
    membership = session.scalar(select(Membership).where(Membership.user_id == learner.id,
                                                         Membership.organisation_id == two_orgs["a"].id))
    membership.deactivated_at = utcnow()
    session.commit()
    assert login_as("admin@north.example").get(_url(two_orgs["a"], learner)).status_code == 404
    assert _seen(login_as, "admin@south.example", two_orgs["b"], learner) == (200, False, False)
    # ...and A is no longer offered on the learner's own page.
    html = browser.get("/cpd").get_data(as_text=True)
    assert "Share with my managers at Southshire Council" in html
    assert f'name="organisation" value="{two_orgs["a"].id}"' not in html


def test_a_learner_in_two_organisations_chooses_one(app, two_orgs, browser, learner, add_member, login_as):
    """In two organisations, the log offers a choice; sharing without one is refused with a
    clear message (nothing saved); the chosen organisation sees it and the other does not."""
    add_member(two_orgs["b"], learner, "learner", team=two_orgs["far"])
    html = browser.get("/cpd").get_data(as_text=True)
    assert "Share with the managers at" in html and 'name="organisation"' in html

    refused = _share(browser, "entries", two_orgs["entry"].id)
    assert refused.status_code == 400
    assert "Choose the organisation whose managers you want to share with." in refused.get_data(as_text=True)
    session.expire_all()
    assert services.entry_for(learner.id, two_orgs["entry"].id).shared_with_manager_at is None

    assert _share(browser, "entries", two_orgs["entry"].id, two_orgs["b"].id).status_code == 303
    assert _seen(login_as, "admin@south.example", two_orgs["b"], learner)[1] is True
    assert _seen(login_as, "admin@north.example", two_orgs["a"], learner)[1] is False

    # Sharing again with A moves the share: it is never with two organisations at once.
    assert _share(browser, "entries", two_orgs["entry"].id, two_orgs["a"].id).status_code == 303
    assert _seen(login_as, "admin@south.example", two_orgs["b"], learner)[1] is False
    assert _seen(login_as, "admin@north.example", two_orgs["a"], learner)[1] is True


@pytest.mark.parametrize("value", ["999999999999999999999999", "-1", "abc", "\u0661"])
def test_an_organisation_that_is_not_theirs_is_refused(app, two_orgs, browser, learner, value):
    """An organisation the learner does not belong to (B here), an id beyond 64 bits, or a
    value that is not a number is a 400 with a clear message, never a 500; nothing is shared."""
    for organisation in (two_orgs["b"].id, value):
        response = _share(browser, "entries", two_orgs["entry"].id, organisation)
        assert response.status_code == 400
        assert "Choose one of your organisations from the list." in response.get_data(as_text=True)
    session.expire_all()
    assert services.entry_for(learner.id, two_orgs["entry"].id).shared_with_manager_at is None


def test_a_learner_in_no_organisation_cannot_share(app, learner, browser, make_entry):
    """With no organisation there are no managers: the log says so and a share is refused (400)."""
    entry = make_entry(learner, date(2026, 3, 17))
    assert "When you join an organisation" in browser.get("/cpd?year=2025").get_data(as_text=True)
    response = _share(browser, "entries", entry.id)
    assert response.status_code == 400 and "not a member of an organisation" in response.get_data(as_text=True)


def test_withdrawing_clears_the_organisation(app, two_orgs, browser, learner):
    """Making a record private again clears both the moment and the organisation."""
    _share(browser, "entries", two_orgs["entry"].id)
    assert browser.post(f"/cpd/entries/{two_orgs['entry'].id}/withdraw", {}, form_page="/cpd").status_code == 303
    session.expire_all()
    entry = services.entry_for(learner.id, two_orgs["entry"].id)
    assert entry.shared_with_manager_at is None and entry.shared_with_organisation_id is None
