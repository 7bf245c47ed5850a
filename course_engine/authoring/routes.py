"""Authors' tools on the web (content status, loading, preview, map), and content media.

Every author page runs the content check on each request, so authors see their file edits
as soon as they reload. Preview plays a module straight from its file and is stateless: the
scene and the counters travel in the URL (``?c=trust:1,risk:0``) and nothing is stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit import record_audit
from ..auth.access import site_role_required
from ..content import (
    ContentReport,
    EngineError,
    ModuleSpec,
    Problem,
    QuizSpec,
    State,
    parse_module,
    parse_quiz_file,
)
from ..content import engine as play
from ..content.graph import analyse
from ..db import session
from . import bp, services
from .cli import content_dirs
from .map import NODE_H, NODE_W, condition_text, layout_graph
from .models import ContentModule, MediaFile

#: Module and scene ids as the format allows them (anything else cannot name content).
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: One ``name:value`` item of the ``c`` query parameter; values are capped at 6 digits so a
#: tampered URL cannot ask for a huge integer.
COUNTER_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(-?[0-9]{1,6})")
COUNTER_VALUE = re.compile(r"-?[0-9]{1,6}")


@bp.route("/content/media/<sha256>/<filename>")
def media(sha256: str, filename: str):
    """An image used by content. Content-addressed, so it can be cached for ever."""
    item = session.scalar(select(MediaFile).where(MediaFile.sha256 == sha256))
    if item is None or item.filename != filename:
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


# --- the content page and loading ----------------------------------------------------------

@dataclass
class FileRow:
    """One content file on the Content page."""

    path: Path
    display: str
    status: str
    problems: list[Problem]
    id: str | None = None
    title: str = ""
    module: ContentModule | None = None
    #: The quiz bank a module uses (module rows only).
    quiz_id: str | None = None
    #: Modules that use this quiz bank (quiz rows only).
    used_by: list[str] = field(default_factory=list)


def _display(path: str | Path) -> str:
    """``modules/x.md`` rather than the absolute path, for people."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}"


@bp.route("/authoring/")
@site_role_required("author")
def list_content():
    """Every module and quiz file with its live check status, its problems and its DB state."""
    modules_dir, quizzes_dir = content_dirs()
    report = services.check_content(modules_dir, quizzes_dir)
    grouped = services.problems_by_file(report.problems)
    in_db = {m.slug: m for m in session.scalars(select(ContentModule).order_by(ContentModule.slug))}
    valid_modules = {s.source_path: s for s in report.modules.values()}
    valid_quizzes = {q.source_path: q for q in report.quizzes.values()}
    media_url = services.media_url_for(modules_dir)

    module_rows, quiz_rows = [], []
    for key, status in sorted(report.files.items()):
        row = FileRow(Path(key), _display(key), status, grouped.get(key, []))
        if Path(key).parent == Path(quizzes_dir):
            quiz = valid_quizzes.get(key) or parse_quiz_file(Path(key))[0]
            if quiz is not None:
                row.id, row.title = quiz.id, quiz.title
            quiz_rows.append(row)
        else:
            # A file with errors is not in the report's specs; parse it again for its id.
            spec = valid_modules.get(key) or parse_module(Path(key), None, modules_dir, media_url)[0]
            if spec is not None:
                row.id, row.title = spec.id, spec.title
                row.module = in_db.get(spec.id)
                row.quiz_id = spec.quiz_id
            module_rows.append(row)
    for quiz_row in quiz_rows:
        quiz_row.used_by = [r.id for r in module_rows if r.id and r.quiz_id == quiz_row.id]
    on_file = {r.id for r in module_rows}
    without_file = [m for slug, m in in_db.items() if slug not in on_file]
    return render_template("authoring/content.html", report=report, module_rows=module_rows,
                           quiz_rows=quiz_rows, without_file=without_file,
                           modules_dir=modules_dir, quizzes_dir=quizzes_dir)


@bp.route("/authoring/sync", methods=["POST"])
@site_role_required("author")
def load_content():
    """Load every valid file into the database now (``flask content sync`` on the web)."""
    # The global CSRF check has already rejected a post without a valid token.
    modules_dir, quizzes_dir = content_dirs()
    result = services.sync_content(modules_dir, quizzes_dir)
    record_audit(current_user, "content.sync", current_user, detail={
        "created": result.created, "updated": result.updated, "retired": result.retired,
        "restored": result.restored, "skipped": result.skipped, "errors": len(result.report.errors)}, ip_address=request.remote_addr)
    flash(result.summary(), "error" if result.report.errors else "success")
    return redirect(url_for("authoring.list_content"))


