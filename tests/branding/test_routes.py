"""The org admin's look page: who may use it, what it refuses, what it saves and audits, and
how the logo and the accent stylesheet are served."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from course_engine.audit import AuditLog
from course_engine.branding.models import BrandLogo, OrganisationLook
from course_engine.db import session

from .conftest import jpeg_bytes, png_bytes

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _look_url(place, tail=""):
    return f"/orgs/{place.org.slug}/look{tail}"


def _upload(browser, place, data: bytes, filename: str):
    return browser.post(_look_url(place, "/logo"), {"logo": (io.BytesIO(data), filename)},
                        form_page=_look_url(place), content_type="multipart/form-data")


def _count(model) -> int:
    session.commit()  # end the test's snapshot so the requests' writes are seen
    return session.scalar(select(func.count()).select_from(model))


def _audit(action: str) -> list[AuditLog]:
    session.commit()
    return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


ROUTES = [("GET", ""), ("POST", ""), ("POST", "/logo"), ("POST", "/logo/remove")]


@pytest.mark.parametrize("method, tail", ROUTES)
def test_every_look_route_is_for_the_organisations_admins_only(browser, place, method, tail):
    """Anonymous -> login; a learner or manager -> 403; another organisation's admin -> 404."""
    url = _look_url(place, tail)

    def call():
        if method == "GET":
            return browser.get(url)
        return browser.post(url, {"display_name": "X", "accent_colour": ""}, form_page="/account")

    anonymous = browser.get(url) if method == "GET" else browser.client.post(url)
    assert anonymous.status_code in (302, 400)
    if method == "GET":
        assert "/login" in anonymous.headers["Location"]
    for who, expected in ((place.learner, 403), (place.manager, 403), (place.other_admin, 404)):
        browser.login(who.email)
        assert call().status_code == expected, who.email
        browser.logout()
    assert _count(OrganisationLook) == 0


@pytest.mark.parametrize("tail", ["", "/logo", "/logo/remove"])
def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(browser, place, tail):
    browser.login(place.admin.email)
    response = browser.client.post(_look_url(place, tail), data={"display_name": "Hijacked", "accent_colour": "#000000",
                                                                "logo": (io.BytesIO(png_bytes()), "x.png")},
                                   content_type="multipart/form-data")
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    assert _count(OrganisationLook) == 0 and _count(BrandLogo) == 0


def test_admin_saves_the_name_and_accent_and_it_is_audited(browser, place):
    browser.login(place.admin.email)
    response = browser.post(_look_url(place), {"display_name": "  Northshire   Children's Services ",
                                               "accent_colour": "#1F4E79"})
    assert response.status_code == 302
    session.commit()
    look = session.scalar(select(OrganisationLook))
    assert (look.display_name, look.accent_colour) == ("Northshire Children's Services", "#1f4e79")
    entry, = _audit("branding.update")
    assert entry.actor_id == place.admin.id and entry.organisation_id == place.org.id
    assert entry.detail["accent_colour"] == {"from": None, "to": "#1f4e79"}
    page = browser.get(_look_url(place)).get_data(as_text=True)
    assert "contrast 8.66:1 against white" in page


