"""Preview: an author plays a module straight from its file, and nothing is stored.

The learner's state travels in the URL: the scene in the path, the counters in ``c``
(``?c=trust:1,risk:0``), the facts established in ``f`` (``?f=saw-alone,shared-words``) and
the scenes visited in ``v`` (only the scenes some ``visited`` condition names, besides the
current one, which always counts). ``f`` and ``v`` appear only for modules that use them,
so other modules' URLs are as they were.
"""
from __future__ import annotations

import re

from flask import abort, redirect, render_template, request, url_for

from ..auth.access import site_role_required
from ..content import EngineError, ModuleSpec, State
from ..content import engine as play
from ..content.conditions import terms
from . import bp
from .map import condition_text
from .routes import _find_module, _problems_page, _recommended_steps

#: One ``name:value`` item of the ``c`` query parameter; values are capped at 6 digits so a
#: tampered URL cannot ask for a huge integer.
COUNTER_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(-?[0-9]{1,6})")
COUNTER_VALUE = re.compile(r"-?[0-9]{1,6}")
ID_LIST = re.compile(r"[a-z0-9-]+(?:,[a-z0-9-]+)*")


def all_passages(module: ModuleSpec):
    """Every conditional passage of the module, wherever it is."""
    for scene in module.scenes:
        yield from scene.passages
        for choice in scene.choices:
            yield from choice.feedback_passages
    yield from module.debrief_passages


def tested_scenes(module: ModuleSpec) -> list[str]:
    """The scenes some ``visited`` condition names, in file order (the preview's ``v``)."""
    named = {name for p in all_passages(module) for kind, _n, name, _o, _v in terms(p.condition)
             if kind == "visited"}
    return [s.id for s in module.scenes if s.id in named]


def parse_counters(module: ModuleSpec, raw: str | None) -> dict[str, int]:
    """Counters from ``name:value,…``; missing ones keep their starting values.

    :raise 400: for anything malformed or a counter the module does not declare.
    """
    counters = dict(module.counters)
    if not raw:
        return counters
    for item in raw.split(","):
        match = COUNTER_ITEM.fullmatch(item.strip())
        if match is None:
            abort(400, description=f"The counters in the address are not readable ('{item[:40]}'): "
                                   "they should look like risk_noticed:1,trust:0. "
                                   "Use “Jump to scene” to set them.")
        name, value = match.groups()
        if name not in module.counters:
            abort(400, description=f"This module has no counter '{name[:40]}'. "
                                   f"Its counters are: {', '.join(module.counters) or 'none'}.")
        counters[name] = int(value)
    return counters


def _id_list(raw: str | None, known, what: str, plural: str) -> frozenset[str]:
    if not raw:
        return frozenset()
    if not ID_LIST.fullmatch(raw):
        abort(400, description=f"The {plural} in the address are not readable ('{raw[:40]}'): they "
                               "should be ids separated by commas. Use “Jump to scene” to set them.")
    names = raw.split(",")
    for name in names:
        if name not in known:
            abort(400, description=f"This module has no {what} '{name[:40]}'. "
                                   f"Its {plural} are: {', '.join(known) or 'none'}.")
    return frozenset(names)


def parse_state(module: ModuleSpec, scene_id: str) -> State:
    """The learner's state from the URL (``c``, ``f``, ``v``); the scene counts as visited."""
    counters = parse_counters(module, request.args.get("c"))
    facts = _id_list(request.args.get("f"), list(module.facts), "fact", "facts")
    visited = _id_list(request.args.get("v"), tested_scenes(module), "tested scene", "scenes tested by 'visited'")
    return State(scene_id, counters, facts, visited | {scene_id})


def state_args(module: ModuleSpec, state: State) -> dict[str, str]:
    """The query parameters for a state, in the module's own order."""
    args = {"c": ",".join(f"{name}:{state.counters.get(name, start)}" for name, start in module.counters.items())}
    if module.facts and state.facts:
        args["f"] = ",".join(f for f in module.facts if f in state.facts)
    visited = [s for s in tested_scenes(module) if s in state.visited and s != state.scene_id]
    if visited:
        args["v"] = ",".join(visited)
    return args


