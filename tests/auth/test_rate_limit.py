"""Login attempts are limited per account and per address, and the limit recovers."""
import time

from tests.conftest import Browser, isolated_context


def test_failed_logins_per_account_get_429_then_recover(make_app, make_user):
    """After the allowed failures for one account the next attempt gets 429; after the
    window passes, the right password works again."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per 2 second", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
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
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="100 per minute", LOGIN_LIMIT_PER_ADDRESS="4 per minute")
    with isolated_context(app):
        browser = Browser(app.test_client())
        statuses = [browser.login(f"person{i}@example.org", "wrong wrong wrong").status_code for i in range(5)]
        assert statuses == [401, 401, 401, 401, 429]


def test_successful_logins_do_not_count(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="2 per minute")
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
                    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
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


def test_a_stranger_elsewhere_cannot_lock_a_person_out(make_app, make_user):
    """Wrong passwords for an account from one address slow that address down (429 saying how
    many seconds to wait); the right password from another address still works (OWASP
    Authentication Cheat Sheet: lockout must not be a denial of service)."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    with isolated_context(app):
        make_user(email="grace@example.org")
        stranger = Browser(app.test_client())
        stranger.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        for _ in range(3):
            assert stranger.login("grace@example.org", "wrong wrong wrong").status_code == 401
        blocked = stranger.login("grace@example.org", "wrong wrong wrong")
        assert blocked.status_code == 429
        text = blocked.get_data(as_text=True)
        assert "Please wait" in text and "seconds" in text
        assert 1 <= int(blocked.headers["Retry-After"]) <= 61  # the window, rounded up
        grace = Browser(app.test_client())
        grace.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
        assert grace.login("grace@example.org").status_code == 302


def test_waits_grow_with_repeated_failures(make_app, make_user):
    """After the first window's allowance, a longer limit applies: the wait asked for grows."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per 2 second; 4 per hour", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    with isolated_context(app):
        make_user(email="grace@example.org")
        browser = Browser(app.test_client())
        for _ in range(3):
            assert browser.login("grace@example.org", "wrong wrong wrong").status_code == 401
        first = browser.login("grace@example.org", "wrong wrong wrong")
        assert first.status_code == 429 and int(first.headers["Retry-After"]) <= 3
        time.sleep(2.1)
        assert browser.login("grace@example.org", "wrong wrong wrong").status_code == 401
        second = browser.login("grace@example.org", "wrong wrong wrong")
        assert second.status_code == 429 and int(second.headers["Retry-After"]) > 60


def test_only_a_wrong_password_counts(make_app, make_user):
    """Form errors (an empty password) do not count towards the limit; wrong passwords do."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="2 per minute", LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    with isolated_context(app):
        make_user(email="grace@example.org")
        browser = Browser(app.test_client())
        for _ in range(5):
            assert browser.login("grace@example.org", "").status_code == 400
        assert browser.login("grace@example.org").status_code == 302
