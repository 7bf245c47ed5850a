"""Shared fixtures: an app per database backend, a client, and factories for people.

Every test that uses ``app`` runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on
PostgreSQL too. The schema is created once per backend and every table is emptied after
each test, so tests are isolated without paying for a new schema each time.
"""
from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import text

from course_engine import create_app
from course_engine.db import dispose_engines, session, utcnow
from course_engine.models import metadata
from tests.parallel import worker_database_url

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

PASSWORD = "correct horse battery staple"


def base_test_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "MAIL_BACKEND": "memory",
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MODULES_DIR": str(tmp_path / "modules"),
        "QUIZZES_DIR": str(tmp_path / "quizzes"),
        "EXPORTS_DIR": str(tmp_path / "exports"),
        "CPD_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }


class _TemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run (Jinja's own bytecode cache, in memory).

    Every test builds a new app, and each app's Jinja environment compiled every template it
    rendered again: parsing and compiling templates was a large share of the suite's CPU. Jinja
    keys each entry by the template's name and checks its source's checksum, so a template that
    changes is compiled afresh; what renders is the same code either way.
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _TemplateCode()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    if backend == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")  # each worker has its own temp
    return worker_database_url(os.environ["TEST_DATABASE_URL"])


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create every table once per backend (from the models; migrations are tested separately)."""
    app = create_app(base_test_config(tmp_path_factory.mktemp("schema"), database_url))
    with app.app_context():
        engine = app.extensions["course_engine.db"]
        metadata.drop_all(engine)
        metadata.create_all(engine)
    yield
    with app.app_context():
        metadata.drop_all(app.extensions["course_engine.db"])
        dispose_engines(app)


@pytest.fixture
def make_app(database_url, _schema, tmp_path):
    """Build an app on the current backend with extra configuration."""
    apps = []

    def factory(**overrides):
        config = base_test_config(tmp_path, database_url)
        config.update(overrides)
        app = create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
        app.config["_TEST_CONFIG"] = config
        apps.append(app)
        return app

    yield factory
    emptied = False
    for app in apps:
        with app.app_context():
            session.remove()
            if not emptied and app.config["DATABASE_URL"] == database_url:
                _empty_tables(app.extensions["course_engine.db"])
                emptied = True
            dispose_engines(app)


def _empty_tables(engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


#: Twin apps by configuration, kept for the whole run (see isolated_context).
_TWINS: dict[str, object] = {}
_PER_TEST_PATHS = ("MODULES_DIR", "QUIZZES_DIR", "MAIL_OUTBOX_DIR", "EXPORTS_DIR", "CPD_EVIDENCE_DIR")


@contextmanager
def isolated_context(app):
    """An app context for the test's own queries that requests never reuse.

    Flask reuses a pushed context of the *same* app for requests, which would share ``g`` and
    the database session between the test and every request. A twin app with the same
    configuration gives the test its own context, so each request gets a fresh one, as in
    production. The twin only runs the test's own queries, so one per configuration serves
    the whole run (building an app costs tens of milliseconds, a thousand times over).
    """
    config = app.config["_TEST_CONFIG"]
    # Folders differ per test but are only read when used, so they don't make another twin.
    key = repr(sorted((k, v) for k, v in config.items() if k not in _PER_TEST_PATHS))
    twin = _TWINS.get(key)
    if twin is None:
        twin = _TWINS[key] = create_app(config)
    twin.config.update(config)
    twin.extensions["course_engine.mail"].sent.clear()  # the test sees only its own emails
    with twin.app_context():
        try:
            yield twin
        finally:
            session.remove()


@pytest.fixture(scope="session", autouse=True)
def _close_twins():
    yield
    for twin in _TWINS.values():
        dispose_engines(twin)


@pytest.fixture
def app(make_app):
    app = make_app()
    with isolated_context(app):
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = _CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that fetches a page first, as a person would, and posts with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, form_page=None, **kw):
        page = self.client.get(form_page or url)
        token = csrf_from(page.get_data(as_text=True))
        data = dict(data or {})
        data.setdefault("csrf_token", token)
        return self.client.post(url, data=data, **kw)

    def login(self, email, password=PASSWORD):
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", form_page="/account")


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def make_user(app):
    """Create a confirmed user: ``make_user(email=..., full_name=..., is_author=...)``."""
    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password

    hashed = hash_password(PASSWORD)
    counter = {"n": 0}

    def factory(email=None, full_name=None, password=None, **kw):
        counter["n"] += 1
        user = User(email=email or f"person{counter['n']}@example.org", full_name=full_name or f"Person {counter['n']}",
                    password_hash=hash_password(password) if password else hashed, email_confirmed_at=utcnow(), **kw)
        session.add(user)
        session.commit()
        return user

    return factory


@pytest.fixture
def make_org(app):
    """Create an organisation with named teams: ``make_org("Org", teams=["A", "B"])``."""
    from course_engine.orgs import services as orgs

    def factory(name="Test Council", teams=("Team A",)):
        org = orgs.create_organisation(name)
        created = [orgs.create_team(None, org, t) for t in teams]
        session.commit()
        return org, created

    return factory


@pytest.fixture
def add_member(app):
    from course_engine.orgs import services as orgs
    from course_engine.orgs.models import OrgRole

    def factory(org, user, role="learner", team=None, manages=()):
        membership = orgs.add_member(None, org, user, OrgRole(role), team)
        for managed in manages:
            orgs.set_team_manager(None, membership, managed)
        session.commit()
        return membership

    return factory


#: The repository (its modules/ and quizzes/ are the shipped library).
ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def library_report():
    """The shipped library checked once per test process (``check_tree``, one worker): several
    test modules build their parameters from it at collection, which every pytest-xdist worker
    repeats, and each check of the whole library took about half a second. Its specs are frozen."""
    from course_engine.content import check_tree

    return check_tree(ROOT / "modules", ROOT / "quizzes", workers=1)


def copy_sample_content(app, data_dir: Path) -> tuple[Path, Path]:
    """Copy a test folder's ``modules/`` and ``quizzes/`` into the app's content folders."""
    import shutil

    modules, quizzes = Path(app.config["MODULES_DIR"]), Path(app.config["QUIZZES_DIR"])
    shutil.copytree(data_dir / "modules", modules, dirs_exist_ok=True)
    shutil.copytree(data_dir / "quizzes", quizzes, dirs_exist_ok=True)
    return modules, quizzes


def sync_sample_content(modules: Path, quizzes: Path):
    """Sync content that must be valid, and commit; returns the sync result."""
    from course_engine.authoring.services import sync_content

    result = sync_content(modules, quizzes)
    assert not result.report.errors, [str(p) for p in result.report.errors]
    session.commit()
    return result


# The real Redis queue (db 3, another per xdist worker) for tests of queued work: see tests/queue.py.
from tests.queue import queue_app, redis  # noqa: E402,F401
