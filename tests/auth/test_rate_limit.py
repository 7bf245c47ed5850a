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
