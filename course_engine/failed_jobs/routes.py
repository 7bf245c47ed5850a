"""Failed jobs: list and retry. Org admins see and retry only their organisation's jobs (the
one guard); site admins see and retry every job. Retry is a POST (CSRF-checked globally) and
audited; another organisation's job id, or one already retried, is a 404."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import db
from ..audit import record_audit
from ..auth.access import site_role_required
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, services


def _page(org, membership, organisation_id):
    app = current_app._get_current_object()
    failed = services.failed_for(app, organisation_id)
    return render_template("failed_jobs/list.html", org=org, membership=membership, failed=failed,
                           names=services.organisation_names(failed) if org is None else {},
                           queued=app.config["JOBS_BACKEND"] == "rq")


@bp.route("/orgs/<org_slug>/failed-jobs")
@org_role_required(OrgRole.org_admin)
def org_failed_jobs(org, membership):
    """This organisation's jobs that failed every retry."""
    return _page(org, membership, org.id)


@bp.route("/orgs/<org_slug>/failed-jobs/<job_id>/retry", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def retry_org_job(org, membership, job_id: str):
    """Put one of this organisation's failed jobs back on the queue."""
    _retry(job_id, org)
    return redirect(url_for("failed_jobs.org_failed_jobs", org_slug=org.slug), 303)


@bp.route("/admin/failed-jobs")
@site_role_required("site_admin")
def all_failed_jobs():
    """Every job that failed every retry, for the service's operators."""
    return _page(None, None, None)


@bp.route("/admin/failed-jobs/<job_id>/retry", methods=["POST"])
@site_role_required("site_admin")
def retry_any_job(job_id: str):
    """Put any failed job back on the queue."""
    _retry(job_id, None)
    return redirect(url_for("failed_jobs.all_failed_jobs"), 303)


def _retry(job_id: str, org) -> None:
    """Check the job is one this person may retry, audit it, and requeue it after the commit
    (like every side effect: the audit row and the retry stand or fall together)."""
    app = current_app._get_current_object()
    organisation_id = org.id if org is not None else None
    found = services.find(app, job_id, organisation_id)
    if found is None:
        abort(404, description="There is no such failed job: it may have been retried already.")
    record_audit(current_user, "job.retry", found, organisation=org,
                 detail={"job": found.name, "reason": found.reason[:300]}, ip_address=request.remote_addr)
    db.after_commit(lambda: services.retry(app, job_id, organisation_id))
    flash("The job is back on the queue; a worker will run it again shortly.", "success")
