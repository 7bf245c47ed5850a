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
    """Read-only pages read outside a transaction (autocommit on PostgreSQL; SQLite's driver
    opens none for reads); a write in one fails loudly instead of half-committing."""
    from sqlalchemy import text

    from course_engine.db import TransactionMode, transaction
    from tests.conftest import isolated_context

    app = make_app()

    @app.route("/_test/read-only")
    @transaction(TransactionMode.read_only)
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
    @transaction(TransactionMode.read_only)
    def writes():
        session.add(Organisation(slug="sneaky", name="Sneaky"))
        session.flush()
        return "wrote"

    @app.route("/_test/read-only-direct-write")
    @transaction(TransactionMode.read_only)
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


def test_single_write_views_allow_one_atomic_write_and_refuse_anything_else(make_app, caplog):
    """Single-write views (the player's moves) make one write, outside a transaction on
    PostgreSQL. The same rules hold on both databases: an ORM flush (possibly several
    statements) is refused, and so is a second write."""
    from course_engine.db import TransactionMode, transaction, write
    from tests.conftest import isolated_context

    app = make_app()
    postgresql = app.extensions["course_engine.db"].dialect.name == "postgresql"
    table = Organisation.__table__

    @app.route("/_test/one-write", methods=["GET"])
    @transaction(TransactionMode.single_write)
    def one_write():
        write(table.insert().values(slug="one", name="One"))
        return "in a transaction" if _in_driver_transaction(session.connection()) else "no transaction"

    @app.route("/_test/two-writes", methods=["GET"])
    @transaction(TransactionMode.single_write)
    def two_writes():
        write(table.insert().values(slug="two-a", name="Two A"))
        write(table.insert().values(slug="two-b", name="Two B"))
        return "wrote"

    @app.route("/_test/orm-write", methods=["GET"])
    @transaction(TransactionMode.single_write)
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
        assert client.get("/_test/two-writes").status_code == 500
        assert "WriteNotAtomic" in caplog.text
        # On PostgreSQL the first write had committed on its own (which is why a second is
        # refused); on SQLite the failed request rolled it back.
        assert _count() == (2 if postgresql else 1)


def test_the_mode_may_be_declared_anywhere_among_the_decorators(make_app):
    """The declaration only marks the view, so above or below login_required it applies alike."""
    from flask_login import login_required

    from course_engine.db import TransactionMode, transaction
    from tests.conftest import isolated_context

    app = make_app()
    app.config["LOGIN_DISABLED"] = True

    @app.route("/_test/outer")
    @transaction(TransactionMode.read_only)
    @login_required
    def outer():
        from flask import g
        return g.transaction_mode.value

    @app.route("/_test/inner")
    @login_required
    @transaction(TransactionMode.read_only)
    def inner():
        from flask import g
        return g.transaction_mode.value

    @app.route("/_test/default")
    def default():
        from flask import g
        return g.transaction_mode.value

    with isolated_context(app):
        client = app.test_client()
        assert client.get("/_test/outer").get_data(as_text=True) == "read-only"
        assert client.get("/_test/inner").get_data(as_text=True) == "read-only"
        assert client.get("/_test/default").get_data(as_text=True) == "unit of work"


def test_claim_then_insert_inserts_only_when_the_claim_succeeds(make_app):
    """One atomic write on both databases: the row goes in only if the conditional UPDATE
    claimed its row; a second request from the same page finds nothing to claim."""
    from sqlalchemy import bindparam, func, select

    from course_engine.db import TransactionMode, claim_then_insert, transaction
    from course_engine.orgs.models import Team
    from tests.conftest import isolated_context

    app = make_app()
    orgs = Organisation.__table__
    claim = (orgs.update().where(orgs.c.id == bindparam("org_id"), orgs.c.name == bindparam("shown_name"))
             .values(name=bindparam("new_name")))

    @app.route("/_test/claim/<int:org_id>/<shown>", methods=["GET"])
    @transaction(TransactionMode.single_write)
    def claim_view(org_id, shown):
        done = claim_then_insert(claim, {"org_id": org_id, "shown_name": shown, "new_name": shown + "+"},
                                 Team.__table__, {"organisation_id": org_id, "name": f"team from {shown}"})
        return "claimed" if done else "stale"

    with isolated_context(app):
        org = Organisation(slug="claims", name="A")
        session.add(org)
        session.commit()
        client = app.test_client()
        assert client.get(f"/_test/claim/{org.id}/A").get_data(as_text=True) == "claimed"
        assert client.get(f"/_test/claim/{org.id}/A").get_data(as_text=True) == "stale"
        assert client.get(f"/_test/claim/{org.id}/A+").get_data(as_text=True) == "claimed"
        session.expire_all()
        assert session.scalar(select(Organisation.name).where(Organisation.id == org.id)) == "A++"
        assert session.scalars(select(Team.name).order_by(Team.id)).all() == ["team from A", "team from A+"]
        assert session.scalar(select(func.count()).select_from(Team)) == 2
