"""What the learner sees around a decision: the evidence that bears on it, where they are in
the case ("Decision 2 of up to 3"), and a content-warning gate that explains itself."""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from course_engine.content import CalloutSpec, parse_module
from course_engine.content.progress import decision_count
from course_engine.db import session
from course_engine.learner.models import ScenarioAttempt
from course_engine.learner.routes import _evidence_for
from tests.conftest import csrf_from, sync_sample_content

DATA = Path(__file__).parent / "data"

EVIDENCE = """> [!EVIDENCE] Test Review Panel (2025)
> Marks explained away were not tested in several reviews.
"""


@pytest.fixture
def with_evidence(app, content_dirs):
    """The sample module with an EVIDENCE callout in its first scene, synced."""
    modules, quizzes = content_dirs
    path = Path(modules) / "first-visit.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("A teacher calls about marks on Amira's arm.\n",
                                 "A teacher calls about marks on Amira's arm.\n\n" + EVIDENCE, 1), encoding="utf-8")
    return sync_sample_content(modules, quizzes)


def test_feedback_shows_the_evidence_of_the_scene_where_the_decision_was_made(app, with_evidence, learner, browser):
    """Until choices carry evidence of their own, the feedback page shows the scene's EVIDENCE
    callouts under "The evidence for this decision", with their citation."""
    from tests.learner.conftest import Player

    player = Player(browser)
    player.start()
    player.begin()
    response = player.choose(0)
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert '<h2 id="evidence-heading">The evidence for this decision</h2>' in html
    assert "From “The referral”, where you made this decision." in html
    section = html[html.index('aria-labelledby="evidence-heading"'):]
    assert "<cite>Test Review Panel (2025)</cite>" in section
    assert "Marks explained away were not tested in several reviews." in section


def test_feedback_without_evidence_anywhere_has_no_empty_evidence_section(app, published, player, browser):
    player.start()
    player.begin()
    html = browser.get(player.choose(0).headers["Location"]).get_data(as_text=True)
    assert "The evidence for this decision" not in html


def test_a_choices_own_evidence_comes_first_and_is_not_shown_twice():
    """When a choice's feedback has evidence callouts (rendered in place in its feedback), those
    are its evidence and the scene's are not added beside them; otherwise the scene's are."""
    scene_evidence = CalloutSpec("evidence", citation="Scene source", html="<p>scene</p>")
    reflect = CalloutSpec("reflect", id="r", html="<p>?</p>")
    scene = SimpleNamespace(callouts=(scene_evidence, reflect))
    own = CalloutSpec("evidence", citation="Choice source", html="<p>choice</p>")
    note = CalloutSpec("note", title="n", html="<p>n</p>")
    assert _evidence_for(scene, SimpleNamespace(feedback_callouts=(note, own))) == ([own], True)
    assert _evidence_for(scene, SimpleNamespace(feedback_callouts=(note,))) == ([scene_evidence], False)
    assert _evidence_for(scene, SimpleNamespace(feedback_callouts=())) == ([scene_evidence], False)


def test_feedback_with_its_own_evidence_shows_it_in_the_feedback(app, content_dirs, player, browser):
    """A choice whose feedback has an EVIDENCE callout: the page shows it (with its citation) in
    what happened next, and does not add the scene's evidence beside it."""
    modules, quizzes = content_dirs
    path = Path(modules) / "first-visit.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("A teacher calls about marks on Amira's arm.\n",
                        "A teacher calls about marks on Amira's arm.\n\n" + EVIDENCE, 1)
    text = text.replace("  feedback: You note the explanation and move on.\n",
                        "  feedback: |\n    You note the explanation and move on.\n\n"
                        "    > [!EVIDENCE] Choice Source (2024)\n    > An explanation accepted untested.\n", 1)
    path.write_text(text, encoding="utf-8")
    sync_sample_content(modules, quizzes)
    player.start()
    player.begin()
    html = browser.get(player.choose(0).headers["Location"]).get_data(as_text=True)
    chosen = html[html.index('class="card feedback-layout__chosen"'):]
    chosen = chosen[:chosen.index('class="card feedback-layout__judged"')]
    assert "<cite>Choice Source (2024)</cite>" in chosen and "An explanation accepted untested." in chosen
    assert "The evidence for this decision" not in html and "Test Review Panel" not in html


def _progress(html):
    match = re.search(r'<strong class="scene-progress">([^<]*)</strong>', html)
    return match.group(1).strip() if match else None


