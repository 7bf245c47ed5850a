"""What the failed jobs pages show: RQ's failed registry through ``jobs``, with organisations named."""
from __future__ import annotations

from sqlalchemy import select

from .. import jobs
from ..db import session
from ..orgs.models import Organisation


def failed_for(app, organisation_id: int | None) -> list[jobs.FailedJob]:
    """The organisation's failed jobs, or every one (``None``: the site admin's page)."""
    return jobs.failed_jobs(app, organisation_id)


def organisation_names(failed: list[jobs.FailedJob]) -> dict[int, str]:
    ids = {f.organisation_id for f in failed if f.organisation_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def find(app, job_id: str, organisation_id: int | None) -> jobs.FailedJob | None:
    """The failed job ``job_id`` if this scope may see it (the organisation's own, or any)."""
    return next((f for f in jobs.failed_jobs(app, organisation_id) if f.id == job_id), None)


def retry(app, job_id: str, organisation_id: int | None) -> bool:
    """Requeue one failed job (only the organisation's own when ``organisation_id`` is given)."""
    return jobs.retry_failed(app, job_id, organisation_id)
