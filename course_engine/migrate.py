"""``flask db ...``: Alembic migrations for the current app (they live in ``migrations/``)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .db import get_engine


def init_app(app) -> None:
    """Register the ``flask db`` commands."""
    app.cli.add_command(db_cli)


def alembic_config():
    """An Alembic config for the current app (migrations live in ``migrations/``)."""
    from pathlib import Path

    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["engine"] = get_engine()
    return config


@click.group("db", cls=AppGroup)
def db_cli():
    """Database migrations (Alembic)."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Upgrade the database to REVISION (default: the latest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    """Downgrade the database to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("current")
def db_current():
    """Show the database's current revision."""
    from alembic import command

    command.current(alembic_config())


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="A short description of the change.")
def db_revision(message):
    """Write a new migration by comparing the models with the database."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)
