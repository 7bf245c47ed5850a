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


def test_the_same_row_saved_twice_is_a_409_that_says_so_and_keeps_the_first(make_app):
    """A unique constraint refusing a second copy (a double-submitted form that no claim or upsert
    covers) answers 409 "already saved", not 500; the first copy stays; a broken foreign key
    (a bug) is still a 500. Both databases."""
    from sqlalchemy import func, select

    from course_engine.db import session
    from course_engine.orgs.models import Membership, Organisation

    app = make_app()

    @app.route("/_test/twice", methods=["GET"])
    def twice():
        session.add(Organisation(slug="twice", name="Twice"))
        session.commit()
        session.add(Organisation(slug="twice", name="Twice again"))
        session.flush()
        return "not reached"

    @app.route("/_test/dangling", methods=["GET"])
    def dangling():
        session.add(Membership(user_id=987654, organisation_id=987654, role="learner"))
        session.flush()
        return "not reached"

    response = app.test_client().get("/_test/twice")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "already saved" in html and "sent twice" in html and "UNIQUE" not in html and "23505" not in html
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Organisation).where(Organisation.slug == "twice")) == 1
    assert app.test_client().get("/_test/dangling").status_code == 500


def test_json_routes_get_json_errors(app, client):
    response = client.get("/anything.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


#: Every view exempt from the CSRF check (security.csrf_exempt) and what authenticates it
#: instead; a new exemption fails the first test until it is listed and proved here.
CSRF_EXEMPT = {
    "lti.login_initiation": "read-only",  # writes nothing: the launch that follows is signed
    "lti.launch_message": "signature",    # the platform's signed id_token
    "certificates.wallet_token": "secret",       # the offer's pre-authorized code (OID4VCI)
    "certificates.wallet_credential": "secret",  # the bearer access token the code was exchanged for
}


def _row_counts(app):
    from sqlalchemy import func, select

    from course_engine.db import session
    from course_engine.models import metadata

    session.rollback()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def test_every_csrf_exemption_is_declared_once_and_accounted_for(app):
    """Views skip the CSRF check only through security.csrf_exempt, each with its reason; a
    "read-only" one is declared read-only, so the database layer refuses any write in it."""
    from course_engine.db import TransactionMode
    from course_engine.security import csrf_exempt_views

    exempt = csrf_exempt_views(app)
    assert set(exempt) == set(CSRF_EXEMPT)
    for endpoint, kind in CSRF_EXEMPT.items():
        assert exempt[endpoint].strip()
        if kind == "read-only":
            assert app.view_functions[endpoint].transaction_mode is TransactionMode.read_only


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in CSRF_EXEMPT.items() if kind == "signature"))
@pytest.mark.parametrize("fields", [{}, {"id_token": "not.a.token", "state": "x"},
                                    {"id_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "state": "x"}])
def test_an_exempt_view_refuses_what_is_not_signed_and_writes_nothing(app, client, endpoint, fields):
    """A post without our CSRF token and without a valid signature: a 4xx page, nothing written."""
    from flask import url_for

    with app.test_request_context():
        url = url_for(endpoint)
    before = _row_counts(app)
    response = client.post(url, data=fields)
    assert 400 <= response.status_code < 500 and "Traceback" not in response.get_data(as_text=True)
    assert _row_counts(app) == before


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in CSRF_EXEMPT.items() if kind == "secret"))
@pytest.mark.parametrize("fields, headers", [
    ({}, {}), ({"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": "guess"}, {}),
    ({"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json"}, {"Authorization": "Bearer guess"})])
def test_an_exempt_view_refuses_a_wrong_secret_and_writes_nothing(app, client, endpoint, fields, headers):
    """The wallet endpoints, posted without our CSRF token and without a real code or access
    token (as form or JSON): a 4xx JSON error, nothing written."""
    import json

    from flask import url_for

    with app.test_request_context():
        url = url_for(endpoint)
    before = _row_counts(app)
    for response in (client.post(url, data=fields, headers=headers),
                     client.post(url, data=json.dumps(fields), content_type="application/json", headers=headers)):
        assert 400 <= response.status_code < 500 and response.is_json and "error" in response.get_json()
    assert _row_counts(app) == before


def test_the_read_only_exemption_writes_nothing_whatever_it_is_sent(make_app):
    """The login initiation, posted without a CSRF token with a well-formed request for a
    registered platform, answers and writes nothing."""
    from course_engine.db import session, utcnow
    from course_engine.lti import services
    from course_engine.orgs.services import create_organisation
    from tests.conftest import isolated_context

    app = make_app(INTEGRATIONS_ALLOW_HTTP=True)
    with isolated_context(app):
        _exempt_login_writes_nothing(app, services, create_organisation("LMS org"), session, utcnow)


def _exempt_login_writes_nothing(app, services, org, session, utcnow):
    client = app.test_client()
    services.save_platform(None, org, services.Registration(
        name="LMS", issuer="http://lms.example", client_id="c1", auth_login_url="http://lms.example/auth",
        auth_token_url="http://lms.example/token", key_set_url="http://lms.example/jwks", deployment_ids=["d1"],
        instructor_team=None), now=utcnow())
    session.commit()
    before = _row_counts(app)
    response = client.post("/lti/login", data={"iss": "http://lms.example", "login_hint": "u1", "client_id": "c1",
                                               "target_link_uri": "http://localhost/lti/launch"})
    assert response.status_code == 302 and response.headers["Location"].startswith("http://lms.example/auth?")
    assert _row_counts(app) == before
