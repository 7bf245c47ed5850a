"""Hostile and broken launches are refused with a clear page (4xx) and nothing is written:
tampered, expired, replayed, wrong-audience, wrong-issuer tokens, a foreign key, a nonce or
state that is not this launch's, a browser that did not start the launch, an unknown deployment."""
from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from course_engine.auth.models import User
from course_engine.db import session
from course_engine.lti.models import LtiUser, UsedNonce
from course_engine.orgs.models import Membership


def _written() -> dict[str, int]:
    session.rollback()
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (User, Membership, LtiUser, UsedNonce)}


def _tamper_payload(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, encoded, signature])


def _hook(**changes):
    def hook(claims):
        claims.update(changes)
        for key, value in changes.items():
            if value is None:
                del claims[key]
        return claims
    return hook


HOOKS = {
    "expired": (lambda: _hook(exp=int(time.time()) - 3600, iat=int(time.time()) - 3900), 400, "has expired"),
    "wrong audience": (lambda: _hook(aud="another-tool", azp=None), 400, "meant for another application"),
    "wrong azp": (lambda: _hook(aud=["course-engine-tool", "another-tool"], azp="another-tool"), 400, "another application"),
    "wrong issuer": (lambda: _hook(iss="https://evil.example"), 400, "another issuer"),
    "another nonce": (lambda: _hook(nonce="not-the-one-we-sent"), 400, "does not belong to this sign-in"),
    "unknown deployment": (lambda: _hook(**{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "other"}),
                           403, "is not registered"),
    "not LTI 1.3": (lambda: _hook(**{"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}), 400, "not LTI 1.3"),
    "anonymous": (lambda: _hook(sub=None), 400, "anonymous launches"),
}


@pytest.mark.parametrize("case", sorted(HOOKS))
def test_a_token_the_platform_signed_wrongly_is_refused_and_nothing_is_written(lti, case):
    """The platform's own key signs a token that breaks one rule: refused, nothing written."""
    hook, status, message = HOOKS[case]
    before = _written()
    lti.platform.claims_hook = hook()
    answer = lti.launch("p-learner-1", "link-1")
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert "Nothing has been saved" in answer.text
    assert _written() == before


def test_a_tampered_token_is_refused(lti):
    """Changing the signed payload (here: who it is for) breaks the signature."""
    before = _written()
    form = lti.id_token_post("p-learner-1", "link-1")
    fields = dict(form["fields"], id_token=_tamper_payload(form["fields"]["id_token"], sub="p-teacher-1"))
    answer = lti.browser.post(form["action"], data=fields, allow_redirects=False)
    assert answer.status_code == 400 and "signature is not valid" in answer.text
    assert _written() == before


def test_a_token_signed_by_a_key_the_platform_does_not_publish_is_refused(lti):
    """A forger's key with the platform's key id fails against the platform's key set."""
    before = _written()
    form = lti.id_token_post("p-learner-1", "link-1")
    claims = json.loads(base64.urlsafe_b64decode(form["fields"]["id_token"].split(".")[1] + "=="))
    forger = RSAKey.generate_key(2048, parameters={"kid": lti.platform.key.kid})
    fields = dict(form["fields"], id_token=lti.platform.sign(claims, key=forger))
    answer = lti.browser.post(form["action"], data=fields, allow_redirects=False)
    assert answer.status_code == 400 and "signature is not valid" in answer.text
    assert _written() == before


def test_an_unsigned_token_is_refused(lti):
    """alg "none" is never accepted."""
    before = _written()
    form = lti.id_token_post("p-learner-1", "link-1")
    _header, payload, _signature = form["fields"]["id_token"].split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    fields = dict(form["fields"], id_token=f"{none_header}.{payload}.")
    answer = lti.browser.post(form["action"], data=fields, allow_redirects=False)
    assert answer.status_code == 400 and "not accepted" in answer.text
    assert _written() == before


def test_a_replayed_launch_is_refused(lti):
    """The same id_token and state posted again (nonce reuse) is refused, even from the browser
    that made the first launch; one nonce is recorded."""
    form = lti.id_token_post("p-learner-1", "link-1")
    first = lti.browser.post(form["action"], data=form["fields"], allow_redirects=False)
    assert first.status_code == 303
    before = _written()
    again = lti.browser.post(form["action"], data=form["fields"], allow_redirects=False)
    assert again.status_code == 400 and "used already" in again.text
    assert _written() == before and before["UsedNonce"] == 1


def test_a_launch_from_another_browser_is_refused(lti):
    """The state is tied to the browser that started the login (a cookie): a launch posted from
    elsewhere (login CSRF) is refused."""
    before = _written()
    form = lti.id_token_post("p-learner-1", "link-1")
    answer = lti.new_browser().post(form["action"], data=form["fields"], allow_redirects=False)
    assert answer.status_code == 400 and "cookie" in answer.text
    assert _written() == before


def test_a_forged_state_is_refused(lti):
    before = _written()
    form = lti.id_token_post("p-learner-1", "link-1")
    answer = lti.browser.post(form["action"], data=dict(form["fields"], state="made-up"), allow_redirects=False)
    assert answer.status_code == 400 and "state is not ours" in answer.text
    assert _written() == before


def test_a_login_initiation_from_an_unknown_platform_is_refused(lti):
    answer = lti.browser.post(f"{lti.tool.url}/lti/login", data={
        "iss": "https://unknown.example", "login_hint": "x", "target_link_uri": f"{lti.tool.url}/lti/launch"},
        allow_redirects=False)
    assert answer.status_code == 404 and "not registered" in answer.text


def test_a_login_initiation_for_another_site_is_refused(lti):
    answer = lti.browser.post(f"{lti.tool.url}/lti/login", data={
        "iss": lti.platform.url, "login_hint": "x", "client_id": lti.platform.client_id,
        "target_link_uri": "https://elsewhere.example/phish"}, allow_redirects=False)
    assert answer.status_code == 400 and "not part of this site" in answer.text


def test_launches_from_a_turned_off_platform_are_refused(lti):
    from course_engine.db import utcnow
    from course_engine.lti.models import Platform

    platform = session.get(Platform, lti.registration_id)
    platform.disabled_at = utcnow()
    session.commit()
    answer = lti.start_launch("p-learner-1", "link-1")
    assert answer.status_code == 403 and "turned off" in answer.text
