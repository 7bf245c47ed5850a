"""The login page's "Sign in with your organisation", password login turned off for an
organisation's members, and the org admin's settings page (guarded, audited, secret hidden)."""
from __future__ import annotations

from sqlalchemy import select

from course_engine.audit import AuditLog
from course_engine.sso.models import SsoConfig
from course_engine.db import session

from tests.conftest import PASSWORD
from tests.sso.conftest import PROVIDER_SECRET


def test_the_login_page_offers_the_organisation_for_its_domain(sso, web):
    """Choosing "Sign in with your organisation" with an email of an owned domain shows the link
    to the organisation's sign-in; another domain gets a clear message."""
    page = web.post("/login", {"email": "ivan@council.example", "organisation": "1"}, form_page="/login")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Loopback Council signs in its people" in text
    assert f"/sso/{sso.org.slug}/start?login_hint=ivan@council.example" in text
    other = web.post("/login", {"email": "ivan@elsewhere.example", "organisation": "1"}, form_page="/login")
    assert other.status_code == 400 and "No organisation signs in people" in other.get_data(as_text=True)


def test_password_login_can_be_turned_off_for_the_organisations_members(sso, web, make_user, add_member):
    """With password login off, a member at an owned domain cannot log in with a (right)
    password and is sent to the organisation's sign-in; someone at that domain who is not a
    member is not locked out."""
    member, stranger = make_user(email="judy@council.example"), make_user(email="kim@council.example")
    add_member(sso.org, member)
    config = session.scalar(select(SsoConfig))
    config.password_login_allowed = False
    session.commit()
    refused = web.login(member.email)
    assert refused.status_code == 403 and "signs you in through its own system" in refused.get_data(as_text=True)
    assert web.get("/account").status_code == 302
    assert web.login(stranger.email, PASSWORD).status_code == 302


def test_the_settings_page_is_for_org_admins(sso, web, make_user, add_member):
    manager = make_user(email="manager@council.example")
    add_member(sso.org, manager, "manager")
    web.login(manager.email)
    assert web.get(f"/orgs/{sso.org.slug}/sso").status_code == 403


def test_settings_are_checked_saved_audited_and_the_secret_never_shown(sso, web, make_user, add_member):
    admin = make_user(email="admin@council.example")
    add_member(sso.org, admin, "org_admin")
    web.login(admin.email)
    page = web.get(f"/orgs/{sso.org.slug}/sso").get_data(as_text=True)
    assert PROVIDER_SECRET not in page and PROVIDER_SECRET[-4:] in page
    assert "http://localhost/sso/callback" in page  # the redirect URI the identity admin needs
    form = {"issuer": sso.provider, "client_id": "course-engine", "client_secret": "",
            "domains": "council.example\nsocialcare.example", "enabled": "y", "join_on_first_sign_in": "y",
            "join_role": "learner", "join_team": "", "password_login_allowed": "y"}
    saved = web.post(f"/orgs/{sso.org.slug}/sso", form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    session.rollback()
    config = session.scalar(select(SsoConfig))
    assert sorted(d.domain for d in config.domains) == ["council.example", "socialcare.example"]
    assert PROVIDER_SECRET not in config.client_secret_sealed  # sealed, and kept when left empty
    from course_engine.encryption import unseal

    assert unseal(config.client_secret_sealed) == PROVIDER_SECRET
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "sso.configure", AuditLog.actor_id == admin.id))
    assert PROVIDER_SECRET not in repr(entry.detail) and entry.detail["secret_changed"] is False

    wrong = web.post(f"/orgs/{sso.org.slug}/sso", dict(form, issuer=sso.provider + "/"))
    assert wrong.status_code == 400 and "Type the issuer exactly" in wrong.get_data(as_text=True)
    bad_domain = web.post(f"/orgs/{sso.org.slug}/sso", dict(form, domains="not a domain!"))
    assert bad_domain.status_code == 400 and "is not an email domain" in bad_domain.get_data(as_text=True)
