"""`flask employers rebuild-status` and the migration that adds learner_module_state: both give
the rows the attempts and completions say, and the reports then judge from them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, delete, select, text

from course_engine import create_app
from course_engine.db import session
from course_engine.employers import cells, matrix
from course_engine.employers.scope import Filters, Scope
from course_engine.employers.status import Status
from course_engine.learner import module_state
from course_engine.employers.models import AssignmentCell
from course_engine.learner.models import AttemptStatus, LearnerModuleState
from course_engine.models import metadata
from tests.employers.conftest import TODAY, assign, at, attempt
from tests.test_migrations import _drop, _empty_database, revision_before

MIGRATION = "66ae578148a0"
CELLS_MIGRATION = "9d3b6e2f4a71"


def _rows():
    session.expire_all()
    return set(session.execute(select(LearnerModuleState.user_id, LearnerModuleState.module_id,
                                      LearnerModuleState.open_attempts)))


def _cells():
    return set(session.execute(select(*AssignmentCell.__table__.c)))


def test_rebuild_status_command_repairs_the_table_and_reports(app, runner, world, module):
    """The command prints progress and a one-line summary; with --check it exits 1 when rows
    differ and writes nothing; without, it rewrites them, and the matrix follows."""
    assign(world.org, module)
    attempt(world.learner_a, module, completed=at(TODAY - timedelta(days=3)))
    attempt(world.learner_b, module, status=AttemptStatus.in_progress)
    expected, expected_cells = _rows(), _cells()
    session.execute(delete(LearnerModuleState))
    session.execute(delete(AssignmentCell))
    session.commit()
    cells = lambda: {r.name: r.cells[0].status for r in matrix.iter_matrix(Scope(world.org.id, None), Filters(), TODAY)}  # noqa: E731
    assert cells() == {}  # the reports read the cells

    checked = runner.invoke(args=["employers", "rebuild-status", "--check", "--batch", "3"])
    assert checked.exit_code == 1, checked.output
    assert "2 differed from the records" in checked.output and "would rewrite" in checked.output
    assert f"{len(expected_cells)} differed; would rewrite 1 organisations" in checked.output
    assert _rows() == set() and _cells() == set()

    result = runner.invoke(args=["employers", "rebuild-status", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "learners 1-3:" in result.output and "rewrote" in result.output
    assert _rows() == expected and _cells() == expected_cells
    assert (cells()["Amy Learner"], cells()["Ben Learner"]) == (Status.completed, Status.in_progress)

    again = runner.invoke(args=["employers", "rebuild-status", "--check"])
    assert again.exit_code == 0 and "0 differed from the records" in again.output and "; 0 differed;" in again.output


def test_rebuild_status_refuses_a_bad_batch(app, runner):
    result = runner.invoke(args=["employers", "rebuild-status", "--batch", "0"])
    assert result.exit_code == 2 and "at least 1" in result.output


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_backfills_the_table_from_the_records(tmp_path, backend):
    """Upgrading a database that has attempts and completions fills learner_module_state with
    exactly the rows a rebuild computes (latest completion's UTC day, open attempts)."""
    target = _empty_database(backend, tmp_path)
    if target is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migration check skipped")
    url, cleanup = target
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
        cli = app.test_cli_runner()
        result = cli.invoke(args=["db", "upgrade", revision_before(MIGRATION)])
        assert result.exit_code == 0, result.output
        engine = create_engine(url)
        # The tables as the models describe them (unchanged by this migration), so their
        # Python defaults fill the columns the rules do not read.
        t = metadata.tables
        with engine.begin() as c:
            c.execute(t["user"].insert(), [{"id": i, "email": f"{i}@x.org", "full_name": "P", "password_hash": "h"}
                                           for i in (1, 2)])
            c.execute(t["content_module"].insert(), [{"id": i, "slug": f"m{i}"} for i in (1, 2)])
            c.execute(t["module_version"].insert(), [{"id": i, "module_id": i, "number": 1, "content_hash": f"h{i}",
                                                      "title": "M", "summary": "", "cpd_minutes": 20, "module_json": {}}
                                                     for i in (1, 2)])
            attempts = [(1, 1, 1, "completed"), (2, 1, 1, "completed"), (3, 1, 1, "in_progress"),
                        (4, 1, 2, "abandoned"), (5, 2, 2, "scenario_done"), (6, 2, 1, "completed")]
            c.execute(t["scenario_attempt"].insert(), [
                {"id": a, "user_id": u, "module_id": m, "version_id": m, "status": s, "counters": {}, "step": 0}
                for a, u, m, s in attempts])
            late, early = at(TODAY - timedelta(days=1), hour=23), at(TODAY - timedelta(days=40), hour=0)
            c.execute(t["completion"].insert(), [
                {"id": i, "user_id": u, "module_id": m, "version_id": m, "attempt_id": a, "cpd_minutes": 20,
                 "completed_at": when}
                for i, a, u, m, when in [(1, 1, 1, 1, early), (2, 2, 1, 1, late), (3, 6, 2, 1, early)]])
        result = cli.invoke(args=["db", "upgrade", MIGRATION])
        assert result.exit_code == 0, result.output
        with engine.connect() as c:
            rows = {(u, m, str(d) if d else None, n) for u, m, d, n in c.execute(text(
                "SELECT user_id, module_id, last_completed_on, open_attempts FROM learner_module_state"))}
        assert rows == {(1, 1, str(TODAY - timedelta(days=1)), 1), (1, 2, None, 0), (2, 2, None, 1),
                        (2, 1, str(TODAY - timedelta(days=40)), 0)}
        with app.app_context():
            assert module_state.differences(1, 2) == 0  # what the application's rebuild computes too

        # The next revision resolves the assignments into assignment_cell, with those facts.
        with engine.begin() as c:
            c.execute(t["organisation"].insert(), [{"id": 1, "slug": "o", "name": "O"}])
            c.execute(t["team"].insert(), [{"id": 1, "organisation_id": 1, "name": "T"}])
            c.execute(t["membership"].insert(), [
                {"id": 1, "organisation_id": 1, "user_id": 1, "role": "learner", "team_id": 1, "joined_at": early},
                {"id": 2, "organisation_id": 1, "user_id": 2, "role": "learner", "team_id": None, "joined_at": late}])
            c.execute(t["assignment"].insert(), [
                {"organisation_id": 1, "module_id": 1, "target_kind": "organisation", "team_id": None,
                 "due_days_after_joining": None, "recert_months": 1, "created_at": early},
                {"organisation_id": 1, "module_id": 2, "target_kind": "team", "team_id": 1, "due_days_after_joining": 30,
                 "recert_months": None, "created_at": early}])
        result = cli.invoke(args=["db", "upgrade", CELLS_MIGRATION])
        assert result.exit_code == 0, result.output
        with app.app_context():
            stored = {tuple(r) for r in session.execute(select(*(cells.CELL.c[n] for n in cells.COLUMNS)))}
            assert stored == {tuple(r) for r in session.execute(cells.computed_rows(1))}
            assert len(stored) == 3 and cells.differences(1) == 0
            session.remove()
        engine.dispose()
        app.extensions["course_engine.db"].dispose()
    finally:
        _drop(cleanup)
