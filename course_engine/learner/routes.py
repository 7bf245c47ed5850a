"""The learner's pages. Every attempt is looked up with the current user's id, so another
learner's attempt is a 404 (its existence is never confirmed)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import submissions
from ..authoring.services import published_versions
from ..content import recommended_path
from ..content.progress import decision_count
from ..auth.access import login_required_with
from ..db import TransactionMode, transaction, utcnow
from ..orgs.services import memberships_for
from . import bp, player, services
from .forms import FinalReflectionForm, StartModuleForm
from .models import AttemptStatus

STALE_MESSAGE = ("That page was out of date (perhaps the back button, a second tab or a double click), "
                 "so nothing was changed. Here is where you are now.")


def _attempt_or_404(attempt_id: int):
    attempt = services.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _shown_step() -> int:
    value = request.form.get("step", "")
    if not value.isdigit():
        abort(400, description="The page you sent from is missing its position. Reload the page and try again.")
    return int(value)


@bp.route("/learning")
@login_required
def my_learning():
    """The learner's home: assigned, in progress, completed, CPD minutes this registration year."""
    today = utcnow().date()
    minutes, year_start, year_end = services.cpd_minutes_in_year(current_user.id, today)
    return render_template(
        "learner/my_learning.html", in_progress=services.in_progress_for(current_user.id),
        completions=services.completions_for(current_user.id), cpd_minutes=minutes,
        year_start=year_start, year_end=year_end, memberships=memberships_for(current_user),
        assignments=_assignments_for(current_user.id, today), extras=_home_extras(current_user.id))


def _assignments_for(user_id: int, today):
    """Assignments from employers, when that feature is installed (see employers.services)."""
    from flask import current_app

    provider = current_app.extensions.get("course_engine.assignments_for_learner")
    return provider(user_id, today) if provider else []


def _home_extras(user_id: int):
    """Per-completion extras other features add (certificate links)."""
    from flask import current_app

    provider = current_app.extensions.get("course_engine.completion_links")
    return provider(user_id) if provider else {}


@bp.route("/modules")
@login_required
def catalogue():
    """Every published module; filter by theme, search words in title and summary."""
    theme = (request.args.get("theme") or "").strip().lower()
    words = [w for w in (request.args.get("q") or "").lower().split() if w][:10]
    rows = published_versions()
    themes = sorted({t for _m, v in rows for t in v.themes})
    shown = [(m, v) for m, v in rows
             if (not theme or theme in [t.lower() for t in v.themes])
             and all(w in (v.title + " " + v.summary).lower() for w in words)]
    return render_template("learner/catalogue.html", modules=shown, themes=themes, theme=theme,
                           q=request.args.get("q", ""), total=len(rows))


@bp.route("/modules/<slug>")
@login_required
def show_module(slug: str):
    """Summary, outcomes, standards, time, the content warning, then start or resume."""
    found = services.published_module(slug)
    if found is None:
        abort(404)
    return _module_page(*found, StartModuleForm.from_request())


def _module_page(module, version, form: StartModuleForm, status: int = 200):
    from ..authoring.services import module_spec

    spec = module_spec(version)
    attempt = services.open_attempt(current_user.id, module.id)
    completions = [c for c, _t, s in services.completions_for(current_user.id) if s == module.slug]
    return render_template("learner/module.html", module=module, version=version, spec=spec, attempt=attempt,
                           completions=completions, form=form), status


@bp.route("/modules/<slug>/start", methods=["POST"])
@login_required
def start_attempt(slug: str):
    """Start (or restart) the module: a new attempt; an unfinished one is kept as abandoned.

    Only once the learner has ticked that they read the content warning: otherwise the module
    page again, with the error summary every form has (400, nothing started)."""
    found = services.published_module(slug)
    if found is None:
        abort(404)
    form = StartModuleForm.from_request()
    if not form.validate():
        return _module_page(*found, form, 400)
    # A second click on the same page goes to the attempt the first click opened, rather than
    # starting another and abandoning the one the learner is already on.
    submission = form.claim_submission(current_user.id, utcnow())
    if submission.repeated:
        return submissions.already_saved(submission, url_for("learner.show_module", slug=slug))
    attempt = services.start_attempt(current_user.id, found[0], utcnow())
    return redirect(submission.done(url_for("learner.play", attempt_id=attempt.id)), code=303)


