"""login_required_with: a page's own rows fetched in the same round trip as the signed-in person."""
import pytest
from sqlalchemy import bindparam, event, select

from course_engine.auth.services import RowsWithUser
from course_engine.db import session
from course_engine.orgs.models import Membership, Organisation, OrgRole
from tests.conftest import Browser, isolated_context

#: The memberships of the signed-in person in the organisation named in the URL.
MEMBERSHIPS = RowsWithUser(
    select(Membership.role, Organisation.slug)
    .join(Organisation, Organisation.id == Membership.organisation_id)
    .where(Membership.user_id == bindparam("user_id"), Organisation.slug == bindparam("slug")),
    lambda rows: [(row.slug, row.role.value) for row in rows if row.slug is not None],
)


@pytest.fixture
def page_app(make_app):
    from flask_login import current_user

    from course_engine.auth.access import login_required_with

    app = make_app()

    @app.route("/_test/memberships/<slug>")
    @login_required_with(memberships=MEMBERSHIPS)
    def memberships(slug, memberships):
        return {"user": current_user.email, "slug": slug, "memberships": memberships}

    @app.route("/_test/memberships/<slug>/of/<int:user_id>")
    @login_required_with(memberships=MEMBERSHIPS)
    def someone_elses_memberships(slug, user_id, memberships):
        return {"memberships": memberships}

    @app.before_request
    def _load_the_person_early():
        from flask import request

        if request.args.get("early"):
            current_user.is_authenticated  # noqa: B018 - something earlier in the request loads the person

    return app


def _statements(app):
    statements = []
    engines = {id(e): e for e in (app.extensions["course_engine.db"], app.extensions["course_engine.db.autocommit"])}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def _person(email, *orgs):
    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password
    from course_engine.db import utcnow
    from tests.conftest import PASSWORD

    user = User(email=email, full_name="Test Person", password_hash=hash_password(PASSWORD), email_confirmed_at=utcnow())
    session.add(user)
    session.flush()
    for slug in orgs:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            org = Organisation(slug=slug, name=slug.title())
            session.add(org)
            session.flush()
        session.add(Membership(organisation_id=org.id, user_id=user.id, role=OrgRole.learner))
    session.commit()
    return user


def test_the_page_rows_come_with_the_person_in_one_statement(page_app):
    """The view gets its rows, for the signed-in person only, from the one statement that
    loads the person; nothing matching gives an empty result, not someone else's rows."""
    with isolated_context(page_app):
        _person("amina@example.org", "north")
        _person("bola@example.org", "south")
        browser = Browser(page_app.test_client())
        browser.login("amina@example.org")
        statements = _statements(page_app)
        response = browser.get("/_test/memberships/north")
        assert response.json == {"user": "amina@example.org", "slug": "north", "memberships": [["north", "learner"]]}
        assert len(statements) == 1 and "signed_in_email" in statements[0] and "membership" in statements[0]
        assert browser.get("/_test/memberships/south").json["memberships"] == []  # Bola's, not Amina's


def test_a_person_loaded_earlier_in_the_request_still_gets_the_page_rows(page_app):
    with isolated_context(page_app):
        _person("amina@example.org", "north")
        browser = Browser(page_app.test_client())
        browser.login("amina@example.org")
        statements = _statements(page_app)
        response = browser.get("/_test/memberships/north?early=1")
        assert response.json["memberships"] == [["north", "learner"]]
        assert len(statements) == 2  # the person, then the page's rows on their own


def test_nobody_signed_in_goes_to_the_login_page_and_no_rows_are_read(page_app):
    with isolated_context(page_app):
        _person("amina@example.org", "north")
        client = page_app.test_client()
        statements = _statements(page_app)
        response = client.get("/_test/memberships/north")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert statements == []


def test_a_deactivated_person_gets_no_rows_and_is_sent_to_log_in(page_app):
    from course_engine.auth.models import User

    with isolated_context(page_app):
        user = _person("amina@example.org", "north")
        browser = Browser(page_app.test_client())
        browser.login("amina@example.org")
        session.get(User, user.id).is_active_account = False
        session.commit()
        response = browser.get("/_test/memberships/north")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_user_id_is_always_the_signed_in_person_whatever_the_url_says(page_app):
    """A URL value named user_id never reaches the page's query: another person's id in the
    URL still gives the signed-in person's rows, with the person loaded early or not."""
    with isolated_context(page_app):
        _person("amina@example.org", "north")
        bola = _person("bola@example.org", "north")
        browser = Browser(page_app.test_client())
        browser.login("amina@example.org")
        for suffix in ("", "?early=1"):
            response = browser.get(f"/_test/memberships/north/of/{bola.id}{suffix}")
            assert response.json["memberships"] == [["north", "learner"]]  # Amina's own membership
        session.query(Membership).filter(Membership.user_id != bola.id).delete()
        session.commit()
        for suffix in ("", "?early=1"):  # Bola's membership is never shown to Amina
            assert browser.get(f"/_test/memberships/north/of/{bola.id}{suffix}").json["memberships"] == []
