"""The proof that a module's text tells the truth about the learner's path.

Over every path of the module (a breadth-first search over the states the player can be
in: scene, counters, facts established, scenes visited), no passage and no scene is shown
on a path that did not establish what it asserts. The search moves with the engine's own
functions, so it follows exactly what the player does. A failure names the passage's line
and the shortest offending path, as the choices a learner would read. Conditions that hold
on every path reaching them, or on none, are reported as likely slips.

Only the scenes that some ``visited`` condition names are kept in the states' visited sets:
nothing else can tell two states apart, so the search stays small without losing a case.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from . import engine
from .conditions import terms
from .problems import ProblemList
from .specs import ModuleSpec, PassageSpec

#: States the search may visit before it gives up with ``paths-too-many``.
MAX_STATES = 100_000


@dataclass
class _Finding:
    """The first (shortest) path on which a passage showed without its facts."""

    missing: tuple[str, ...]
    #: The state the path leads to, and the choice made there (for a feedback), if any.
    state_key: tuple
    last_choice: str | None
    scene_id: str


def _all_texts(module: ModuleSpec):
    """Every text that can hold passages: ``(passages, where)``."""
    for scene in module.scenes:
        yield scene.passages, f" in scene '{scene.id}'"
        for choice in scene.choices:
            yield choice.feedback_passages, f" in the feedback of choice '{choice.text}'"
    yield module.debrief_passages, " in the debrief"


def has_claims(module: ModuleSpec) -> bool:
    """Whether the module has anything to prove or check (passages or scene asserts)."""
    return any(passages for passages, _ in _all_texts(module)) or any(s.asserts for s in module.scenes)


def _describe_path(labels: tuple[str, ...], scene_id: str) -> str:
    if not labels:
        return f"at scene '{scene_id}', straight from the start, before any choice"
    steps = " → ".join(f"{n}. “{text}”" for n, text in enumerate(labels, 1))
    return f"after choosing {steps} (reaching scene '{scene_id}')"


def prove_passages(module: ModuleSpec, problems: ProblemList, max_states: int = MAX_STATES) -> None:
    """Report every asserted fact that some path shows without establishing it, and every
    condition that never or always holds where it is read. Needs a module without errors."""
    if not has_claims(module):
        return
    relevant = frozenset(
        name
        for passages, _ in _all_texts(module)
        for passage in passages
        for kind, _neg, name, _op, _value in terms(passage.condition)
        if kind == "visited"
    )

    def project(state: engine.State) -> engine.State:
        return engine.State(state.scene_id, state.counters, state.facts, state.visited & relevant)

    where_of: dict[int, str] = {}
    for passages, where in _all_texts(module):
        for passage in passages:
            where_of[id(passage)] = where
    #: passage id -> [held somewhere, failed somewhere]
    outcomes: dict[int, list[bool]] = {}
    findings: dict[tuple[str, int], tuple[_Finding, str, PassageSpec | None]] = {}

    def read(passages, state: engine.State, at: tuple, last_choice: str | None, scene_id: str) -> None:
        for passage in passages:
            if passage.kind == "if":
                seen = outcomes.setdefault(id(passage), [False, False])
                seen[0 if passage.shown(state.counters, state.facts, state.visited) else 1] = True
            if not passage.asserts or not passage.shown(state.counters, state.facts, state.visited):
                continue
            missing = tuple(f for f in passage.asserts if f not in state.facts)
            key = ("passage", passage.line)
            if missing and key not in findings:
                findings[key] = (_Finding(missing, at, last_choice, scene_id), where_of[id(passage)], passage)

    first = project(engine.start(module))
    parents: dict[tuple, tuple[tuple | None, str | None]] = {first.key(): (None, None)}

    def labels_to(key: tuple) -> tuple[str, ...]:
        out: list[str] = []
        while key is not None:
            key, label = parents[key]
            if label is not None:
                out.append(label)
        return tuple(reversed(out))

    queue = deque([first])
    while queue:
        state = queue.popleft()
        scene = module.scene(state.scene_id)
        at = state.key()
        read(scene.passages, state, at, None, scene.id)
        missing = tuple(f for f in scene.asserts if f not in state.facts)
        if missing and ("scene", scene.line) not in findings:
            findings[("scene", scene.line)] = (_Finding(missing, at, None, scene.id), f" '{scene.id}'", None)
        if scene.kind == "ending":
            read(module.debrief_passages, state, at, None, scene.id)
            continue
        if scene.kind == "junction":
            moves = [(None, engine.continue_from_junction(module, state))]
        else:
            moves = [(c, engine.choose(module, state, c.index)) for c in scene.choices]
        for choice, after in moves:
            nxt = project(after)
            if choice is not None and choice.feedback_passages:
                read(choice.feedback_passages, nxt, at, choice.text, nxt.scene_id)
            key = nxt.key()
            if key in parents:
                continue
            parents[key] = (state.key(), choice.text if choice is not None else None)
            if len(parents) > max_states:
                problems.error(
                    module.scene(module.start).line,
                    "paths-too-many",
                    f"The module has more than {max_states:,} different states (scene, counters, "
                    "facts and scenes visited), too many to prove that every passage tells the "
                    "truth about its path. A loop that keeps changing a counter makes the number "
                    "endless: cap the counter with '=N' on the way round, or split the module.",
                )
                return
            queue.append(nxt)

    facts = module.facts
    for (kind, line), (finding, where, passage) in sorted(findings.items(), key=lambda kv: kv[0][1]):
        claims = ", ".join(f"'{f}' ({facts.get(f, '')})" for f in finding.missing)
        labels = labels_to(finding.state_key) + ((finding.last_choice,) if finding.last_choice else ())
        path = _describe_path(labels, finding.scene_id)
        fix_fact = finding.missing[0]
        if kind == "scene":
            problems.error(
                line, "assert-unproven",
                f"Scene{where} asserts {claims}, but a learner can reach it without that being "
                f"established: for example {path}. Make every choice that leads here establish "
                f"it, or move the claim into a passage '::: if {fix_fact}'.")
        else:
            problems.error(
                line, "assert-unproven",
                f"This passage{where} asserts {claims}, but a learner can see it on a path that "
                f"did not establish it: for example {path}. Show it only when it is true "
                f"('::: if {fix_fact}'), or make every path here establish it.")
    for passages, where in _all_texts(module):
        for passage in passages:
            seen = outcomes.get(id(passage))
            if passage.kind != "if" or seen is None or all(seen):
                continue
            if seen[0]:
                problems.warning(
                    passage.line, "condition-always",
                    f"The condition '{passage.condition_text}'{where} holds on every path that "
                    "reaches it, so the passage is always shown (and its '::: else', if any, "
                    "never). Check the condition, or make the text unconditional.")
            else:
                problems.warning(
                    passage.line, "condition-never",
                    f"The condition '{passage.condition_text}'{where} holds on no path that "
                    "reaches it, so learners never see this passage. Check the fact, scene or "
                    "counter it tests, and the choices that should establish it.")


def replay_claims(module: ModuleSpec) -> list[tuple[int, tuple[str, ...]]]:
    """A second, independent way to the proof's answer, for the tests: replay every complete
    path (``engine.all_paths``) and list ``(line, missing facts)`` for every shown passage or
    scene whose claim fails. Slower (it walks paths, not states) but shares no code with the
    search above."""
    failures = []
    for path in engine.all_paths(module):
        state = engine.start(module)
        states = [state]
        for scene_id, index in path.steps[:-1]:
            scene = module.scene(scene_id)
            state = (engine.continue_from_junction(module, state) if index is None
                     else engine.choose(module, state, index))
            states.append(state)
            if index is not None:
                for p in scene.choices[index].feedback_passages:
                    if p.shown(state.counters, state.facts, state.visited):
                        missing = tuple(f for f in p.asserts if f not in state.facts)
                        if missing:
                            failures.append((p.line, missing))
        for st in states:
            scene = module.scene(st.scene_id)
            texts = scene.passages + (module.debrief_passages if scene.kind == "ending" else ())
            for p in texts:
                if p.shown(st.counters, st.facts, st.visited):
                    missing = tuple(f for f in p.asserts if f not in st.facts)
                    if missing:
                        failures.append((p.line, missing))
            missing = tuple(f for f in scene.asserts if f not in st.facts)
            if missing:
                failures.append((scene.line, missing))
    return failures
