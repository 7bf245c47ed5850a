"""Full-organisation exports, prepared by a job rather than in the org admin's request.

The whole matrix of a large organisation takes seconds to build (docs/performance.md), longer
than a request should hold a worker. So the org admin asks (:func:`request_export`: a row and a
job, after commit), sees a "being prepared" page, and downloads the file when the job has
written it (:func:`prepare_export`, the ``employers.export_organisation`` job). Files live in
EXPORTS_DIR (default ``instance/exports``; with several hosts a folder they all share), are
downloaded only through the access-checked route, and are deleted after EXPORT_KEEP_DAYS
(:func:`purge_expired`, run by every export job and `flask exports purge`).

The job is safe to run twice: a finished export is left alone, and the file is written to a
temporary name and renamed, so a half-written file is never offered.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..audit import record_audit
from ..db import session
from . import exports, queries
from .models import ExportKind, OrgExport

JOB = "employers.export_organisation"


def exports_dir(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("EXPORTS_DIR") or Path(app.instance_path) / "exports")


def file_path(export: OrgExport) -> Path:
    return exports_dir() / export.file_name


def request_export(organisation, kind: ExportKind, actor, now: datetime, *, ip_address: str | None = None) -> OrgExport:
    """Record the request and queue the job (after commit). Adds and flushes."""
    export = OrgExport(organisation_id=organisation.id, kind=kind, requested_by_id=actor.id, requested_at=now,
                       file_name=f"{organisation.id}-{kind.value}-{secrets.token_urlsafe(16)}.csv")
    session.add(export)
    session.flush()
    record_audit(actor, "export.request", export, organisation=organisation, detail={"kind": kind.value},
                 ip_address=ip_address)
    jobs.enqueue(JOB, organisation_id=organisation.id, export_id=export.id)
    return export


def recent_exports(organisation_id: int, now: datetime, limit: int = 10) -> list[OrgExport]:
    """The organisation's exports still pending or downloadable, newest first."""
    return list(session.scalars(
        select(OrgExport).where(OrgExport.organisation_id == organisation_id,
                                (OrgExport.expires_at.is_(None)) | (OrgExport.expires_at > now))
        .order_by(OrgExport.requested_at.desc(), OrgExport.id.desc()).limit(limit)))


def is_expired(export: OrgExport, now: datetime) -> bool:
    return export.expires_at is not None and export.expires_at <= now


@jobs.job(JOB, backoff=(30, 300, 1800), label="Full-organisation export")
def prepare_export(export_id: int, now: str | None = None) -> None:
    """Write the export's CSV (the whole organisation: every team) and mark it ready."""
    from ..db import utcnow

    moment = datetime.fromisoformat(now) if now else utcnow()
    export = session.get(OrgExport, export_id)
    if export is None or export.finished_at is not None:
        return  # deleted with its organisation, or a duplicate run: nothing to do
    scope = queries.Scope(export.organisation_id, None)
    filters = queries.Filters(sort="name")
    today = moment.date()
    if export.kind == ExportKind.matrix:
        lines = exports.matrix_csv(scope, filters, today, chunk_chars=0)  # a line at a time: counted
    else:
        book = queries.rule_book(export.organisation_id)
        lines = exports.completions_csv(scope, filters, book.module_ids, chunk_chars=0)
    target = file_path(export)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    rows = -1  # the header is not a row
    with open(partial, "w", encoding="utf-8", newline="") as out:
        for line in lines:
            out.write(line)
            rows += 1
    os.replace(partial, target)
    export.finished_at = moment
    export.row_count = rows
    export.expires_at = moment + timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    session.flush()
    purge_expired(moment)


def purge_expired(now: datetime) -> int:
    """Delete the files of expired exports (their rows stay: who asked, when, how many rows)."""
    removed = 0
    for export in session.scalars(select(OrgExport).where(OrgExport.expires_at <= now)):
        try:
            file_path(export).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
