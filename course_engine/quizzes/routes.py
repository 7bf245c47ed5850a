"""Quiz pages inside a scenario attempt."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..db import utcnow
from ..learner import services as learner
from . import bp, services
from .review import review_question


def _attempt_or_404(attempt_id: int):
    attempt = learner.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _quiz_attempt_or_404(attempt, number: int):
    quiz_attempt = services.quiz_attempt_for(attempt, number)
    if quiz_attempt is None:
        abort(404)
    return quiz_attempt


@bp.route("/attempts/<int:attempt_id>/quiz", methods=["POST"])
@login_required
def start(attempt_id: int):
    """Start a quiz attempt (or go back to the one already open)."""
    attempt = _attempt_or_404(attempt_id)
    try:
        quiz_attempt = services.start_quiz_attempt(attempt, utcnow())
    except services.QuizError as exc:
        flash(str(exc), "error")
        return redirect(url_for("learner.debrief", attempt_id=attempt.id), code=303)
    return redirect(url_for("quizzes.take", attempt_id=attempt.id, number=quiz_attempt.number), code=303)


@bp.route("/attempts/<int:attempt_id>/quiz/<int:number>", methods=["GET"])
@login_required
def take(attempt_id: int, number: int):
    attempt = _attempt_or_404(attempt_id)
    quiz_attempt = _quiz_attempt_or_404(attempt, number)
    if quiz_attempt.submitted_at is not None:
        return redirect(url_for("quizzes.results", attempt_id=attempt.id, number=number))
    return _take_page(attempt, quiz_attempt)


def _take_page(attempt, quiz_attempt, errors=(), positions=None, status: int = 200):
    """The quiz page; ``errors`` are (question id, message) pairs, shown in the summary at the
    top and beside their questions; ``positions`` the ordering positions just submitted."""
    questions = services.drawn_questions(attempt, quiz_attempt)
    first_field = {question.id: f"q-{question.id}-{order[0]}" for question, order in questions if order}
    return render_template("quizzes/take.html", attempt=attempt, quiz_attempt=quiz_attempt,
                           quiz=services.quiz_for(attempt), questions=questions, spec=learner.spec_for(attempt),
                           errors=[(first_field.get(qid, f"q-{qid}"), message) for qid, message in errors],
                           error_for=dict(errors), positions=positions or {}), status


def _submitted_answers():
    return {name: request.form.getlist(name) for name in request.form if name.startswith("q-")}


@bp.route("/attempts/<int:attempt_id>/quiz/<int:number>", methods=["POST"])
@login_required
def answer(attempt_id: int, number: int):
    """Save answers ("save and come back later", or the page's auto-save) or submit them once.

    An "order the steps" question with a step left at "Choose a position" (or a position used
    twice) is not saved and stops a submit, whatever else is ticked: the page says which and why.
    """
    attempt = _attempt_or_404(attempt_id)
    quiz_attempt = _quiz_attempt_or_404(attempt, number)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if quiz_attempt.submitted_at is not None:
        if wants_json:
            return jsonify({"saved": False, "submitted": True})
        flash("This quiz was already submitted; here are your results.", "info")
        return redirect(url_for("quizzes.results", attempt_id=attempt.id, number=number), code=303)
    try:
        submitted = services.parse_answers(quiz_attempt, attempt, _submitted_answers())
    except services.QuizError as exc:
        abort(400, description=str(exc))
    answers, problems = submitted.answers, submitted.order_problems
    drawn = [qid for qid, _ in quiz_attempt.drawn]
    if request.form.get("action") != "submit":
        services.save_answers(quiz_attempt, answers)
        if wants_json:
            quiz = services.quiz_for(attempt)
            return jsonify({"saved": True, "not_saved": [quiz.question(qid).title for qid in drawn if qid in problems]})
        if problems:
            # 200, not 400: the other answers are saved, and an error status would roll that back.
            errors = [(qid, problems[qid] + " Your other answers are saved.") for qid in drawn if qid in problems]
            return _take_page(attempt, quiz_attempt, errors, submitted.positions)
        flash("Your answers are saved. You can come back and finish later.", "success")
        return redirect(url_for("quizzes.take", attempt_id=attempt.id, number=number), code=303)
    merged = {**(quiz_attempt.answers or {}), **answers}
    unanswered = [qid for qid in drawn if not merged.get(qid) and qid not in problems]
    confirmed = request.form.get("confirm_unanswered") == "yes"
    if problems or (unanswered and not confirmed):
        services.save_answers(quiz_attempt, answers)
        quiz = services.quiz_for(attempt)
        errors = []
        for qid in drawn:
            if qid in problems:
                errors.append((qid, problems[qid]))
            elif qid in unanswered and not confirmed:
                errors.append((qid, f"Answer “{quiz.question(qid).title}” (or tick 'Submit with unanswered questions')."))
        # 200, not 400: the answers given are saved (the page says so), and an error status
        # would roll them back.
        return _take_page(attempt, quiz_attempt, errors, submitted.positions)
    services.submit(attempt, quiz_attempt, answers, utcnow())
    return redirect(url_for("quizzes.results", attempt_id=attempt.id, number=number), code=303)


@bp.route("/attempts/<int:attempt_id>/quiz/<int:number>/results")
@login_required
def results(attempt_id: int, number: int):
    """Score, pass or not, and for every question the learner's answer, feedback and explanation."""
    attempt = _attempt_or_404(attempt_id)
    quiz_attempt = _quiz_attempt_or_404(attempt, number)
    if quiz_attempt.submitted_at is None:
        return redirect(url_for("quizzes.take", attempt_id=attempt.id, number=number))
    allowed, reason = services.next_attempt_allowed_at(attempt, utcnow())
    responses = services.responses_of(quiz_attempt)
    reviews = []
    for question, order in services.drawn_questions(attempt, quiz_attempt):
        response = responses.get(question.id)
        reviews.append((review_question(question, order, response.selected if response else None), response))
    earned = sum(r.earned for _review, r in reviews if r is not None)
    possible = sum(review.question.points for review, _r in reviews)
    return render_template("quizzes/results.html", attempt=attempt, quiz_attempt=quiz_attempt,
                           reviews=reviews, earned=earned, possible=possible, spec=learner.spec_for(attempt),
                           retake_allowed=allowed, retake_reason=reason)
