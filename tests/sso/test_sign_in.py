"""Single sign-on against a real OpenID Connect provider on loopback: the authorisation code
flow with PKCE, the id_token verified, people matched by the provider's subject."""
from __future__ import annotations

from sqlalchemy import func, select

from course_engine.audit import AuditLog
from course_engine.auth.models import User
from course_engine.db import session
from course_engine.orgs.models import Membership, OrgRole
from course_engine.sso.models import SsoIdentity, SsoUsedState

from tests.sso.conftest import query_of


def _counts() -> dict[str, int]:
    session.rollback()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (User, Membership, SsoIdentity, SsoUsedState)}


def test_the_authorisation_request_uses_pkce_and_a_nonce(sso):
    """Code flow (response_type=code), PKCE S256, a nonce and a state, our redirect URI."""
    query = query_of(sso.start("alice@council.example"))
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43 and query["nonce"] and query["state"]
    assert query["redirect_uri"] == "http://localhost/sso/callback"
    assert query["client_id"] == "course-engine" and query["login_hint"] == "alice@council.example"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}


def test_first_sign_in_creates_the_account_and_membership(sso):
    """Where the organisation allows it, the first sign-in creates the account (confirmed email,
    no password) and the membership with the configured role and team."""
    sso.set_claims("alice-sub", email="alice@council.example", name="Alice Adeyemi", email_verified=True)
    answer = sso.sign_in("alice-sub", "alice@council.example")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert sso.client.get("/account").status_code == 200  # signed in
    session.rollback()
    user = session.scalar(select(User).where(User.email == "alice@council.example"))
    assert user.full_name == "Alice Adeyemi" and user.email_confirmed_at is not None
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.role, membership.team_id) == (OrgRole.learner, sso.team.id)
    identity = session.scalar(select(SsoIdentity))
    assert (identity.issuer, identity.subject, identity.user_id) == (sso.provider, "alice-sub", user.id)
    assert session.scalar(select(AuditLog.id).where(AuditLog.action == "sso.account_created"))


def test_the_person_is_found_by_subject_even_when_the_email_changes(sso):
    """A later sign-in with another email claim reaches the same account: the subject decides."""
    sso.set_claims("bob-sub", email="bob@council.example", name="Bob")
    sso.sign_in("bob-sub")
    sso.client = sso.app.test_client()  # another browser
    sso.set_claims("bob-sub", email="robert@council.example", name="Bob")
    assert sso.sign_in("bob-sub").status_code == 302
    counts = _counts()
    assert counts["User"] == 1 and counts["SsoIdentity"] == 1


def test_an_existing_account_is_connected_only_with_its_password(sso, make_user):
    """An email that already has an account is never matched by the email claim: its owner
    types their password once, then the identity is connected."""
    carol = make_user(email="carol@council.example")
    sso.set_claims("carol-sub", email="carol@council.example", email_verified=True)
    before = _counts()
    answer = sso.sign_in("carol-sub")
    assert answer.status_code == 302 and answer.headers["Location"] == "/sso/connect"
    assert sso.client.get("/account").status_code == 302  # not signed in yet
    assert _counts()["SsoIdentity"] == before["SsoIdentity"]
    from tests.conftest import Browser, PASSWORD

    web = Browser(sso.client)
    wrong = web.post("/sso/connect", {"password": "not the password at all"})
    assert wrong.status_code == 401 and _counts()["SsoIdentity"] == before["SsoIdentity"]
    right = web.post("/sso/connect", {"password": PASSWORD})
    assert right.status_code == 302
    session.rollback()
    assert session.scalar(select(SsoIdentity.user_id)) == carol.id
    assert session.scalar(select(Membership.role).where(Membership.user_id == carol.id)) == OrgRole.learner


def test_a_domain_the_organisation_does_not_own_is_refused(sso):
    before = _counts()
    sso.set_claims("dave-sub", email="dave@elsewhere.example")
    answer = sso.sign_in("dave-sub")
    assert answer.status_code == 403
    assert "has not said it owns the email domain elsewhere.example" in answer.get_data(as_text=True)
    assert _counts() == before


def test_joining_on_first_sign_in_can_be_turned_off(sso):
    from course_engine.sso.models import SsoConfig

    config = session.scalar(select(SsoConfig))
    config.join_on_first_sign_in = False
    session.commit()
    before = _counts()
    sso.set_claims("erin-sub", email="erin@council.example")
    answer = sso.sign_in("erin-sub")
    assert answer.status_code == 403 and "does not let new people join" in answer.get_data(as_text=True)
    assert _counts() == before
