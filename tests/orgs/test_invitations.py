"""Invitations by email: a signed, expiring, single-use link that an org admin (or a manager,
for learners in their teams) sends; an existing account joins, a new person registers through it."""
from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from course_engine.auth.models import User
from course_engine.db import session
from course_engine.orgs import invitations, services
from course_engine.audit import AuditLog
from course_engine.orgs.models import Invitation, Membership, OrgRole

NEW_PASSWORD = "a long and unusual passphrase 42"


def _link(outbox, to):
    """The join path in the latest email to ``to``."""
    message = [m for m in outbox if m["To"] == to][-1]
    return re.search(r"http://localhost(/orgs/join/\S+)", message.get_content()).group(1)


def _link_for(invitation):
    """A join path for an invitation made in the test's own context (its email went to that context)."""
    return f"/orgs/join/{invitations.invitation_token(invitation)}"


def _invite(browser, staff, email, role="learner", team=None, name=""):
    url = f"/orgs/{staff.org.slug}/invitations"
    return browser.post(url, {"email": email, "role": role, "team": str(team.id) if team else "", "full_name": name})


def _actions():
    session.expire_all()
    return [e.action for e in session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_new_person_registers_through_the_link_and_joins(app, browser, staff, outbox):
    """The invited email is fixed and confirmed by the link; the person joins with the invited role
    and team and is logged in; invite, registration and join are audited; the link then stops working."""
    browser.login("admin@north.example")
    response = _invite(browser, staff, "Nadia.New@Example.org", "learner", staff.east, name="Nadia New")
    assert response.status_code == 303  # see other: the answer to a POST that created something
    invitation = session.scalar(select(Invitation).where(Invitation.email == "nadia.new@example.org"))
    assert invitation.role == OrgRole.learner and invitation.team_id == staff.east.id
    assert invitation.invited_by_id == staff.admin.user_id
    link = _link(outbox, "nadia.new@example.org")
    assert "Northshire Council" in outbox[-1]["Subject"]
    browser.logout()

    page = browser.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "nadia.new@example.org" in html and 'value="Nadia New"' in html
    assert 'name="email"' not in html  # the email can't be changed
    response = browser.post(link, {"full_name": "Nadia Newton", "password": NEW_PASSWORD})
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "nadia.new@example.org"))
    assert user.full_name == "Nadia Newton" and user.email_confirmed_at is not None
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.organisation_id == staff.org.id and membership.team_id == staff.east.id
    assert membership.role == OrgRole.learner
    session.expire_all()
    assert session.get(Invitation, invitation.id).accepted_user_id == user.id
    assert browser.get("/account").status_code == 200  # logged in
    actions = _actions()
    for action in ("invitation.create", "user.register", "membership.add", "invitation.accept"):
        assert action in actions

    reused = browser.get(link)
    assert reused.status_code == 410 and "already been used" in reused.get_data(as_text=True)


def test_existing_account_logs_in_and_joins(app, browser, staff, make_user, outbox):
    make_user(email="agency@example.org", full_name="Agnes Agency")
    invitation = invitations.create_invitation(None, staff.org, "agency@example.org", OrgRole.manager)
    session.commit()
    link = _link_for(invitation)

    page = browser.get(link).get_data(as_text=True)
    assert "Log in to accept" in page and "already an account" in page
    assert browser.post(link, {}, form_page="/login").status_code == 400  # must log in first
    response = browser.post("/login?next=" + link, {"email": "agency@example.org",
                                                    "password": "correct horse battery staple"})
    assert response.status_code == 302 and response.headers["Location"] == link
    assert "Join Northshire Council" in browser.get(link).get_data(as_text=True)
    response = browser.post(link, {})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orgs/{staff.org.slug}/")
    membership = session.scalar(select(Membership).join(User).where(User.email == "agency@example.org"))
    assert membership.role == OrgRole.manager and membership.organisation_id == staff.org.id
    session.expire_all()
    assert session.get(Invitation, invitation.id).accepted_at is not None


def test_wrong_logged_in_account_gets_a_clear_message(app, browser, staff, outbox):
    """Someone logged in as another person is told whose invitation it is; nothing is joined."""
    invitation = invitations.create_invitation(None, staff.org, "someone.else@example.org", OrgRole.learner, staff.east)
    session.commit()
    link = _link_for(invitation)
    browser.login("learner@south.example")
    before = session.scalar(select(func.count()).select_from(Membership))
    page = browser.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "someone.else@example.org" in html and "learner@south.example" in html and "Log out" in html
    assert browser.post(link, {}, form_page="/account").status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Membership)) == before
    # "Log out and continue" leads to the registration form for the invited email.
    response = browser.post(link + "/log-out", {}, form_page="/account")
    assert response.headers["Location"] == link
    assert "Create account and join" in browser.get(link).get_data(as_text=True)


