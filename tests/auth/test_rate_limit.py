"""Login attempts are limited per account and per address, and the limit recovers."""
import time

from tests.conftest import Browser, isolated_context


def test_failed_logins_per_account_get_429_then_recover(make_app, make_user):
    """After the allowed failures for one account the next attempt gets 429; after the
    window passes, the right password works again."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 2 second", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    with isolated_context(app):
        make_user(email="grace@example.org")
        browser = Browser(app.test_client())
        for _ in range(3):
            assert browser.login("grace@example.org", "wrong wrong wrong").status_code == 401
        blocked = browser.login("grace@example.org")
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.get_data(as_text=True)
        # Another account from the same address is not blocked by this account's limit.
        make_user(email="tom@example.org")
        assert browser.login("tom@example.org", "wrong wrong wrong").status_code == 401
        time.sleep(2.1)
        assert browser.login("grace@example.org").status_code == 302


def test_failed_logins_per_address_get_429(make_app, make_user):
    """Many accounts tried from one address are limited too (credential stuffing)."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="4 per minute")
    with isolated_context(app):
        browser = Browser(app.test_client())
        statuses = [browser.login(f"person{i}@example.org", "wrong wrong wrong").status_code for i in range(5)]
        assert statuses == [401, 401, 401, 401, 429]


def test_successful_logins_do_not_count(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    with isolated_context(app):
        make_user(email="grace@example.org")
        browser = Browser(app.test_client())
        for _ in range(4):
            assert browser.login("grace@example.org").status_code == 302
            browser.logout()


def test_limits_are_shared_across_workers_with_redis(make_app, make_user):
    """With RATELIMIT_STORAGE_URI set to Redis, two workers (two app instances) share counts,
    so a second gunicorn worker cannot be used to get round the limit."""
    import socket
    import uuid

    import pytest

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    store = redis.Redis(host="127.0.0.1", port=6379, db=15)
    account = f"login-account:{uuid.uuid4().hex}@example.org"
    settings = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                    LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    worker_a, worker_b = make_app(**settings), make_app(**settings)
    with isolated_context(worker_a):
        email = account.split(":", 1)[1]
        make_user(email=email)
        a, b = Browser(worker_a.test_client()), Browser(worker_b.test_client())
        assert a.login(email, "wrong wrong wrong").status_code == 401
        assert b.login(email, "wrong wrong wrong").status_code == 401
        assert a.login(email, "wrong wrong wrong").status_code == 401
        assert b.login(email).status_code == 429
    # The counts live in Redis, not in either process's memory.
    keys = [k for k in store.keys("LIMITS:*") if account.encode() in k]
    assert keys, "no rate-limit counters in Redis"
    store.delete(*keys)
