"""Database wiring: one engine per app, one scoped session, one unit of work per request.

(How an engine is made, for SQLite, PostgreSQL and a pooler in front of it, is ``engines.py``;
the ``flask db`` migration commands are ``migrate.py``.)

Services add and flush; the request (or CLI command) commits once at the end, so a
multi-step operation (grade a quiz, complete a module, issue a certificate) is atomic.
"""
from __future__ import annotations

import enum
import functools
from datetime import datetime, timezone

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, TypeDecorator, bindparam, event, select, text
from sqlalchemy.engine import Engine

from .engines import autocommit_engine, make_engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

#: Deterministic constraint names, so Alembic migrations can drop and alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps the zone; SQLite stores text without one and hands back naive values,
    which would break arithmetic with aware ones. Values are stored in UTC and always come
    back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use db.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base for every model in every feature."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware now in UTC; the one clock services use unless given ``now``."""
    return datetime.now(timezone.utc)


class _AppBoundSession(Session):
    """A session that binds to the engine of whichever app is current.

    This lets one module-level ``session`` serve several apps (tests build one per database).
    """

    def get_bind(self, mapper=None, clause=None, **kwargs):  # noqa: D401 - SQLAlchemy hook
        if _mode() is not TransactionMode.unit_of_work:
            return current_app.extensions["course_engine.db.autocommit"]
        return get_engine()


def _app_context_id() -> int:
    # One session per app context (not per thread), as Flask-SQLAlchemy does: a request and
    # a test or CLI command around it never share a session by accident.
    from flask.globals import _cv_app

    return id(_cv_app.get(None))


session: scoped_session[Session] = scoped_session(
    sessionmaker(class_=_AppBoundSession, expire_on_commit=False), scopefunc=_app_context_id
)


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["course_engine.db"]


def dispose_engines(app) -> None:
    """Close every pooled connection of the app's engines (tests and scripts that end)."""
    engines = {id(e): e for e in (app.extensions.get("course_engine.db"), app.extensions.get("course_engine.db.autocommit"))
               if e is not None}
    for engine in engines.values():
        engine.dispose()


def init_app(app) -> None:
    """Create the engines and register the per-request unit of work."""
    pooler = app.config.get("DATABASE_POOLER") or ""
    engine = make_engine(app.config["DATABASE_URL"], app.config["SQLALCHEMY_ECHO"], pooler=pooler,
                         pool_size=app.config.get("DATABASE_POOL_SIZE", 5),
                         max_overflow=app.config.get("DATABASE_MAX_OVERFLOW", 10))
    app.extensions["course_engine.db"] = engine
    #: The bind for read-only and single-write views (see TransactionMode).
    app.extensions["course_engine.db.autocommit"] = autocommit_engine(engine, pooler)

    app.before_request(_declare_mode)

    @app.after_request
    def _commit_unit_of_work(response):
        # A request that ended well commits once; an error response rolls back, so a
        # failed form never leaves half its work behind.
        if request.method in ("GET", "HEAD", "OPTIONS") and not _has_writes() and not g.get("_after_commit"):
            return response  # a read-only request: the teardown ends the read transaction
        if response.status_code < 400:
            try:
                session.commit()
            except Exception:
                session.rollback()
                raise
            _run_after_commit()
            _attach_after_response(response)
        else:
            session.rollback()
            g.pop("_after_response", None)
        return response

    @app.teardown_appcontext
    def _remove_session(_exc):
        session.remove()



class TransactionMode(enum.Enum):
    """How a view uses the database. Declared once per view with :func:`transaction`; read
    once per request (``g.transaction_mode``, set before the view runs); the same rules on
    SQLite and PostgreSQL.
    """

    #: The default: one transaction, committed once at the end if the response is < 400,
    #: rolled back otherwise.
    unit_of_work = "unit of work"
    #: A hot page that never writes: reads without a transaction (no BEGIN/ROLLBACK round
    #: trips on PostgreSQL); any write raises :class:`WriteInReadOnlyView`.
    read_only = "read-only"
    #: A hot move whose one write is a single atomic operation (:func:`write` or
    #: :func:`claim_then_insert`): reads as in ``read_only``; an ORM flush or a second write
    #: raises :class:`WriteNotAtomic`, on both databases.
    single_write = "single write"


class WriteInReadOnlyView(RuntimeError):
    """A view declared read-only tried to write: a programming error, never a user's."""