# --- finding a module by slug, live from its file ------------------------------------------

@dataclass
class ModuleFile:
    """A module file as the live check sees it."""

    path: Path
    #: The spec as parsed; may be incomplete (or None) when the file has errors.
    spec: ModuleSpec | None
    #: This file's problems, including those that need other files (quiz references).
    problems: list[Problem]
    report: ContentReport

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def playable(self) -> ModuleSpec | None:
        """The spec to preview: only when the module file itself has no errors."""
        return None if self.has_errors else self.spec


def _find_module(slug: str) -> ModuleFile:
    """The module with this id, parsed from its file now; 404 if no file holds it."""
    if not SLUG.fullmatch(slug):
        abort(404)
    modules_dir, quizzes_dir = content_dirs()
    report = services.check_content(modules_dir, quizzes_dir)
    spec = report.modules.get(slug)
    if spec is not None:
        path = Path(spec.source_path)
    else:
        path, spec = _locate_module(modules_dir, slug)
        if path is None:
            abort(404)
    problems = [p for p in report.problems if p.path == str(path)]
    return ModuleFile(path, spec, problems, report)


def _locate_module(modules_dir: Path, slug: str) -> tuple[Path | None, ModuleSpec | None]:
    """Find a module that is not valid: ``<slug>.md`` first (the convention), then any file
    whose ``id:`` is the slug."""
    if not modules_dir.is_dir():
        return None, None
    media_url = services.media_url_for(modules_dir)
    conventional = modules_dir / f"{slug}.md"
    others = sorted(p for p in modules_dir.glob("*.md") if p != conventional)
    for path in ([conventional] if conventional.is_file() else []) + others:
        spec, _problems = parse_module(path, None, modules_dir, media_url)
        if (spec is not None and spec.id == slug) or (spec is None and path == conventional):
            return path, spec
    return None, None


def _problems_page(found: ModuleFile, what: str):
    """Shown instead of a preview when the module has errors."""
    return render_template("authoring/problems.html", found=found, what=what, display=_display(found.path))


# --- preview: state in the query string ----------------------------------------------------

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


def format_counters(module: ModuleSpec, counters: dict[str, int]) -> str:
    """The ``c`` query parameter, in the order the module declares its counters."""
    return ",".join(f"{name}:{counters.get(name, start)}" for name, start in module.counters.items())


def _scene_or_400(module: ModuleSpec, scene_id: str):
    try:
        return module.scene(scene_id)
    except KeyError:
        abort(400, description=f"The module has no scene '{scene_id[:80]}'. "
                               "Pick a scene from “Jump to scene” on the module's preview page.")


def _preview_context(module: ModuleSpec, counters: dict[str, int]) -> dict:
    return {"module": module, "counters": counters, "c": format_counters(module, counters)}


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
                           first_c=format_counters(module, first.counters),
                           **_preview_context(module, dict(module.counters)))


@bp.route("/authoring/preview/<slug>/jump")
@site_role_required("author")
def preview_jump(slug: str):
    """Open any scene with counters typed into the Jump form (a GET form: nothing is stored)."""
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
    return redirect(url_for("authoring.preview_scene", slug=slug, scene_id=scene.id,
                            c=format_counters(module, counters)))