@bp.route("/attempts/<int:attempt_id>")
@transaction(TransactionMode.read_only)
@login_required_with(position=player.POSITION)
def play(attempt_id: int, position: player.Position | None):
    """The learner's current position: introduction, a scene, or the debrief."""
    if position is None:
        abort(404)
    if position.status in (AttemptStatus.scenario_done, AttemptStatus.completed):
        return redirect(url_for("learner.debrief", attempt_id=position.id))
    if position.status == AttemptStatus.abandoned:
        flash("You restarted this module, so this earlier attempt is closed. Here is your current one.", "info")
        return redirect(url_for("learner.show_module", slug=services.module_slug(position.module_id)))
    spec = player.spec_at(position)
    scene = spec.scene(position.current_scene_id) if position.current_scene_id else None
    return render_template("learner/scene.html", attempt=position, spec=spec, scene=scene,
                           scene_html=position.state().sees(scene.body_html, scene.passages) if scene else "",
                           journal=position.journal if scene else {}, choice_error=None,
                           decisions=decision_count(spec))


def _after_move(attempt_id: int, result: player.MoveResult):
    if result.outcome is player.MoveOutcome.stale:
        flash(STALE_MESSAGE, "info")
        return redirect(url_for("learner.play", attempt_id=attempt_id), code=303)
    if result.decision_step is not None:
        return redirect(url_for("learner.feedback", attempt_id=attempt_id, step=result.decision_step), code=303)
    return redirect(url_for("learner.play", attempt_id=attempt_id), code=303)


# The moves work on the learner's position (read with the learner in one statement, no ORM
# objects: see learner/player.py) and make one atomic write each, without a transaction.

@bp.route("/attempts/<int:attempt_id>/begin", methods=["POST"])
@transaction(TransactionMode.single_write)
@login_required_with(position=player.POSITION)
def begin(attempt_id: int, position: player.Position | None):
    if position is None:
        abort(404)
    return _after_move(position.id, player.begin(position, player.spec_at(position), _shown_step(), utcnow()))


@bp.route("/attempts/<int:attempt_id>/choose", methods=["POST"])
@transaction(TransactionMode.single_write)
@login_required_with(position=player.POSITION)
def choose(attempt_id: int, position: player.Position | None):
    """Record a decision. Stale pages change nothing; a choice not on the page is a 400."""
    if position is None:
        abort(404)
    step, scene_id, key = _shown_step(), request.form.get("scene", ""), request.form.get("choice", "")
    spec = player.spec_at(position)
    if not key and step == position.step and scene_id == position.current_scene_id:
        scene = spec.scene(position.current_scene_id)
        return render_template("learner/scene.html", attempt=position, spec=spec, scene=scene,
                               scene_html=position.state().sees(scene.body_html, scene.passages),
                               journal=position.journal,
                               choice_error="Choose one of the options before you continue.",
                               decisions=decision_count(spec)), 400
    try:
        result = player.make_choice(position, spec, step, scene_id, key, utcnow())
    except services.LearningError as exc:
        abort(400, description=str(exc))
    return _after_move(position.id, result)


@bp.route("/attempts/<int:attempt_id>/continue", methods=["POST"])
@transaction(TransactionMode.single_write)
@login_required_with(position=player.POSITION)
def continue_on(attempt_id: int, position: player.Position | None):
    if position is None:
        abort(404)
    try:
        result = player.continue_junction(position, player.spec_at(position), _shown_step(),
                                          request.form.get("scene", ""), utcnow())
    except services.LearningError as exc:
        abort(400, description=str(exc))
    return _after_move(position.id, result)


@bp.route("/attempts/<int:attempt_id>/feedback/<int:step>")
@transaction(TransactionMode.read_only)
@login_required
def feedback(attempt_id: int, step: int):
    """What followed from a decision: shown before the learner moves on."""
    attempt = _attempt_or_404(attempt_id)
    decision = services.decision_at(attempt, step)
    if decision is None:
        abort(404)
    spec = services.spec_for(attempt)
    scene = spec.scene(decision.scene_id)
    choice = scene.choices[decision.choice_index]
    latest = decision.step == attempt.step - 1
    evidence, evidence_in_feedback = _evidence_for(scene, choice)
    feedback_html = player.feedback_state(decision).sees(choice.feedback_html, choice.feedback_passages)
    return render_template("learner/feedback.html", attempt=attempt, spec=spec, scene=scene, choice=choice,
                           decision=decision, latest=latest, evidence=evidence,
                           evidence_in_feedback=evidence_in_feedback, feedback_html=feedback_html)


