"""The LTI test rig: the app served on loopback (the platform fetches its JWKS over HTTP), the
test platform (tests/lti/platform.py) on another port, published sample modules, an
organisation with the platform registered, and a browser (a requests session) that follows
the auto-posting forms between the two, as a person's browser would.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from course_engine import create_app, signed_tokens
from course_engine.db import commit_and_run_callbacks, dispose_engines, session, utcnow
from course_engine.learner import services as learner
from course_engine.learner.models import AttemptStatus
from course_engine.lti import platform_api, services
from tests.conftest import copy_sample_content, sync_sample_content
from tests.lti.platform import INSTRUCTOR, LEARNER, Platform
from tests.loopback import LoopbackServer

DATA = Path(__file__).resolve().parents[1] / "certificates" / "data"


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name") and attrs.get("type", "text") == "hidden":
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def forms_in(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def follow_auto_post(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Submit the page's first form (the auto-posting form a platform or tool returns)."""
    form = forms_in(response.text)[0]
    return browser.post(form["action"], data=form["fields"], allow_redirects=False)


@dataclass
class Rig:
    app: object
    tool: LoopbackServer
    platform: Platform
    platform_server: LoopbackServer
    org: object
    registration_id: int
    browser: requests.Session

    def new_browser(self) -> requests.Session:
        self.browser = requests.Session()
        return self.browser

    def start_launch(self, user_id: str, link_id: str) -> requests.Response:
        """Platform page -> tool login initiation -> the tool's redirect to the platform."""
        page = self.browser.get(f"{self.platform_server.url}/launch/{link_id}", params={"user": user_id})
        return follow_auto_post(self.browser, page)

    def launch(self, user_id: str, link_id: str) -> requests.Response:
        """The whole launch; returns the tool's answer to the id_token post."""
        redirect = self.start_launch(user_id, link_id)
        assert redirect.status_code == 302, redirect.text
        authorised = self.browser.get(redirect.headers["Location"], allow_redirects=False)
        assert authorised.status_code == 200, authorised.text
        return follow_auto_post(self.browser, authorised)

    def id_token_post(self, user_id: str, link_id: str) -> dict:
        """The form the platform would post to the tool's launch URL (not posted)."""
        redirect = self.start_launch(user_id, link_id)
        authorised = self.browser.get(redirect.headers["Location"], allow_redirects=False)
        form = forms_in(authorised.text)[0]
        return form

    def complete(self, user, slug="home-visit"):
        """Complete a module through the learner service; the commit queues and runs the jobs."""
        now = utcnow()
        module, _version = learner.published_module(slug)
        attempt = learner.start_attempt(user.id, module, now)
        attempt.ending_scene_id = "safe-end"
        attempt.status = AttemptStatus.scenario_done
        learner.save_final_reflection(attempt, "A private reflection that must never leave.",
                                      "Another private sentence.", now)
        completion = learner.try_complete(attempt, now)
        assert completion is not None
        commit_and_run_callbacks()
        return completion


@pytest.fixture
def lti(make_app, make_org):
    platform_api.forget_tokens()
    signed_tokens.remote_key_sets.clear()
    app = make_app(INTEGRATIONS_ALLOW_HTTP=True)
    tool = LoopbackServer(app)
    app.config["BASE_URL"] = app.config["_TEST_CONFIG"]["BASE_URL"] = tool.url
    platform = Platform()
    platform_server = LoopbackServer(platform.app)
    platform.url = platform_server.url
    platform.tool_login_url = f"{tool.url}/lti/login"
    platform.tool_launch_url = f"{tool.url}/lti/launch"
    platform.tool_jwks_url = f"{tool.url}/lti/jwks"
    platform.add_user("p-learner-1", "Ada Learner", "ada@council.example", [LEARNER])
    platform.add_user("p-teacher-1", "Tom Teacher", "tom@council.example", [INSTRUCTOR])
    platform.add_course("course-1", "Safeguarding 2027", ["p-learner-1", "p-teacher-1"])
    platform.add_resource_link("link-1", "Home visit", "course-1", {"module": "home-visit"})
    # The test's own queries run in a twin app (as isolated_context does), made here and closed
    # at the end: its BASE_URL names this test's port, so a cached twin would be one per test,
    # each keeping its pooled connections open for the whole run.
    twin = create_app(app.config["_TEST_CONFIG"])
    with twin.app_context():
        sync_sample_content(*copy_sample_content(app, DATA))
        org, teams = make_org("Loopback Council", teams=("Children's services", "Other team"))
        registration = services.save_platform(None, org, services.Registration(
            name="Council Moodle", issuer=platform.url, client_id=platform.client_id,
            auth_login_url=f"{platform.url}/auth", auth_token_url=f"{platform.url}/token",
            key_set_url=f"{platform.url}/jwks", deployment_ids=[platform.deployment_id],
            instructor_team=teams[0]), now=utcnow())
        session.commit()
        rig = Rig(app, tool, platform, platform_server, org, registration.id, requests.Session())
        try:
            yield rig
        finally:
            tool.stop()
            platform_server.stop()
            platform_api.forget_tokens()
            signed_tokens.remote_key_sets.clear()
            session.remove()
    dispose_engines(twin)
