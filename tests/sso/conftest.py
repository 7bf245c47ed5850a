"""The SSO rig: a real OpenID Connect provider on loopback (oidc-provider-mock, which is
Authlib's authorisation server with its own keys and discovery document), an organisation
whose single sign-on points at it, and helpers that drive the authorisation code flow the way
a browser does: our start URL, the provider's authorisation form, back to our callback."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from course_engine import signed_tokens
from course_engine.db import session, utcnow
from course_engine.orgs.models import OrgRole
from course_engine.sso import services
from tests.conftest import Browser

PROVIDER_SECRET = "provider-secret-not-shown-back-1234"


@pytest.fixture(scope="session")
def provider_url():
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class SsoRig:
    app: object
    client: object
    provider: str
    org: object
    team: object

    def set_claims(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.provider}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def start(self, login_hint: str | None = None):
        query = f"?login_hint={quote(login_hint)}" if login_hint else ""
        return self.client.get(f"/sso/{self.org.slug}/start{query}")

    def authorise(self, start_response, sub: str) -> str:
        """The provider's form, submitted for ``sub``: returns our callback path with its query."""
        assert start_response.status_code == 302, start_response.get_data(as_text=True)
        answer = requests.post(start_response.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        parts = urlsplit(answer.headers["Location"])
        return f"{parts.path}?{parts.query}"

    def sign_in(self, sub: str, login_hint: str | None = None):
        return self.client.get(self.authorise(self.start(login_hint), sub))


@pytest.fixture
def sso(make_app, make_org, provider_url):
    signed_tokens.remote_key_sets.clear()
    app = make_app(INTEGRATIONS_ALLOW_HTTP=True)
    from tests.conftest import isolated_context

    with isolated_context(app):
        org, teams = make_org("Loopback Council", teams=("Adults' services", "Children's services"))
        services.save_settings(None, org, services.Settings(
            issuer=provider_url, client_id="course-engine", client_secret=PROVIDER_SECRET,
            domains=["council.example"], enabled=True, join_on_first_sign_in=True, join_role=OrgRole.learner,
            join_team=teams[1], password_login_allowed=True), now=utcnow())
        session.commit()
        yield SsoRig(app, app.test_client(), provider_url, org, teams[1])
    signed_tokens.remote_key_sets.clear()


def query_of(response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


@pytest.fixture
def web(sso):
    return Browser(sso.client)
