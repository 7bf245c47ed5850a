"""The organisation menu is grouped (Reports, People, Learning, Settings): a row of groups, then
the pages of the group the current page is in; each person sees only the pages they may use."""
from __future__ import annotations

import re

import pytest

from course_engine.navigation import ORG_MENU_GROUPS, OrgMenuLink, add_to_org_menu, org_menu

#: The organisation's pages before grouping (11 links), the look, LTI, xAPI, single sign-on and SCORM pages,
#: the full exports and the failed jobs: all in the menu.
MANAGER_REPORTS = ["Summary", "Matrix", "Completions", "Practice insights"]
ADMIN_PAGES = {
    "Reports": MANAGER_REPORTS + ["Exports"],
    "People": ["People", "Teams", "Invitations", "Upload staff"],
    "Learning": ["Assignments", "Certificates", "SCORM packages"],
    "Settings": ["Look", "LMS (LTI)", "Learning records (xAPI)", "Single sign-on", "Audit log", "Failed jobs"],
}


def _labels(groups):
    return {g.label: [link.label for link in g.links] for g in groups}


def test_an_org_admin_has_every_page_in_four_groups(app):
    with app.test_request_context():
        groups = org_menu(app, "north", True, "employers.matrix")
    assert [g.label for g in groups] == list(ORG_MENU_GROUPS)
    assert _labels(groups) == ADMIN_PAGES
    assert sum(len(pages) for pages in ADMIN_PAGES.values()) == 18
    reports = groups[0]
    assert reports.current and reports.url == "/orgs/north/dashboard"
    assert [link.current for link in reports.links] == [None, "page", None, None, None]
    assert not any(g.current for g in groups[1:])


def test_a_manager_sees_no_admin_pages_and_no_empty_group(app):
    with app.test_request_context():
        groups = org_menu(app, "north", False, "orgs.overview")
    assert _labels(groups) == {"Reports": MANAGER_REPORTS, "People": ["People", "Teams", "Invitations"],
                               "Learning": ["Assignments"]}


def test_pages_reached_from_a_menu_page_mark_its_group_and_link_as_the_current_place(app):
    with app.test_request_context():
        groups = org_menu(app, "north", True, "orgs.show_team")
    people = next(g for g in groups if g.label == "People")
    assert people.current and people.links[1].current == "true"


def test_only_the_four_groups_exist(app):
    with pytest.raises(ValueError, match="not one of"):
        add_to_org_menu(app, OrgMenuLink("Other", "X", "orgs.overview"))


def _org_nav(html: str) -> str:
    return re.search(r'<nav aria-label="[^"]*" class="org-nav">(.*?)</nav>', html, re.S).group(1)


def test_the_menu_on_a_page_has_the_groups_then_the_current_groups_pages(browser, staff):
    """As HTML: the group row with the current group marked, then only that group's links,
    the current page marked ``aria-current="page"``; plain links (no script needed)."""
    browser.login(staff.admin.user.email)
    nav = _org_nav(browser.get(f"/orgs/{staff.org.slug}/people").get_data(as_text=True))
    groups = re.search(r'<ul class="org-nav__groups">(.*?)</ul>', nav, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", groups) == list(ORG_MENU_GROUPS)
    assert re.search(r'aria-current="true">People</a>', groups)
    links = re.search(r'<ul class="org-nav__links" aria-label="People">(.*?)</ul>', nav, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", links) == ADMIN_PAGES["People"]
    assert 'aria-current="page">People</a>' in links
    assert "<script" not in nav and "onclick" not in nav


def test_a_form_shown_again_with_an_error_keeps_its_place_in_the_menu(app):
    """A refused POST re-draws its page (400): the menu still shows that page's group."""
    with app.test_request_context():
        for endpoint, group in (("branding.save_look", "Settings"), ("orgs.create_invitation", "People"),
                                ("employers.create_assignment", "Learning"), ("orgs.create_team", "People")):
            current = [g.label for g in org_menu(app, "north", True, endpoint) if g.current]
            assert current == [group], endpoint
