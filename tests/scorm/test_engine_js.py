"""The packaged player's engine (player/engine.js, run in node) plays and grades exactly as
the content core does, on every path of every module and on answers to every quiz of the
library; and its resume point fits SCORM 1.2's 4,096 characters in the worst case."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from course_engine.content import engine
from course_engine.content.grading import EPS, grade_attempt

from .library import report, slugs

RUNNER = Path(__file__).resolve().parent / "node" / "run_engine.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")

#: SCORM 1.2's cmi.suspend_data limit (CMIString4096).
SUSPEND_LIMIT_12 = 4096


def run_js(payload: dict) -> dict:
    result = subprocess.run([NODE, str(RUNNER)], input=json.dumps(payload), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def moves_of(path: engine.PathResult, module) -> str:
    """A path's steps as the player's moves: a choice in base 36, '-' for Continue."""
    out = []
    for scene_id, index in path.steps:
        if index is not None:
            out.append("0123456789abcdefghijklmnopqrstuvwxyz"[index])
        elif module.scene(scene_id).kind == "junction":
            out.append("-")
    return "".join(out)


def python_replay(module, moves: str):
    state, seen, last = engine.start(module), [], None
    scene = module.scene(state.scene_id)
    seen.append([scene.id, state.sees(scene.body_html, scene.passages)])
    for ch in moves:
        if ch == "-":
            state = engine.continue_from_junction(module, state)
        else:
            last = module.scene(state.scene_id).choices[int(ch, 36)]
            state = engine.choose(module, state, int(ch, 36))
        scene = module.scene(state.scene_id)
        seen.append([scene.id, state.sees(scene.body_html, scene.passages)])
    return state, seen, last


@pytest.mark.parametrize("slug", slugs())
def test_every_path_plays_the_same_in_the_package_as_on_the_site(slug):
    """For every path from the start to an ending: the same scenes, counters, facts and visited
    scenes, the same conditional passages shown at every step, in the feedback and the debrief."""
    module = report().modules[slug]
    paths = [moves_of(p, module) for p in engine.all_paths(module)]
    got = run_js({"module": module.to_dict(), "paths": paths})["paths"]
    for moves, js in zip(paths, got, strict=True):
        state, seen, last = python_replay(module, moves)
        assert js["scene"] == state.scene_id and module.scene(js["scene"]).kind == "ending"
        assert js["counters"] == state.counters
        assert js["facts"] == sorted(state.facts) and js["visited"] == sorted(state.visited)
        assert js["seen"] == seen, moves
        assert js["debrief"] == state.sees(module.debrief_html, module.debrief_passages)
        assert js["feedback"] == (state.sees(last.feedback_html, last.feedback_passages) if last else None)
        assert js["decisions"] == sum(1 for ch in moves if ch != "-")


def _random_response(question, rng: random.Random) -> list[int]:
    indices = [o.index for o in question.options]
    if question.type == "ordering":
        rng.shuffle(indices)
        return indices
    if question.type == "multiple":
        return sorted(rng.sample(indices, rng.randint(0, len(indices))))
    return [rng.choice(indices)] if rng.random() > 0.1 else []


@pytest.mark.parametrize("slug", slugs())
def test_quiz_grading_in_the_package_matches_the_content_core(slug):
    """Scores, the right/not-right verdict per question and pass/fail agree with
    content/grading.py on 300 random attempts (right answers, wrong ones, blanks) per quiz."""
    module = report().modules[slug]
    quiz = report().quizzes[module.quiz_id]
    rng = random.Random(slug)
    attempts = []
    for _ in range(300):
        ids = [q.id for q in rng.sample(list(quiz.questions), min(quiz.draw, len(quiz.questions)))]
        attempts.append({"ids": ids, "responses": {i: _random_response(quiz.question(i), rng) for i in ids}})
    # And a perfect attempt, so "passed" is reached as well as missed.
    perfect = {q.id: ([o.index for o in q.options if o.weight > 0] if q.type != "ordering" else list(q.correct_order))
               for q in quiz.questions}
    attempts.append({"ids": list(perfect), "responses": perfect})
    got = run_js({"quiz": quiz.to_dict(), "grade": attempts})["grade"]
    passes = set()
    for attempt, js in zip(attempts, got, strict=True):
        py = grade_attempt(quiz, attempt["responses"], attempt["ids"])
        assert js["percent"] == pytest.approx(py.percent, abs=1e-4)
        assert js["earned"] == pytest.approx(py.earned) and js["possible"] == pytest.approx(py.possible)
        for qid, score in py.scores.items():
            assert js["scores"][qid]["correct"] == score.correct, qid
        passed = py.passed(module.pass_mark)
        assert (js["percent"] + EPS >= module.pass_mark) == passed
        passes.add(passed)
    assert passes == {True, False}


@pytest.mark.parametrize("slug", slugs())
def test_the_packaged_draw_follows_the_quiz_rules(slug):
    """Each draw has the bank's number of distinct questions; every option is shown once,
    "keep last" options stay last and an ordering is never shown in its answer order."""
    module = report().modules[slug]
    quiz = report().quizzes[module.quiz_id]
    draws = run_js({"quiz": quiz.to_dict(), "draws": list(range(1, 201))})["draws"]
    firsts = set()
    for drawn in draws:
        ids = [d["id"] for d in drawn]
        assert len(ids) == len(set(ids)) == min(quiz.draw, len(quiz.questions))
        firsts.add(ids[0])
        for d in drawn:
            q = quiz.question(d["id"])
            assert sorted(d["order"]) == sorted(o.index for o in q.options)
            pinned = [o.index for o in q.options if o.keep_last]
            if pinned and q.type not in ("ordering", "true-false"):
                assert d["order"][-len(pinned):] == pinned
            if q.type == "ordering" and len(q.options) > 1:
                assert d["order"] != list(q.correct_order)
    assert len(firsts) > 1  # shuffled: different seeds draw differently


def test_suspend_data_fits_scorm12_in_the_worst_case_of_every_module():
    """The longest path of each module (its largest included), the quiz page with every option
    of every question chosen and a million attempts behind it: under 4,096 characters, and it
    decodes back to the same resume point."""
    worst = {}
    for slug in slugs():
        module = report().modules[slug]
        quiz = report().quizzes[module.quiz_id]
        longest = max((moves_of(p, module) for p in engine.all_paths(module)), key=len)
        biggest = sorted(quiz.questions, key=lambda q: -len(q.options))[:quiz.draw]
        answers = [[o.index for o in q.options] for q in biggest]
        resume = {"moves": longest, "phase": "quiz",
                  "quiz": {"seed": 4294967295, "attempts": 999999, "answers": answers, "best": 66.6667, "passed": False}}
        js = run_js({"suspend": [resume]})["suspend"][0]
        worst[slug] = js["length"]
        assert js["back"] == resume
    assert max(worst.values()) <= SUSPEND_LIMIT_12, worst
    # The figure is recorded in docs/integrations.md; fail loudly if it grows past a quarter.
    assert max(worst.values()) < SUSPEND_LIMIT_12 // 4, worst
