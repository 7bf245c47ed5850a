"""Conditional passages and facts: the syntax, its problems (file, line, exact message), the
player's view of a passage, and the proof that no passage or scene claims what its path did
not establish."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_engine.content import engine, parse_module
from course_engine.content.conditions import (
    ConditionError,
    describe,
    holds,
    parse_condition,
)
from course_engine.content.path_proof import prove_passages, replay_claims
from course_engine.content.problems import ProblemList
from course_engine.content.specs import ModuleSpec

DATA = Path(__file__).parent / "data" / "passages"

PASSAGE_CASES = [
    ('err-condition-malformed.md', 21, 'error', 'condition-malformed', "The condition after '::: if' is not understood: 'trust = 1' uses '=': to compare a counter write '==', e.g. 'trust == 1'."),
    ('err-fact-bad-id.md', 12, 'error', 'fact-bad-id', "The fact id 'Rang_School' may only use lower-case letters, digits and hyphens (e.g. 'shared-words'), and cannot be one of the words and, not, or, visited."),
    ('err-fact-bad-id.md', 27, 'error', 'fact-bad-id', "'saw alone' in the choice 'Ring back' is not a fact id: fact ids use lower-case letters, digits and hyphens, e.g. 'shared-words'; separate several with commas."),
    ('err-fact-unknown.md', 21, 'error', 'fact-unknown', "The fact 'saw-alon' is not declared under 'facts:' at the top. Did you mean 'saw-alone'? Declared facts: saw-alone. Fix the spelling or declare it there with a one-line description."),
    ('err-fact-unused.md', 12, 'warning', 'fact-unused', "The fact 'spoke-to-school' is declared but nothing establishes, asserts or tests it. Use it, or remove it from 'facts:'."),
    ('err-feedback-reflect.md', 30, 'error', 'feedback-reflect', "The reflect prompt 'after-call' is in the feedback of choice 'Ring back'. Journal prompts belong in a scene's text: move it there."),
    ('err-passage-close-alone.md', 22, 'error', 'passage-close-alone', "This ':::' closes no passage in scene 'call'. Passages start with '::: if condition' (then the text, then ':::'), '::: else' straight after it, or '::: asserts fact-id' for a passage shown always that makes a claim; remove this line or add the opening line above."),
    ('err-passage-else-alone.md', 23, 'error', 'passage-else-alone', "This '::: else' does not follow a '::: if' passage in scene 'call'. Put it straight after the ':::' that closes the '::: if' passage."),
    ('err-passage-empty.md', 21, 'error', 'passage-empty', "The passage opened on line 21 has no text. Write the text between the opening line and ':::', or remove both lines."),
    ('err-passage-in-intro.md', 19, 'error', 'passage-in-intro', "Conditional passages cannot go in the introduction: nothing has happened on the learner's path yet. Move it into a scene, an ending or the debrief."),
    ('err-passage-malformed.md', 21, 'error', 'passage-malformed', "'::: when saw-alone' is not understood in scene 'call'. Write '::: if condition' (then the text, then ':::'), '::: else' straight after it, or '::: asserts fact-id' for a passage shown always that makes a claim."),
    ('err-passage-nested.md', 23, 'error', 'passage-nested', "Passages cannot be nested: the passage opened on line 21 is still open. Close it with a line ':::' first; to combine conditions write them on one line, e.g. '::: if shared-words and trust >= 2'."),
    ('err-passage-reflect.md', 22, 'error', 'passage-reflect', "The reflect prompt 'first-thought' is inside a conditional passage. Journal prompts are shown to everyone: move it outside the ':::' lines."),
    ('err-passage-unclosed.md', 21, 'error', 'passage-unclosed', "The passage opened on line 21 is never closed. Add a line with only ':::' after its text."),
    ('err-paths-too-many.md', 19, 'error', 'paths-too-many', "The module has more than 100,000 different states (scene, counters, facts and scenes visited), too many to prove that every passage tells the truth about its path. A loop that keeps changing a counter makes the number endless: cap the counter with '=N' on the way round, or split the module."),
    ('err-visited-unknown-scene.md', 21, 'error', 'visited-unknown-scene', "'visited nowhere' names a scene that does not exist. Use the id of a scene heading's {#id}."),
    ('inconsistent.md', 81, 'error', 'assert-unproven', "This passage in scene 'heard' asserts 'shared-words' (You shared Amira's own words with the strategy meeting), but a learner can see it on a path that did not establish it: for example after choosing 1. “See Amira on her own at school” → 2. “Summarise them in your own words” (reaching scene 'heard'). Show it only when it is true ('::: if shared-words'), or make every path here establish it."),
    ('inconsistent.md', 85, 'error', 'assert-unproven', "Scene 'closed' asserts 'saw-alone' (You saw Amira on her own), but a learner can reach it without that being established: for example after choosing 1. “Speak to her mother first” → 2. “Go to the strategy meeting” (reaching scene 'closed'). Make every choice that leads here establish it, or move the claim into a passage '::: if saw-alone'."),
    ('warn-conditions.md', 21, 'warning', 'condition-always', "The condition 'not saw-alone' in scene 'call' holds on every path that reaches it, so the passage is always shown (and its '::: else', if any, never). Check the condition, or make the text unconditional."),
    ('warn-conditions.md', 25, 'warning', 'condition-never', "The condition 'saw-alone or trust >= 5' in scene 'call' holds on no path that reaches it, so learners never see this passage. Check the fact, scene or counter it tests, and the choices that should establish it."),
]


@pytest.mark.parametrize("name", sorted({case[0] for case in PASSAGE_CASES}))
def test_each_problem_has_its_file_line_and_message(name):
    """Each slip in a fixture gives exactly its own problems: file, line, code and message."""
    _spec, problems = parse_module(DATA / name)
    expected = [case[1:] for case in PASSAGE_CASES if case[0] == name]
    assert [(p.line, p.severity, p.code, p.message) for p in problems] == expected
    assert all(p.path == str(DATA / name) for p in problems)


def test_consistent_module_has_no_problems():
    """The worked example (docs/format.md) passes: every claim holds on every path."""
    _spec, problems = parse_module(DATA / "consistent.md")
    assert problems == []


def test_the_check_catches_an_inconsistent_module_with_line_and_path():
    """An ending that says the child's words were shared, reachable on a path where they were
    only summarised, is an error at the passage's line naming that path's choices in order;
    a scene asserting a fact is caught the same way."""
    _spec, problems = parse_module(DATA / "inconsistent.md")
    lines = (DATA / "inconsistent.md").read_text().split("\n")
    by_line = {p.line: p for p in problems}
    assert sorted(by_line) == [81, 85]
    assert lines[81 - 1] == "::: asserts shared-words"
    assert lines[85 - 1] == "## Closed {#closed}"
    assert all(p.code == "assert-unproven" and p.is_error for p in problems)
    assert ("after choosing 1. “See Amira on her own at school” → 2. “Summarise them in your "
            "own words” (reaching scene 'heard')") in by_line[81].message
    assert ("after choosing 1. “Speak to her mother first” → 2. “Go to the strategy meeting” "
            "(reaching scene 'closed')") in by_line[85].message


def test_replaying_every_path_agrees_with_the_proof():
    """Playing every path through the engine finds the same failing lines as the proof, and
    none in the consistent module."""
    good, _ = parse_module(DATA / "consistent.md")
    assert replay_claims(good) == []
    bad, problems = parse_module(DATA / "inconsistent.md")
    assert {line for line, _ in replay_claims(bad)} == {p.line for p in problems}


def test_player_sees_only_the_passages_that_hold():
    """The ending's HTML on each path is chosen from the stored passages by the learner's
    state: the child's words where they were shared, the summary where they were not."""
    module, _ = parse_module(DATA / "consistent.md")
    heard = module.scene("heard")
    assert heard.body_html == "" and len(heard.passages) == 2
    state = engine.start(module)
    state = engine.choose(module, state, 0)  # see Amira alone
    shared = engine.choose(module, state, 0)  # write her words down
    summarised = engine.choose(module, state, 1)
    assert shared.scene_id == summarised.scene_id == "heard"
    assert "as she said them" in shared.sees(heard.body_html, heard.passages)
    assert "your summary" not in shared.sees(heard.body_html, heard.passages)
    assert "your summary" in summarised.sees(heard.body_html, heard.passages)
    assert "Next time" in summarised.sees(module.debrief_html, module.debrief_passages)
    assert "Next time" not in shared.sees(module.debrief_html, module.debrief_passages)
    assert shared.facts == {"saw-alone", "shared-words"}
    assert shared.visited == {"call", "alone", "strategy", "heard"}


