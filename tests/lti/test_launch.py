"""LTI 1.3 launches against the loopback platform: login initiation, the id_token post, the
person admitted to the registration's organisation with the role their LTI roles imply."""
from __future__ import annotations

from sqlalchemy import func, select

from course_engine.db import session
from course_engine.lti.models import LearnerLink, LtiUser, ResourceLink, UsedNonce
from course_engine.orgs.models import Membership, OrgRole, TeamManager


def test_a_learner_launch_signs_them_in_as_a_member_and_opens_the_module(lti):
    """The whole flow: the platform's login initiation, our redirect to its authorisation
    endpoint, its signed id_token posted back; the learner is created as a learner of the
    registration's organisation and lands on the module the link names."""
    answer = lti.launch("p-learner-1", "link-1")
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith("/modules/home-visit")
    page = lti.browser.get(lti.tool.url + answer.headers["Location"])
    assert page.status_code == 200 and "Seeing the child" in page.text  # signed in: not the login page
    session.rollback()
    lti_user = session.scalar(select(LtiUser).where(LtiUser.subject == "p-learner-1"))
    assert lti_user.user.email == "ada@council.example" and lti_user.user.full_name == "Ada Learner"
    membership = session.scalar(select(Membership).where(Membership.user_id == lti_user.user_id))
    assert (membership.organisation_id, membership.role) == (lti.org.id, OrgRole.learner)
    link = session.scalar(select(ResourceLink))
    assert link.module_slug == "home-visit" and link.lineitem_url.endswith("/lineitems/1/lineitem")
    assert session.scalar(select(func.count()).select_from(LearnerLink)) == 1


def test_an_instructor_becomes_a_manager_of_the_registrations_team(lti):
    """LTI Instructor -> manager, managing the team chosen at registration."""
    assert lti.launch("p-teacher-1", "link-1").status_code == 303
    session.rollback()
    user = session.scalar(select(LtiUser).where(LtiUser.subject == "p-teacher-1")).user
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.role == OrgRole.manager
    managed = session.scalars(select(TeamManager.team_id).where(TeamManager.membership_id == membership.id)).all()
    assert [t for t in managed] == [membership.organisation.teams[0].id]


def test_a_second_launch_finds_the_same_person_by_sub_not_a_new_account(lti):
    """The person is found by (registration, sub): two launches, one account, one membership."""
    lti.launch("p-learner-1", "link-1")
    lti.new_browser()
    lti.launch("p-learner-1", "link-1")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(LtiUser)) == 1
    assert session.scalar(select(func.count()).select_from(Membership)) == 1
    assert session.scalar(select(func.count()).select_from(UsedNonce)) == 2


def test_an_existing_account_with_the_same_email_is_never_taken_over(lti, make_user):
    """A platform saying "this is ada@..." does not sign anyone into Ada's own account: the
    launch gets an account of its own (with an address nobody receives mail at)."""
    ada = make_user(email="ada@council.example")
    assert lti.launch("p-learner-1", "link-1").status_code == 303
    session.rollback()
    lti_user = session.scalar(select(LtiUser).where(LtiUser.subject == "p-learner-1"))
    assert lti_user.user_id != ada.id
    assert lti_user.user.email.endswith("@lti.invalid")
    assert session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == ada.id)) == 0


def test_a_deactivated_member_is_refused_with_a_clear_page(lti):
    """Someone whose membership the organisation ended cannot come back through the LMS."""
    lti.launch("p-learner-1", "link-1")
    session.rollback()
    membership = session.scalar(select(Membership))
    from course_engine.db import utcnow

    membership.deactivated_at = utcnow()
    session.commit()
    lti.new_browser()
    answer = lti.launch("p-learner-1", "link-1")
    assert answer.status_code == 403
    assert "ended your access" in answer.text
