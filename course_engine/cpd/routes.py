"""CPD record pages. Every record is looked up with the current user's id, so another
learner's entry is a 404 (its existence is never confirmed). Managers see only reflections
that were shared with them, through the organisation guard."""
from __future__ import annotations

import io

from flask import (Response, abort, current_app, flash, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from .. import submissions
from ..auth.models import User
from ..db import session, utcnow
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, evidence, exports, services
from .forms import EntryForm, EvidenceForm, PeerReflectionForm
from .models import ActivityType, PeerFormat
from .standards import STANDARD_4

KIND = "<any(modules, entries):kind>"


def _today():
    return services.local_date(utcnow())


def _year_or_400():
    try:
        return services.parse_year(request.args.get("year"), _today())
    except services.CpdError as exc:
        abort(400, description=exc.errors["year"])


def _record_or_404(kind: str, record_id: int) -> services.CpdRecord:
    record = services.record_for(current_user.id, kind, record_id)
    if record is None:
        abort(404)
    return record


def _log_url(record_day=None, anchor: str | None = None) -> str:
    """The log showing the year a record belongs to (no ``year`` for the current one)."""
    year = services.RegistrationYear.containing(record_day) if record_day else None
    if year == services.RegistrationYear.containing(_today()):
        year = None
    return url_for("cpd.show_log", year=year.key if year else None) + (f"#{anchor}" if anchor else "")


def _apply_errors(form, error: services.CpdError) -> None:
    for name, message in error.errors.items():
        target = getattr(form, name, None)
        if target is not None and message not in target.errors:
            target.errors = list(target.errors) + [message]


@bp.route("/cpd")
@login_required
def show_log():
    """The learner's CPD log for a registration year (current by default), with the summary."""
    today = _today()
    year = _year_or_400()
    summary = services.year_summary(current_user.id, year, today)
    years = services.years_with_records(current_user.id, today)
    if year not in years:
        years = sorted(years + [year], key=lambda y: y.start, reverse=True)
    return render_template("cpd/log.html", summary=summary, year=year, years=years,
                           current_year=services.RegistrationYear.containing(today),
                           share_choices=services.sharing_choices(current_user.id))


# --- CPD done elsewhere ----------------------------------------------------------------

def _entry_values(form: EntryForm) -> services.EntryValues:
    try:
        activity_type = ActivityType(form.activity_type.data)
    except ValueError:
        activity_type = None
    return services.EntryValues(activity_type=activity_type, title=form.title.data or "",
                                activity_date=form.activity_date.day, minutes=form.minutes.minutes,
                                description=form.description.data or "", what_learned=form.what_learned.data or "",
                                impact_on_practice=form.impact_on_practice.data or "",
                                standard_4_parts=tuple(form.standard_4_parts.data or ()))


@bp.route("/cpd/entries/new", methods=["GET", "POST"])
@login_required
def new_entry():
    """Record CPD done elsewhere. Invalid input is shown again with every error (400)."""
    form = EntryForm.from_request()
    if request.method == "POST":
        if form.validate():
            submission = form.claim_submission(current_user.id, utcnow())
            if submission.repeated:
                return submissions.already_saved(submission, _log_url())
            try:
                entry = services.create_entry(current_user.id, _entry_values(form), utcnow())
            except services.CpdError as exc:
                _apply_errors(form, exc)
            else:
                year = services.RegistrationYear.containing(entry.activity_date)
                flash(f"'{entry.title}' is added to your CPD record for {year.label}.", "success")
                return redirect(submission.done(_log_url(entry.activity_date, f"entry-{entry.id}")), code=303)
        return render_template("cpd/entry_form.html", form=form, entry=None, standard_4=STANDARD_4), 400
    return render_template("cpd/entry_form.html", form=form, entry=None, standard_4=STANDARD_4)


@bp.route("/cpd/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    """Change one of the learner's own entries."""
    entry = services.entry_for(current_user.id, entry_id)
    if entry is None:
        abort(404)
    form = EntryForm.from_request(obj=entry)
    if request.method == "GET":
        form.activity_type.data = entry.activity_type.value
    if request.method == "POST":
        if form.validate():
            try:
                services.update_entry(entry, _entry_values(form), utcnow())
            except services.CpdError as exc:
                _apply_errors(form, exc)
            else:
                flash(f"'{entry.title}' is updated.", "success")
                return redirect(_log_url(entry.activity_date, f"entry-{entry.id}"), code=303)
        return render_template("cpd/entry_form.html", form=form, entry=entry, standard_4=STANDARD_4), 400
    return render_template("cpd/entry_form.html", form=form, entry=entry, standard_4=STANDARD_4)


@bp.route("/cpd/entries/<int:entry_id>/delete", methods=["GET", "POST"])
@login_required
def delete_entry(entry_id: int):
    """Ask first (GET), then delete the entry and its peer reflection (POST)."""
    entry = services.entry_for(current_user.id, entry_id)
    if entry is None:
        abort(404)
    if request.method == "POST":
        title, day = entry.title, entry.activity_date
        services.delete_entry(entry)
        flash(f"'{title}' is deleted from your CPD record.", "success")
        return redirect(_log_url(day), code=303)
    return render_template("cpd/confirm_delete.html", entry=entry)


# --- peer reflection -------------------------------------------------------------------

def _peer_values(form: PeerReflectionForm) -> services.PeerValues:
    try:
        fmt = PeerFormat(form.format.data)
    except ValueError:
        fmt = None
    return services.PeerValues(discussed_on=form.discussed_on.day, peer_role=form.peer_role.data or "",
                               format=fmt, what_learned=form.what_learned.data or "")


@bp.route(f"/cpd/{KIND}/<int:record_id>/peer-reflection", methods=["GET", "POST"])
@login_required
def peer_reflection(kind: str, record_id: int):
    """Add or change the peer reflection on any of the learner's records, modules included."""
    record = _record_or_404(kind, record_id)
    form = PeerReflectionForm.from_request(obj=record.peer)
    if request.method == "GET" and record.peer is not None:
        form.format.data = record.peer.format.value
    if request.method == "POST":
        if form.validate():
            # Claimed before the look at the record's peer row: two copies of the form that adds
            # it would otherwise both see none, and the second insert break the unique constraint.
            submission = form.claim_submission(current_user.id, utcnow())
            if submission.repeated and not submission.changed:
                return submissions.already_saved(submission, _log_url(record.day, record.anchor))
            # A changed copy of the form (back, edit, send) once the first copy was saved: the
            # peer row now exists, so saving is an update, never a second row.
            try:
                services.save_peer_reflection(record, _peer_values(form), utcnow())
            except services.CpdError as exc:
                _apply_errors(form, exc)
            else:
                flash(f"Your peer reflection on '{record.title}' is saved.", "success")
                return redirect(submission.done(_log_url(record.day, record.anchor)), code=303)
        return render_template("cpd/peer_form.html", form=form, record=record), 400
    return render_template("cpd/peer_form.html", form=form, record=record)


@bp.route(f"/cpd/{KIND}/<int:record_id>/peer-reflection/delete", methods=["POST"])
@login_required
def delete_peer_reflection(kind: str, record_id: int):
    """Remove the peer reflection from a record (the record itself stays)."""
    record = _record_or_404(kind, record_id)
    if services.delete_peer_reflection(record):
        flash(f"The peer reflection on '{record.title}' is deleted.", "success")
    return redirect(_log_url(record.day, record.anchor), code=303)


# --- sharing ---------------------------------------------------------------------------

def _organisation_field() -> int | None:
    """The organisation chosen on the share form: None when absent, 400 when not a number."""
    value = (request.form.get("organisation") or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):   # "\u0661" is a digit to Python, and int() reads it as 1
        abort(400, description="Choose one of your organisations from the list.")
    return int(value)


@bp.route(f"/cpd/{KIND}/<int:record_id>/share", methods=["POST"])
@login_required
def share_reflection(kind: str, record_id: int):
    """Share a record's reflection with the managers of one of the learner's organisations
    (chosen on the form when they belong to several; private until then)."""
    record = _record_or_404(kind, record_id)
    try:
        services.set_shared(record, True, utcnow(), organisation_id=_organisation_field())
    except services.CpdError as exc:
        abort(400, description=next(iter(exc.errors.values())))
    flash(f"Your reflection on '{record.title}' is shared with your managers at {record.shared_with}. "
          "You can withdraw it at any time.", "success")
    return redirect(_log_url(record.day, record.anchor), code=303)


@bp.route(f"/cpd/{KIND}/<int:record_id>/withdraw", methods=["POST"])
@login_required
def withdraw_reflection(kind: str, record_id: int):
    """Make a shared reflection private again: managers no longer see it."""
    record = _record_or_404(kind, record_id)
    services.set_shared(record, False, utcnow())
    flash(f"Your reflection on '{record.title}' is private again.", "success")
    return redirect(_log_url(record.day, record.anchor), code=303)


# --- exports ---------------------------------------------------------------------------

@bp.route("/cpd/export.csv")
@login_required
def export_csv():
    """The chosen registration year as CSV, one row per piece of CPD, SWE's fields first."""
    year = _year_or_400()
    summary = services.year_summary(current_user.id, year, _today())
    body = exports.records_csv(summary.records)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={exports.export_filename(summary, 'csv')}",
        "Cache-Control": "private, no-store"})