def test_feedback_callouts_render_like_a_scenes():
    """A choice's feedback may hold an [!EVIDENCE] callout: rendered in place as in a scene
    and listed with the choice."""
    module, _ = parse_module(DATA / "consistent.md")
    choice = module.scene("call").choices[0]
    assert '<aside class="callout callout-evidence" aria-label="Evidence">' in choice.feedback_html
    assert "<cite>Working Together to Safeguard Children (2023)</cite>" in choice.feedback_html
    assert [c.kind for c in choice.feedback_callouts] == ["evidence"]
    assert choice.feedback_callouts[0].line == 32


def test_passages_survive_the_database_round_trip():
    """Facts, passages, establishes and asserts go into the stored JSON and come back equal."""
    module, _ = parse_module(DATA / "consistent.md")
    assert ModuleSpec.from_dict(json.loads(json.dumps(module.to_dict()))) == module
    assert module.facts["shared-words"].startswith("You shared")
    assert module.scene("call").choices[0].establishes == ("saw-alone",)


def test_scene_settings_take_a_list_or_commas():
    """'establishes:' and 'asserts:' under a scene heading take 'a, b' or an indented YAML list."""
    text = (DATA / "consistent.md").read_text().replace(
        "## Heard {#heard}\nending: safe\n", "## Heard {#heard}\nending: safe\nestablishes:\n  - saw-alone\n")
    module, problems = parse_module("m.md", text)
    assert problems == [] and module.scene("heard").establishes == ("saw-alone",)


