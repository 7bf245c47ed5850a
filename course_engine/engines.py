"""How an engine is made: SQLite with WAL, foreign keys and a busy timeout; PostgreSQL with
pooled connections checked before use, and the settings a pooler in front of it needs; and the
second, autocommit engine that read-only and single-write views use (see db.TransactionMode).

Pure SQLAlchemy: no Flask. ``db.init_app`` makes one of each per app from its settings.
"""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def pooler_connect_args(pooler: str) -> dict:
    """Driver settings for the connection pooler in front of PostgreSQL (DATABASE_POOLER).

    ``transaction`` (PgBouncer, pgcat or a cloud proxy in transaction mode): each transaction
    may run on another server connection, so nothing may live on the connection between
    transactions. The app keeps no such state (no SET, no advisory locks, no LISTEN, no temp
    tables: tests/test_db_pooler.py runs it behind a real PgBouncer); the one thing psycopg
    would keep is its automatic server-side prepared statements, so they are turned off.
    """
    if pooler == "transaction":
        return {"prepare_threshold": None}
    if pooler:
        raise ValueError(f"DATABASE_POOLER must be empty or 'transaction', not {pooler!r}")
    return {}


def make_engine(url: str, echo: bool = False, *, pooler: str = "", pool_size: int = 5,
                max_overflow: int = 10) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # Pre-ping: a connection the database dropped (a restart, a failover, an outage) is found
    # and replaced when it is checked out, so no learner gets an error after the database is
    # back. It costs one small round trip per checkout (docs/performance.md).
    return create_engine(url, echo=echo, pool_recycle=1800, pool_size=pool_size, max_overflow=max_overflow,
                         pool_pre_ping=True, connect_args=pooler_connect_args(pooler))


def autocommit_engine(engine: Engine, pooler: str = "") -> Engine:
    """The engine read-only and single-write views use: statements without a transaction.

    PostgreSQL: a second, small pool of connections kept in autocommit mode, which saves a
    BEGIN and a ROLLBACK round trip per page (its own pool because switching a pooled
    connection to autocommit and back on every checkout cost more Python than the page's
    queries: measured 5.18M -> 4.86M instructions per scene page). SQLite:
    the engine itself. Its driver never opens a transaction for a SELECT anyway, and switching
    a connection to autocommit and back costs a ``PRAGMA read_uncommitted`` each way, which
    makes SQLite throw away every prepared statement on that connection (measured under
    cProfile: 0.23 ms per statement executed with the switch, 0.08 ms without).
    """
    if engine.dialect.name == "sqlite":
        return engine
    return create_engine(engine.url, echo=engine.echo, isolation_level="AUTOCOMMIT", pool_recycle=1800,
                         pool_size=2, max_overflow=10, pool_pre_ping=True, connect_args=pooler_connect_args(pooler))
