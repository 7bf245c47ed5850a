"""Authors' tools on the web (content status, loading, preview, map), and content media.

Every author page runs the content check on each request, so authors see their file edits
as soon as they reload. Preview (``preview.py``) plays a module straight from its file.
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
#: The longest slug a module can have (``content_module.slug`` is 80 characters).
SLUG_MAX = 80


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
    if len(slug) > SLUG_MAX or not SLUG.fullmatch(slug):
        abort(404)  # a slug no module can have (a 10,000-character one is too long a file name)
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


def _recommended_steps(module: ModuleSpec) -> list[tuple] | None:
    """``(scene, choice or None)`` along the recommended path, or None if it cannot be found."""
    try:
        steps = play.recommended_path(module)
    except (EngineError, KeyError, ValueError):
        return None
    return [(module.scene(sid), module.scene(sid).choices[idx] if idx is not None else None)
            for sid, idx in steps]


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
