"""Every kind of statement we build is valid xAPI 1.0.3 by ralph-malph's models, and carries
only what it should."""
import uuid
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

from course_engine.xapi import statements as s

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=timezone.utc)
MODULE = s.ModuleRef("https://cpd.example.gov.uk", "first-visit", "First visit", 3, str(uuid.uuid4()), "course-engine")
OPAQUE = s.Actor("https://cpd.example.gov.uk", uuid.uuid4().hex)
EMAIL = s.Actor("https://cpd.example.gov.uk", uuid.uuid4().hex, "lena@council.example")


def _all(actor):
    sid = lambda: str(uuid.uuid4())  # noqa: E731
    return {
        "attempted": s.attempted(sid(), actor, MODULE, NOW),
        "completed": s.completed(sid(), actor, MODULE, NOW, active_seconds=3725, score_percent=87.5),
        "completed without a quiz": s.completed(sid(), actor, MODULE, NOW, active_seconds=0, score_percent=None),
        "passed": s.module_outcome(sid(), actor, MODULE, NOW, passed=True, active_seconds=60, score_percent=100),
        "failed": s.module_outcome(sid(), actor, MODULE, NOW, passed=False, active_seconds=60, score_percent=25),
        "quiz": s.quiz_result(sid(), actor, MODULE, NOW, number=2, score_percent=50, passed=False, pass_mark=75,
                              seconds=95),
        "answered": s.answered(sid(), actor, MODULE, NOW, scene_id="referral", scene_title="The referral",
                               choices=["Accept the explanation", "Ask to see Amira alone"], choice_index=1,
                               judgement="safe"),
        "test": s.connection_test(sid(), "https://cpd.example.gov.uk", "course-engine", NOW),
    }


@pytest.mark.parametrize("actor", [OPAQUE, EMAIL], ids=["opaque", "email"])
def test_every_statement_we_build_is_valid_xapi(actor):
    """attempted, completed, passed, failed, the quiz result, answered and the test statement all
    pass the specification's model, with ADL verb ids."""
    for name, statement in _all(actor).items():
        BaseXapiStatement.model_validate(statement)
        assert statement["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/"), name
        assert statement["version"] == "1.0.3"


def test_the_validator_can_fail():
    """The model the tests rely on refuses a statement that breaks the specification."""
    statement = _all(OPAQUE)["attempted"]
    for broken in (dict(statement, id="not-a-uuid"), dict(statement, actor={"objectType": "Agent"}),
                   dict(statement, verb={"id": "attempted"})):
        with pytest.raises(ValidationError):
            BaseXapiStatement.model_validate(broken)


def test_the_actor_is_an_opaque_account_unless_email_is_chosen():
    """Opaque: account on our home page, no email anywhere. Email: the mbox only."""
    assert _all(OPAQUE)["attempted"]["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://cpd.example.gov.uk", "name": OPAQUE.name}}
    assert _all(EMAIL)["attempted"]["actor"] == {"objectType": "Agent", "mbox": "mailto:lena@council.example"}


def test_durations_and_scores_read_as_the_specification_asks():
    """ISO 8601 durations; scores 0..100 with scaled 0..1."""
    assert [s.duration(n) for n in (0, 59, 60, 3725, -5)] == ["PT0S", "PT59S", "PT1M", "PT1H2M5S", "PT0S"]
    assert s.score(87.5) == {"scaled": 0.875, "raw": 87.5, "min": 0, "max": 100}


def test_answered_names_the_scene_the_options_and_the_choice():
    """The scene is a choice interaction listing its options; the response is the chosen
    option's id; judgement and module version are context extensions; registration is the attempt's."""
    statement = _all(OPAQUE)["answered"]
    definition = statement["object"]["definition"]
    assert definition["interactionType"] == "choice"
    assert [c["id"] for c in definition["choices"]] == ["referral.0", "referral.1"]
    assert statement["result"]["response"] == "referral.1"
    extensions = statement["context"]["extensions"]
    assert extensions[MODULE.extension("judgement")] == "safe" and extensions[MODULE.extension("module-version")] == 3
    assert statement["context"]["registration"] == MODULE.registration
    assert statement["context"]["contextActivities"]["parent"][0]["id"] == MODULE.activity_id
