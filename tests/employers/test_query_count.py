"""The number of SQL statements per employer page is fixed: the same for 5 learners as for 25."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from course_engine.learner.models import AttemptStatus
from tests.employers.conftest import TODAY, assign, at, attempt

PAGES = ["/orgs/{org}/dashboard", "/orgs/{org}/dashboard/matrix", "/orgs/{org}/dashboard/matrix?status=overdue",
         "/orgs/{org}/dashboard/matrix?sort=status:{module}", "/orgs/{org}/dashboard/completions",
         "/orgs/{org}/insights", "/orgs/{org}/insights/first-visit"]


@contextmanager
def counting(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["course_engine.db"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_learners(world, module, make_user, add_member, start, count, team=None):
    for i in range(start, start + count):
        user = make_user(email=f"q{i}@example.org", full_name=f"Query Person {i}")
        add_member(world.org, user, "learner", team=team or world.team_a)
        kind = i % 3
        if kind == 0:
            attempt(user, module, choices=[("referral", 1, "safe")], ending="safe-end",
                    completed=at(TODAY - timedelta(days=i)), quiz={"q1": True, "q2": i % 2 == 0})
        elif kind == 1:
            attempt(user, module, status=AttemptStatus.in_progress, choices=[("referral", 0, "unsafe")])
        else:
            attempt(user, module, status=AttemptStatus.abandoned, choices=[("referral", 1, "safe")])


@pytest.mark.parametrize("viewer", ["admin", "manager_a"])
def test_statements_per_page_do_not_grow_with_learners(app, world, module, make_user, add_member, login, viewer):
    """Dashboard, matrix, completions and insights run the same number of statements for 5 and 25
    learners (all of whom have attempted the module, so insights are shown both times)."""
    assign(world.org, module, team=world.team_a, due_date=TODAY + timedelta(days=5), recert_months=12)
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=5))
    _add_learners(world, module, make_user, add_member, 100, 3, team=world.team_b)  # another team, always
    _add_learners(world, module, make_user, add_member, 0, 5)
    browser = login(getattr(world, viewer))
    urls = [p.format(org=world.org.slug, module=module.id) for p in PAGES]

    seen = {}

    def measure():
        counts = {}
        for url in urls:
            with counting(app) as statements:
                response = browser.get(url)
                assert response.status_code == 200, url
            counts[url] = len(statements)
            seen[url] = list(statements)
        return counts

    measure()  # warm up: each worker decodes a content version's spec once (a one-off read)
    small = measure()
    _add_learners(world, module, make_user, add_member, 5, 20)
    large = measure()
    assert small == large, {u: seen[u] for u in urls if small[u] != large[u]}
    assert max(small.values()) <= 20
