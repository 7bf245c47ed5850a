"""Deep Linking 2.0: an instructor picks a module in course-engine and the platform places it
in their course (a resource link with a grade column), verified by the platform against our
published keys; then a learner launches the placed link."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from course_engine.db import session
from course_engine.lti.models import UsedNonce

from tests.lti.conftest import follow_auto_post, forms_in


def _deep_link_launch(lti, user_id: str):
    page = lti.browser.get(f"{lti.platform_server.url}/deep-link/course-1", params={"user": user_id})
    redirect = follow_auto_post(lti.browser, page)
    authorised = lti.browser.get(redirect.headers["Location"], allow_redirects=False)
    return follow_auto_post(lti.browser, authorised)


def test_an_instructor_places_a_module_in_their_course(lti):
    """The platform's LtiDeepLinkingRequest opens the picker; the signed LtiDeepLinkingResponse
    goes back to the platform's return URL; the platform accepts it and makes a resource link
    with a line item out of 100; a learner's launch of it opens the module."""
    answer = _deep_link_launch(lti, "p-teacher-1")
    assert answer.status_code == 303 and answer.headers["Location"] == "/lti/deep-link"
    picker = lti.browser.get(lti.tool.url + "/lti/deep-link")
    assert picker.status_code == 200 and "Seeing the child" in picker.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', picker.text).group(1)
    chosen = lti.browser.post(lti.tool.url + "/lti/deep-link", data={"csrf_token": token, "modules": ["home-visit"]})
    assert chosen.status_code == 200
    form = next(f for f in forms_in(chosen.text) if f["action"].startswith(lti.platform.url))
    assert form["action"] == f"{lti.platform.url}/deep-link-return/course-1"
    assert f"form-action 'self' {lti.platform.url}" in chosen.headers["Content-Security-Policy"]
    accepted = lti.browser.post(form["action"], data=form["fields"])
    assert accepted.status_code == 200 and accepted.text == "added 1", accepted.text
    item = lti.platform.deep_link_items[0]
    assert item["custom"] == {"module": "home-visit"} and item["lineItem"]["scoreMaximum"] == 100
    placed = next(link for link in lti.platform.resource_links.values() if link.id.startswith("dl-"))

    lti.new_browser()
    launched = lti.launch("p-learner-1", placed.id)
    assert launched.status_code == 303 and launched.headers["Location"].endswith("/modules/home-visit")


def test_a_learner_cannot_open_the_module_picker(lti):
    """Deep linking is for instructors: a learner's deep-linking launch is refused (403), and
    nothing is written."""
    session.rollback()
    before = session.scalar(select(func.count()).select_from(UsedNonce))
    answer = _deep_link_launch(lti, "p-learner-1")
    assert answer.status_code == 403 and "Only instructors" in answer.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(UsedNonce)) == before


def test_the_picker_needs_a_deep_linking_request_in_progress(lti):
    """Without a verified deep-linking launch in this session the picker is not available."""
    lti.launch("p-teacher-1", "link-1")
    page = lti.browser.get(lti.tool.url + "/lti/deep-link")
    assert page.status_code == 400 and "no deep-linking request" in page.text
