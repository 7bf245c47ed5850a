"""xAPI 1.0.3 statements, built from plain values (pure: no Flask, no database).

What a statement may carry is decided here and nowhere else: the actor (an account on our
home page with an opaque name, or an email only when the organisation chose it), the verb,
the activity (module, scene, quiz), the result (score, success, completion, duration, the
chosen option) and the context (the attempt's UUID as ``registration``, the module version
and a decision's judgement as extensions). Journal answers and reflections are never an
argument of any function here, so they cannot leave.

Verb ids are ADL's (https://adlnet.gov/expapi/verbs/...), as xAPI 1.0.3 and every LRS
report expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: ADL_VERBS + name for name in ("attempted", "answered", "completed", "passed", "failed", "experienced")}
VERB_DISPLAY = {"attempted": "attempted", "answered": "answered", "completed": "completed", "passed": "passed",
                "failed": "failed", "experienced": "experienced"}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
}
LANGUAGE = "en-GB"
XAPI_VERSION = "1.0.3"


@dataclass(frozen=True)
class Actor:
    """Who the statement is about: ``name`` is the opaque account name; ``email`` is set only
    when the organisation chose to send email addresses."""

    home_page: str
    name: str
    email: str | None = None

    def as_json(self) -> dict:
        if self.email:
            return {"objectType": "Agent", "mbox": f"mailto:{self.email}"}
        return {"objectType": "Agent", "account": {"homePage": self.home_page, "name": self.name}}


@dataclass(frozen=True)
class ModuleRef:
    """The module activity and what every statement's context says about it."""

    base_url: str
    slug: str
    title: str
    version_number: int
    registration: str
    platform: str

    @property
    def activity_id(self) -> str:
        return f"{self.base_url}/modules/{self.slug}"

    def extension(self, name: str) -> str:
        """Our extension IRIs live under our own address (xAPI 1.0.3 §2.4.6: an IRI we control)."""
        return f"{self.base_url}/xapi/extensions/{name}"

    def activity(self) -> dict:
        return {"objectType": "Activity", "id": self.activity_id,
                "definition": {"type": ACTIVITY_TYPES["module"], "name": {LANGUAGE: self.title}}}

    def context(self, *, parent: bool = False, extensions: dict | None = None) -> dict:
        context = {"registration": self.registration, "platform": self.platform, "language": LANGUAGE,
                   "extensions": {self.extension("module-version"): self.version_number, **(extensions or {})}}
        if parent:
            context["contextActivities"] = {"parent": [self.activity()]}
        return context


def duration(seconds: int | float) -> str:
    """ISO 8601 duration, as xAPI's result.duration asks: ``PT1H2M3S`` (``PT0S`` for none)."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs or not (hours or minutes) else "")
    return "PT" + parts


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with the zone (xAPI 1.0.3 §2.4.7 asks for one)."""
    return moment.astimezone(timezone.utc).isoformat()


def score(percent: float) -> dict:
    """A score out of 100 with its scaled form (0..1), as reports read it."""
    percent = min(max(float(percent), 0.0), 100.0)
    return {"scaled": round(percent / 100, 4), "raw": round(percent, 2), "min": 0, "max": 100}


def _statement(statement_id: str, actor: Actor, verb: str, obj: dict, context: dict, moment: datetime,
               result: dict | None = None) -> dict:
    statement = {"id": statement_id, "actor": actor.as_json(),
                 "verb": {"id": VERBS[verb], "display": {LANGUAGE: VERB_DISPLAY[verb]}},
                 "object": obj, "context": context, "timestamp": timestamp(moment), "version": XAPI_VERSION}
    if result:
        statement["result"] = result
    return statement


def attempted(statement_id: str, actor: Actor, module: ModuleRef, moment: datetime) -> dict:
    """The learner started an attempt at the module."""
    return _statement(statement_id, actor, "attempted", module.activity(), module.context(), moment)


def completed(statement_id: str, actor: Actor, module: ModuleRef, moment: datetime, *, active_seconds: int,
              score_percent: float | None) -> dict:
    """The learner completed the module (every requirement met)."""
    result = {"completion": True, "duration": duration(active_seconds)}
    if score_percent is not None:
        result["score"] = score(score_percent)
    return _statement(statement_id, actor, "completed", module.activity(), module.context(), moment, result)


def module_outcome(statement_id: str, actor: Actor, module: ModuleRef, moment: datetime, *, passed: bool,
                   active_seconds: int, score_percent: float | None) -> dict:
    """The module passed (its completion, when it has a quiz) or failed."""
    result = {"success": passed, "completion": passed, "duration": duration(active_seconds)}
    if score_percent is not None:
        result["score"] = score(score_percent)
    return _statement(statement_id, actor, "passed" if passed else "failed", module.activity(), module.context(),
                      moment, result)


def quiz_result(statement_id: str, actor: Actor, module: ModuleRef, moment: datetime, *, number: int,
                score_percent: float, passed: bool, pass_mark: int, seconds: int) -> dict:
    """A graded quiz attempt: passed or failed the module's quiz, with the score."""
    quiz = {"objectType": "Activity", "id": f"{module.activity_id}/quiz",
            "definition": {"type": ACTIVITY_TYPES["assessment"], "name": {LANGUAGE: f"{module.title}: quiz"}}}
    result = {"success": passed, "completion": True, "score": score(score_percent), "duration": duration(seconds)}
    context = module.context(parent=True, extensions={module.extension("quiz-attempt"): number,
                                                      module.extension("pass-mark"): pass_mark})
    return _statement(statement_id, actor, "passed" if passed else "failed", quiz, context, moment, result)


def choice_id(scene_id: str, index: int) -> str:
    """The id of an option, as the player's form names it (``scene-id.2``)."""
    return f"{scene_id}.{index}"


def answered(statement_id: str, actor: Actor, module: ModuleRef, moment: datetime, *, scene_id: str,
             scene_title: str, choices: list[str], choice_index: int, judgement: str) -> dict:
    """A decision: the scene as a ``choice`` interaction listing its options, the chosen
    option's id as the response, the judgement and the module version in the context."""
    scene = {"objectType": "Activity", "id": f"{module.activity_id}/scenes/{scene_id}",
             "definition": {"type": ACTIVITY_TYPES["interaction"], "name": {LANGUAGE: scene_title},
                            "interactionType": "choice",
                            "choices": [{"id": choice_id(scene_id, i), "description": {LANGUAGE: text}}
                                        for i, text in enumerate(choices)]}}
    result = {"response": choice_id(scene_id, choice_index)}
    context = module.context(parent=True, extensions={module.extension("judgement"): judgement})
    return _statement(statement_id, actor, "answered", scene, context, moment, result)


def connection_test(statement_id: str, home_page: str, platform: str, moment: datetime) -> dict:
    """What "Send a test statement" posts: about nobody (a test account), so an LRS admin can
    see it arrived and recognise it."""
    actor = Actor(home_page, "connection-test")
    site = {"objectType": "Activity", "id": f"{home_page}/xapi/connection-test",
            "definition": {"name": {LANGUAGE: f"{platform}: connection test"}}}
    return _statement(statement_id, actor, "experienced", site, {"platform": platform, "language": LANGUAGE}, moment)
