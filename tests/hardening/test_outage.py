"""The database going away: 503 with a clear page while it is away, no lock-out afterwards, and
recovery without a restart. The app reaches PostgreSQL through a TCP proxy the test controls and
cuts (every open connection closed, new ones refused), as a failover or a network fault would.
PostgreSQL only: SQLite is a file in the same process, with no connection to lose.
"""
from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import PASSWORD, Browser
from tests.parallel import SERIAL

# One at a time with the other tests that let a port go and take it back (tests/parallel.py).
pytestmark = pytest.mark.xdist_group(SERIAL)


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 to ``upstream``; ``cut()`` drops every connection and refuses
    new ones, ``restore()`` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.port = upstream, 0
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, target) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone may not
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.cut()


@pytest.fixture
def proxied_app(app, backend, database_url, make_app):
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: the fault is a lost network connection, which SQLite (a local file) has not")
    parts = urlsplit(database_url)
    proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = parts.netloc.rsplit("@", 1)
    netloc = (netloc[0] + "@" if len(netloc) == 2 else "") + f"127.0.0.1:{proxy.port}"
    proxied = make_app(DATABASE_URL=urlunsplit(parts._replace(netloc=netloc)),
                       LOGIN_LIMIT_PER_ADDRESS="3 per minute", LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per minute")
    yield proxied, proxy
    proxy.close()


def test_outage_is_503_then_recovers_without_restart_or_lock_out(proxied_app, make_user):
    """While the database is away every page is a 503 saying the work is saved (with Retry-After),
    /healthz is 503, logins are 503 and not counted as failures; when it is back the same app
    (no restart) serves pages and the person can log in at once."""
    app, proxy = proxied_app
    make_user(email="nat@example.org", full_name="Nat Outage")
    browser = Browser(app.test_client())
    assert browser.login("nat@example.org", PASSWORD).status_code == 302
    assert browser.get("/learning").status_code == 200
    other = Browser(app.test_client())
    login_page = other.get("/login").get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(login_page)

    proxy.cut()
    page = browser.get("/learning")
    assert page.status_code == 503
    assert "your work is saved up to your last step" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0
    assert browser.get("/cpd").status_code == 503
    assert browser.get("/healthz").status_code == 503
    for _ in range(5):  # more than both login limits allow
        response = other.client.post("/login", data={"csrf_token": token, "email": "nat@example.org",
                                                      "password": PASSWORD})
        assert response.status_code == 503

    proxy.restore()
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/learning").status_code == 200
    assert other.login("nat@example.org", PASSWORD).status_code == 302
