"""The bulk staff upload (org admins): upload a CSV, see what confirming would do, confirm.

Reading the file is ``staff_csv``; planning and applying it is ``staff_upload``. An oversized
file is refused with a 413 before it is parsed.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..db import session
from . import bp, services, staff_upload
from .access import org_role_required
from .models import OrgRole, StaffImport
from .staff_csv import COLUMNS, UnusableFile, read_staff_csv



@bp.url_value_preprocessor
def _limit_upload_size(endpoint, values):
    # Runs before the app's CSRF check reads the form, so an oversized upload is refused
    # with a 413 page before it is parsed (MAX_CONTENT_LENGTH for this one route).
    if endpoint == "orgs.preview_staff_import":
        request.max_content_length = current_app.config["CSV_MAX_BYTES"] + 64 * 1024


@bp.route("/<org_slug>/people/import")
@org_role_required(OrgRole.org_admin)
def upload_staff(org, membership):
    """The bulk upload form (org admin)."""
    return _render_upload(org, membership)


def _render_upload(org, membership, error=None, status=200):
    return render_template("orgs/upload.html", org=org, membership=membership, error=error, columns=COLUMNS,
                           teams=services.active_teams(org),
                           max_rows=current_app.config["CSV_MAX_ROWS"],
                           max_kb=current_app.config["CSV_MAX_BYTES"] // 1024), status


@bp.route("/<org_slug>/people/import", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def preview_staff_import(org, membership):
    """Check an uploaded file and show what confirming would do; no people are written."""
    upload = request.files.get("file")
    render_error = _render_upload
    if upload is None or not upload.filename:
        return render_error(org, membership, error="Choose a CSV file to upload.", status=400)
    limit = current_app.config["CSV_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return render_error(org, membership, status=413,
                            error=f"The file is larger than {limit // 1024:,} KB. Split it into smaller files.")
    try:
        rows = read_staff_csv(data, max_rows=current_app.config["CSV_MAX_ROWS"])
    except UnusableFile as exc:
        return render_error(org, membership, error=f"{exc} Nothing has been saved.", status=400)
    staff_import = staff_upload.create_staff_import(current_user, org, upload.filename, [r.as_dict() for r in rows])
    return render_template("orgs/preview.html", org=org, membership=membership, staff_import=staff_import,
                           counts=staff_upload.import_summary(staff_import.plan), actions=staff_upload.IMPORT_ACTIONS)


@bp.route("/<org_slug>/people/import/<int:import_id>/confirm", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def confirm_staff_import(org, membership, import_id: int):
    """Apply exactly the previewed plan, once (org admin; audited)."""
    staff_import = session.scalar(select(StaffImport).where(
        StaffImport.id == import_id, StaffImport.organisation_id == org.id,
        StaffImport.created_by_id == current_user.id))
    if staff_import is None:
        abort(404)
    try:
        counts = staff_upload.apply_staff_import(current_user, staff_import, ip_address=request.remote_addr)
    except staff_upload.AlreadyApplied as exc:  # a double click: the first click's outcome
        flash(str(exc), "info")
        return redirect(url_for("orgs.list_people", org_slug=org.slug), code=303)
    except services.OrgError as exc:
        abort(409, description=str(exc))
    flash(f"Upload applied: {counts['invite']} invited, {counts['add']} added, {counts['unchanged']} unchanged, "
          f"{counts['rejected']} rejected.", "success")
    return redirect(url_for("orgs.list_people", org_slug=org.slug), code=303)


# --- audit log ---------------------------------------------------------------------------
