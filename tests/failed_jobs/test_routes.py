"""The failed jobs page on a real Redis queue (db 3) worked by a real RQ worker: an org admin
sees and retries only their organisation's failed jobs, a site admin every one; Retry is a
CSRF-checked, audited POST; learners, managers and other organisations are turned away."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from course_engine import jobs
from course_engine.audit import AuditLog
from course_engine.db import commit_and_run_callbacks, session
from tests.conftest import Browser, csrf_from
from tests.queue import run_worker


@jobs.job("tests.failed_jobs.broken", backoff=(), label="A broken test job")
def broken(label: str) -> None:
    raise RuntimeError(f"the {label} job cannot finish")


@pytest.fixture
def people(app, make_user, make_org, add_member):
    north, _ = make_org("North Council")
    south, _ = make_org("South Trust")
    users = {name: make_user(email=f"{name}@example.org") for name in
             ("north_admin", "north_manager", "north_learner", "south_admin")}
    users["operator"] = make_user(email="operator@example.org", is_site_admin=True)
    add_member(north, users["north_admin"], "org_admin")
    add_member(north, users["north_manager"], "manager")
    add_member(north, users["north_learner"], "learner")
    add_member(south, users["south_admin"], "org_admin")
    return north, south, users


def _fail_jobs(queue_app, north, south):
    """One job for each organisation and one for neither, each failing its only try on a real worker."""
    with queue_app.app_context():
        jobs.enqueue("tests.failed_jobs.broken", organisation_id=north.id, label="north")
        jobs.enqueue("tests.failed_jobs.broken", organisation_id=south.id, label="south")
        jobs.enqueue("tests.failed_jobs.broken", label="site-wide")
        commit_and_run_callbacks()
    run_worker(queue_app)
    return {f.reason.rsplit("the ", 1)[1].split()[0]: f for f in jobs.failed_jobs(queue_app)}


def _browser(queue_app, user) -> Browser:
    browser = Browser(queue_app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def test_org_admin_sees_only_their_organisations_failed_jobs_with_the_reason(queue_app, people):
    north, south, users = people
    failed = _fail_jobs(queue_app, north, south)
    assert set(failed) == {"north", "south", "site-wide"}
    page = _browser(queue_app, users["north_admin"]).get(f"/orgs/{north.slug}/failed-jobs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 failed job" in html and "A broken test job" in html and "the north job cannot finish" in html
    assert "south job" not in html and "site-wide" not in html


def test_site_admin_sees_every_failed_job_and_its_organisation(queue_app, people):
    north, south, users = people
    _fail_jobs(queue_app, north, south)
    html = _browser(queue_app, users["operator"]).get("/admin/failed-jobs").get_data(as_text=True)
    assert "3 failed jobs" in html
    assert "North Council" in html and "South Trust" in html
    for label in ("north", "south", "site-wide"):
        assert f"the {label} job cannot finish" in html


def test_retry_puts_the_job_back_on_the_queue_and_is_audited(queue_app, people, redis):
    """The org admin's Retry: 303 back to the page, the job is queued again (and leaves the
    failed list), and the audit log says who retried which job."""
    from rq import Queue

    north, south, users = people
    failed = _fail_jobs(queue_app, north, south)
    admin = _browser(queue_app, users["north_admin"])
    url = f"/orgs/{north.slug}/failed-jobs"
    response = admin.post(f"{url}/{failed['north'].id}/retry", form_page=url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert Queue(jobs.QUEUE_NAME, connection=redis).job_ids == [failed["north"].id]
    assert failed["north"].id not in {f.id for f in jobs.failed_jobs(queue_app)}
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "job.retry")).one()
    assert entry.organisation_id == north.id and entry.target_id == failed["north"].id
    assert entry.actor_id == users["north_admin"].id


def test_an_org_admin_cannot_retry_another_organisations_job(queue_app, people, redis):
    """South's job id under North's page is a 404 and stays failed; so is a made-up id."""
    north, south, users = people
    failed = _fail_jobs(queue_app, north, south)
    admin = _browser(queue_app, users["north_admin"])
    url = f"/orgs/{north.slug}/failed-jobs"
    for job_id in (failed["south"].id, failed["site-wide"].id, "no-such-job"):
        assert admin.post(f"{url}/{job_id}/retry", form_page=url).status_code == 404
    assert len(jobs.failed_jobs(queue_app)) == 3
    # and through South's own page the North admin is not a member: 404
    assert admin.post(f"/orgs/{south.slug}/failed-jobs/{failed['south'].id}/retry", form_page=url).status_code == 404


def test_the_site_admin_retries_any_job(queue_app, people, redis):
    north, south, users = people
    failed = _fail_jobs(queue_app, north, south)
    operator = _browser(queue_app, users["operator"])
    response = operator.post(f"/admin/failed-jobs/{failed['site-wide'].id}/retry", form_page="/admin/failed-jobs")
    assert response.status_code == 303
    assert len(jobs.failed_jobs(queue_app)) == 2


def test_retry_needs_the_csrf_token(queue_app, people):
    north, south, users = people
    failed = _fail_jobs(queue_app, north, south)
    admin = _browser(queue_app, users["north_admin"])
    assert admin.client.post(f"/orgs/{north.slug}/failed-jobs/{failed['north'].id}/retry").status_code == 400
    operator = _browser(queue_app, users["operator"])
    assert operator.client.post(f"/admin/failed-jobs/{failed['north'].id}/retry").status_code == 400
    assert len(jobs.failed_jobs(queue_app)) == 3


@pytest.mark.parametrize("who", ["north_manager", "north_learner"])
def test_only_org_admins_see_the_organisations_page(queue_app, people, who):
    """A manager or learner of the organisation: 403; another organisation's admin: 404;
    anyone but a site admin: 403 on the site's page; nobody signed in: the login page."""
    north, south, users = people
    browser = _browser(queue_app, users[who])
    assert browser.get(f"/orgs/{north.slug}/failed-jobs").status_code == 403
    assert browser.get("/admin/failed-jobs").status_code == 403
    assert _browser(queue_app, users["south_admin"]).get(f"/orgs/{north.slug}/failed-jobs").status_code == 404
    assert _browser(queue_app, users["north_admin"]).get("/admin/failed-jobs").status_code == 403
    anonymous = queue_app.test_client().get(f"/orgs/{north.slug}/failed-jobs")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_without_a_queue_the_page_says_jobs_run_in_the_app(app, people):
    """The embedded default (inline jobs) keeps no dead letters: the page says where failures go."""
    north, south, users = people
    browser = Browser(app.test_client())
    browser.login(users["north_admin"].email)
    html = browser.get(f"/orgs/{north.slug}/failed-jobs").get_data(as_text=True)
    assert "no queue is configured" in html
    assert csrf_from(html)  # the page is a normal page of the site


def test_the_site_menu_links_the_page_for_site_admins_only(app, people):
    """Site admins get "Failed jobs" in the main menu; an organisation's admin reaches theirs
    through the organisation menu (Settings), not the site menu."""
    north, south, users = people
    operator = Browser(app.test_client())
    operator.login(users["operator"].email)
    assert 'href="/admin/failed-jobs"' in operator.get("/account").get_data(as_text=True)
    admin = Browser(app.test_client())
    admin.login(users["north_admin"].email)
    assert 'href="/admin/failed-jobs"' not in admin.get("/account").get_data(as_text=True)
    assert f'href="/orgs/{north.slug}/failed-jobs"' in admin.get(f"/orgs/{north.slug}/failed-jobs").get_data(as_text=True)