class WriteNotAtomic(RuntimeError):
    """A view declared single-write tried a write that would not be atomic: a programming error."""


def transaction(mode: TransactionMode):
    """Declare a view's transaction mode (``@db.transaction(TransactionMode.read_only)``).

    It only marks the view (an attribute, kept by ``functools.wraps``), so it may sit
    anywhere among the view's decorators; the request reads it before the view runs.
    """

    def mark(view):
        view.transaction_mode = mode
        return view

    return mark


def _mode() -> TransactionMode:
    """This request's mode (the unit of work outside a request: CLI commands, tests' setup)."""
    return g.get("transaction_mode", TransactionMode.unit_of_work) if has_request_context() else \
        TransactionMode.unit_of_work


def _declare_mode() -> None:
    """``before_request``: read the view's declared mode once, for everything after it."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    g.transaction_mode = getattr(view, "transaction_mode", TransactionMode.unit_of_work)


def _check_write(orm_flush: bool = False) -> None:
    """The one check behind every way of writing (ORM flush, ORM DML, :func:`write`)."""
    mode = _mode()
    if mode is TransactionMode.unit_of_work:
        return
    if mode is TransactionMode.read_only:
        raise WriteInReadOnlyView("a read-only view tried to write")
    if orm_flush:
        raise WriteNotAtomic("a single-write view tried an ORM flush: write one statement with db.write()")
    if g.get("_wrote_once"):
        raise WriteNotAtomic("a single-write view tried a second write, which would not be atomic with the first")
    g._wrote_once = True


@event.listens_for(_AppBoundSession, "before_flush")
def _refuse_flush_when_not_atomic(sess, _context, _instances):
    _check_write(orm_flush=True)


def write(statement, parameters: dict | None = None):
    """Run an INSERT, UPDATE or DELETE on this unit of work's connection, without the ORM.

    For the hottest writes (a learner's move through a scenario), where the ORM's
    bookkeeping costs more than the statement. The write joins the request's transaction
    (in a single-write view it is the view's one write), counts as a write (a GET that
    writes still commits) and is refused in a read-only view, exactly like an ORM write.
    Objects already loaded are not updated: callers do that.
    """
    _check_write()
    connection = session.connection()
    session.info["wrote"] = True
    return connection.execute(statement, parameters)


def claim_then_insert(claim, parameters: dict, table, row: dict) -> bool:
    """One atomic write: a conditional UPDATE that claims a row and, only if it claimed one, an
    INSERT of ``row`` into ``table``.

    The player claims the step a page was shown at and records its decision this way, so two
    requests from the same page (two tabs, a double click) cannot both apply. On PostgreSQL it
    is one statement (``WITH claimed AS (UPDATE ... RETURNING id) INSERT ... SELECT ... FROM
    claimed``), atomic without a transaction, which saves the BEGIN and COMMIT round trips.
    SQLite cannot nest an UPDATE in an INSERT, so there the INSERT follows in the request's
    transaction (the claim made this request the only one that can write it). Either way it
    is the view's one write. This is the only place the two databases are told apart.

    :param claim: an UPDATE of a table with an ``id`` column, its WHERE and SET written with
        bind parameters (built once: it is the key of a cache).
    :param parameters: the claim's bind parameters.
    :returns: whether the claim succeeded (and so the row was inserted).
    """
    _check_write()
    session.info["wrote"] = True
    connection = session.connection()
    row = {**_python_defaults(table, row), **row}
    if connection.dialect.name == "postgresql":
        statement = _claim_then_insert_statement(claim, table, tuple(row))
        parameters = {**parameters, **{f"row_{key}": value for key, value in row.items()}}
        return connection.execute(statement, parameters).rowcount == 1
    if connection.execute(claim, parameters).rowcount != 1:
        return False
    connection.execute(table.insert(), row)
    return True


def insert_unless_exists(table, row: dict, conflict: tuple[str, ...], update: tuple[str, ...] = ()) -> bool:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` (or ``DO UPDATE SET update``), on both
    databases: the one way a write a person can double-submit inserts its row.

    A double click or a second tab sends the same form twice at once; looking first and then
    inserting lets both requests see "no row yet", and the loser's INSERT broke the unique
    constraint (a 500). Here the database decides: on PostgreSQL the second INSERT waits for
    the first transaction and then does nothing (or updates the row the first one wrote); on
    SQLite the write lock serialises them the same way. Either way the second request goes on
    to the same outcome as the first, with no extra row. ``conflict`` names the columns of a
    unique constraint; ``update`` the columns a repeated request overwrites (its latest answer).

    It joins the request's unit of work (pending ORM changes are flushed first). Objects
    already loaded are not refreshed: read the row again with ``populate_existing``.

    :returns: True when this call inserted the row (always True with ``update``, which writes).
    """
    session.info["wrote"] = True
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on these two
        raise NotImplementedError(dialect)
    statement = insert(table).values(**{**_python_defaults(table, row), **row})
    if update:
        statement = statement.on_conflict_do_update(index_elements=list(conflict),
                                                    set_={name: statement.excluded[name] for name in update})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    # Without preserve_rowcount SQLAlchemy does not keep an INSERT's row count on PostgreSQL
    # (it reported 0 for a row it had inserted), and the answer is what a claim relies on.
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1


def _python_defaults(table, row: dict) -> dict:
    """The model's Python-side defaults for columns ``row`` leaves out: an INSERT ... SELECT
    would not apply them, so both databases get them here."""
    defaults = {}
    for column in table.c:
        default = column.default
        if column.name in row or column.primary_key or default is None:
            continue
        if default.is_callable:
            defaults[column.name] = default.arg(None)
        elif default.is_scalar:
            defaults[column.name] = default.arg
    return defaults


@functools.lru_cache(maxsize=32)  # one per claim statement and set of columns
def _claim_then_insert_statement(claim, table, columns: tuple[str, ...]):
    claimed = claim.returning(claim.table.c.id).cte("claimed")
    values = [bindparam(f"row_{name}", type_=table.c[name].type) for name in columns]
    return (table.insert()
            .from_select(list(columns), select(*values).select_from(claimed))
            .add_cte(claimed)
            .execution_options(preserve_rowcount=True))  # SQLAlchemy drops an INSERT's row count otherwise


def _has_writes() -> bool:
    """True when this session wrote (or is about to write) anything in its transaction."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.info.get("wrote"))


@event.listens_for(_AppBoundSession, "after_flush")
def _mark_flush(sess, _context):
    sess.info["wrote"] = True


@event.listens_for(_AppBoundSession, "do_orm_execute")
def _mark_dml(orm_execute_state):
    if orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete:
        _check_write()
        orm_execute_state.session.info["wrote"] = True


@event.listens_for(_AppBoundSession, "after_transaction_end")
def _clear_mark(sess, transaction):
    if transaction.parent is None:
        sess.info.pop("wrote", None)


def after_commit(callback) -> None:
    """Run ``callback`` after this request's commit succeeds (emails, files): never before."""
    g.setdefault("_after_commit", []).append(callback)


def _run_after_commit() -> None:
    callbacks = g.pop("_after_commit", [])
    for callback in callbacks:
        callback()


def after_response(callback) -> None:
    """Run ``callback`` once the response has been sent (inside a request; work that must not
    delay the person). It gets a fresh app context of the same app; an error is logged."""
    g.setdefault("_after_response", []).append(callback)


def _attach_after_response(response) -> None:
    callbacks = g.pop("_after_response", [])
    if not callbacks:
        return
    app = current_app._get_current_object()

    def run_all():
        for callback in callbacks:
            with app.app_context():
                try:
                    callback()
                except Exception:  # noqa: BLE001 - the person already has their answer
                    app.logger.exception("work after the response failed")
                finally:
                    session.remove()

    response.call_on_close(run_all)


def commit_and_run_callbacks() -> None:
    """For CLI commands and services run outside a request: commit, then side effects."""
    session.commit()
    _run_after_commit()


def database_is_reachable() -> bool:
    """True when a trivial query succeeds; used by the health check."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        current_app.logger.warning("health check: database not reachable", exc_info=True)
        return False


# --- a UTC calendar day in SQL, cheap to read back -------------------------------------------

class utc_day(FunctionElement):
    """The UTC calendar day of a UTC datetime column (a str on SQLite, a date on PostgreSQL).

    Decided by the database, so reports never parse full datetimes row by row.
    """

    type = NullType()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _utc_day_default(element, compiler, **kw):
    return "date(%s)" % compiler.process(element.clauses, **kw)


@compiles(utc_day, "postgresql")
def _utc_day_pg(element, compiler, **kw):
    return "CAST((%s) AT TIME ZONE 'UTC' AS DATE)" % compiler.process(element.clauses, **kw)
