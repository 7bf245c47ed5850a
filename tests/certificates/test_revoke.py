"""Revocation: org admins of the certificate's organisation and site admins only, with a reason, audit-logged."""
import pytest
from sqlalchemy import select

from course_engine.db import session
from course_engine.audit import AuditLog
from tests.conftest import Browser

from .conftest import code_of


def _login(app, email):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def setup(app, make_user, make_org, add_member, holder, complete, certificate_of):
    """Zoë works for Northshire (her only organisation) and holds a certificate; Northshire has
    an admin and a manager; Southshire has its own admin."""
    north, _ = make_org("Northshire Council")
    south, _ = make_org("Southshire Council")
    add_member(north, holder)
    add_member(north, make_user(email="admin@north.example", full_name="North Admin"), role="org_admin")
    add_member(north, make_user(email="manager@north.example", full_name="North Manager"), role="manager")
    add_member(south, make_user(email="admin@south.example", full_name="South Admin"), role="org_admin")
    make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)
    certificate = certificate_of(complete(holder))
    assert certificate.organisation_id == north.id
    return north, south, certificate


def test_org_admin_revokes_with_reason_and_it_is_audit_logged(app, setup):
    """The organisation's admin revokes with a reason; the audit log records who, what and
    why; the verify page then says revoked (without the reason)."""
    north, _south, certificate = setup
    code = code_of(certificate)
    url = f"/orgs/{north.slug}/certificates/{certificate.number}"
    browser = _login(app, "admin@north.example")
    listing = browser.get(f"/orgs/{north.slug}/certificates").get_data(as_text=True)
    assert certificate.number in listing and "Zoë Ní Bhriain" in listing
    assert "Revoke certificate" in browser.get(url).get_data(as_text=True)

    missing_reason = browser.post(url, {"reason": "  "})
    assert missing_reason.status_code == 400 and "Enter the reason" in missing_reason.get_data(as_text=True)
    response = browser.post(url, {"reason": "Completed on a colleague's login."})
    assert response.status_code == 303

    session.commit()
    session.refresh(certificate)
    assert certificate.revoked_at is not None and certificate.revoked_reason == "Completed on a colleague's login."
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "certificate.revoke"))
    assert entry.organisation_id == north.id and entry.target_type == "Certificate"
    assert entry.target_id == str(certificate.id) and entry.detail["reason"] == "Completed on a colleague's login."
    assert entry.actor.email == "admin@north.example"

    verify = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in verify and "colleague" not in verify
    again = browser.get(url).get_data(as_text=True)
    assert "Revoke certificate" not in again and "Completed on a colleague" in again


def test_a_manager_cannot_revoke(app, setup):
    """A manager of the same organisation gets 403, on the page and on the POST."""
    north, _south, certificate = setup
    browser = _login(app, "manager@north.example")
    url = f"/orgs/{north.slug}/certificates/{certificate.number}"
    assert browser.get(url).status_code == 403
    assert browser.get(f"/orgs/{north.slug}/certificates").status_code == 403
    token_page = browser.get("/certificates")
    response = browser.post(url, {"reason": "no"}, form_page="/certificates")
    assert token_page.status_code == 200 and response.status_code == 403
    session.commit()
    session.refresh(certificate)
    assert certificate.revoked_at is None


def test_another_organisations_admin_gets_404(app, setup):
    """Southshire's admin cannot see or revoke Northshire's certificate: 404 under either
    organisation's address."""
    north, south, certificate = setup
    browser = _login(app, "admin@south.example")
    assert browser.get(f"/orgs/{north.slug}/certificates/{certificate.number}").status_code == 404
    assert browser.get(f"/orgs/{south.slug}/certificates/{certificate.number}").status_code == 404
    response = browser.post(f"/orgs/{south.slug}/certificates/{certificate.number}", {"reason": "x"},
                            form_page=f"/orgs/{south.slug}/certificates")
    assert response.status_code == 404
    assert certificate.number not in browser.get(f"/orgs/{south.slug}/certificates").get_data(as_text=True)


def test_anonymous_is_sent_to_log_in(app, setup):
    north, _south, certificate = setup
    client = app.test_client()
    for url in (f"/orgs/{north.slug}/certificates/{certificate.number}", f"/admin/certificates/{certificate.number}",
                "/certificates"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_site_admin_revokes_any_certificate(app, setup):
    north, _south, certificate = setup
    browser = _login(app, "site@example.org")
    found = browser.get("/admin/certificates", query_string={"number": certificate.number.lower()})
    assert certificate.number in found.get_data(as_text=True)
    response = browser.post(f"/admin/certificates/{certificate.number}", {"reason": "Issued in error."})
    assert response.status_code == 303
    session.commit()
    session.refresh(certificate)
    assert certificate.revoked_at is not None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "certificate.revoke"))
    assert entry.actor.email == "site@example.org" and entry.organisation_id == north.id


def test_org_admin_cannot_use_the_site_admin_pages(app, setup):
    _north, _south, certificate = setup
    browser = _login(app, "admin@north.example")
    assert browser.get("/admin/certificates").status_code == 403
    assert browser.get(f"/admin/certificates/{certificate.number}").status_code == 403


def test_a_revoked_certificate_cannot_be_revoked_again_or_reissued(app, setup):
    from course_engine.certificates import services

    north, _south, certificate = setup
    browser = _login(app, "admin@north.example")
    url = f"/orgs/{north.slug}/certificates/{certificate.number}"
    assert browser.post(url, {"reason": "First."}).status_code == 303
    second = browser.client.post(url, data={"reason": "Second.", "csrf_token": _token(browser, "/certificates")},
                                 follow_redirects=True)
    assert "had already been revoked" in second.get_data(as_text=True)
    session.commit()
    session.refresh(certificate)
    assert certificate.revoked_reason == "First."
    with pytest.raises(services.CertificateError, match="revoked"):
        services.reissue(certificate, "New Name", certificate.issued_at, "http://localhost")


def _token(browser, page):
    from tests.conftest import csrf_from

    return csrf_from(browser.get(page).get_data(as_text=True))
