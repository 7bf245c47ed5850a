"""Full-organisation exports: the org admin asks, sees "being prepared", and downloads the
file once the job has written it; only that organisation's admins, only until it expires."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from course_engine.audit import AuditLog
from course_engine.db import session, utcnow
from course_engine.employers import org_exports
from course_engine.employers.models import OrgExport
from tests.conftest import csrf_from
from tests.employers.conftest import TODAY, assign, at, attempt


@pytest.fixture
def assigned(world, module):
    assign(world.org, module, team=world.team_a)
    assign(world.org, module, team=world.team_b)
    attempt(world.learner_a, module, completed=at(TODAY - timedelta(days=2)))


def _ask(browser, org, kind="matrix"):
    page = browser.get(f"/orgs/{org.slug}/exports").get_data(as_text=True)
    response = browser.client.post(f"/orgs/{org.slug}/exports", data={"kind": kind, "csrf_token": csrf_from(page)})
    response.close()  # the server has sent it: inline jobs run now (course_engine/jobs.py)
    return response


def test_the_job_prepares_the_whole_organisation_and_the_admin_downloads_it(app, world, assigned, login):
    """Asked for: a 303 to the export's page; the job (inline here, after the response) writes every
    team's rows; the page then offers the download, which is the same CSV the matrix gives."""
    admin = login(world.admin)
    response = _ask(admin, world.org)
    assert response.status_code == 303
    page_url = response.headers["Location"]
    session.expire_all()
    export = session.scalars(select(OrgExport)).one()
    assert export.finished_at is not None and export.row_count == 2  # both teams' learners
    page = admin.get(page_url)
    assert page.status_code == 200 and "Your export is ready: 2 rows" in page.get_data(as_text=True)
    download = admin.get(f"{page_url}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    download.close()
    assert rows[0][:3] == ["Name", "Email", "Team"]
    assert sorted(r[0] for r in rows[1:]) == ["Amy Learner", "Ben Learner"]
    assert sorted(r[3] for r in rows[1:]) == ["Completed", "Not started"]
    assert session.scalars(select(AuditLog.action).where(AuditLog.action == "export.request")).all() == ["export.request"]


def test_a_pending_export_says_it_is_being_prepared(app, world, assigned, login):
    """Before the job has run the page says so (and the download sends the person back to it)."""
    export = OrgExport(organisation_id=world.org.id, kind="matrix", requested_at=utcnow(), file_name="pending.csv")
    session.add(export)
    session.commit()
    admin = login(world.admin)
    url = f"/orgs/{world.org.slug}/exports/{export.id}"
    assert "being prepared" in admin.get(url).get_data(as_text=True)
    assert admin.get(f"{url}/download").headers["Location"].endswith(url)


def test_only_the_organisations_admins_reach_an_export(app, world, assigned, login):
    """A manager of the organisation gets 403; another organisation's admin 404, also for the file."""
    _ask(login(world.admin), world.org)
    export = session.scalars(select(OrgExport)).one()
    url = f"/orgs/{world.org.slug}/exports/{export.id}"
    for page in ("/orgs/{}/exports".format(world.org.slug), url, f"{url}/download"):
        assert login(world.manager_a).get(page).status_code == 403
        assert login(world.outsider).get(page).status_code == 404
    # the outsider's own organisation does not reach it either
    assert login(world.outsider).get(f"/orgs/{world.other_org.slug}/exports/{export.id}/download").status_code == 404


def test_asking_needs_the_csrf_token_and_a_known_kind(app, world, assigned, login):
    """No token: 400 and no export; an unknown kind: 400 with the message, nothing queued."""
    admin = login(world.admin)
    assert admin.client.post(f"/orgs/{world.org.slug}/exports", data={"kind": "matrix"}).status_code == 400
    response = _ask(admin, world.org, kind="everything")
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    assert session.scalars(select(OrgExport)).all() == []


def test_an_expired_export_is_gone(app, world, assigned, login):
    """After EXPORT_KEEP_DAYS the download is 410 and the next export job deletes the file."""
    admin = login(world.admin)
    _ask(admin, world.org)
    export = session.scalars(select(OrgExport)).one()
    path = org_exports.file_path(export)
    assert path.exists()
    export.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    url = f"/orgs/{world.org.slug}/exports/{export.id}"
    assert admin.get(url).status_code == 410
    assert admin.get(f"{url}/download").status_code == 410
    assert org_exports.purge_expired(utcnow()) == 1 and not path.exists()


def test_the_job_is_safe_to_run_twice(app, world, assigned):
    """A second run of a finished export changes nothing (a retry or a duplicate delivery)."""
    export = OrgExport(organisation_id=world.org.id, kind="completions", requested_at=utcnow(), file_name="twice.csv")
    session.add(export)
    session.commit()
    from course_engine import jobs
    jobs.run(org_exports.JOB, {"export_id": export.id})
    first = session.get(OrgExport, export.id).finished_at
    assert session.get(OrgExport, export.id).row_count == 1  # the one completion
    jobs.run(org_exports.JOB, {"export_id": export.id})
    assert session.get(OrgExport, export.id).finished_at == first
