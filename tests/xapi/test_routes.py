"""The org admin's learning record store page: who may use it, what it keeps, and the test button."""
from sqlalchemy import select

from course_engine.audit import AuditLog
from course_engine.db import session
from course_engine.xapi.models import LrsConnection

from tests.conftest import Browser
from tests.xapi.lrs import SECRET


def test_the_page_is_for_org_admins_only(world, app):
    """Org admin: 200. Learner of the organisation: 403. Someone from nowhere: 404. Signed out: login."""
    assert world.admin_browser.get(world.settings_url).status_code == 200
    assert world.learner_browser.get(world.settings_url).status_code == 403
    anonymous = app.test_client().get(world.settings_url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_saving_needs_the_csrf_token(world):
    """A POST without the form's CSRF token changes nothing."""
    response = world.admin_browser.client.post(world.settings_url, data={
        "endpoint": "https://lrs.example.org/xAPI/", "key": "k", "secret": "s", "enabled": "y"})
    assert response.status_code == 400
    assert session.scalar(select(LrsConnection)) is None


def test_off_by_default_and_the_secret_is_sealed(world, lrs):
    """A saved connection stays off unless switched on; the secret is stored sealed, shown only
    by its last characters, and not in the audit log."""
    response = world.connect(lrs.endpoint, enabled=False)
    assert response.status_code == 302
    connection = session.scalar(select(LrsConnection))
    assert connection.enabled is False and connection.enabled_at is None
    assert SECRET not in connection.secret_sealed
    page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
    assert SECRET not in page and SECRET[-4:] in page
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "xapi.settings_save")).all()
    assert audit and SECRET not in str(audit[0].detail)
    assert connection.actor_email is False  # the opaque actor unless chosen


def test_a_learner_cannot_save_settings(world):
    """A learner's POST (with a valid token from a page they can see) is refused with 403."""
    response = world.learner_browser.post(world.settings_url, {"endpoint": "https://lrs.example.org/xAPI/",
                                                               "key": "k", "secret": "s"}, form_page="/account")
    assert response.status_code == 403
    assert session.scalar(select(LrsConnection)) is None


def test_an_internal_address_is_refused_with_a_message(make_app, make_user, make_org, add_member):
    """Without INTEGRATIONS_ALLOW_HTTP (production), an endpoint on the server's own network or
    over plain HTTP is refused on the form with the reason; nothing is saved."""
    from tests.conftest import isolated_context

    strict = make_app()
    with isolated_context(strict):
        org, _ = make_org("Strict Council")
        make_user(email="admin@strict.example")
        from course_engine.auth.models import User

        add_member(org, session.scalar(select(User)), role="org_admin")
        browser = Browser(strict.test_client())
        browser.login("admin@strict.example")
        for endpoint, words in (("http://lrs.example.org/xAPI/", "must start with https://"),
                                ("https://127.0.0.1:8100/xAPI/", "inside this server's network")):
            response = browser.post(f"/orgs/{org.slug}/xapi", {"endpoint": endpoint, "key": "k", "secret": "s"})
            assert response.status_code == 400
            assert words in response.get_data(as_text=True).replace("&#39;", "'")
        assert session.scalar(select(LrsConnection)) is None


def test_the_test_button_says_what_the_store_answered(world, lrs):
    """A right key: the store accepted the test statement (it is really there). A wrong secret:
    the page says the key or secret is not right."""
    world.connect(lrs.endpoint)
    response = world.admin_browser.post(f"{world.settings_url}/test", {}, form_page=world.settings_url)
    assert response.status_code == 302
    page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
    assert "The store accepted the test statement" in page
    statement_id = page.split("(id ")[1].split(")")[0]
    assert statement_id in {s["id"] for s in lrs.statements()}

    world.connect(lrs.endpoint, secret="not the secret")
    world.admin_browser.post(f"{world.settings_url}/test", {}, form_page=world.settings_url)
    page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
    assert "the key or secret is not right" in page


def test_the_test_button_says_when_the_store_is_away(world):
    """An endpoint where nothing answers: the page says the store could not be reached."""
    world.connect("http://127.0.0.1:9/xAPI/")
    world.admin_browser.post(f"{world.settings_url}/test", {}, form_page=world.settings_url)
    page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
    assert "The store could not be reached" in page
