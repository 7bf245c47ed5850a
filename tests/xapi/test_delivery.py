"""A real module played through HTTP, its statements sent to Ralph's LRS on loopback and read
back; the store away mid-run; refusals kept with their reason. Every statement is checked
against the xAPI specification with ralph-malph's models."""
from __future__ import annotations

import uuid
from collections import Counter

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select, update

from course_engine.db import session
from course_engine.xapi.models import LrsActor, OutboxStatement

from tests.learner.test_journey import _quiz_form
from tests.parallel import SERIAL
from tests.xapi.lrs import SECRET

JOURNAL = "That the family would be hostile."
LEARNED, IMPACT = "To see the child alone.", "I will record the child's words."


def _play(world, *, stop_after_first_choice=None):
    """The whole module: two decisions, a junction, a failed quiz and a retake, the reflection.
    Every request must succeed whatever the store is doing."""
    player = world.player()
    browser = world.learner_browser
    player.start()
    assert player.begin().status_code == 303
    fields, _html = player.form_values()
    assert browser.client.post(f"{player.url}/journal/first-thoughts",
                               data={"csrf_token": fields["csrf_token"], "answer": JOURNAL}).status_code == 303
    assert player.choose(1).status_code == 303
    if stop_after_first_choice:
        stop_after_first_choice()
    assert player.choose(0).status_code == 303
    assert player.proceed().status_code == 303
    for number, correct in ((1, False), (2, True)):
        response = browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
        assert response.headers["Location"].endswith(f"/quiz/{number}")
        assert browser.client.post(f"{player.url}/quiz/{number}",
                                   data=_quiz_form(browser, player.attempt_id, number, correct)).status_code == 303
    response = browser.post(f"{player.url}/reflection", {"what_learned": LEARNED, "impact_on_practice": IMPACT})
    assert response.status_code == 303 and response.headers["Location"].endswith("/completed")
    return player