def test_expired_link_is_refused(app, browser, staff, monkeypatch):
    """A link older than INVITATION_MAX_AGE is refused with a clear message."""
    from itsdangerous.timed import TimestampSigner

    invitation = invitations.create_invitation(None, staff.org, "late@example.org", OrgRole.learner)
    session.commit()
    age = app.config["INVITATION_MAX_AGE"] + 60
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age)
        token = invitations.invitation_token(invitation)
    page = browser.get(f"/orgs/join/{token}")
    assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)
    # Just inside the limit it still works.
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp",
                      lambda self: int(time.time()) - app.config["INVITATION_MAX_AGE"] + 60)
        token = invitations.invitation_token(invitation)
    assert browser.get(f"/orgs/join/{token}").status_code == 200


def test_revoked_link_is_refused(app, browser, staff, outbox):
    browser.login("admin@north.example")
    _invite(browser, staff, "changed.mind@example.org")
    link = _link(outbox, "changed.mind@example.org")
    invitation = session.scalar(select(Invitation).where(Invitation.email == "changed.mind@example.org"))
    url = f"/orgs/{staff.org.slug}/invitations/{invitation.id}/revoke"
    assert browser.post(url, {}, form_page=f"/orgs/{staff.org.slug}/invitations").status_code == 302
    browser.logout()
    page = browser.get(link)
    assert page.status_code == 410 and "withdrawn" in page.get_data(as_text=True)
    assert "invitation.revoke" in _actions()


def test_tampered_link_is_refused(app, browser, staff):
    token = invitations.invitation_token(staff.invitation_west)
    for bad in (token[:-3] + "abc", "not-a-token"):
        page = browser.get(f"/orgs/join/{bad}")
        assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)


def test_token_signed_with_another_salt_is_refused(app, browser, staff):
    """A password-reset or confirmation token can't be used as an invitation (the salt differs)."""
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="course-engine.confirm-email").dumps(
        {"i": staff.invitation_west.id, "o": staff.org.id, "e": "new.west@example.org"})
    assert browser.get(f"/orgs/join/{forged}").status_code == 400


def test_new_invitation_replaces_a_pending_one(app, browser, staff, outbox):
    """Inviting the same email again withdraws the earlier link, so only the newest role and team apply."""
    browser.login("admin@north.example")
    _invite(browser, staff, "twice@example.org", "learner", staff.east)
    first = _link(outbox, "twice@example.org")
    _invite(browser, staff, "twice@example.org", "manager", staff.west)
    second = _link(outbox, "twice@example.org")
    browser.logout()
    assert browser.get(first).status_code == 410
    assert "as manager in the team West" in browser.get(second).get_data(as_text=True)


def test_resend_sends_a_fresh_link(app, browser, staff, outbox):
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/invitations/{staff.invitation_west.id}/resend"
    assert browser.post(url, {}, form_page=f"/orgs/{staff.org.slug}/invitations").status_code == 302
    assert _link(outbox, "new.west@example.org")
    assert "invitation.resend" in _actions()


def test_member_cannot_be_invited_again(app, browser, staff):
    browser.login("admin@north.example")
    response = _invite(browser, staff, "east.learner@north.example")
    assert response.status_code == 400 and "already a member" in response.get_data(as_text=True)


def test_manager_invites_learners_into_their_own_teams_only(app, browser, staff, outbox):
    """Rule: a manager may invite learners, into a team they can see; nothing else."""
    browser.login("east.manager@north.example")
    assert _invite(browser, staff, "ok@example.org", "learner", staff.east).status_code == 303
    assert _invite(browser, staff, "west@example.org", "learner", staff.west).status_code == 400
    assert _invite(browser, staff, "boss@example.org", "manager", staff.east).status_code == 400
    assert _invite(browser, staff, "noteam@example.org", "learner", None).status_code == 400
    emails = set(session.scalars(select(Invitation.email)))
    assert "ok@example.org" in emails and not {"west@example.org", "boss@example.org",
                                                 "noteam@example.org"} & emails
    html = browser.get(f"/orgs/{staff.org.slug}/invitations").get_data(as_text=True)
    assert "ok@example.org" in html and "new.west@example.org" not in html


def test_bad_password_when_registering_writes_nothing(app, browser, staff, outbox):
    link = _link_for(staff.invitation_west)
    response = browser.post(link, {"full_name": "Wes", "password": "short"})
    assert response.status_code == 400
    assert session.scalar(select(User).where(User.email == "new.west@example.org")) is None
    session.expire_all()
    assert session.get(Invitation, staff.invitation_west.id).accepted_at is None


def test_deactivated_member_comes_back_through_an_invitation(app, browser, staff, outbox):
    services.deactivate_member(None, session.get(Membership, staff.learner_east.id))
    session.commit()
    invitation = invitations.create_invitation(None, staff.org, "east.learner@north.example", OrgRole.learner,
                                            staff.west)
    session.commit()
    link = _link_for(invitation)
    browser.login("east.learner@north.example")
    assert browser.post(link, {}, form_page=link).status_code == 302
    session.expire_all()
    membership = session.get(Membership, staff.learner_east.id)
    assert membership.deactivated_at is None and membership.team_id == staff.west.id
