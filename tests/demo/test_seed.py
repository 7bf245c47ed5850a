"""``flask seed-demo`` creates the demo organisation idempotently and refuses production."""
from sqlalchemy import func, select

from course_engine.auth.models import User
from course_engine.db import session
from course_engine.orgs.models import Membership, Organisation, Team, TeamManager


def _counts():
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Organisation, Team, User, Membership, TeamManager))


def test_seed_demo_is_idempotent_and_logins_work(app, runner, browser, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for tests")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.example" in first.output and "demo password for tests" in first.output
    assert "9 people created" in first.output
    counts = _counts()
    assert counts == (1, 2, 9, 9, 1)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 people created, 9 already there" in second.output
    session.expire_all()
    assert _counts() == counts
    assert browser.login("manager@demo.example", "demo password for tests").status_code == 302
    org = session.scalar(select(Organisation))
    assert browser.get(f"/orgs/{org.slug}/").status_code == 200


def test_seed_demo_generates_and_keeps_a_password(app, runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    line = [l for l in first.output.splitlines() if l.startswith("Password")][0]
    assert line.split(": ", 1)[1].split()[0] in second.output


def test_seed_demo_refuses_production(make_app):
    app = make_app(ENV_NAME="production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
