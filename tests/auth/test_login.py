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
