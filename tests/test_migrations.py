"""Upgrading an empty database with the migrations gives exactly the schema the models describe."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from course_engine import create_app
from course_engine.engines import make_engine
from course_engine.models import metadata
from tests.parallel import unique_prefix


def _empty_database(backend, tmp_path):
    """(url, cleanup) for a new empty database, or None when the backend is not available."""
    if backend == "sqlite":
        return "sqlite:///" + str(tmp_path / "migrated.db"), None
    if os.environ.get("TEST_DATABASE_URL"):
        admin_url = os.environ["TEST_DATABASE_URL"]
        # A name of its own (random, and naming the xdist worker) beside any other run or worker.
        name = unique_prefix("ce_migration_") + uuid.uuid4().hex[:12]
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        return url, (admin, name)
    return None


def revision_before(revision: str) -> str:
    """The revision ``revision`` follows in the chain (so a migration test does not break when
    another branch's migration is merged in before it)."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parent.parent
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def _drop(cleanup):
    if cleanup:
        admin, name = cleanup
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_models(tmp_path, backend):
    """`flask db upgrade` on an empty database, then Alembic's autogenerate finds no difference."""
    target = _empty_database(backend, tmp_path)
    if target is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migration check skipped")
    url, cleanup = target
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, (result.output, repr(result.exception))
        engine = make_engine(app.config["DATABASE_URL"])
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
            tables = set(inspect(connection).get_table_names())
        engine.dispose()
        app.extensions["course_engine.db"].dispose()
        assert diff == [], f"models and migrations differ: {diff}"
        assert set(metadata.tables) <= tables
    finally:
        _drop(cleanup)


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "x.db"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
