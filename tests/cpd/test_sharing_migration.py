"""The migration that scopes sharing to one organisation keeps every existing share with the
organisation the learner belonged to when they shared: the earliest-joined membership active
at that moment. A share made while in no organisation becomes private. Both databases."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import MetaData, insert, select

from course_engine import create_app
from course_engine.engines import make_engine
from tests.test_migrations import _drop, _empty_database, revision_before

AFTER = "c7d41a9e5b10"


def _at(month, year=2026):
    return datetime(year, month, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_shares_keep_the_organisation_they_were_made_in(tmp_path, backend):
    target = _empty_database(backend, tmp_path)
    if target is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migration check skipped")
    url, cleanup = target
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
        cli = app.test_cli_runner()
        assert cli.invoke(args=["db", "upgrade", revision_before(AFTER)]).exit_code == 0
        engine = make_engine(app.config["DATABASE_URL"])
        tables = MetaData()
        tables.reflect(engine, only=["user", "organisation", "membership", "cpd_entry"])
        user, org, membership, entry = (tables.tables[n] for n in ("user", "organisation", "membership", "cpd_entry"))
        with engine.begin() as connection:
            connection.execute(insert(user), [dict(
                id=1, email="grace@example.org", full_name="Grace", password_hash="x", is_author=False,
                is_site_admin=False, is_active_account=True, created_at=_at(1, 2025),
                password_changed_at=_at(1, 2025))])
            connection.execute(insert(org), [dict(id=1, slug="north", name="North", created_at=_at(1, 2025)),
                                             dict(id=2, slug="south", name="South", created_at=_at(1, 2025))])
            # In North from January to May; in South from March on.
            connection.execute(insert(membership), [
                dict(id=1, organisation_id=1, user_id=1, role="learner", joined_at=_at(1), deactivated_at=_at(5)),
                dict(id=2, organisation_id=2, user_id=1, role="learner", joined_at=_at(3), deactivated_at=None)])
            shares = {10: _at(2), 11: _at(4), 12: _at(6), 13: _at(12, 2025), 14: None}
            connection.execute(insert(entry), [dict(
                id=i, user_id=1, activity_type="reading", title=f"Entry {i}", activity_date=date(2026, 1, 1),
                minutes=30, description="d", what_learned="w", impact_on_practice="i", shared_with_manager_at=at,
                created_at=_at(1), updated_at=_at(1)) for i, at in shares.items()])
        assert cli.invoke(args=["db", "upgrade", AFTER]).exit_code == 0
        tables = MetaData()
        tables.reflect(engine, only=["cpd_entry"])
        entry = tables.tables["cpd_entry"]
        with engine.connect() as connection:
            rows = {r.id: (r.shared_with_organisation_id, r.shared_with_manager_at is not None)
                    for r in connection.execute(select(entry))}
        engine.dispose()
        app.extensions["course_engine.db"].dispose()
        assert rows == {
            10: (1, True),    # February: only in North
            11: (1, True),    # April: in both; North was joined first
            12: (2, True),    # June: North left in May, so South
            13: (None, False),  # December 2025: in no organisation, so private
            14: (None, False),  # never shared
        }
    finally:
        _drop(cleanup)
