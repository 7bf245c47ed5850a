"""``flask lti ...``: the tool's keys and the scores waiting for a platform."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import commit_and_run_callbacks, session, utcnow


@click.group("lti", cls=AppGroup)
def lti_cli():
    """LTI 1.3 tool: signing keys and grade passback."""


@lti_cli.group("keys")
def keys_group():
    """The tool's signing keys (published at /lti/jwks)."""


@keys_group.command("list")
def list_keys():
    """Every key, and whether it signs, is still published or is gone from the key set."""
    from .keys import published_keys
    from .models import ToolKey

    now = utcnow()
    published = {k.id for k in published_keys(now)}
    rows = list(session.scalars(select(ToolKey).order_by(ToolKey.created_at)))
    for row in rows:
        state = "signs" if row.retired_at is None else (
            f"published until {row.published_until:%Y-%m-%d}" if row.id in published else "no longer published")
        click.echo(f"{row.kid}  created {row.created_at:%Y-%m-%d}  {state}")
    click.echo(f"{len(rows)} key{'s' if len(rows) != 1 else ''}, {len(published)} published.")


@keys_group.command("rotate")
@click.option("--overlap-days", type=int, default=None,
              help="Days the old key stays published (default: LTI_KEY_OVERLAP_DAYS).")
def rotate_keys(overlap_days):
    """Make a new signing key; the old one stays in the key set for a while."""
    from .keys import rotate

    new, retired = rotate(utcnow(), overlap_days=overlap_days)
    commit_and_run_callbacks()
    click.echo(f"New signing key {new.kid}; {len(retired)} retired key{'s' if len(retired) != 1 else ''} "
               "stay published for the overlap.")


@lti_cli.group("scores")
def scores_group():
    """Scores waiting to be sent to platforms (Assignment and Grade Services)."""


@scores_group.command("send")
@click.option("--include-failed", is_flag=True, help="Also try again scores a platform refused.")
def send_scores(include_failed):
    """Send every score whose time has come (run it from cron with the inline jobs backend)."""
    from .grades import deliver, due, retry_failed

    now = utcnow()
    ids = due(now, include_failed=include_failed)
    if include_failed:
        retry_failed(ids)
        commit_and_run_callbacks()
    counts: dict[str, int] = {}
    for number, score_post_id in enumerate(ids, 1):
        outcome = deliver(score_post_id, now)
        commit_and_run_callbacks()  # each score is its own unit of work: one away platform loses nothing else
        counts[outcome] = counts.get(outcome, 0) + 1
        if number % 50 == 0:
            click.echo(f"  {number}/{len(ids)} ...")
    click.echo(f"{len(ids)} score{'s' if len(ids) != 1 else ''} due: {counts.get('posted', 0)} posted, "
               f"{counts.get('retry', 0)} to retry (platform away), {counts.get('failed', 0)} refused, "
               f"{counts.get('skipped', 0)} already sent.")