def test_the_search_has_a_bound():
    """A module whose states never repeat stops at the bound with a clear error."""
    module, _problems = parse_module(DATA / "warn-conditions.md")
    assert module is not None
    fresh = ProblemList("m.md")
    prove_passages(module, fresh, max_states=1)
    assert [p.code for p in fresh] == ["paths-too-many"]


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        ("shared-words and not visited closed-early", ({}, {"shared-words"}, set()), True),
        ("shared-words and not visited closed-early", ({}, {"shared-words"}, {"closed-early"}), False),
        ("a and b or c", ({}, {"c"}, set()), True),  # and binds tighter: (a and b) or c
        ("a and b or c", ({}, {"a"}, set()), False),
        ("trust >= 2 or not a", ({"trust": 1}, {"a"}, set()), False),
        ("trust>=2", ({"trust": 2}, set(), set()), True),
        ("risk != 0", ({}, set(), set()), False),
    ],
)
def test_conditions(text, state, expected):
    """Fact ids, visited, counter comparisons and not, joined by and/or with and binding tighter."""
    condition = parse_condition(text)
    assert holds(condition, *state) is expected
    assert parse_condition(describe(condition)) == condition


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'::: if' needs a condition after it."),
        ("(a or b) and c", "Brackets are not allowed in a condition"),
        ("visited", "write 'visited' and one scene id"),
        ("a and", "Something is missing in 'a and'."),
        ("not not a", "'not not' in 'not not a' cancels out"),
        ("Shared_Words", "'Shared_Words' is not a fact id"),
    ],
)
def test_condition_errors_say_what_is_wrong(text, message):
    with pytest.raises(ConditionError, match=None) as caught:
        parse_condition(text)
    assert message in str(caught.value)