@bp.route("/authoring/preview/<slug>/scene/<scene_id>")
@site_role_required("author")
def preview_scene(slug: str, scene_id: str):
    """One scene: its narrative, callouts and choices; a junction's route; an ending's debrief."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    scene = _scene_or_400(module, scene_id)
    counters = parse_counters(module, request.args.get("c"))
    return _render_scene(module, scene, counters)


def _render_scene(module: ModuleSpec, scene, counters: dict[str, int], choice_error: str | None = None):
    context = _preview_context(module, counters)
    if scene.kind == "junction":
        route = next((r for r in scene.routes if play.conditions_hold(r, counters)), None)
        try:
            nxt = play.continue_from_junction(module, State(scene.id, counters))
        except EngineError as exc:
            abort(400, description=f"This junction cannot route with these counters: {exc}.")
        context.update(route=route, route_text=condition_text(route) if route else "", next_state=nxt,
                       next_c=format_counters(module, nxt.counters))
    elif scene.kind == "ending":
        context.update(recommended=_recommended_steps(module))
    status = 400 if choice_error else 200
    return render_template("authoring/preview_scene.html", scene=scene, choice_error=choice_error,
                           **context), status


def _recommended_steps(module: ModuleSpec) -> list[tuple] | None:
    """``(scene, choice or None)`` along the recommended path, or None if it cannot be found."""
    try:
        steps = play.recommended_path(module)
    except (EngineError, KeyError, ValueError):
        return None
    return [(module.scene(sid), module.scene(sid).choices[idx] if idx is not None else None)
            for sid, idx in steps]


@bp.route("/authoring/preview/<slug>/scene/<scene_id>/feedback")
@site_role_required("author")
def preview_feedback(slug: str, scene_id: str):
    """The feedback for the choice made (judgement, why, effects), and Continue."""
    found = _find_module(slug)
    module = found.playable
    if module is None:
        return _problems_page(found, "preview")
    scene = _scene_or_400(module, scene_id)
    counters = parse_counters(module, request.args.get("c"))
    if scene.kind != "choices":
        abort(400, description=f"Scene '{scene.id}' has no choices to give feedback on.")
    raw = request.args.get("choice", "")
    if raw == "":
        return _render_scene(module, scene, counters, choice_error="Choose one of the options.")
    if not re.fullmatch(r"[0-9]{1,4}", raw) or int(raw) >= len(scene.choices):
        abort(400, description=f"Scene '{scene.id}' has no choice '{raw[:20]}'. "
                               f"Choose one of its {len(scene.choices)} options.")
    choice = scene.choices[int(raw)]
    try:
        nxt = play.choose(module, State(scene.id, counters), int(raw))
    except EngineError as exc:
        abort(400, description=f"That choice cannot be followed with these counters: {exc}.")
    return render_template("authoring/preview_feedback.html", scene=scene, choice=choice, next_state=nxt,
                           next_c=format_counters(module, nxt.counters),
                           **_preview_context(module, counters))


# --- quiz preview ------------------------------------------------------------------------------

def _find_quiz(report: ContentReport, quiz_id: str) -> tuple[Path | None, QuizSpec | None, list[Problem]]:
    """The quiz bank with this id: valid from the report, else parsed from its file."""
    quiz = report.quizzes.get(quiz_id)
    if quiz is not None:
        return Path(quiz.source_path), quiz, [p for p in report.problems if p.path == quiz.source_path]
    _modules_dir, quizzes_dir = content_dirs()
    if quizzes_dir.is_dir():
        for path in sorted(quizzes_dir.iterdir()):
            if path.suffix.lower() not in (".md", ".gift"):
                continue
            parsed, _ = parse_quiz_file(path)
            if parsed is not None and parsed.id == quiz_id:
                return path, None, [p for p in report.problems if p.path == str(path)]
    return None, None, []


@bp.route("/authoring/preview/<slug>/quiz")
@site_role_required("author")
def preview_quiz(slug: str):
    """Every question in the module's bank (not a draw), with answers, weights and feedback."""
    found = _find_module(slug)
    if found.spec is None:
        return _problems_page(found, "preview the quiz of")
    if not found.spec.quiz_id:
        abort(404, description="This module has no quiz.")
    path, quiz, problems = _find_quiz(found.report, found.spec.quiz_id)
    return render_template("authoring/preview_quiz.html", found=found, module=found.spec, quiz=quiz,
                           quiz_id=found.spec.quiz_id, problems=problems,
                           quiz_display=_display(path) if path else None)


# --- the map -------------------------------------------------------------------------------

@bp.route("/authoring/map/<slug>")
@site_role_required("author")
def show_map(slug: str):
    """An outline of every scene and where it leads, flagging unreachable scenes and dead ends.

    The map is drawn whenever the file parsed, even with errors (that is when authors need
    it most); a file too broken to parse shows its problems instead.
    """
    found = _find_module(slug)
    module = found.spec
    if module is None:
        return _problems_page(found, "map")
    graph = analyse(module)
    recommended = _recommended_steps(module)
    recommended_choice = {scene.id: choice.index for scene, choice in recommended or () if choice is not None}
    return render_template("authoring/map.html", found=found, module=module, graph=graph,
                           recommended=recommended, recommended_choice=recommended_choice,
                           on_path={scene.id for scene, _ in recommended or ()},
                           unreachable=[s for s in module.scenes if graph.unreachable(s)],
                           dead_ends=[s for s in module.scenes if graph.dead_end(s)],
                           condition_text=condition_text, display=_display(found.path),
                           svg=layout_graph(module, graph, recommended),
                           node_w=NODE_W, node_h=NODE_H)
