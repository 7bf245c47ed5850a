"""``flask scorm build SLUG [--version N] [--standard scorm12|scorm2004] -o FILE``: a package
from the command line (the site's look), for an author testing a package in an LMS."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import commit_and_run_callbacks
from . import package, services

scorm_cli = AppGroup("scorm", help="SCORM packages of module versions.")


@scorm_cli.command("build")
@click.argument("slug")
@click.option("--version", "number", type=int, default=None, help="Version number (default: the newest).")
@click.option("--standard", type=click.Choice(sorted(package.STANDARDS)), default="scorm2004", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Where to write the zip (default: SLUG-vN-STANDARD.zip here).")
def build_command(slug: str, number: int | None, standard: str, output: str | None):
    """Write the SCORM package of a module version."""
    versions = [v for v in services.list_versions() if v.slug == slug]
    if not versions:
        raise click.ClickException(f"There is no module '{slug}': run 'flask content sync' first?")
    if number is None:
        number = versions[0].number
    try:
        name, content = services.build_package(None, slug, number, standard,
                                               services.site_brand(current_app.config["SITE_NAME"]))
    except services.PackageNotFound:
        raise click.ClickException(f"Module '{slug}' has no version {number}.") from None
    path = Path(output or name)
    path.write_bytes(content)
    commit_and_run_callbacks()
    click.echo(f"Wrote {path} ({package.STANDARDS[standard]}, {len(content):,} bytes).")
