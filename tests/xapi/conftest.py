"""Fixtures for learning records: Ralph's LRS on loopback, an organisation with an org admin
and a learner, the sample module, and a player that plays it through HTTP."""
from __future__ import annotations

import pytest

from course_engine.db import session
from course_engine.xapi.models import OutboxStatement
from tests.conftest import Browser, copy_sample_content, sync_sample_content
from tests.learner.conftest import DATA, Player
from tests.xapi.lrs import KEY, SECRET, RalphLRS


@pytest.fixture(scope="session")
def lrs(tmp_path_factory):
    """One real LRS for the run (each pytest-xdist worker has its own; each test tells its
    statements apart by id), started once rather than once per module."""
    store = RalphLRS(tmp_path_factory.mktemp("ralph"))
    yield store
    store.stop()


class World:
    """An organisation, its admin and a learner, each with their own browser."""

    def __init__(self, app, make_user, make_org, add_member):
        sync_sample_content(*copy_sample_content(app, DATA))
        self.org, _teams = make_org("Loopback Council")
        self.admin = make_user(email="admin@council.example", full_name="Ada Admin")
        self.learner = make_user(email="lena@council.example", full_name="Lena Learner")
        add_member(self.org, self.admin, role="org_admin")
        add_member(self.org, self.learner)
        self.admin_browser = Browser(app.test_client())
        self.learner_browser = Browser(app.test_client())
        assert self.admin_browser.login("admin@council.example").status_code == 302
        assert self.learner_browser.login("lena@council.example").status_code == 302
        self.settings_url = f"/orgs/{self.org.slug}/xapi"

    def connect(self, endpoint, *, enabled=True, secret=SECRET, **choices):
        data = {"endpoint": endpoint, "key": KEY, "secret": secret, "send_modules": "y", "send_decisions": "y",
                "send_quizzes": "y"}
        data.update({k: v for k, v in choices.items() if v})
        for name, value in choices.items():
            if not value:
                data.pop(name, None)
        if enabled:
            data["enabled"] = "y"
        return self.admin_browser.post(self.settings_url, data)

    def player(self):
        return Player(self.learner_browser)

    def outbox(self):
        session.expire_all()
        return session.query(OutboxStatement).order_by(OutboxStatement.id).all()


@pytest.fixture
def app(make_app):
    """The app may call the LRS on loopback over plain HTTP (as development does)."""
    from tests.conftest import isolated_context

    app = make_app(INTEGRATIONS_ALLOW_HTTP=True)
    with isolated_context(app):
        yield app


@pytest.fixture
def world(app, make_user, make_org, add_member):
    return World(app, make_user, make_org, add_member)
