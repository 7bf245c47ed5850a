"""``flask seed-demo``."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import commit_and_run_callbacks
from .services import DEMO_PEOPLE, seed_demo


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create (idempotently) the demo organisation, its teams and people; print their logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo refuses to run in production mode: it creates accounts "
                                   "with a known password. Unset COURSE_ENGINE_ENV_NAME to use it locally.")
    password = os.environ.get("DEMO_PASSWORD") or ""
    generated = not password
    if generated:
        # Generated once and kept in the instance folder, so re-running keeps the same password.
        saved = Path(current_app.instance_path) / "demo-password"
        if saved.exists():
            password = saved.read_text().strip()
        else:
            password = "demo-" + secrets.token_urlsafe(12)
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(password + "\n")
    result = seed_demo(password)
    commit_and_run_callbacks()
    click.echo(f"Demo organisation: {result.organisation.name} (/orgs/{result.organisation.slug}/)")
    for email, name, role, _team, site_roles in DEMO_PEOPLE:
        roles = ", ".join([role.label] + [r.replace("_", " ") for r in site_roles])
        click.echo(f"  {email:<26} {name:<18} {roles}")
    click.echo(f"Password for every demo account: {password}"
               + ("  (generated; set DEMO_PASSWORD to choose one)" if generated else ""))
    click.echo(f"Seeded demo: {len(result.created_people)} people created, {len(result.existing_people)} already there.")