def _send(runner, *args):
    result = runner.invoke(args=["xapi", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _ours(lrs, world):
    ids = {row.statement_id for row in world.outbox()}
    return [s for s in lrs.statements() if s["id"] in ids]


def test_a_played_module_arrives_in_the_store_as_built(world, lrs, runner):
    """attempted, answered x2 (scene as a choice interaction, the chosen option as response,
    judgement and version in context), the quiz failed then passed, the module completed and
    passed: all valid xAPI, all under the attempt's registration, read back from the LRS equal
    to what was built; the actor is opaque; no journal or reflection text leaves."""
    world.connect(lrs.endpoint)
    _play(world)
    output = _send(runner)
    assert output.strip().splitlines()[-1].startswith("Sent ")

    rows = world.outbox()
    assert Counter(row.verb for row in rows) == {"attempted": 1, "answered": 2, "failed": 1, "passed": 2,
                                                 "completed": 1}
    for row in rows:
        BaseXapiStatement.model_validate(row.statement)
        assert row.sent_at is not None and row.refused_at is None
    stored = {s["id"]: s for s in _ours(lrs, world)}
    assert set(stored) == {row.statement_id for row in rows}
    for row in rows:
        for key in ("actor", "verb", "object", "context"):
            assert stored[row.statement_id][key] == row.statement[key], key
        assert stored[row.statement_id].get("result") == row.statement.get("result")

    registrations = {row.statement["context"]["registration"] for row in rows}
    assert len(registrations) == 1
    opaque = session.scalar(select(LrsActor.name).where(LrsActor.user_id == world.learner.id))
    for row in rows:
        assert row.statement["actor"] == {"objectType": "Agent", "account": {"homePage": "http://localhost",
                                                                             "name": opaque}}
    text = str([row.statement for row in rows])
    for private in (JOURNAL, LEARNED, IMPACT, world.learner.email, world.learner.full_name):
        assert private not in text

    answered = [row.statement for row in rows if row.verb == "answered"]
    first = answered[0]
    assert first["object"]["id"] == "http://localhost/modules/first-visit/scenes/referral"
    assert first["object"]["definition"]["interactionType"] == "choice"
    assert [c["id"] for c in first["object"]["definition"]["choices"]] == ["referral.0", "referral.1"]
    assert first["result"]["response"] == "referral.1"
    assert first["context"]["extensions"]["http://localhost/xapi/extensions/judgement"] == "safe"
    assert first["context"]["extensions"]["http://localhost/xapi/extensions/module-version"] == 1
    completed = next(row.statement for row in rows if row.verb == "completed")
    assert completed["result"]["completion"] is True and completed["result"]["score"]["scaled"] == 1.0
    assert completed["result"]["duration"].startswith("PT")


@pytest.mark.xdist_group(SERIAL)  # the store takes its port back after letting it go (tests/parallel.py)
def test_the_store_away_mid_run_loses_nothing_and_duplicates_nothing(world, lrs, runner):
    """The LRS stops after the first decision; the learner carries on (every request succeeds),
    statements wait with the reason; it comes back; the drain sends each statement exactly once,
    and sending everything again adds nothing (the store keeps one per id)."""
    world.connect(lrs.endpoint)
    _play(world, stop_after_first_choice=lrs.stop)
    try:
        output = _send(runner)
        assert "still pending" in output
        waiting = [row for row in world.outbox() if row.sent_at is None]
        assert waiting and all(row.last_error and row.next_attempt_at for row in waiting)
        page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
        assert "Last problem" in page
    finally:
        lrs.start()
    output = _send(runner, "--all")
    rows = world.outbox()
    assert all(row.sent_at is not None for row in rows), (output, [(r.verb, r.sent_at, r.refused_at, r.last_error) for r in rows])
    counts = Counter(s["id"] for s in _ours(lrs, world))
    assert set(counts) == {row.statement_id for row in rows} and set(counts.values()) == {1}

    # A resend of everything (as after a lost answer) duplicates nothing.
    session.execute(update(OutboxStatement).values(sent_at=None))
    session.commit()
    _send(runner, "--all")
    counts = Counter(s["id"] for s in _ours(lrs, world))
    assert len(counts) == len(rows) and set(counts.values()) == {1}


def test_a_refused_statement_is_kept_with_the_reason_and_shown(world, lrs, runner):
    """One statement the store refuses (400) is kept with the store's reason and listed for the
    org admin; the rest of its batch is still delivered; "send again" puts it back in line."""
    world.connect(lrs.endpoint)
    _play(world)
    bad = world.outbox()[0]
    new_id = str(uuid.uuid4())  # a statement the store has never seen, about an agent with no identifier
    broken = dict(bad.statement, id=new_id, actor={"objectType": "Agent", "name": "Nobody"})
    session.execute(update(OutboxStatement).where(OutboxStatement.id == bad.id)
                    .values(statement=broken, statement_id=new_id))
    session.execute(update(OutboxStatement).values(sent_at=None))  # the whole outbox in one batch again
    session.commit()
    bad = session.get(OutboxStatement, bad.id)
    output = _send(runner)
    rows = world.outbox()
    refused = [row for row in rows if row.refused_at is not None]
    assert refused, output
    assert [row.id for row in refused] == [bad.id]
    assert "answered 400" in refused[0].last_error or "answered 422" in refused[0].last_error
    assert all(row.sent_at is not None for row in rows if row.id != bad.id)
    page = world.admin_browser.get(world.settings_url).get_data(as_text=True)
    assert "Statements the store refused" in page and bad.statement_id in page
    response = world.admin_browser.post(f"{world.settings_url}/retry", {}, form_page=world.settings_url)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(OutboxStatement, bad.id).refused_at is None


def test_a_wrong_key_is_the_connections_problem_not_the_statements(world, lrs, runner):
    """401 from the store: nothing is marked refused; statements wait and go once the secret is right."""
    world.connect(lrs.endpoint, secret="not the secret")
    _play(world)
    _send(runner)
    rows = world.outbox()
    assert rows and all(row.refused_at is None and row.sent_at is None for row in rows)
    assert "refused our key" in rows[0].last_error
    world.connect(lrs.endpoint, secret=SECRET)
    _send(runner, "--all")
    assert all(row.sent_at is not None for row in world.outbox())


def test_email_is_sent_only_when_the_organisation_chooses_it(world, lrs, runner):
    """With "identify people by email" on, the actor is the person's mbox (and nothing else changes)."""
    world.connect(lrs.endpoint, actor_email="y")
    _play(world)
    for row in world.outbox():
        assert row.statement["actor"] == {"objectType": "Agent", "mbox": "mailto:lena@council.example"}
        BaseXapiStatement.model_validate(row.statement)


def test_nothing_is_written_while_off_or_before_switching_on(world, lrs):
    """Off (the default): playing a module writes no statement. Switched on afterwards: the
    earlier events stay unsent."""
    world.connect(lrs.endpoint, enabled=False)
    _play(world)
    assert world.outbox() == []
    world.connect(lrs.endpoint)
    from course_engine.xapi import services
    from course_engine.xapi.models import LrsConnection
    from course_engine.db import utcnow

    assert services.collect_decisions(session.scalar(select(LrsConnection)), utcnow()) == 0


def test_only_what_the_organisation_chose_is_written(world, lrs):
    """Decisions off and quizzes off: only the module statements."""
    world.connect(lrs.endpoint, send_decisions=None, send_quizzes=None)
    _play(world)
    assert Counter(row.verb for row in world.outbox()) == {"attempted": 1, "completed": 1, "passed": 1}
