"""Password reset by emailed, signed, expiring, single-use link."""
import re

from course_engine import mail


def _reset_path(app):
    message = mail.outbox(app)[-1]
    return re.search(r"http://localhost(/reset-password/[^\s]+)", message.get_content()).group(1)


def test_reset_with_a_valid_link(app, browser, make_user):
    """The emailed link lets the person choose a new password and log in with it."""
    make_user(email="grace@example.org")
    response = browser.post("/forgot-password", {"email": "grace@example.org"})
    assert response.status_code == 302
    path = _reset_path(app)
    assert browser.post(path, {"password": "lighthouse marmalade tuesday"}).status_code == 302
    assert browser.login("grace@example.org", "lighthouse marmalade tuesday").status_code == 302


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(app, browser, make_user):
    make_user(email="grace@example.org")
    known = browser.post("/forgot-password", {"email": "grace@example.org"})
    unknown = browser.post("/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(mail.outbox(app)) == 1


def test_reset_link_works_once(app, browser, make_user):
    """A used link is refused with a clear message."""
    make_user(email="grace@example.org")
    browser.post("/forgot-password", {"email": "grace@example.org"})
    path = _reset_path(app)
    browser.post(path, {"password": "lighthouse marmalade tuesday"})
    response = browser.get(path, follow_redirects=True)
    assert "already been used" in response.get_data(as_text=True)


def test_expired_reset_link_is_refused(make_app, make_user):
    """A link older than PASSWORD_RESET_MAX_AGE is refused."""
    from tests.conftest import Browser, isolated_context

    app = make_app(PASSWORD_RESET_MAX_AGE=-1)
    with isolated_context(app):
        make_user(email="grace@example.org")
        browser = Browser(app.test_client())
        browser.post("/forgot-password", {"email": "grace@example.org"})
        response = browser.get(_reset_path(app), follow_redirects=True)
        assert "expired" in response.get_data(as_text=True)


def test_tampered_reset_link_is_refused(app, browser, make_user):
    make_user(email="grace@example.org")
    browser.post("/forgot-password", {"email": "grace@example.org"})
    response = browser.get(_reset_path(app) + "x", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True)