@bp.route("/cpd/export.pdf")
@login_required
def export_pdf():
    """The chosen registration year as a readable A4 PDF, to take to supervision."""
    year = _year_or_400()
    today = _today()
    summary = services.year_summary(current_user.id, year, today)
    body = exports.records_pdf(current_user.full_name, summary, today)
    disposition = "inline" if request.args.get("view") else "attachment"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"{disposition}; filename={exports.export_filename(summary, 'pdf')}",
        "Cache-Control": "private, no-store"})


# --- evidence files ----------------------------------------------------------------

@bp.url_value_preprocessor
def _limit_upload_size(endpoint, values):
    # Before the app's CSRF check reads the form: a request larger than the limit (plus room
    # for the form around the file) is refused with a 413 before it is parsed.
    if endpoint == "cpd.entry_evidence" and request.method == "POST":
        request.max_content_length = current_app.config["CPD_EVIDENCE_MAX_BYTES"] + 64 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    limit = evidence.size_text(current_app.config["CPD_EVIDENCE_MAX_BYTES"])
    return render_template("errors/error.html", code=413, title="That file is too large",
                           detail=f"Evidence files can be up to {limit}. Nothing has been saved: go back, "
                                  "choose a smaller copy and upload that."), 413


@bp.app_template_global("evidence_label")
def _evidence_label(found) -> str:
    """'PDF, 240 KB': the kind its content was found to be, and its size (record cards)."""
    return f"{evidence.KINDS[found.kind].name}, {evidence.size_text(found.byte_size)}"


