"""The site menu shows each person the links their roles allow, and marks the current section."""
import re

from course_engine.db import session


def _menu(html):
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return [(label, bool(current)) for current, label in
            re.findall(r'<a href="[^"]*" (aria-current="page")?\s*>([^<]+)</a>', nav)]


def test_a_learner_sees_the_learner_links_with_the_current_section_marked(app, browser, make_user):
    make_user(email="learner@example.org")
    browser.login("learner@example.org")
    menu = _menu(browser.get("/modules").get_data(as_text=True))
    assert menu == [("My learning", False), ("Modules", True), ("CPD record", False), ("Certificates", False),
                    ("Account", False)]
    assert ("CPD record", True) in _menu(browser.get("/cpd").get_data(as_text=True))


def test_authors_see_content_and_managers_see_their_organisations(app, browser, make_user):
    from course_engine.orgs.models import Organisation, OrgRole
    from course_engine.orgs.services import add_member

    author = make_user(email="author@example.org", is_author=True)
    org = Organisation(slug="north", name="North Trust")
    session.add(org)
    session.flush()
    add_member(None, org, author, OrgRole.manager)
    session.commit()
    browser.login("author@example.org")
    labels = [label for label, _ in _menu(browser.get("/authoring/").get_data(as_text=True))]
    assert labels == ["My learning", "Modules", "Content", "CPD record", "Certificates", "Manage: North Trust",
                      "Account"]
    assert ("Content", True) in _menu(browser.get("/authoring/").get_data(as_text=True))


def test_nobody_signed_in_gets_only_log_in_and_register(app, client):
    html = client.get("/login").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", nav) == ["Log in", "Create an account"]


def test_menu_entries_are_added_once(app):
    from course_engine.navigation import EXTENSION, NavLink, add_to_menu

    before = list(app.extensions[EXTENSION])
    link = NavLink("Extra", "main.home", "/extra")
    add_to_menu(app, link)
    add_to_menu(app, link)
    assert app.extensions[EXTENSION] == before + [link]
