"""The status rules in SQL (status_sql, used by every report) equal the pure-Python rules
(status.cell_status and RuleBook, walked by matrix_python) over many generated organisations:
random memberships and teams, organisation, team and personal assignments, absolute and
"within N days of joining" due dates, recertification periods and windows, removed
assignments, completions and open attempts, judged on edge days (month ends, leap days,
the due-soon and recertification boundaries). Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from course_engine.authoring.models import ContentModule
from course_engine.dates import add_months
from course_engine.db import session
from course_engine.employers import cells, matrix, matrix_python
from course_engine.employers.models import Assignment, TargetKind
from course_engine.employers.scope import Filters, Scope
from course_engine.employers.status import Status
from course_engine.learner import module_state
from course_engine.learner.models import AttemptStatus, Completion, ScenarioAttempt
from course_engine.orgs.models import Membership

#: Days the rules are judged on: leap days, month and year ends, an ordinary day.
TODAYS = [date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 31), date(2025, 12, 31), date(2026, 1, 31),
          date(2026, 6, 15)]


def _edge_days(rng: random.Random) -> list[date]:
    """Days near every boundary of the rules, for each judging day."""
    days = []
    for today in TODAYS:
        days += [today - timedelta(days=k) for k in (0, 1, 13, 14, 15, 29, 30, 31, 60, 400)]
        days += [today + timedelta(days=k) for k in (1, 13, 14, 15, 30)]
        for months in (1, 6, 12):
            back = add_months(today, -months)
            days += [back, back - timedelta(days=1), back + timedelta(days=1)]
            days += [add_months(today, -months) + timedelta(days=w) for w in (29, 30, 31)]
    days += [date(2024, 1, 31), date(2023, 2, 28), date(2024, 2, 29), date(2023, 12, 31), date(2025, 1, 31)]
    return days


def _when(rng, day: date) -> datetime:
    """A moment on ``day`` (UTC), late evening too, so the UTC day is what counts."""
    return datetime(day.year, day.month, day.day, rng.choice((0, 9, 23)), rng.choice((0, 59)), tzinfo=timezone.utc)


def _modules(module) -> list[ContentModule]:
    """The sample module and three more sharing its version (the rules only need module ids)."""
    extra = []
    for n in range(3):
        row = ContentModule(slug=f"extra-{n}", current_version_id=module.current_version_id)
        session.add(row)
        extra.append(row)
    session.commit()
    return [module, *extra]


def _build(rng, org, teams, modules, make_user, add_member, size: int) -> list[Membership]:
    days = _edge_days(rng)
    members = []
    for i in range(size):
        user = make_user(email=f"p{org.id}-{i}@example.org", full_name=rng.choice(("amy", "Ben", "Cy", "dee")) + f" {i}")
        team = rng.choice([*teams, None])
        membership = add_member(org, user, "learner", team=team)
        membership.joined_at = _when(rng, rng.choice(days))
        if rng.random() < 0.08:
            membership.deactivated_at = _when(rng, rng.choice(days))
        members.append((membership, user))
    for n in range(rng.randint(4, 10)):
        kind = TargetKind.organisation if n == 0 else rng.choice(
            (TargetKind.organisation, TargetKind.team, TargetKind.team, TargetKind.person))
        due_kind = rng.choice(("date", "days", "days", "none", "both"))
        session.add(Assignment(
            organisation_id=org.id, module_id=rng.choice(modules).id, target_kind=kind,
            team_id=rng.choice(teams).id if kind == TargetKind.team else None,
            membership_id=rng.choice(members)[0].id if kind == TargetKind.person else None,
            due_date=rng.choice(days) if due_kind in ("date", "both") else None,
            due_days_after_joining=rng.choice((0, 1, 14, 30, 90)) if due_kind in ("days", "both") else None,
            recert_months=rng.choice((None, None, 0, 1, 6, 12)), recert_window_days=rng.choice((0, 14, 30, 31, 60)),
            created_at=_when(rng, rng.choice(days)),
            removed_at=_when(rng, rng.choice(days)) if n and rng.random() < 0.15 else None))
    for membership, user in members:
        for module in modules:
            for _ in range(rng.choice((0, 0, 1, 2))):
                status = rng.choice(list(AttemptStatus))
                started = _when(rng, rng.choice(days))
                attempt = ScenarioAttempt(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                                          status=status, counters={}, step=0, started_at=started, last_active_at=started)
                session.add(attempt)
                session.flush()
                if status == AttemptStatus.completed:
                    session.add(Completion(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                                           attempt_id=attempt.id, active_seconds=60, cpd_minutes=20,
                                           completed_at=_when(rng, rng.choice(days))))
    session.flush()
    # Written directly (random statuses, several open attempts, joining days and leavers set
    # on the rows): what the SQL reads is rebuilt from them, as `flask employers rebuild-status` does.
    module_state.rebuild()
    cells.rebuild()
    session.commit()
    return [m for m, _ in members]


def _cells(rows) -> dict:
    return {(r.membership_id, i): c for r in rows for i, c in enumerate(r.cells) if c is not None}


@pytest.mark.parametrize("seed", range(4))
def test_sql_status_equals_python_rules(app, module, make_org, make_user, add_member, seed):
    """For every person x module, on every judging day, the SQL status and date to act by are
    the Python rules' (and the rows, their order and the summary counts too)."""
    rng = random.Random(seed)
    modules = _modules(module)
    org, teams = make_org(f"Generated {seed}", teams=("Alpha", "Beta", "Gamma"))
    _build(rng, org, teams, modules, make_user, add_member, 24)
    scopes = [Scope(org.id, None), Scope(org.id, frozenset({teams[0].id, teams[2].id}))]
    checked = 0
    for today in TODAYS:
        for scope in scopes:
            python_rows = list(matrix_python.python_matrix(scope, Filters(sort="id"), today))
            sql_rows = list(matrix.iter_matrix(scope, Filters(sort="id"), today))
            assert _cells(sql_rows) == _cells(python_rows), (seed, today)
            assert [r.membership_id for r in sql_rows] == [r.membership_id for r in python_rows]
            checked += len(_cells(python_rows))
            tally = matrix.summary(scope, today)
            expected = {s: 0 for s in Status}
            for cell in _cells(python_rows).values():
                expected[cell.status] += 1
            assert {s: tally.total.counts[s] for s in Status} == expected
            assert tally.people == len(python_rows)
    assert checked > 100, "the generated organisations should give many cells"


