"""Our badges checked by an independent implementation: node with panva's ``jose`` verifies the
VC-JWT against the JWKS it fetches over HTTP from the app served on loopback, and reads the
status list bitstring itself (tests/certificates/node/verify.mjs shares no code with ours).

Cases: valid, re-issued, expired, revoked, superseded, tampered, signed by another key, and a
badge signed before a key rotation (the old key is still published)."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from course_engine import create_app
from course_engine.certificates import badge_keys, services
from course_engine.db import commit_and_run_callbacks, session, utcnow
from tests.conftest import copy_sample_content, sync_sample_content
from tests.loopback import LoopbackServer

from .badges import badge_of
from .conftest import DATA, NODE, NODE_DIR, at
from .test_badge_pages import _foreign, _tamper


@pytest.fixture
def served(make_app, make_user, tmp_path):
    """The app on loopback (BASE_URL = its address, so kids and status URLs point at it) and a
    twin for the test's own work, with Zoë's badges in every state."""
    app = make_app()
    server = LoopbackServer(app)
    app.config["BASE_URL"] = app.config["_TEST_CONFIG"]["BASE_URL"] = server.url
    twin = create_app(app.config["_TEST_CONFIG"])
    try:
        with twin.app_context():
            from course_engine.learner import services as learner
            from course_engine.learner.models import AttemptStatus

            sync_sample_content(*copy_sample_content(twin, DATA))
            holder = make_user(email="zoe@example.org", full_name="Zoë Ní Bhriain")
            admin = make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)

            def complete(slug, now=None):
                now = now or utcnow()
                module, _version = learner.published_module(slug)
                attempt = learner.start_attempt(holder.id, module, now)
                attempt.ending_scene_id = "safe-end"
                attempt.status = AttemptStatus.scenario_done
                learner.save_final_reflection(attempt, "To see the child alone.", "I will record it.", now)
                completion = learner.try_complete(attempt, now)
                commit_and_run_callbacks()
                return services.current_certificate_for_completion(completion.id)

            before_rotation = complete("recording-words", at(2026, 1, 2))
            badge_keys.rotate(utcnow())
            commit_and_run_callbacks()
            valid = complete("home-visit")
            expired = complete("home-visit", at(2023, 2, 1))
            revoked = complete("recording-words", at(2026, 1, 5))
            services.revoke(revoked, admin, "Issued in error", at(2026, 2, 6))
            superseded = complete("recording-words")
            reissued = services.reissue(superseded, "Zoë Murphy", utcnow(), server.url)
            commit_and_run_callbacks()
            tokens = {name: badge_of(c).jwt for name, c in [
                ("before_rotation", before_rotation), ("valid", valid), ("expired", expired),
                ("revoked", revoked), ("superseded", superseded), ("reissued", reissued)]}
            session.remove()
        yield server, tokens, tmp_path
    finally:
        server.stop()
        from course_engine.db import dispose_engines

        with twin.app_context():
            dispose_engines(twin)


def _node(verifier: Path, server, token: str, tmp_path: Path, now: datetime | None = None) -> dict:
    path = tmp_path / "badge.jwt"
    path.write_text(token, encoding="utf-8")
    args = [NODE, str(verifier), str(path), f"{server.url}/badges/jwks.json"] + ([now.isoformat()] if now else [])
    done = subprocess.run(args, cwd=NODE_DIR, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


#: What the independent verifier must answer for each badge (superseded: its bit is set, and
#: the status list has one purpose, revocation).
EXPECTED = {"valid": "valid", "reissued": "valid", "before_rotation": "valid",
            "expired": "expired", "revoked": "revoked", "superseded": "revoked"}


def test_an_independent_verifier_agrees_on_every_state(node_verifier, served):
    """jose verifies the signature with the key named by the badge's kid in our JWKS (an old
    key after rotation too); the expired badge fails on its dates; the revoked and the
    superseded badges have their bit set in the signed status list. (One test for the six
    badges: the served app is set up once.)"""
    server, tokens, tmp_path = served
    answers = {state: _node(node_verifier, server, tokens[state], tmp_path) for state in EXPECTED}
    assert {state: a["outcome"] for state, a in answers.items()} == EXPECTED, answers
    assert answers["valid"]["setCount"] == 2  # the revoked and the superseded badge, nothing else
    assert answers["valid"]["payload"]["credentialSubject"]["achievement"]["type"] == ["Achievement"]


def test_an_independent_verifier_refuses_tampered_and_foreign_badges(node_verifier, served):
    """A changed claim fails jose's signature check; a badge signed by a key we never published
    has no matching key in our JWKS."""
    server, tokens, tmp_path = served
    token = tokens["valid"]
    assert _node(node_verifier, server, _tamper(token, name="A module I never took"), tmp_path)["outcome"] == "tampered"
    from .badges import header_of

    assert _node(node_verifier, server, _foreign(token, header_of(token)["kid"]), tmp_path)["outcome"] == "tampered"
    assert _node(node_verifier, server, _foreign(token, f"{server.url}/badges/keys/none"), tmp_path
                 )["outcome"] == "unknown_key"


def test_an_independent_verifier_sees_a_badge_expire_on_its_day(node_verifier, served):
    """Checked with the clock moved to the day its validUntil names, a current badge is expired."""
    server, tokens, tmp_path = served
    from .badges import payload_of

    until = datetime.fromisoformat(payload_of(tokens["valid"])["validUntil"])
    assert _node(node_verifier, server, tokens["valid"], tmp_path, now=until)["outcome"] == "expired"
