"""The module library plays through: every path ends, every quiz can be passed, and the
library meets the standards the issue sets for each scenario module."""
from pathlib import Path

import pytest

from course_engine.content import all_paths, grade_attempt, recommended_path
from course_engine.content.path_proof import prove_passages, replay_claims
from course_engine.content.problems import ProblemList
from tests.conftest import library_report

ROOT = Path(__file__).resolve().parents[2]
REPORT = library_report()  # checked once per process
INTRO = "its-silent-introduction"
LEADERS = "it-starts-with-us"  # the tenth module, for leaders and managers (issue 16, section 5)
SLUGS = sorted(p.stem for p in (ROOT / "modules").glob("*.md"))


def test_library_checks_with_no_errors_and_no_warnings():
    """`flask content check` on the library: nothing to fix, nothing to warn about. Ten modules,
    the tenth being the leaders' module (issue 16, section 5)."""
    assert [str(p) for p in REPORT.problems] == []
    assert len(SLUGS) == 10 and set(SLUGS) == set(REPORT.modules)
    assert LEADERS in REPORT.modules


@pytest.mark.parametrize("slug", SLUGS)
def test_every_path_reaches_an_ending(slug):
    """Exhaustively, through the content core: every route through the module ends at an ending."""
    module = REPORT.modules[slug]
    paths = all_paths(module)
    assert paths, "no path through the module"
    endings = {s.id for s in module.endings}
    for path in paths:
        assert path.ending in endings
    assert {p.ending for p in paths} == endings, "an ending that no path reaches"
    minimum = 3 if slug == INTRO else 4
    decisions = [sum(1 for _scene, choice in p.steps if choice is not None) for p in paths]
    assert min(decisions) >= minimum, f"a path with only {min(decisions)} decisions"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_path_tells_the_truth(slug):
    """The check's proof over every state of the module finds no passage or scene claiming
    a fact its path did not establish, and replaying every complete path agrees."""
    module = REPORT.modules[slug]
    problems = ProblemList(module.source_path)
    prove_passages(module, problems)
    assert [str(p) for p in problems] == []
    assert replay_claims(module) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_module_shape(slug):
    """At least three endings, a conditional route, reflection prompts, a debrief, and the
    recommended path ending safely; CPD minutes in range; fictional; review date set."""
    module = REPORT.modules[slug]
    assert len(module.endings) >= 3
    assert any(s.kind == "junction" and any(not r.is_otherwise for r in s.routes) for s in module.scenes)
    assert any(s.reflects for s in module.scenes)
    assert module.debrief_html.strip()
    steps = recommended_path(module)
    last_scene = steps[-1][0]
    assert module.scene(last_scene).ending_judgement == "safe"
    low, high = (10, 15) if slug == INTRO else (20, 40)
    assert low <= module.cpd_minutes <= high
    assert module.content_warning and module.support and "NSPCC" in module.support
    assert module.review_date and module.sources and module.outcomes and module.standards


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_can_be_passed_and_meets_the_bar(slug):
    """Bank of at least 12, 8 drawn, pass mark 80%; the right answers pass whatever is drawn;
    every option has feedback (ordering items excepted) and every question an explanation."""
    module = REPORT.modules[slug]
    quiz = REPORT.quizzes[module.quiz_id]
    assert len(quiz.questions) >= 12 and quiz.draw == 8 and module.pass_mark == 80
    best = {}
    for q in quiz.questions:
        if q.type == "ordering":
            best[q.id] = list(q.correct_order)
        elif q.type == "multiple":
            best[q.id] = [o.index for o in q.options if o.weight > 0]
        else:
            best[q.id] = [max(q.options, key=lambda o: o.weight).index]
        assert q.explanation_html.strip(), f"{q.id} has no explanation"
        if q.type != "ordering":  # items to put in order are not answers with feedback of their own
            assert all(o.feedback_html.strip() for o in q.options), f"{q.id} has an option without feedback"
    result = grade_attempt(quiz, best)
    for qid, score in result.scores.items():
        assert score.earned == score.possible, f"{qid} cannot be answered fully right"
    assert result.passed(module.pass_mark)
