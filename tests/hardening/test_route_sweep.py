"""The route sweep: no route answers 500 to any bad value, as any kind of person.

Every rule of ``app.url_map`` and each of its methods is sent, as anonymous, a learner, a
manager, an org admin and a site admin, a corpus of bad values (tests/hardening/sweep.py):
integers beyond 64 bits, negatives and zero in URL parameters, query strings and form fields;
NUL bytes; invalid UTF-8; 10,000-character strings; wrong types; duplicate and missing fields;
malformed uploads. Refusals must be 4xx (or a redirect to sign in); a 500 or an exception out
of the app is a failure. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.hardening import sweep
from tests.hardening.world import client_for

IDENTITIES = ("anonymous", "learner", "manager", "org_admin", "site_admin")


def _good_values(world) -> dict:
    """Real values for path arguments, so bad values are aimed next to real records. Ids of
    people name the peer, never the signed-in identity (a swept POST may deactivate them)."""
    a = world.a
    return {"org_slug": a.org.slug, "slug": "first-visit", "module_slug": "first-visit", "attempt_id": a.attempt_id,
            "number": a.certificate_number, "step": 1, "prompt_id": "first-thoughts", "membership_id": a.membership_ids["peer"],
            "user_id": a.peer.id, "team_id": a.other_team.id, "kind": "entries", "record_id": a.cpd_entry_id,
            "entry_id": a.cpd_entry_id, "scene_id": "referral", "hex_digits": "1d70b8", "filename": "x.png",
            "sha256": "0" * 64, "code": "ABCD", "token": "not-a-token", "assignment_id": 1, "invitation_id": 1,
            "delegation_id": 1, "import_id": 1, "context_id": 1, "platform_id": 1}


def _identity_user(world, identity):
    return {"anonymous": None, "learner": world.a.learner, "manager": world.a.manager, "org_admin": world.a.admin,
            "site_admin": world.site_admin}[identity]


def sweep_failures(app, world, identities=IDENTITIES) -> list[str]:
    """Send everything; the failures as readable lines."""
    fields, queries = sweep.field_names(), sweep.query_names()
    good = _good_values(world)
    # Everyone signs in before any bad request (the sweep posts bad logins too).
    clients = {identity: client_for(app, _identity_user(world, identity)) for identity in identities}
    failures = []
    for identity, browser in clients.items():
        csrf = csrf_from(browser.get("/login" if identity == "anonymous" else "/account").get_data(as_text=True))
        rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in sweep.SIGNS_OUT, r.rule))
        for rule in rules:
            if rule.endpoint == "static":
                continue
            # Per-quiz-question number: the quiz route's <int:number> is an int, the certificate's a string.
            values = dict(good, number=1) if "<int:number>" in rule.rule else good
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for request in sweep.requests_for(rule, method, values, csrf, fields, queries):
                    try:
                        response = sweep.send(browser.client, request)
                    except Exception as error:  # noqa: BLE001 - an exception out of the app is a failure
                        failures.append(f"{identity}: {request.label()} -> {type(error).__name__}: {str(error)[:100]}")
                        continue
                    if response.status_code >= 500:
                        failures.append(f"{identity}: {request.label()} -> {response.status_code}")
    return failures


@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_route_answers_500_to_bad_values(app, world, identity):
    """Every route x method x bad value answers below 500 for this kind of person."""
    failures = sweep_failures(app, world, (identity,))
    pairs = sorted({line.split(" [")[0].split("?")[0] for line in failures})
    assert not failures, f"{len(failures)} failing requests on {len(pairs)} routes:\n" + "\n".join(failures[:80])
