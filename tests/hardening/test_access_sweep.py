"""The access sweep: no route shows one organisation's private records to another's people, or one
learner's to another learner, and no route lets them change those records.

Two organisations with real records (tests/hardening/world.py: attempts, journal answers, final
reflections, quiz results, CPD entries and a reflection shared with managers, certificates,
assignments). Every GET and POST of ``app.url_map`` is sent, as each identity, with the ids of
someone they must not reach (the other organisation's slug, attempt, CPD entry, membership,
person, certificate); pages must not contain the private markers, and the victim's rows must be
exactly as they were afterwards.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from course_engine.db import session
from course_engine.models import metadata
from tests.conftest import csrf_from
from tests.hardening.sweep import SIGNS_OUT, field_names, path_with
from tests.hardening.world import client_for


def _victim_values(world, side, who) -> dict:
    records = side.records[who]
    return {"org_slug": side.org.slug, "slug": "first-visit", "module_slug": "first-visit",
            "attempt_id": records["attempt_id"], "number": side.certificate_number, "step": 1,
            "prompt_id": "first-thoughts", "membership_id": side.membership_ids[who], "user_id": getattr(side, who).id,
            "team_id": (side.team if who == "learner" else side.other_team).id, "kind": "entries",
            "record_id": records["cpd_entry_id"], "entry_id": records["cpd_entry_id"], "scene_id": "referral",
            "hex_digits": "1d70b8", "filename": "x.png", "sha256": "0" * 64, "code": "A" * 32, "token": "x",
            "assignment_id": 1, "invitation_id": 1, "delegation_id": 1, "import_id": 1, "context_id": 1, "platform_id": 1}


def _fingerprint(side, attacker) -> set[str]:
    """Every row that belongs to the side's people (but the attacker: their own rows are theirs to
    change) or organisation: any change shows."""
    session.commit()
    user_ids = [u.id for u in (side.admin, side.manager, side.learner, side.peer) if u.id != attacker.id]
    rows = set()
    for table in metadata.sorted_tables:
        if table.name == "audit_log":
            continue  # who did what is written by anyone's action, including refusals
        if table.name == "user":
            where = table.c.id.in_(user_ids)
        elif "user_id" in table.c:
            where = table.c.user_id.in_(user_ids)
        elif "organisation_id" in table.c:
            where = table.c.organisation_id == side.org.id
        else:
            continue
        omit = {"last_login_at", "last_seen_at"}
        columns = [c for c in table.c if c.name not in omit]
        for row in session.execute(select(*columns).where(where).order_by(*table.primary_key.columns)):
            rows.add(repr((table.name, tuple(row)))[:300])
    return rows


def _sweep(app, attacker, values: dict, forbidden: list[str]) -> tuple[list[str], int]:
    """Send every route x method, as ``attacker``, with ``values`` for its ids; the answers that
    show a ``forbidden`` marker or fail with a 5xx, and how many requests were sent."""
    browser = client_for(app, attacker)
    csrf = csrf_from(browser.get("/account").get_data(as_text=True))
    fields = field_names()
    leaks, checks = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SIGNS_OUT or rule.endpoint == "static":
            continue
        vals = dict(values, number=1) if "<int:number>" in rule.rule else values
        url = path_with(rule, {k: vals.get(k, "1") for k in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = None
            if method != "GET":
                data = {"csrf_token": csrf, **{f: "HACKED" for f in fields}, "format": "csv"}
            response = browser.client.open(url, method=method, data=data)
            text = response.get_data().decode("utf-8", "replace")  # PDFs and CSVs too
            response.close()
            checks += 1
            for marker in forbidden:
                if marker in text:
                    leaks.append(f"{method} {url} ({response.status_code}) shows {marker}")
            if response.status_code >= 500:
                leaks.append(f"{method} {url} answered {response.status_code}")
    return leaks, checks


#: (attacker side, attacker role, victim side, victim learner, markers they must never see, writes checked)
CASES = [
    ("b", "admin", "a", "learner", ["SECRET-a-"], True),
    ("b", "manager", "a", "learner", ["SECRET-a-"], True),
    ("b", "learner", "a", "learner", ["SECRET-a-"], True),
    ("a", "peer", "a", "learner", ["SECRET-a-learner-"], True),
    # Same organisation: the manager of team one and the admin see the reflection shared with
    # managers (the CPD entry), never the journal, the unshared final reflection or the peer's
    # unshared record. Their writes to their own people are their job, so only reads are checked.
    ("a", "manager", "a", "peer", ["SECRET-a-peer-", "SECRET-a-learner-journal", "SECRET-a-learner-reflection"], False),
    ("a", "admin", "a", "peer", ["SECRET-a-peer-", "SECRET-a-learner-journal", "SECRET-a-learner-reflection"], False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-on-{c[2]}-{c[3]}")
def test_no_route_leaks_or_changes_anothers_records(app, world, case):
    """Every route x method with the victim's ids: no marker text in any answer; no write lands."""
    attacker_side, role, victim_side, victim, forbidden, check_writes = case
    sides = {"a": world.a, "b": world.b}
    attacker, victim_of = getattr(sides[attacker_side], role), sides[victim_side]
    before = _fingerprint(victim_of, attacker) if check_writes else None
    leaks, checks = _sweep(app, attacker, _victim_values(world, victim_of, victim), forbidden)
    assert checks > 100
    assert not leaks, "\n".join(leaks)
    if check_writes:
        after = _fingerprint(victim_of, attacker)
        assert after == before, f"writes landed: gone {sorted(before - after)}, new {sorted(after - before)}"


def test_joining_another_organisation_shares_nothing_with_it(app, world, add_member):
    """A learner who shared a CPD entry with organisation A's managers, then joins organisation B:
    B's admin and the manager of B's team (now the learner's team) see nothing of it anywhere
    (the share was made with A; issue 13 §4)."""
    mover = world.a.learner
    joined = add_member(world.b.org, mover, "learner", team=world.b.team)
    values = dict(_victim_values(world, world.a, "learner"), org_slug=world.b.org.slug, membership_id=joined.id,
                  team_id=world.b.team.id)
    for attacker in (world.b.admin, world.b.manager):
        leaks, checks = _sweep(app, attacker, values, ["SECRET-a-learner-cpd", "SECRET-a-learner-reflection"])
        assert checks > 100
        assert not leaks, "\n".join(leaks)
