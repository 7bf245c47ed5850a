"""A migration that indexes a large table does not block learners: on PostgreSQL, while
3c9e1f4b7a20 builds its index on a decision table of a million rows (CREATE INDEX
CONCURRENTLY, outside a transaction), a learner's new decision is inserted at once (a plain
CREATE INDEX would hold a SHARE lock and the insert would wait until it finished)."""
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from course_engine import create_app
from tests.parallel import SERIAL
from tests.test_migrations import _drop, _empty_database, revision_before

ROWS = 1_000_000


def _fill(url):
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("""INSERT INTO "user" (id, email, full_name, password_hash, is_author, is_site_admin,
                          is_active_account, created_at, password_changed_at)
                          VALUES (1, 'a@example.org', 'A', 'x', false, false, true, now(), now())"""))
        c.execute(text("INSERT INTO content_module (id, slug, created_at) VALUES (1, 'm', now())"))
        c.execute(text("""INSERT INTO module_version (id, module_id, number, content_hash, title, summary, cpd_minutes,
                          themes, standards, module_json, has_quiz, created_at)
                          VALUES (1, 1, 1, 'h', 'M', 's', 10, '[]', '[]', '{}', false, now())"""))
        c.execute(text("""INSERT INTO scenario_attempt (id, user_id, module_id, version_id, status, counters, facts,
                          visited, step, started_at, last_active_at, active_seconds)
                          VALUES (1, 1, 1, 1, 'in_progress', '{}', '[]', '[]', 0, now(), now(), 0)"""))
        c.execute(text(f"""INSERT INTO decision (attempt_id, step, scene_id, choice_index, judgement, target_scene_id,
                           counters_after, facts_after, visited_after, created_at)
                           SELECT 1, g, 'scene-' || (g % 97), g % 3, 'safe', 'next', '{{}}', '[]', '[]', now()
                           FROM generate_series(1, {ROWS}) AS g"""))
    return engine


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")
@pytest.mark.xdist_group(SERIAL)  # timed (the insert must not wait): never beside the other heavy PostgreSQL tests
def test_index_build_does_not_block_a_learners_insert(tmp_path):
    url, cleanup = _empty_database("postgresql", tmp_path)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
        result = app.test_cli_runner().invoke(args=["db", "upgrade", revision_before("3c9e1f4b7a20")])
        assert result.exit_code == 0, result.output
        engine = _fill(url)
        outcome = {}

        def upgrade():
            outcome["result"] = app.test_cli_runner().invoke(args=["db", "upgrade", "3c9e1f4b7a20"])

        builder = threading.Thread(target=upgrade)
        builder.start()
        building = "SELECT count(*) FROM pg_stat_progress_create_index WHERE datname = current_database()"
        # Autocommit: activity statistics are read afresh by each statement, not once per transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            deadline = time.monotonic() + 120
            while not c.execute(text(building)).scalar() and builder.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert c.execute(text(building)).scalar(), "the index build was not seen running"
            started = time.monotonic()
            c.execute(text("SET lock_timeout = '5s'"))
            c.execute(text("""INSERT INTO decision (attempt_id, step, scene_id, choice_index, judgement,
                              target_scene_id, counters_after, facts_after, visited_after, created_at)
                              VALUES (1, 0, 'learner', 1, 'safe', 'next', '{}', '[]', '[]', now())"""))
            waited = time.monotonic() - started
            still_building = c.execute(text(building)).scalar()
        builder.join(300)
        assert outcome["result"].exit_code == 0, outcome["result"].output
        assert still_building, "the insert should complete while the index is still being built"
        assert waited < 5
        with engine.connect() as c:
            valid = c.execute(text("""SELECT indisvalid FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid
                                      WHERE relname = 'ix_decision_attempt_scene_choice'""")).scalar()
            assert valid is True
            assert c.execute(text("SELECT count(*) FROM decision")).scalar() == ROWS + 1
        engine.dispose()
        app.extensions["course_engine.db"].dispose()
    finally:
        _drop(cleanup)
