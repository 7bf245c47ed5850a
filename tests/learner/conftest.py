"""Fixtures for the learner journey: a small published module with a conditional route."""
from __future__ import annotations

from pathlib import Path

import pytest


from tests.conftest import copy_sample_content, sync_sample_content

DATA = Path(__file__).parent / "data"


@pytest.fixture
def content_dirs(app):
    return copy_sample_content(app, DATA)


@pytest.fixture
def published(app, content_dirs):
    """Sync the sample content into the database; returns the sync result."""
    return sync_sample_content(*content_dirs)


@pytest.fixture
def learner(app, make_user, browser, published):
    """A logged-in learner and a browser."""
    user = make_user(email="grace@example.org", full_name="Grace Mensah")
    assert browser.login("grace@example.org").status_code == 302
    return user


class Player:
    """Plays the scenario through HTTP as a person would: reads the page, submits its form."""

    def __init__(self, browser, slug="first-visit"):
        self.browser, self.slug, self.attempt_id = browser, slug, None

    def start(self):
        response = self.browser.post(f"/modules/{self.slug}/start", {"acknowledge": "yes"},
                                     form_page=f"/modules/{self.slug}")
        assert response.status_code == 303, response.get_data(as_text=True)
        self.attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        return response

    @property
    def url(self):
        return f"/attempts/{self.attempt_id}"

    def page(self):
        return self.browser.get(self.url)

    def hidden(self, html, name):
        import re

        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        return match.group(1) if match else None

    def begin(self):
        html = self.page().get_data(as_text=True)
        return self.browser.client.post(f"{self.url}/begin", data={
            "csrf_token": self.hidden(html, "csrf_token"), "step": self.hidden(html, "step")})

    def form_values(self):
        html = self.page().get_data(as_text=True)
        return {"csrf_token": self.hidden(html, "csrf_token"), "step": self.hidden(html, "step"),
                "scene": self.hidden(html, "scene")}, html

    def choose(self, index, values=None):
        fields, _html = self.form_values() if values is None else (values, None)
        data = dict(fields, choice=f"{fields['scene']}.{index}")
        return self.browser.client.post(f"{self.url}/choose", data=data)

    def proceed(self):
        fields, _ = self.form_values()
        return self.browser.client.post(f"{self.url}/continue", data=fields)


@pytest.fixture
def player(learner, browser):
    return Player(browser)
