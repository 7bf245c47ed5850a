"""The org admin's LMS (LTI) pages: guarded by org_role_required(org_admin), audited, URLs
checked, and the values an LMS administrator pastes shown."""
from __future__ import annotations

from sqlalchemy import select

from course_engine.audit import AuditLog
from course_engine.db import session
from course_engine.lti.models import Platform

FORM = {"name": "Council Moodle", "issuer": "http://moodle.test", "client_id": "abc123",
        "deployment_ids": "1\n2", "auth_login_url": "http://moodle.test/mod/lti/auth.php",
        "auth_token_url": "http://moodle.test/mod/lti/token.php",
        "key_set_url": "http://moodle.test/mod/lti/certs.php", "instructor_team": ""}


def _admin_browser(make_app, make_org, make_user, add_member, role="org_admin", **config):
    from tests.conftest import Browser

    app = make_app(**config)
    org, _teams = make_org("Page Council")
    person = make_user(email=f"{role}@page.example")
    add_member(org, person, role)
    browser = Browser(app.test_client())
    browser.login(person.email)
    return app, org, browser, person


def test_managers_cannot_see_or_register_platforms(make_app, make_org, make_user, add_member):
    _app, org, browser, _person = _admin_browser(make_app, make_org, make_user, add_member, role="manager")
    assert browser.get(f"/orgs/{org.slug}/lti").status_code == 403
    assert browser.post(f"/orgs/{org.slug}/lti/platforms", FORM, form_page=f"/orgs/{org.slug}/").status_code == 403


def test_an_admin_registers_a_platform_and_it_is_audited(make_app, make_org, make_user, add_member):
    app, org, browser, admin = _admin_browser(make_app, make_org, make_user, add_member, INTEGRATIONS_ALLOW_HTTP=True)
    page = browser.get(f"/orgs/{org.slug}/lti").get_data(as_text=True)
    for path in ("/lti/jwks", "/lti/login", "/lti/launch"):
        assert f"http://localhost{path}" in page
    answer = browser.post(f"/orgs/{org.slug}/lti/platforms", FORM)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    from tests.conftest import isolated_context

    with isolated_context(app):
        platform = session.scalar(select(Platform))
        assert [d.deployment_id for d in platform.deployments] == ["1", "2"]
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "lti.register_platform"))
        assert entry.actor_id == admin.id and entry.detail["client_id"] == "abc123"
    again = browser.post(f"/orgs/{org.slug}/lti/platforms", FORM)
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)


def test_plain_http_and_internal_addresses_are_refused_in_production(make_app, make_org, make_user, add_member):
    """Without INTEGRATIONS_ALLOW_HTTP a registration must use https and public addresses:
    the server will call them, so a form must not make it call the inside of its network."""
    _app, org, browser, _admin = _admin_browser(make_app, make_org, make_user, add_member)
    plain = browser.post(f"/orgs/{org.slug}/lti/platforms", FORM)
    assert plain.status_code == 400 and "must start with https://" in plain.get_data(as_text=True)
    internal = browser.post(f"/orgs/{org.slug}/lti/platforms", {k: v.replace("http://moodle.test", "https://127.0.0.1")
                                                                 for k, v in FORM.items()})
    assert internal.status_code == 400 and "inside this server&#39;s network" in internal.get_data(as_text=True)
