"""The unit of work: one commit per request, rollback on errors, and GETs that write still commit."""
from sqlalchemy import func, select

from course_engine.db import session
from course_engine.orgs.models import Organisation


def _count():
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Organisation))


def test_a_get_that_flushes_is_committed(make_app):
    """A read-only GET skips the commit, but one whose service added and flushed commits it."""
    from tests.conftest import isolated_context

    app = make_app()

    @app.route("/_test/write-on-get")
    def write_on_get():
        session.add(Organisation(slug="written-on-get", name="Written on GET"))
        session.flush()
        return "ok"

    @app.route("/_test/core-update-on-get")
    def core_update_on_get():
        session.execute(Organisation.__table__.update().values(name="Renamed by Core"))
        return "ok"

    @app.route("/_test/direct-write-on-get")
    def direct_write_on_get():
        from course_engine.db import write

        write(Organisation.__table__.update().values(name="Renamed on the connection"))
        return "ok"

    with isolated_context(app):
        assert app.test_client().get("/_test/write-on-get").status_code == 200
        assert _count() == 1
        app.test_client().get("/_test/core-update-on-get")
        session.expire_all()
        assert session.scalar(select(Organisation.name)) == "Renamed by Core"
        app.test_client().get("/_test/direct-write-on-get")
        session.expire_all()
        assert session.scalar(select(Organisation.name)) == "Renamed on the connection"


def test_an_error_response_rolls_back(make_app):
    from flask import abort

    from tests.conftest import isolated_context

    app = make_app()

    @app.route("/_test/write-then-fail", methods=["GET"])
    def write_then_fail():
        session.add(Organisation(slug="never", name="Never saved"))
        session.flush()
        abort(400)

    with isolated_context(app):
        assert app.test_client().get("/_test/write-then-fail").status_code == 400
        assert _count() == 0


def _in_driver_transaction(connection) -> bool:
    driver = connection.connection.driver_connection
    if hasattr(driver, "in_transaction"):  # sqlite3
        return driver.in_transaction
    from psycopg.pq import TransactionStatus

    return driver.info.transaction_status != TransactionStatus.IDLE


def test_read_only_views_run_without_a_transaction_and_refuse_writes(make_app, caplog):
    """@read_only pages read outside a transaction (autocommit on PostgreSQL; SQLite's driver
    opens none for reads); a write in one fails loudly instead of half-committing."""
    from sqlalchemy import text

    from course_engine.db import read_only
    from tests.conftest import isolated_context

    app = make_app()

    @app.route("/_test/read-only")
    @read_only
    def reads():
        connection = session.connection()
        connection.execute(text("SELECT 1")).all()
        return "in a transaction" if _in_driver_transaction(connection) else "no transaction"

    @app.route("/_test/ordinary")
    def ordinary():
        connection = session.connection()
        connection.execute(text("SELECT 1")).all()
        session.add(Organisation(slug="ordinary", name="Ordinary"))
        session.flush()
        in_transaction = _in_driver_transaction(connection)
        session.rollback()
        return "in a transaction" if in_transaction else "no transaction"

    @app.route("/_test/read-only-write")
    @read_only
    def writes():
        session.add(Organisation(slug="sneaky", name="Sneaky"))
        session.flush()
        return "wrote"

    @app.route("/_test/read-only-direct-write")
    @read_only
    def writes_directly():
        from course_engine.db import write

        write(Organisation.__table__.insert().values(slug="sneakier", name="Sneakier"))
        return "wrote"

    with isolated_context(app):
        client = app.test_client()
        assert client.get("/_test/read-only").get_data(as_text=True) == "no transaction"
        assert client.get("/_test/ordinary").get_data(as_text=True) == "in a transaction"  # the check can tell
        # A programming error: logged with its traceback, a 500 page for the person, nothing saved.
        assert client.get("/_test/read-only-write").status_code == 500
        assert "WriteInReadOnlyView" in caplog.text
        caplog.clear()
        assert client.get("/_test/read-only-direct-write").status_code == 500
        assert "WriteInReadOnlyView" in caplog.text
        assert _count() == 0


def test_autocommit_views_allow_one_self_contained_write_and_refuse_anything_else(make_app, caplog):
    """@autocommit views (the player's moves) write one statement with db.write(), outside a
    transaction on PostgreSQL. An ORM flush (possibly several statements) is refused on every
    backend; a second statement is refused where it would commit apart from the first
    (PostgreSQL), and joins the request's transaction where the bind is transactional (SQLite)."""
    from course_engine.db import autocommit, write
    from tests.conftest import isolated_context

    app = make_app()
    postgresql = app.extensions["course_engine.db"].dialect.name == "postgresql"
    table = Organisation.__table__

    @app.route("/_test/one-write", methods=["GET"])
    @autocommit
    def one_write():
        write(table.insert().values(slug="one", name="One"))
        return "in a transaction" if _in_driver_transaction(session.connection()) else "no transaction"

    @app.route("/_test/two-writes", methods=["GET"])
    @autocommit
    def two_writes():
        write(table.insert().values(slug="two-a", name="Two A"))
        write(table.insert().values(slug="two-b", name="Two B"))
        return "wrote"

    @app.route("/_test/orm-write", methods=["GET"])
    @autocommit
    def orm_write():
        session.add(Organisation(slug="orm", name="ORM"))
        session.flush()
        return "wrote"

    with isolated_context(app):
        client = app.test_client()
        assert client.get("/_test/one-write").get_data(as_text=True) == (
            "no transaction" if postgresql else "in a transaction")
        assert _count() == 1
        assert client.get("/_test/orm-write").status_code == 500
        assert "WriteNotAtomic" in caplog.text
        assert _count() == 1
        caplog.clear()
        response = client.get("/_test/two-writes")
        if postgresql:
            assert response.status_code == 500 and "WriteNotAtomic" in caplog.text
            assert _count() == 2  # the first write had committed on its own: hence the refusal
        else:
            assert response.status_code == 200 and _count() == 3