def test_an_accent_below_aa_is_refused_with_its_ratio_and_a_darker_shade(browser, place):
    """#777777 is 4.47:1: refused (400) with the ratio and a suggestion; nothing saved."""
    browser.login(place.admin.email)
    response = browser.post(_look_url(place), {"display_name": "North", "accent_colour": "#777777"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "#777777 has a contrast ratio of 4.47:1 against white" in page and "such as #767676" in page
    assert 'aria-invalid="true"' in page and "There is a problem" in page
    assert _count(OrganisationLook) == 0


def test_an_accent_just_above_aa_is_accepted(browser, place):
    browser.login(place.admin.email)
    assert browser.post(_look_url(place), {"display_name": "", "accent_colour": "#767676"}).status_code == 302
    session.commit()
    look = session.scalar(select(OrganisationLook))
    assert look.accent_colour == "#767676" and look.display_name is None


def test_a_name_too_long_is_refused(browser, place):
    browser.login(place.admin.email)
    response = browser.post(_look_url(place), {"display_name": "N" * 201, "accent_colour": ""})
    assert response.status_code == 400 and _count(OrganisationLook) == 0


@pytest.mark.parametrize("data, filename, says", [
    (SVG, "logo.svg", "SVG drawing"),
    (SVG, "logo.png", "SVG drawing"),
    (b"this is not an image at all", "logo.jpg", "not an image we can read"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "logo.png", "could not be read"),
    (b"GIF89a" + b"\x00" * 30, "logo.jpg", "GIF image"),
])
def test_uploads_that_are_not_png_or_jpeg_by_content_are_refused(browser, place, data, filename, says):
    """Judged by content, not name: refused with a clear message (400), nothing saved or audited."""
    browser.login(place.admin.email)
    response = _upload(browser, place, data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and says in page and "Nothing has been saved." in page
    assert _count(BrandLogo) == 0 and _count(OrganisationLook) == 0 and not _audit("branding.logo_upload")


def test_a_png_named_jpg_is_stored_as_the_png_it_is(browser, place):
    browser.login(place.admin.email)
    assert _upload(browser, place, png_bytes(), "logo.jpg").status_code == 302
    session.commit()
    assert session.scalar(select(BrandLogo)).content_type == "image/png"


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(make_app, make_org, make_user, add_member):
    """Larger than LOGO_MAX_BYTES: 413 with a message, nothing saved."""
    from tests.conftest import Browser, isolated_context

    app = make_app(LOGO_MAX_BYTES=20_000)
    with isolated_context(app):
        org, _ = make_org("Northshire Council")
        admin = make_user(email="admin@north.example")
        add_member(org, admin, "org_admin")
        browser = Browser(app.test_client())
        browser.login(admin.email)
        big = png_bytes(size=(400, 400), mode="RGB")
        big += b"\x00" * (30_000 - len(big))
        response = browser.post(f"/orgs/{org.slug}/look/logo", {"logo": (io.BytesIO(big), "big.png")},
                                form_page=f"/orgs/{org.slug}/look", content_type="multipart/form-data")
        assert response.status_code == 413
        huge = browser.post(f"/orgs/{org.slug}/look/logo", {"logo": (io.BytesIO(b"\x00" * 200_000), "huge.png")},
                            form_page=f"/orgs/{org.slug}/look", content_type="multipart/form-data")
        assert huge.status_code == 413
        assert "larger than 19 KB" in response.get_data(as_text=True)
        assert _count(BrandLogo) == 0


def test_a_polyglot_upload_is_stored_as_pixels_only_and_audited(browser, place):
    """Trailing data after a real PNG (here an HTML script) is accepted, and the stored logo is
    the re-encoded image without it; the audit log records the upload."""
    browser.login(place.admin.email)
    hostile = png_bytes() + b"<html><script>alert(document.cookie)</script></html>"
    assert _upload(browser, place, hostile, "logo.png").status_code == 302
    session.commit()
    stored = session.scalar(select(BrandLogo))
    assert b"<script>" not in stored.data and stored.data != hostile
    entry, = _audit("branding.logo_upload")
    assert entry.detail["sha256"] == stored.sha256 and entry.detail["uploaded_filename"] == "logo.png"
    assert entry.actor_id == place.admin.id


def test_the_logo_is_served_by_its_hash_with_long_caching_and_its_real_type(browser, place):
    browser.login(place.admin.email)
    _upload(browser, place, jpeg_bytes(), "logo.png")
    session.commit()
    stored = session.scalar(select(BrandLogo))
    browser.logout()
    response = browser.get(f"/brand/logos/{stored.sha256}")  # public: the verification page uses it
    assert response.status_code == 200 and response.data == stored.data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == f'"{stored.sha256}"'
    import hashlib
    assert hashlib.sha256(response.data).hexdigest() == stored.sha256
    assert browser.get("/brand/logos/" + "0" * 64).status_code == 404
    assert browser.get("/brand/logos/not-a-hash").status_code == 404


def test_a_new_logo_gets_a_new_url_and_removing_it_keeps_the_image_row(browser, place):
    browser.login(place.admin.email)
    _upload(browser, place, png_bytes(colour=(255, 0, 0, 255)), "a.png")
    first = browser.get(_look_url(place)).get_data(as_text=True)
    _upload(browser, place, png_bytes(colour=(0, 0, 255, 255)), "b.png")
    second = browser.get(_look_url(place)).get_data(as_text=True)
    url = re.compile(r'src="(/brand/logos/[0-9a-f]{64})"')
    assert url.search(first).group(1) != url.search(second).group(1)
    assert browser.post(_look_url(place, "/logo/remove"), form_page=_look_url(place)).status_code == 302
    assert "/brand/logos/" not in browser.get(_look_url(place)).get_data(as_text=True)
    assert _count(BrandLogo) == 2 and len(_audit("branding.logo_remove")) == 1
    assert browser.post(_look_url(place, "/logo/remove"), form_page=_look_url(place)).status_code == 409


def test_the_accent_stylesheet_is_cached_and_refuses_colours_below_aa(client):
    response = client.get("/brand/accent/767676.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "--accent: #767676;" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for bad in ("777777", "ffffff", "76767G", "1F4E79", "fff"):
        assert client.get(f"/brand/accent/{bad}.css").status_code == 404, bad
