"""The number of SQL queries for a player page is fixed: it does not grow with the number of
scenes visited, attempts made or learners on the site."""
from contextlib import contextmanager

from sqlalchemy import event

from course_engine.db import session
from course_engine.learner import services


@contextmanager
def count_queries(app):
    engine = app.extensions["course_engine.db"]
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _scene_queries(app, browser, attempt_id):
    browser.get(f"/attempts/{attempt_id}")  # warm caches (spec decode) outside the count
    with count_queries(app) as statements:
        assert browser.get(f"/attempts/{attempt_id}").status_code == 200
    return len(statements)


def test_scene_page_queries_do_not_grow(app, make_user, published, player, browser):
    """Scene page: same query count with one attempt, or after many steps, attempts and other learners."""
    player.start()
    player.begin()
    small = _scene_queries(app, browser, player.attempt_id)

    # Many other learners with attempts, and many earlier attempts by this learner.
    from course_engine.authoring.models import ContentModule
    from course_engine.db import utcnow
    from sqlalchemy import select

    module = session.scalar(select(ContentModule))
    for i in range(15):
        other = make_user(email=f"other{i}@example.org")
        attempt = services.start_attempt(other.id, module, utcnow())
        services.begin_scenario(attempt, 0, utcnow())
        session.commit()
    for _ in range(5):
        player.start()
        player.begin()
        player.choose(1)
        player.choose(0)
    player.start()
    player.begin()  # the same scene as before, now with many more rows everywhere
    large = _scene_queries(app, browser, player.attempt_id)
    assert large == small, (small, large)
    assert small <= 2  # the user (with the menu flag) and the position (attempt, version hash, journal)


def test_feedback_and_debrief_pages_stay_within_a_query_budget(app, published, player, browser):
    player.start()
    player.begin()
    player.choose(1)
    browser.get(f"/attempts/{player.attempt_id}/feedback/1")
    with count_queries(app) as first:
        browser.get(f"/attempts/{player.attempt_id}/feedback/1")
    player.choose(0)
    player.proceed()
    browser.get(f"/attempts/{player.attempt_id}/debrief")
    with count_queries(app) as debrief:
        browser.get(f"/attempts/{player.attempt_id}/debrief")
    assert len(first) <= 6 and len(debrief) <= 12, (len(first), len(debrief))
