"""CSRF, security headers, cookies and error pages."""
import pytest

from course_engine.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, csrf_from


@pytest.mark.parametrize("url", ["/login", "/register", "/forgot-password", "/logout", "/account/name"])
def test_state_changing_requests_without_csrf_token_are_refused(app, client, url):
    """Every POST needs the session's CSRF token: without it, 400 and nothing happens."""
    response = client.post(url, data={"email": "a@example.org", "password": PASSWORD, "full_name": "X"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_csrf_token_from_another_session_is_refused(app, make_user):
    from tests.conftest import csrf_from

    make_user(email="grace@example.org")
    attacker, victim = app.test_client(), app.test_client()
    token = csrf_from(attacker.get("/login").get_data(as_text=True))
    victim.get("/login")
    response = victim.post("/login", data={"email": "grace@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


def test_hand_written_form_tokens_satisfy_wtforms_forms(app, make_user):
    """The token templates print with csrf_token() (no form built) is the one WTForms
    fields check: one scheme for hand-written and WTForms forms."""
    from tests.conftest import csrf_from

    make_user(email="grace@example.org")
    client = app.test_client()
    client.get("/login")
    assert client.post("/login", data={"email": "grace@example.org", "password": PASSWORD,
                                       "csrf_token": csrf_from(client.get("/login").get_data(as_text=True))}).status_code == 302
    hand_written = csrf_from(client.get("/learning").get_data(as_text=True))  # the menu's log-out form
    assert 'name="csrf_token" value="' in client.get("/learning").get_data(as_text=True)
    response = client.post("/account/name", data={"full_name": "Grace Adeyemi", "csrf_token": hand_written})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_csrf_token_in_a_header_is_accepted(app, make_user):
    """Small scripts (progressive enhancement) may send the token as X-CSRFToken."""
    from tests.conftest import Browser

    make_user(email="grace@example.org")
    browser = Browser(app.test_client())
    browser.login("grace@example.org")
    token = csrf_from(browser.get("/learning").get_data(as_text=True))
    assert browser.client.post("/logout", headers={"X-CSRFToken": "20991231000000##" + "0" * 40}).status_code == 400
    assert browser.client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    assert browser.get("/learning").status_code == 302  # logged out


def test_forged_token_in_a_new_session_is_a_400_not_a_500(app, client):
    """A session that never saw a page has no CSRF secret yet: refused cleanly."""
    response = client.post("/login", data={"email": "a@example.org", "password": PASSWORD,
                                           "csrf_token": "20991231000000##" + "0" * 40})
    assert response.status_code == 400


def test_expired_csrf_token_is_refused(app, make_user, monkeypatch):
    """Tokens last 12 hours: a page left open longer must be reloaded."""
    from datetime import datetime, timedelta

    from wtforms.csrf.session import SessionCSRF

    from tests.conftest import csrf_from

    make_user(email="grace@example.org")
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    later = datetime.now() + timedelta(hours=13)
    monkeypatch.setattr(SessionCSRF, "now", lambda self: later)
    response = client.post("/login", data={"email": "grace@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


def test_security_headers_on_every_response(app, client):
    for url in ["/", "/login", "/no-such-page", "/healthz", "/static/css/site.css"]:
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        response.close()


def test_pages_have_no_inline_script(app, client):
    """The CSP forbids inline script, so pages must not rely on any."""
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html


def test_session_cookie_flags(app, browser, make_user):
    """HttpOnly and SameSite=Lax always; Secure when served over HTTPS."""
    make_user(email="grace@example.org")
    response = browser.login("grace@example.org")
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client().get("/login", base_url="https://localhost")
    cookie = [c for c in secure.headers.getlist("Set-Cookie") if c.startswith("session=")][0]
    assert "Secure" in cookie
    assert "Strict-Transport-Security" in secure.headers


@pytest.mark.parametrize(("method", "url", "status"), [
    ("get", "/no-such-page", 404),
    ("get", "/logout", 405),
    ("post", "/healthz", 400),
])
def test_error_pages_are_friendly(app, client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "Traceback" not in html


def test_404_page_uses_the_layout(app, client):
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in html and 'id="main"' in html and "Skip to main content" in html


def test_unexpected_error_gives_500_page_without_traceback(make_app):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "something went wrong" in html and "secret internals" not in html and "Traceback" not in html


def test_json_routes_get_json_errors(app, client):
    response = client.get("/anything.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
