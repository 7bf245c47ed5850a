"""Who may download SCORM packages, and what the download is: an org admin (with the
organisation's look) or an author (the site's look); nobody else; never another
organisation's look; every download audited."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from course_engine.audit import AuditLog
from course_engine.branding import services as branding
from course_engine.branding.images import clean_logo
from course_engine.db import session
from tests.branding.conftest import png_bytes


def org_url(place, slug, standard="scorm2004", number=1, org=None):
    return f"/orgs/{(org or place.org).slug}/scorm/{slug}/v{number}/{standard}.zip"


def course_of(response) -> dict:
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        text = zf.read("course.js").decode()
        names = set(zf.namelist())
    course = json.loads(text[len("window.COURSE = "):-2])
    course["_files"] = names
    return course


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_an_org_admin_downloads_a_version_with_the_organisations_look(browser, place, synced, standard):
    """An org admin gets the zip (attachment, never cached) with the organisation's name as
    shown, accent and logo; the download is in the audit log with the standard."""
    branding.save_look(None, place.org, display_name="Northshire Children's Services", accent_colour="#7a1f5c")
    branding.save_logo(None, place.org, clean_logo(png_bytes()))
    session.commit()
    browser.login("admin@north.example")
    response = browser.get(org_url(place, synced, standard))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{synced}-v1-{standard}.zip"'
    assert "no-store" in response.headers["Cache-Control"]
    course = course_of(response)
    assert course["standard"] == standard and course["module"]["id"] == synced
    assert course["brand"]["name"] == "Northshire Children's Services"
    assert course["brand"]["accent"] == "#7a1f5c" and course["brand"]["logo"] == "brand/logo.png"
    assert "brand/logo.png" in course["_files"]
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "scorm.download")).one()
    assert entry.actor_id == place.admin.id and entry.organisation_id == place.org.id
    assert entry.detail == {"module": synced, "version": 1, "standard": standard}


def test_an_organisation_without_a_look_gets_its_own_name(browser, place, synced):
    browser.login("admin@north.example")
    course = course_of(browser.get(org_url(place, synced)))
    assert course["brand"] == {"name": "Northshire Council", "accent": None, "accent_hover": None, "logo": None,
                               "logo_width": None, "logo_height": None}


@pytest.mark.parametrize("email, status", [("manager@north.example", 403), ("learner@north.example", 403),
                                           ("admin@south.example", 404), ("author@example.org", 404)])
def test_only_the_organisations_admins_download_from_its_page(browser, place, synced, email, status):
    """A manager or learner of the organisation: 403; another organisation's admin (or anyone
    not a member): 404, so the organisation is not even confirmed. Nothing is audited."""
    browser.login(email)
    assert browser.get(org_url(place, synced)).status_code == status
    assert browser.get(f"/orgs/{place.org.slug}/scorm").status_code == status
    assert session.scalars(select(AuditLog).where(AuditLog.action == "scorm.download")).all() == []


def test_another_organisations_admin_cannot_take_its_look_through_their_own_page(browser, place, synced):
    """Southshire's admin downloading on Southshire's page gets Southshire's look, never Northshire's."""
    branding.save_look(None, place.org, display_name="Northshire Look", accent_colour="#7a1f5c")
    session.commit()
    browser.login("admin@south.example")
    course = course_of(browser.get(org_url(place, synced, org=place.other)))
    assert course["brand"]["name"] == "Southshire Council" and course["brand"]["accent"] is None


def test_signed_out_people_are_sent_to_sign_in(client, place, synced):
    for url in (org_url(place, synced), f"/authoring/scorm/{synced}/v1/scorm12.zip", "/authoring/scorm"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_author_downloads_with_the_sites_look(browser, place, synced):
    """Authors download any version from the Content pages, with the site's name and no logo."""
    browser.login("author@example.org")
    page = browser.get("/authoring/scorm").get_data(as_text=True)
    assert f"/authoring/scorm/{synced}/v1/scorm12.zip" in page and f"/authoring/scorm/{synced}/v1/scorm2004.zip" in page
    course = course_of(browser.get(f"/authoring/scorm/{synced}/v1/scorm12.zip"))
    assert course["brand"]["name"] == "course-engine" and course["brand"]["logo"] is None


@pytest.mark.parametrize("email", ["admin@north.example", "manager@north.example", "learner@north.example"])
def test_people_without_the_author_role_cannot_use_the_authors_downloads(browser, place, synced, email):
    browser.login(email)
    assert browser.get(f"/authoring/scorm/{synced}/v1/scorm12.zip").status_code == 403
    assert browser.get("/authoring/scorm").status_code == 403


@pytest.mark.parametrize("path", ["{slug}/v2/scorm12.zip", "no-such-module/v1/scorm12.zip", "{slug}/v1/aicc.zip",
                                  "{slug}/v0/scorm2004.zip"])
def test_unknown_versions_and_standards_are_404_not_500(browser, place, synced, path):
    browser.login("admin@north.example")
    response = browser.get(f"/orgs/{place.org.slug}/scorm/" + path.format(slug=synced))
    assert response.status_code == 404


def test_the_admins_page_lists_every_version_with_both_standards(browser, place, synced):
    """The page (in the organisation menu, Learning) links each version's two packages and
    says what is sent and what never leaves."""
    browser.login("admin@north.example")
    page = browser.get(f"/orgs/{place.org.slug}/scorm").get_data(as_text=True)
    assert org_url(place, synced, "scorm12") in page and org_url(place, synced, "scorm2004") in page
    assert "never sent" in page and "SCORM packages" in page
    assert f'href="/orgs/{place.org.slug}/scorm"' in page  # the menu link


def test_the_content_page_links_the_authors_packages(browser, place, synced):
    browser.login("author@example.org")
    assert 'href="/authoring/scorm"' in browser.get("/authoring/").get_data(as_text=True)