def test_scene_page_says_which_decision_this_is_of_how_many_at_most(app, published, player, browser):
    """The sample module asks for 2 decisions on one path and 2 on the other: "Decision 1 of 2",
    then "Decision 2 of 2"; a junction with text shows no decision number."""
    player.start()
    player.begin()
    first = player.page().get_data(as_text=True)
    assert _progress(first) == "Decision 1 of 2"
    assert "0 decisions made of 2." in first
    player.choose(0)  # -> the explanation
    second = player.page().get_data(as_text=True)
    assert _progress(second) == "Decision 2 of 2" and "1 decision made of 2." in second
    player.choose(1)  # -> the junction, which has text
    junction = player.page().get_data(as_text=True)
    assert _progress(junction) is None and "2 decisions made of 2." in junction


def test_up_to_when_paths_differ_in_length(app, content_dirs, player, browser):
    """A path with a detour makes the counts differ: "Decision 1 of up to 3"."""
    modules, quizzes = content_dirs
    path = Path(modules) / "first-visit.md"
    text = path.read_text(encoding="utf-8")
    # The explanation's second choice now goes through one more decision before the junction.
    text = text.replace("- [[Speak to the school nurse->check]]", "- [[Speak to the school nurse->nurse]]")
    text = text.replace("## Amira alone {#alone}", "## The nurse {#nurse}\n\nThe nurse is worried.\n\n"
                        "- [[Call the family->check]]\n  judgement: partly-safe\n  why: Better.\n"
                        "  feedback: You call.\n\n## Amira alone {#alone}")
    path.write_text(text, encoding="utf-8")
    sync_sample_content(modules, quizzes)
    player.start()
    player.begin()
    html = player.page().get_data(as_text=True)
    assert _progress(html) == "Decision 1 of up to 3"
    assert "this case has 2 to 3, depending on your path." in html


def test_decision_count_is_the_fewest_and_most_decisions_over_the_scene_graph():
    text = (DATA / "modules" / "first-visit.md").read_text(encoding="utf-8")
    module, problems = parse_module("first-visit.md", text)
    assert not [p for p in problems if p.severity == "error"]
    count = decision_count(module)
    assert (count.fewest, count.most) == (2, 2)
    assert decision_count(module) is count  # worked out once per decoded module


def test_decision_count_is_none_when_scenes_loop():
    """A choice that leads back makes the most unbounded: no "of N" is claimed."""
    text = (DATA / "modules" / "first-visit.md").read_text(encoding="utf-8")
    looped = text.replace("- [[Close the referral->check]]", "- [[Close the referral->referral]]")
    module, _problems = parse_module("first-visit.md", looped)
    assert module is not None
    assert decision_count(module) is None


def test_the_library_counts_are_bounds_of_every_real_path():
    """For every shipped module the graph's count brackets what the counters allow (exhaustively)."""
    from course_engine.content import all_paths, check_tree

    root = Path(__file__).resolve().parents[2]
    report = check_tree(root / "modules", root / "quizzes", workers=1)
    for slug, module in report.modules.items():
        counts = [sum(1 for _scene, index in p.steps if index is not None) for p in all_paths(module)]
        found = decision_count(module)
        assert found is not None, slug
        assert found.fewest <= min(counts) and found.most >= max(counts), (slug, found, min(counts), max(counts))


def test_warning_gate_without_the_box_ticked_shows_the_error_summary(app, learner, browser):
    """Not ticked: the module page again (400) with the error summary linking to the box, the
    message beside it, and nothing started. The form is ``novalidate``: the browser's own bubble
    never stands in for the summary, and the server decides."""
    page = browser.get("/modules/first-visit").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/modules/first-visit/start" novalidate>', page)
    response = browser.client.post("/modules/first-visit/start", data={"csrf_token": csrf_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html[html.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert "There is a problem" in summary
    assert ('<a href="#acknowledge">Confirm that you have read the content warning and know where to find '
            'support.</a>') in summary
    assert 'id="acknowledge-error-1"' in html and 'aria-describedby="acknowledge-error-1"' in html
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ScenarioAttempt)) == 0

    ticked = browser.post("/modules/first-visit/start", {"acknowledge": "y"}, form_page="/modules/first-visit")
    assert ticked.status_code == 303 and "/attempts/" in ticked.headers["Location"]


def test_warning_gate_needs_the_csrf_token(app, learner, browser):
    response = browser.client.post("/modules/first-visit/start", data={"acknowledge": "y"})
    assert response.status_code == 400
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ScenarioAttempt)) == 0
