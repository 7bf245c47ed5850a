"""assignment_cell is kept equal to what the assignments, memberships and learner facts say,
by the services that change them: after any sequence of assignments made and removed (whole
organisation, team, person; dates, days after joining, recertification), people added, moved
between teams, deactivated, reactivated, attempts started and modules completed, every
organisation's rows are exactly a rebuild's. On SQLite and PostgreSQL."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from course_engine.db import session
from course_engine.employers import cells, services
from course_engine.employers.models import Assignment, AssignmentCell, TargetKind
from course_engine.learner import services as learning
from course_engine.learner.models import AttemptStatus, ScenarioAttempt
from course_engine.orgs import services as orgs
from course_engine.orgs.models import OrgRole
from tests.employers.test_status_sql import _modules
from tests.learner.test_module_state import make_completable


def _stored(org_id: int) -> set[tuple]:
    session.expire_all()
    table = AssignmentCell.__table__
    return {tuple(r) for r in session.execute(select(*(table.c[n] for n in cells.COLUMNS))
                                              .where(table.c.organisation_id == org_id))}


def _computed(org_id: int) -> set[tuple]:
    return {tuple(r) for r in session.execute(cells.computed_rows(org_id))}


def _complete(attempt: ScenarioAttempt, now: datetime) -> None:
    """Complete through the service, after what the player would have left (make_completable)."""
    make_completable(attempt, now)
    assert learning.try_complete(attempt, now) is not None


@pytest.mark.parametrize("seed", range(3))
def test_random_changes_keep_the_cells_equal_to_a_rebuild(app, module, make_org, make_user, add_member, seed):
    """After every change, through the services that make it, each organisation's stored
    cells equal the ones computed from scratch (and a rebuild finds nothing to do)."""
    rng = random.Random(seed)
    modules = _modules(module)
    org, teams = make_org(f"Cells {seed}", teams=("Alpha", "Beta", "Gamma"))
    other, other_teams = make_org(f"Other {seed}", teams=("Elsewhere",))
    admin = add_member(org, make_user(), "org_admin")
    other_admin = add_member(other, make_user(), "org_admin")
    people = []
    for _ in range(6):
        user = make_user()
        people.append(add_member(org, user, "learner", team=rng.choice([*teams, None])))
        if rng.random() < 0.5:  # some belong to both organisations
            add_member(other, user, "learner", team=other_teams[0])
    base = datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)
    open_attempts: list[int] = []
    for step in range(50):
        now = base + timedelta(days=rng.randint(0, 200), hours=rng.choice((0, 1, 3)))
        event = rng.choice(("assign", "assign", "unassign", "join", "move", "leave", "return", "start", "start",
                            "complete"))
        member = rng.choice(people)
        if event == "assign":
            actor, where = (admin, org) if rng.random() < 0.8 else (other_admin, other)
            kind = rng.choice((TargetKind.organisation, TargetKind.team, TargetKind.person))
            if kind == TargetKind.person and (member.deactivated_at is not None or where is other):
                kind = TargetKind.organisation
            due = rng.choice(("date", "days", "none"))
            services.create_assignment(
                actor, rng.choice(modules), target_kind=kind,
                team=rng.choice(teams if where is org else other_teams) if kind == TargetKind.team else None,
                person=member if kind == TargetKind.person else None,
                due_date=date(2026, 5, 1) + timedelta(days=rng.randint(-90, 90)) if due == "date" else None,
                due_days_after_joining=rng.choice((1, 14, 30, 90)) if due == "days" else None,
                recert_months=rng.choice((None, 1, 12)), recert_window_days=rng.choice((None, 0, 30, 60)), now=now)
        elif event == "unassign":
            live = session.scalars(select(Assignment).where(Assignment.removed_at.is_(None))).all()
            if not live:
                continue
            chosen = rng.choice(live)
            services.remove_assignment(admin if chosen.organisation_id == org.id else other_admin, chosen, now)
        elif event == "join":
            people.append(add_member(org, make_user(), "learner", team=rng.choice([*teams, None])))
            continue  # add_member commits
        elif event == "move":
            orgs.change_member(None, member, OrgRole.learner, rng.choice([*teams, None]))
        elif event == "leave":
            orgs.deactivate_member(None, member, now=now)
        elif event == "return":
            orgs.reactivate_member(None, member)
        elif event == "start":
            attempt = learning.start_attempt(member.user_id, rng.choice(modules), now)
            open_attempts.append(attempt.id)
        elif event == "complete" and open_attempts:
            attempt = session.get(ScenarioAttempt, open_attempts.pop(rng.randrange(len(open_attempts))))
            if attempt.status in (AttemptStatus.in_progress, AttemptStatus.scenario_done):
                _complete(attempt, now)
        session.commit()
        for organisation in (org, other):
            assert _stored(organisation.id) == _computed(organisation.id), (seed, step, event)
    assert _stored(org.id), "the sequence should have assigned something"
    assert cells.rebuild().differed == 0