@pytest.mark.parametrize("filters", [Filters(), Filters(sort="team"), Filters(status=Status.overdue),
                                     Filters(status=Status.due_soon, sort="team"), Filters(team_id=-1),
                                     Filters(sort="status:{m}"), Filters(module_id=-2, status=Status.completed)])
def test_sql_rows_filtered_and_sorted_like_python(app, module, make_org, make_user, add_member, filters):
    """With each filter and sort, the SQL matrix lists the same people in the same order as
    the Python walk, and a matrix page is the matching slice with the right total."""
    rng = random.Random(99)
    modules = _modules(module)
    org, teams = make_org("Filtered", teams=("Alpha", "Beta"))
    _build(rng, org, teams, modules, make_user, add_member, 30)
    ids = sorted(session.scalars(select(ContentModule.id)))
    sort = filters.sort.replace("{m}", str(ids[0]))
    filters = Filters(team_id=teams[0].id if filters.team_id == -1 else None,
                      module_id=ids[1] if filters.module_id == -2 else None, status=filters.status, sort=sort)
    scope = Scope(org.id, None)
    for today in TODAYS[:3]:
        python_rows = list(matrix_python.python_matrix(scope, filters, today))
        sql_rows = list(matrix.iter_matrix(scope, filters, today))
        assert [(r.membership_id, r.cells) for r in sql_rows] == [(r.membership_id, r.cells) for r in python_rows]
        page = matrix.matrix_page(scope, filters, today, page=2, per_page=4)
        assert page.total == len(python_rows)
        assert [r.membership_id for r in page.rows] == [r.membership_id for r in python_rows[4:8]]
