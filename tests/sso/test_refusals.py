"""Hostile or broken single sign-ons are refused with a clear page (4xx) and nothing written:
the provider signing for another audience or issuer, an expired token, a nonce that is not
this sign-in's, a replayed state (even with the session it came with), a state this browser
did not start, the provider's own refusal."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from course_engine.auth.models import User
from course_engine.db import session
from course_engine.orgs.models import Membership
from course_engine.sso.models import SsoIdentity, SsoUsedState


def _counts() -> dict[str, int]:
    session.rollback()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (User, Membership, SsoIdentity, SsoUsedState)}


#: Claims the real provider merges into the id_token it signs (its user-claims API), each
#: breaking one rule, with the status and words of the page we show.
HOSTILE = {
    "wrong audience": ({"aud": "another-application"}, "meant for another application"),
    "wrong issuer": ({"iss": "http://evil.example"}, "another issuer"),
    "expired": ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, "has expired"),
    "another nonce": ({"nonce": "not-ours"}, "does not belong to this sign-in"),
    "another authorised party": ({"aud": ["course-engine", "other"], "azp": "other"}, "another application"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_token_that_breaks_a_rule_is_refused(sso, case):
    extra, words = HOSTILE[case]
    sso.set_claims(f"{case}-sub", email="frank@council.example", **extra)
    before = _counts()
    answer = sso.sign_in(f"{case}-sub")
    assert answer.status_code == 400, answer.get_data(as_text=True)
    page = answer.get_data(as_text=True)
    assert words in page and "Nothing has been saved" in page
    assert _counts() == before
    assert sso.client.get("/account").status_code == 302  # not signed in


def test_a_replayed_callback_is_refused_even_with_its_session(sso):
    """The callback URL used twice: the second is refused although the browser's session
    cookie is put back as it was before the first (the database remembers used states)."""
    sso.set_claims("grace-sub", email="grace@council.example")
    callback = sso.authorise(sso.start(), "grace-sub")
    cookie_before = sso.client.get_cookie("session").value
    assert sso.client.get(callback).status_code == 302
    replay = sso.app.test_client()
    replay.set_cookie("session", cookie_before)
    before = _counts()
    answer = replay.get(callback)
    assert answer.status_code == 400 and "used already" in answer.get_data(as_text=True)
    assert _counts() == before


def test_a_state_this_browser_did_not_start_is_refused(sso):
    """Login CSRF: a callback carried into another browser is refused."""
    sso.set_claims("heidi-sub", email="heidi@council.example")
    callback = sso.authorise(sso.start(), "heidi-sub")
    before = _counts()
    answer = sso.app.test_client().get(callback)
    assert answer.status_code == 400 and "not started in this browser" in answer.get_data(as_text=True)
    assert _counts() == before


def test_the_providers_refusal_is_shown(sso):
    sso.start()
    answer = sso.client.get("/sso/callback?error=access_denied&error_description=The+user+said+no&state=x")
    assert answer.status_code == 400 and "The user said no" in answer.get_data(as_text=True)


def test_a_code_the_provider_does_not_know_is_refused(sso):
    state = dict(__import__("urllib.parse").parse.parse_qsl(sso.start().headers["Location"].split("?", 1)[1]))["state"]
    before = _counts()
    answer = sso.client.get(f"/sso/callback?code=made-up&state={state}")
    assert answer.status_code == 400 and "refused the sign-in code" in answer.get_data(as_text=True)
    assert _counts() == before