def _entry_or_404(entry_id: int):
    entry = services.entry_for(current_user.id, entry_id)
    if entry is None:
        abort(404)
    return entry


def _send(found) -> Response:
    """The file as a download: never shown inline, never cached, never sniffed into HTML."""
    path = evidence.path_of(found)
    if not path.is_file():
        abort(404, description="This file is no longer available.")
    # Read whole (at most CPD_EVIDENCE_MAX_BYTES): no file handle outlives the request.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=evidence.KINDS[found.kind].mimetype,
                         as_attachment=True,
                         download_name=found.filename, conditional=False, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/cpd/entries/<int:entry_id>/evidence", methods=["GET", "POST"])
@login_required
def entry_evidence(entry_id: int):
    """The entry's evidence files, and adding one. A refused file is a 400 (413 when too
    large) with what is accepted; nothing is saved."""
    entry = _entry_or_404(entry_id)
    form = EvidenceForm.from_request()
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        limit = current_app.config["CPD_EVIDENCE_MAX_BYTES"]
        if form.validate():
            if upload is None or not upload.filename:
                form.file.errors = ["Choose a file to upload."]
                status = 400
            else:
                try:
                    data = upload.stream.read(limit + 1)
                finally:
                    upload.close()   # a large upload is spooled to a temporary file
                submission = form.claim_submission(current_user.id, utcnow(), data)
                if submission.repeated:   # before the file is written: a repeat stores nothing
                    return submissions.already_saved(submission, url_for("cpd.entry_evidence", entry_id=entry.id))
                try:
                    added = evidence.add_evidence(entry, upload.filename, data, utcnow())
                except evidence.EvidenceRefused as exc:
                    form.file.errors = [str(exc)]
                    status = 413 if len(data) > limit else 400
                else:
                    flash(f"'{added.filename}' is added to '{entry.title}'.", "success")
                    return redirect(submission.done(url_for("cpd.entry_evidence", entry_id=entry.id)), code=303)
        else:
            status = 400
    response = make_response(render_template(
        "cpd/evidence.html", entry=entry, form=form, files=evidence.files_for(current_user.id, [entry.id]),
        max_size=evidence.size_text(current_app.config["CPD_EVIDENCE_MAX_BYTES"]), describe=evidence.describe),
        status)
    response.headers["Cache-Control"] = "private, no-store"   # a personal page
    return response


@bp.route("/cpd/entries/<int:entry_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(entry_id: int, evidence_id: int):
    """The learner's own file (anyone else's is a 404)."""
    found = evidence.evidence_of(current_user.id, entry_id, evidence_id)
    if found is None:
        abort(404)
    return _send(found)


@bp.route("/cpd/entries/<int:entry_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
@login_required
def delete_evidence(entry_id: int, evidence_id: int):
    """Delete one of the learner's files (its bytes once the deletion is committed)."""
    found = evidence.evidence_of(current_user.id, entry_id, evidence_id)
    if found is None:
        abort(404)
    name = found.filename
    evidence.delete_evidence(found)
    flash(f"'{name}' is deleted.", "success")
    return redirect(url_for("cpd.entry_evidence", entry_id=entry_id), code=303)


@bp.route("/orgs/<org_slug>/people/<int:user_id>/evidence/<int:evidence_id>")
@org_role_required(OrgRole.manager, OrgRole.org_admin)
def person_evidence(org, membership, user_id: int, evidence_id: int):
    """A file on an entry the person shared with this organisation, for a manager who may
    see them; anything else is a 404."""
    found = services.shared_evidence_for(membership, user_id, evidence_id)
    if found is None:
        abort(404)
    return _send(found)


# --- managers --------------------------------------------------------------------------

@bp.route("/orgs/<org_slug>/people/<int:user_id>/reflections")
@org_role_required(OrgRole.manager, OrgRole.org_admin)
def person_reflections(org, membership, user_id: int):
    """Reflections a person in the viewer's teams has shared for supervision; nothing else."""
    records = services.shared_reflections_for(membership, user_id)
    if records is None:
        abort(404)
    person = session.get(User, user_id)
    return render_template("cpd/person_reflections.html", org=org, membership=membership, person=person,
                           records=records)
