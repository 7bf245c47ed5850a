"""The scenario state machine: routing, the recommended path and every path."""

from __future__ import annotations

import pytest

from course_engine.content import engine, parse_module
from course_engine.content.engine import EngineError, PathLimitError, State

ROUTED = """\
---
id: routed
title: Routed
summary: S.
cpd_minutes: 10
outcomes: [O]
standards: [S]
counters:
  risk: 0
  trust: 1
fictional: true
authors: [A]
review_date: 2027-01-01
---

## Silent start {#gate}

-> if trust >= 1: referral
-> otherwise: closed

## Referral {#referral}

Text.

- [[Close it->closed]]
  judgement: unsafe
  why: W.
  effects: trust -1
  feedback: F.
- [[Partly->later]]
  judgement: partly-safe
  why: W.
  effects: risk +1
  feedback: F.
- [[Visit->later]]
  judgement: safe
  why: W.
  effects: risk +2, trust +1
  feedback: F.
- [[Also visit->later]]
  judgement: safe
  why: Ties go to the first listed.
  effects: risk =5
  feedback: F.

## Later {#later}

Two weeks pass.

-> if risk >= 2 and trust >= 2: plan
-> if risk >= 1: silent
-> otherwise: closed

## Silent junction {#silent}

-> if risk == 1: supervision
-> otherwise: closed

## Supervision {#supervision}

- [[Escalate->plan]]
  judgement: safe
  why: W.
  feedback: F.
- [[Think again->referral]]
  judgement: unsafe
  why: Loops back.
  feedback: F.

## Plan {#plan}
ending: safe

Good.

## Closed {#closed}
ending: unsafe

Bad.

# Debrief

D.
"""


@pytest.fixture(scope="module")
def module():
    spec, problems = parse_module("routed.md", ROUTED)
    assert problems == []
    return spec


def test_start_passes_through_textless_junction(module):
    """A junction with no text is passed straight through, using the start counters; both
    count as visited."""
    assert engine.start(module) == State("referral", {"risk": 0, "trust": 1},
                                         visited=frozenset({"gate", "referral"}))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (0, State("closed", {"risk": 0, "trust": 0})),
        (1, State("later", {"risk": 1, "trust": 1})),
        (2, State("later", {"risk": 2, "trust": 2})),
        (3, State("later", {"risk": 5, "trust": 1})),
    ],
)
def test_choose_applies_effects_and_moves(module, choice, expected):
    """+N, -N and =N effects apply before moving to the choice's scene."""
    state = engine.choose(module, engine.start(module), choice)
    assert (state.scene_id, state.counters) == (expected.scene_id, expected.counters)
    assert expected.scene_id in state.visited


@pytest.mark.parametrize(
    ("counters", "target"),
    [
        ({"risk": 2, "trust": 2}, "plan"),  # first route: both conditions hold
        ({"risk": 2, "trust": 1}, "closed"),  # second route to silent junction -> otherwise
        ({"risk": 1, "trust": 1}, "supervision"),  # through the silent junction
        ({"risk": 0, "trust": 9}, "closed"),  # otherwise
    ],
)
def test_junction_routes_first_matching_condition(module, counters, target):
    """Routes are tried in order; the first whose conditions all hold wins, and text-less
    junctions on the way are passed through."""
    assert engine.continue_from_junction(module, State("later", counters)).scene_id == target


def test_invalid_moves_raise(module):
    """Choosing at a junction, continuing from a choice scene or an unknown index fail."""
    with pytest.raises(EngineError):
        engine.choose(module, State("later", {"risk": 0, "trust": 0}), 0)
    with pytest.raises(EngineError):
        engine.continue_from_junction(module, State("referral", {}))
    with pytest.raises(EngineError):
        engine.choose(module, State("referral", {}), 9)


def test_recommended_path(module):
    """The recommended path takes the best judgement (first listed on ties) everywhere and
    follows routes with the resulting counters."""
    assert engine.recommended_path(module) == [("referral", 2), ("later", None), ("plan", None)]


def test_all_paths_enumerates_every_ending_with_counters(module):
    """Every path from the start to an ending is listed once, with its final counters;
    a path revisiting the same (scene, counters) state is a cycle and is dropped."""
    paths = engine.all_paths(module)
    summary = sorted((p.steps, p.ending, tuple(sorted(p.counters.items()))) for p in paths)
    assert all(p.ending in ("plan", "closed") for p in paths)
    assert (
        (("referral", 1), ("later", None), ("supervision", 0), ("plan", None)),
        "plan",
        (("risk", 1), ("trust", 1)),
    ) in summary
    assert ((("referral", 0), ("closed", None)), "closed", (("risk", 0), ("trust", 0))) in summary
    # Every path ends at an ending and replaying its steps reproduces it.
    for p in paths:
        state = engine.start(module)
        for scene_id, idx in p.steps[:-1]:
            assert state.scene_id == scene_id
            state = (
                engine.continue_from_junction(module, state)
                if idx is None
                else engine.choose(module, state, idx)
            )
        assert (state.scene_id, state.counters) == (p.ending, p.counters)
    assert len(paths) == len(set(p.steps for p in paths))


def test_all_paths_limit(module):
    """all_paths refuses to run past its limit instead of running for ever."""
    with pytest.raises(PathLimitError):
        engine.all_paths(module, limit=3)


def test_recommended_path_loop_raises():
    """A recommended path that loops raises EngineError (the check reports it). A path goes
    round a loop once at most: the second time round, the state (scenes visited included)
    repeats."""
    head = ROUTED[: ROUTED.index("## Silent start")]
    body = """## A {#a}

- [[Safe->b]]
  judgement: safe
  why: W.
  feedback: F.
- [[Stop->end]]
  judgement: unsafe
  why: W.
  feedback: F.

## B {#b}

- [[Back->a]]
  judgement: safe
  why: W.
  feedback: F.

## End {#end}
ending: unsafe

E.

# Debrief

D.
"""
    spec, _ = parse_module("loop.md", head + body)
    with pytest.raises(EngineError):
        engine.recommended_path(spec)
    assert sorted(p.steps for p in engine.all_paths(spec)) == [
        (("a", 0), ("b", 0), ("a", 1), ("end", None)), (("a", 1), ("end", None))]


def test_state_round_trip():
    """States serialise for the session/DB."""
    state = State("later", {"risk": 2}, frozenset({"shared-words"}), frozenset({"later", "referral"}))
    assert State.from_dict(state.to_dict()) == state
    assert State.from_dict({"scene_id": "later", "counters": {}}) == State("later", {})
