"""Logging in and out, remember me, profile changes."""
from course_engine.db import session
from tests.conftest import PASSWORD


def _without_tokens(html):
    """Page text without CSRF tokens (they carry a timestamp, so two pages can differ by it)."""
    import re

    return re.sub(r'name="csrf_token"([^>]*)value="[^"]*"', r'name="csrf_token"\1value=""', html)


def test_login_and_logout(app, browser, make_user):
    """A person logs in with email and password and logs out with a POST."""
    make_user(email="grace@example.org", full_name="Grace Mensah")
    response = browser.login("GRACE@example.org ")
    assert response.status_code == 302
    assert "Grace Mensah" in browser.get("/learning").get_data(as_text=True)
    assert browser.logout().status_code == 302
    assert browser.get("/learning").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(app, browser, make_user):
    """The login error never says whether an email is registered."""
    make_user(email="grace@example.org")
    wrong = browser.login("grace@example.org", "not the password at all")
    unknown = browser.login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: _without_tokens(r.get_data(as_text=True)).replace("grace@example.org", "X").replace("nobody@example.org", "X")  # noqa: E731
    assert "The email or password is not right." in strip(wrong)
    assert strip(wrong) == strip(unknown)


def test_logout_needs_post(app, browser, make_user):
    """A GET to /logout cannot log anyone out (a link on another site can't do it)."""
    make_user(email="grace@example.org")
    browser.login("grace@example.org")
    assert browser.get("/logout").status_code == 405


def test_remember_me_sets_a_persistent_cookie(app, browser, make_user):
    """'Keep me signed in' sets the remember cookie; without it, none is set."""
    make_user(email="grace@example.org")
    response = browser.post("/login", {"email": "grace@example.org", "password": PASSWORD, "remember": "y"})
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_login_renews_the_session(app, browser, make_user):
    """The session cookie before login is not the one after it (no session fixation)."""
    make_user(email="grace@example.org")
    browser.get("/login")
    before = browser.client.get_cookie("session").value
    browser.login("grace@example.org")
    assert browser.client.get_cookie("session").value != before


def test_next_only_redirects_within_the_site(app, browser, make_user):
    """``next`` may point at a page of ours, never at another site."""
    make_user(email="grace@example.org")
    response = browser.post("/login?next=https://evil.example/", {"email": "grace@example.org", "password": PASSWORD},
                            form_page="/login")
    assert response.headers["Location"] == "/"


def test_change_name_and_password(app, browser, make_user):
    """A learner changes the name on certificates and their password; the old password stops working."""
    user = make_user(email="grace@example.org", full_name="Grace Mensah")
    browser.login("grace@example.org")
    assert browser.post("/account/name", {"full_name": "Grace Mensah-Owusu"}, form_page="/account").status_code == 302
    response = browser.post("/account/password", {"current_password": PASSWORD, "password": "a brand new long passphrase"},
                            form_page="/account")
    assert response.status_code == 302
    session.refresh(user)
    assert user.full_name == "Grace Mensah-Owusu"
    assert 'value="Grace Mensah-Owusu"' in browser.get("/account").get_data(as_text=True)
    from sqlalchemy import select

    from course_engine.audit import AuditLog

    audit = session.execute(select(AuditLog.action, AuditLog.actor_id, AuditLog.target_type, AuditLog.target_id,
                                   AuditLog.detail).order_by(AuditLog.id)).all()
    assert [row[:4] for row in audit] == [("user.change_name", user.id, "User", str(user.id)),
                                          ("user.change_password", user.id, "User", str(user.id))]
    assert audit[0].detail == {"full_name": "Grace Mensah-Owusu"}
    browser.logout()
    assert browser.login("grace@example.org").status_code == 401
    assert browser.login("grace@example.org", "a brand new long passphrase").status_code == 302


def test_change_password_needs_the_current_one(app, browser, make_user):
    make_user(email="grace@example.org")
    browser.login("grace@example.org")
    response = browser.post("/account/password", {"current_password": "wrong wrong wrong", "password": "a brand new long passphrase"},
                            form_page="/account")
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, make_user):
    """Changing the password logs out every other device."""
    from tests.conftest import Browser

    make_user(email="grace@example.org")
    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    laptop.login("grace@example.org")
    phone.login("grace@example.org")
    laptop.post("/account/password", {"current_password": PASSWORD, "password": "a brand new long passphrase"},
                form_page="/account")
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_a_deactivated_account_is_signed_out_at_its_next_request(app, browser, make_user):
    """The signed-in person is read afresh on every request: deactivation takes effect at once."""
    user = make_user(email="grace@example.org")
    browser.login("grace@example.org")
    assert browser.get("/account").status_code == 200
    user.is_active_account = False
    session.commit()
    response = browser.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_signed_in_person_is_plain_values_with_their_roles(app, make_user):
    """flask-login's loader gives a SignedInUser (no ORM object) with the site roles and the
    employer flag the menu needs; a wrong password fingerprint or unknown id gives nobody."""
    from course_engine.auth.models import SignedInUser
    from course_engine.auth.services import account_of, session_id_for, user_for_session_id
    from course_engine.orgs.models import Organisation, OrgRole
    from course_engine.orgs.services import add_member

    author = make_user(email="author@example.org", full_name="Ada Author")
    author.is_author = True
    manager = make_user(email="manager@example.org")
    org = Organisation(slug="north", name="North")
    session.add(org)
    session.flush()
    add_member(None, org, manager, OrgRole.manager)
    session.commit()

    signed_in = user_for_session_id(session_id_for(author))
    assert isinstance(signed_in, SignedInUser) and signed_in.is_authenticated
    assert (signed_in.id, signed_in.email, signed_in.full_name) == (author.id, "author@example.org", "Ada Author")
    assert signed_in.is_author and not signed_in.is_site_admin and signed_in.flags["has_employer_role"] is False
    assert signed_in.get_id() == session_id_for(author)
    assert account_of(signed_in) is author
    assert user_for_session_id(session_id_for(manager)).flags["has_employer_role"] is True
    assert user_for_session_id(f"{author.id}:not-the-fingerprint") is None
    assert user_for_session_id("999:whatever") is None and user_for_session_id("nonsense") is None