def _scene_or_400(module: ModuleSpec, scene_id: str):
    try:
        return module.scene(scene_id)
    except KeyError:
        abort(400, description=f"The module has no scene '{scene_id[:80]}'. "
                               "Pick a scene from “Jump to scene” on the module's preview page.")


def _context(module: ModuleSpec, state: State) -> dict:
    return {"module": module, "state": state, "counters": state.counters, "q": state_args(module, state),
            "tested_scenes": tested_scenes(module), "condition_text": condition_text}


@bp.route("/authoring/preview/<slug>")
@site_role_required("author")
def preview_module(slug: str):
    """The module's introduction, a Start link, and every scene to jump to."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    first = play.start(module)
    return render_template("authoring/preview_intro.html", found=found, first=first,
                           first_q=state_args(module, first),
                           **_context(module, State(module.start, dict(module.counters))))


@bp.route("/authoring/preview/<slug>/jump")
@site_role_required("author")
def preview_jump(slug: str):
    """Open any scene with the counters, facts and visited scenes set in the Jump form (a GET
    form: nothing is stored). Arriving at the scene establishes its own facts, as in play."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    scene = _scene_or_400(module, request.args.get("scene", ""))
    counters = dict(module.counters)
    for name in module.counters:
        raw = request.args.get(f"counter-{name}", "").strip()
        if not raw:
            continue
        if not COUNTER_VALUE.fullmatch(raw):
            abort(400, description=f"The counter '{name}' must be a whole number "
                                   f"between -999999 and 999999, not '{raw[:20]}'.")
        counters[name] = int(raw)
    facts = frozenset(f for f in module.facts if request.args.get(f"fact-{f}"))
    visited = frozenset(s for s in tested_scenes(module) if request.args.get(f"visited-{s}"))
    state = State("", counters, facts, visited).arrive(scene)
    return redirect(url_for("authoring.preview_scene", slug=slug, scene_id=scene.id, **state_args(module, state)))


@bp.route("/authoring/preview/<slug>/scene/<scene_id>")
@site_role_required("author")
def preview_scene(slug: str, scene_id: str):
    """One scene: its narrative, callouts and choices; a junction's route; an ending's debrief."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    scene = _scene_or_400(module, scene_id)
    return _render_scene(module, scene, parse_state(module, scene.id))


def _render_scene(module: ModuleSpec, scene, state: State, choice_error: str | None = None):
    context = _context(module, state)
    if scene.kind == "junction":
        route = next((r for r in scene.routes if play.conditions_hold(r, state.counters)), None)
        try:
            nxt = play.continue_from_junction(module, state)
        except EngineError as exc:
            abort(400, description=f"This junction cannot route with these counters: {exc}.")
        context.update(route=route, route_text=condition_text(route) if route else "", next_state=nxt,
                       next_q=state_args(module, nxt))
    elif scene.kind == "ending":
        context.update(recommended=_recommended_steps(module))
    status = 400 if choice_error else 200
    return render_template("authoring/preview_scene.html", scene=scene, choice_error=choice_error,
                           **context), status


@bp.route("/authoring/preview/<slug>/scene/<scene_id>/feedback")
@site_role_required("author")
def preview_feedback(slug: str, scene_id: str):
    """The feedback for the choice made (judgement, why, effects, facts), and Continue."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    scene = _scene_or_400(module, scene_id)
    state = parse_state(module, scene.id)
    if scene.kind != "choices":
        abort(400, description=f"Scene '{scene.id}' has no choices to give feedback on.")
    raw = request.args.get("choice", "")
    if raw == "":
        return _render_scene(module, scene, state, choice_error="Choose one of the options.")
    if not re.fullmatch(r"[0-9]{1,4}", raw) or int(raw) >= len(scene.choices):
        abort(400, description=f"Scene '{scene.id}' has no choice '{raw[:20]}'. "
                               f"Choose one of its {len(scene.choices)} options.")
    choice = scene.choices[int(raw)]
    try:
        nxt = play.choose(module, state, int(raw))
    except EngineError as exc:
        abort(400, description=f"That choice cannot be followed with these counters: {exc}.")
    return render_template("authoring/preview_feedback.html", scene=scene, choice=choice, next_state=nxt,
                           next_q=state_args(module, nxt), **_context(module, state))
