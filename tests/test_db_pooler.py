"""The app behind a transaction-mode connection pooler: a real PgBouncer on loopback, started
by the test in front of the test PostgreSQL, where every transaction may run on another server
connection. With DATABASE_POOLER=transaction, signing in and playing a module (read-only pages,
single-write moves, units of work) work through it; without it, psycopg's automatic
server-side prepared statements break behind it (PgBouncer 1.18 keeps none across
transactions), which is why the setting exists."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from course_engine.engines import pooler_connect_args
from tests.conftest import Browser
from tests.learner.conftest import Player, content_dirs, published  # noqa: F401 (fixtures)

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bouncer(backend, database_url):
    """PgBouncer in transaction mode with two server connections, in front of the test database."""
    if backend != "postgresql":
        pytest.skip("a connection pooler sits in front of PostgreSQL only")
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    url = make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="ce_pgbouncer_"))
    folder.chmod(0o755)  # PgBouncer refuses to run as root, so it runs as postgres and reads this
    port = _free_port()
    (folder / "users.txt").write_text(f'"{url.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
{url.database} = host={url.host or '127.0.0.1'} port={url.port or 5432} dbname={url.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'users.txt'}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
ignore_startup_parameters = extra_float_digits,options
""")
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [PGBOUNCER] + (["-u", "postgres"] if os.geteuid() == 0 else []) + [str(folder / "pgbouncer.ini")]
    log = open(folder / "pgbouncer.log", "w")  # written by this process, not by PgBouncer's user
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text()}")
            time.sleep(0.1)
    yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    process.terminate()
    process.wait(10)
    log.close()
    shutil.rmtree(folder, ignore_errors=True)


def _play(app, learner_email: str, moves: int) -> list[int]:
    """Sign in through the pooled app and play; the status of every request, in order."""
    browser = Browser(app.test_client())
    statuses = [browser.login(learner_email).status_code]
    player = Player(browser)
    statuses.append(player.start().status_code)
    statuses.append(player.begin().status_code)
    for _ in range(moves):
        statuses.append(player.page().status_code)
        statuses.append(browser.get("/learning").status_code)
    statuses.append(player.choose(0).status_code)
    statuses.append(player.page().status_code)
    return statuses


@pytest.mark.usefixtures("published")
def test_the_app_works_behind_a_transaction_mode_pooler(make_app, bouncer, make_user):
    """DATABASE_POOLER=transaction: every page and move answers as it does without a pooler,
    however often a statement repeats (psycopg would prepare it after 5 uses)."""
    make_user(email="pooled@example.org")
    from course_engine.db import dispose_engines

    app = make_app(DATABASE_URL=bouncer, DATABASE_POOLER="transaction")
    try:
        statuses = _play(app, "pooled@example.org", moves=8)
    finally:
        dispose_engines(app)  # before the pooler stops
    assert statuses[:3] == [302, 303, 303] and statuses[-2] == 303
    assert all(status == 200 for status in statuses[3:-2]) and statuses[-1] == 200


def test_without_the_setting_prepared_statements_break_behind_the_pooler(bouncer):
    """The control: the same journey with psycopg's default (prepare after 5 uses) fails behind
    PgBouncer 1.18 in transaction mode, so the setting is what makes it work."""
    from sqlalchemy import text

    from course_engine.engines import make_engine

    engine = make_engine(bouncer, pool_size=2, max_overflow=0)
    connections = [engine.connect() for _ in range(2)]
    try:
        with pytest.raises(Exception, match="prepared statement"):
            for _ in range(12):  # two client connections interleaved over two server connections
                for connection in connections:
                    connection.execute(text("SELECT 1 WHERE :x = 1"), {"x": 1}).all()
                    connection.commit()
    finally:
        for connection in connections:
            connection.invalidate()
            connection.close()
        engine.dispose()


def test_the_pooler_setting_is_checked():
    """Only the known value is accepted; it turns server-side prepared statements off."""
    assert pooler_connect_args("transaction") == {"prepare_threshold": None}
    assert pooler_connect_args("") == {}
    with pytest.raises(ValueError, match="DATABASE_POOLER"):
        pooler_connect_args("session")
