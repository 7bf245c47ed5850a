"""Single sign-on in a real browser against a real OpenID Connect provider on loopback
(oidc-provider-mock): the org admin sets it up, a new member signs in with their organisation
from the login page and joins; the settings page and the login page's offer pass axe and
reflow at 320 px."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import expect

from .conftest import login

DOMAIN = "sso-journey.example"


@pytest.fixture(scope="module")
def provider():
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def test_a_new_member_signs_in_with_their_organisation(page, live_server, a11y, provider):
    login(page, "admin@demo.example")
    page.goto("/orgs/demo-borough/sso")
    expect(page.get_by_text(f"{live_server.url}/sso/callback")).to_be_visible()  # the redirect URI to register
    a11y.check(page, "sso-settings")
    page.get_by_label("Issuer URL").fill(provider)
    page.get_by_label("Client id (application id)").fill("course-engine-e2e")
    page.get_by_label("Client secret").fill("e2e-secret-value-0001")
    page.get_by_label("Email domains your organisation owns").fill(DOMAIN)
    page.get_by_label("New people may join the organisation when they first sign in").check()
    page.get_by_role("button", name="Check the provider and save").click()
    expect(page.get_by_text("Single sign-on settings saved")).to_be_visible()
    expect(page.get_by_text("e2e-secret-value-0001")).to_have_count(0)  # never shown back in full
    page.get_by_role("button", name="Log out").click()

    email = f"sam.taylor@{DOMAIN}"
    assert requests.put(f"{provider}/users/{quote('sam-sub')}", json={"email": email, "name": "Sam Taylor"},
                        timeout=10).status_code == 204
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Sign in with your organisation").click()
    expect(page.get_by_role("heading", name="Sign in with your organisation")).to_be_visible()
    a11y.check(page, "login-organisation-offer")
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.wait_for_url(f"{provider}/**")  # the provider's own sign-in form
    page.locator("input[name=sub]").fill("sam-sub")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/**")
    expect(page.get_by_text("Welcome, Sam Taylor. You've joined Demo Borough Council.")).to_be_visible()


def test_the_lms_page_passes_axe(page, live_server, a11y):
    """The org admin's LMS (LTI) page: the values to paste and the registration form."""
    login(page, "admin@demo.example")
    page.goto("/orgs/demo-borough/lti")
    expect(page.get_by_text(f"{live_server.url}/lti/jwks")).to_be_visible()
    a11y.check(page, "lti-overview")
