"""Full-organisation exports (org admins): ask, see "being prepared", download when ready.

The CSV is prepared by a job (``employers/org_exports.py``), never in the request; every page
goes through the one guard with the org admin role, and an export of another organisation
(or a made-up id) is a 404.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from .. import submissions
from ..db import session, utcnow
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, org_exports
from .forms import ExportForm
from .models import ExportKind, OrgExport


def _export_of(org, export_id: int) -> OrgExport:
    export = session.get(OrgExport, export_id)
    if export is None or export.organisation_id != org.id:
        abort(404)
    return export


def _exports_page(org, membership, form):
    now = utcnow()
    return render_template("employers/exports.html", org=org, membership=membership, now=now, form=form,
                           exports=org_exports.recent_exports(org.id, now), queued=current_app.config["JOBS_BACKEND"] == "rq")


@bp.route("/orgs/<org_slug>/exports")
@org_role_required(OrgRole.org_admin)
def org_exports_page(org, membership):
    """The exports still pending or downloadable, and the form to ask for a new one."""
    return _exports_page(org, membership, ExportForm.from_request())


@bp.route("/orgs/<org_slug>/exports", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def request_org_export(org, membership):
    """Record the request and queue the job; the person goes to the export's own page."""
    form = ExportForm.from_request()
    if not form.validate():
        return _exports_page(org, membership, form), 400
    submission = form.claim_submission(current_user.id, utcnow())
    if submission.repeated:
        return submissions.already_saved(submission, url_for("employers.org_exports_page", org_slug=org.slug))
    export = org_exports.request_export(org, ExportKind(form.kind.data), current_user, utcnow(),
                                        ip_address=request.remote_addr)
    return redirect(submission.done(url_for("employers.org_export", org_slug=org.slug, export_id=export.id)), 303)


@bp.route("/orgs/<org_slug>/exports/<int:export_id>")
@org_role_required(OrgRole.org_admin)
def org_export(org, membership, export_id: int):
    """Being prepared (with a link to check again), ready (the download link), or expired (410)."""
    export = _export_of(org, export_id)
    now = utcnow()
    expired = org_exports.is_expired(export, now)
    return render_template("employers/export.html", org=org, membership=membership, export=export,
                           expired=expired), 410 if expired else 200


@bp.route("/orgs/<org_slug>/exports/<int:export_id>/download")
@org_role_required(OrgRole.org_admin)
def download_org_export(org, membership, export_id: int):
    """The file, to this organisation's admins only, until it expires."""
    export = _export_of(org, export_id)
    if export.finished_at is None:
        flash("This export is still being prepared.", "info")
        return redirect(url_for("employers.org_export", org_slug=org.slug, export_id=export.id))
    if org_exports.is_expired(export, utcnow()):
        abort(410, description="This export has expired and its file was deleted. Ask for a new one.")
    path = org_exports.file_path(export)
    if not path.exists():
        abort(410, description="This export's file is no longer there. Ask for a new one.")
    name = f"{org.slug}-{export.kind.value}-{export.finished_at.date().isoformat()}.csv"
    response = send_file(path, mimetype="text/csv", as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
