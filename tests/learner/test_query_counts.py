"""The number of SQL queries for a player page is fixed: it does not grow with the number of
scenes visited, attempts made or learners on the site."""
from contextlib import contextmanager

from sqlalchemy import event

from course_engine.db import session
from course_engine.learner import services


@contextmanager
def count_queries(app):
    """The statements the app sends, on its engine and on its autocommit engine (PostgreSQL's
    read-only and @autocommit views use a second engine; SQLite's is the same one)."""
    engines = {id(e): e for e in (app.extensions["course_engine.db"], app.extensions["course_engine.db.autocommit"])}
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        for engine in engines.values():
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
        from course_engine.learner import player as moves

        position = moves.position_of(other.id, attempt.id)
        moves.begin(position, moves.spec_at(position), 0, utcnow())
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
    assert small == 1  # the learner (with the menu flag) and the position (attempt, version hash, journal)


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


def test_a_choice_takes_a_fixed_number_of_statements_and_no_transaction_on_postgresql(app, published, player, browser):
    """A choice reads the learner with the position, then claims the step and records the decision:
    on PostgreSQL in one statement outside any transaction (no BEGIN or COMMIT round trips),
    on SQLite as an UPDATE and an INSERT in the request's transaction."""
    from sqlalchemy import func, select

    from course_engine.learner.models import Decision

    player.start()
    player.begin()
    fields, _ = player.form_values()
    postgresql = app.extensions["course_engine.db"].dialect.name == "postgresql"
    transaction_open_after = []

    def after(conn, cursor, statement, parameters, context, executemany):
        driver = conn.connection.driver_connection
        if postgresql:
            from psycopg.pq import TransactionStatus

            transaction_open_after.append(driver.info.transaction_status != TransactionStatus.IDLE)

    engine = app.extensions["course_engine.db.autocommit"]
    event.listen(engine, "after_cursor_execute", after)
    try:
        with count_queries(app) as statements:
            response = player.choose(1, fields)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert response.status_code == 303 and "/feedback/1" in response.headers["Location"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Decision)) == 1
    writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    if postgresql:
        assert len(statements) == 2 and len(writes) == 1, statements
        assert "WITH claimed AS" in writes[0] and "INSERT INTO decision" in writes[0]
        assert transaction_open_after == [False, False]
    else:
        assert len(statements) == 3 and len(writes) == 2, statements

    # The same page submitted again (a double click): stale, and still one decision.
    again = player.choose(1, fields)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/attempts/{player.attempt_id}")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Decision)) == 1


def test_scene_page_is_one_query_with_the_organisations_look_in_the_header(app, learner, player, browser,
                                                                           make_org, add_member):
    """A learner whose only organisation has a look (name, logo, accent) sees it in the header
    at no extra query: its version is read with the person and the look kept per version."""
    from course_engine.branding import services as branding
    from course_engine.branding.images import clean_logo
    from tests.branding.conftest import png_bytes

    org, _ = make_org("Northshire Council")
    add_member(org, learner)
    branding.save_look(None, org, display_name="Northshire Children's Services", accent_colour="#1f4e79")
    branding.save_logo(None, org, clean_logo(png_bytes()))
    session.commit()
    player.start()
    player.begin()
    page = browser.get(f"/attempts/{player.attempt_id}").get_data(as_text=True)  # warms the look cache
    assert "Northshire Children&#39;s Services" in page and "/brand/logos/" in page
    assert _scene_queries(app, browser, player.attempt_id) == 1