def _evidence_for(scene, choice) -> tuple[list, bool]:
    """The EVIDENCE callouts that bear on a decision, and whether they are the choice's own.

    A choice's feedback may carry its own evidence callouts (``feedback_callouts``, which the
    content core also renders in place in ``feedback_html``, where the author put them);
    those are the evidence. A choice without any falls back to the evidence of the scene
    where the decision was made, which the page shows beside the feedback under its own heading.
    """
    own = [c for c in choice.feedback_callouts if c.kind == "evidence"]
    if own:
        return own, True
    return [c for c in scene.callouts if c.kind == "evidence"], False


@bp.route("/attempts/<int:attempt_id>/journal/<prompt_id>", methods=["POST"])
@login_required
def save_journal(attempt_id: int, prompt_id: str):
    """Save an answer to a reflection prompt (private to the learner)."""
    attempt = _attempt_or_404(attempt_id)
    try:
        services.save_journal_answer(attempt, prompt_id, request.form.get("answer", ""), utcnow())
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(request.form.get("return_to") == "debrief" and url_for("learner.debrief", attempt_id=attempt.id)
                        or url_for("learner.play", attempt_id=attempt.id) + f"#reflect-{prompt_id}", code=303)
    flash("Your reflection is saved in your private journal.", "success")
    return redirect(url_for("learner.play", attempt_id=attempt.id) + f"#reflect-{prompt_id}", code=303)


@bp.route("/attempts/<int:attempt_id>/debrief")
@login_required
def debrief(attempt_id: int):
    """The path taken beside the recommended path, the judgements, the outcome, key learning."""
    attempt = _attempt_or_404(attempt_id)
    if attempt.ending_scene_id is None:
        return redirect(url_for("learner.play", attempt_id=attempt.id))
    spec = services.spec_for(attempt)
    decisions = services.decisions_of(attempt)
    taken = [(spec.scene(d.scene_id), spec.scene(d.scene_id).choices[d.choice_index], d) for d in decisions]
    recommended = [(spec.scene(sid), spec.scene(sid).choices[idx]) for sid, idx in recommended_path(spec)
                   if idx is not None]
    now = utcnow()
    panels = [requirement.debrief_panel(attempt, spec, now)
              for requirement in current_app.extensions.get(services.REQUIREMENTS, ())]
    ending = spec.scene(attempt.ending_scene_id)
    at_end = player.final_state(attempt)
    return render_template("learner/debrief.html", attempt=attempt, spec=spec, ending=ending,
                           ending_html=at_end.sees(ending.body_html, ending.passages),
                           debrief_html=at_end.sees(spec.debrief_html, spec.debrief_passages),
                           taken=taken, recommended=recommended, requirement_panels=[p for p in panels if p],
                           missing=services.what_is_missing(attempt, now), completion=services.completion_for(attempt),
                           reflection=services.final_reflection_for(attempt))


@bp.route("/attempts/<int:attempt_id>/reflection", methods=["GET", "POST"])
@login_required
def final_reflection(attempt_id: int):
    """The two CPD questions; required for completion, editable later."""
    attempt = _attempt_or_404(attempt_id)
    if attempt.ending_scene_id is None:
        flash("Finish the scenario first.", "info")
        return redirect(url_for("learner.play", attempt_id=attempt.id))
    existing = services.final_reflection_for(attempt)
    form = FinalReflectionForm.from_request(obj=existing)
    if request.method == "POST" and form.validate():
        now = utcnow()
        try:
            services.save_final_reflection(attempt, form.what_learned.data, form.impact_on_practice.data, now)
        except services.LearningError as exc:
            form.what_learned.errors.append(str(exc))
        else:
            completion = services.try_complete(attempt, now)
            if completion is not None and existing is None:
                flash("Module completed. Well done.", "success")
                return redirect(url_for("learner.completed", attempt_id=attempt.id), code=303)
            flash("Your reflection is saved.", "success")
            return redirect(url_for("learner.debrief", attempt_id=attempt.id), code=303)
    spec = services.spec_for(attempt)
    return render_template("learner/reflection.html", attempt=attempt, spec=spec, form=form), (400 if form.errors else 200)


@bp.route("/attempts/<int:attempt_id>/completed")
@login_required
def completed(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    completion = services.completion_for(attempt)
    if completion is None:
        return redirect(url_for("learner.debrief", attempt_id=attempt.id))
    return render_template("learner/completed.html", attempt=attempt, spec=services.spec_for(attempt),
                           completion=completion, extras=_home_extras(current_user.id))
