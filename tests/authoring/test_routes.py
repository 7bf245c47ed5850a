"""The author pages: content status, loading, preview and map."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from course_engine.authoring.models import ContentModule
from course_engine.content.graph import analyse
from course_engine.content import parse_module
from course_engine.db import session
from course_engine.audit import AuditLog

from .conftest import MAZE_MODULE, module_text, quiz_text, row_counts

PAGES = [
    "/authoring/",
    "/authoring/preview/tiny",
    "/authoring/preview/tiny/scene/referral",
    "/authoring/preview/tiny/scene/referral/feedback?c=trust:0,risk:0&choice=0",
    "/authoring/preview/tiny/scene/later?c=trust:1,risk:0",
    "/authoring/preview/tiny/scene/good",
    "/authoring/preview/tiny/quiz",
    "/authoring/map/tiny",
]


def _text(response) -> str:
    """The page as text with entities decoded and whitespace collapsed, for phrase checks."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _link(response, label: str) -> str:
    """The href of the link whose text is ``label``."""
    match = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*' + re.escape(label) + r"\s*<", response.get_data(as_text=True))
    assert match, f"no link {label!r}"
    return html.unescape(match.group(1))


# --- access ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", PAGES + ["/authoring/preview/tiny/jump?scene=later"])
def test_anonymous_visitors_are_sent_to_log_in(app, client, tiny, url):
    """Every author page sends a visitor who is not logged in to the login page."""
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", PAGES + ["/authoring/preview/tiny/jump?scene=later"])
def test_learners_who_are_not_authors_get_403(app, browser, make_user, tiny, url):
    """A logged-in learner who is not an author gets 403 on every author page."""
    browser.login(make_user(email="learner@example.org").email)
    assert browser.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_authors_see_every_page(app, browser, author, tiny, url):
    """Authors see every author page, each with exactly one h1."""
    response = browser.get(url)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<h1") == 1


def test_site_admins_are_authors_too(app, browser, make_user, tiny):
    """Site admins have every site role, author included."""
    browser.login(make_user(email="admin@example.org", is_site_admin=True).email)
    assert browser.get("/authoring/").status_code == 200


def test_authors_get_content_in_the_menu(app, browser, author):
    """Authors get a 'Content' link in the main menu."""
    response = browser.get("/account")
    assert 'href="/authoring/"' in response.get_data(as_text=True)


# --- content page and loading ---------------------------------------------------------------

def test_content_page_shows_status_problems_with_lines_and_db_state(app, browser, author, tiny, write_content):
    """Each file shows its status in words, each problem as file:line: message, and what is live."""
    broken = module_text(slug="broken", quiz="tiny").replace("judgement: safe", "judgement: maybe")
    write_content(modules={"broken.md": broken})
    line = broken.splitlines().index("  judgement: maybe") + 1

    page = _text(browser.get("/authoring/"))
    assert f"modules/broken.md:{line}:" in page and "judgement" in page
    assert "Errors" in page and "OK" in page
    assert "Not loaded yet" in page
    assert "quizzes/tiny.md" in page

    browser.post("/authoring/sync", form_page="/authoring/")
    page = _text(browser.get("/authoring/"))
    assert "Live: version 1" in page


def test_content_page_is_checked_live_on_each_request(app, browser, author, tiny, content_dirs):
    """Authors edit files and reload: the page reflects the file as it is now."""
    assert "Errors" not in _text(browser.get("/authoring/"))
    (content_dirs[0] / "tiny.md").write_text(module_text().replace("ending: safe", "ending: great"), encoding="utf-8")
    assert "Errors" in _text(browser.get("/authoring/"))


def test_load_button_syncs_flashes_the_summary_and_audits(app, browser, author, tiny):
    """"Load content now" loads valid content, flashes the one-line summary and is audit-logged."""
    response = browser.post("/authoring/sync", form_page="/authoring/", follow_redirects=True)
    assert response.status_code == 200
    assert "Synced content: 1 new, 0 updated, 0 unchanged" in _text(response)
    session.rollback()
    assert session.scalar(select(ContentModule).where(ContentModule.slug == "tiny")).is_published
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "content.sync"))
    assert entry.actor_id == author.id and entry.detail["created"] == ["tiny"]
    assert (entry.target_type, entry.target_id) == ("User", str(author.id))


def test_load_without_csrf_token_is_400_and_loads_nothing(app, browser, author, tiny):
    """Loading without a CSRF token is refused (400) before anything is loaded or audited."""
    response = browser.client.post("/authoring/sync", data={})
    assert response.status_code == 400
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "content.sync")) == 0


def test_learners_cannot_load_content(app, browser, make_user, tiny):
    """Only authors may load content: a learner's post is 403 and loads nothing."""
    browser.login(make_user(email="learner@example.org").email)
    assert browser.post("/authoring/sync", form_page="/account").status_code == 403
    assert row_counts()["content_module"] == 0


# --- preview ---------------------------------------------------------------------------------

def test_preview_walks_choice_junction_and_ending_without_writing(app, browser, author, tiny):
    """A whole play-through (a choice, a junction, an ending) writes nothing to the database."""
    before = row_counts()

    intro = browser.get("/authoring/preview/tiny")
    assert "Preview: nothing is recorded" in _text(intro) and "The introduction of Tiny module" in _text(intro)

    scene = browser.get(_link(intro, "Start the preview"))
    page = _text(scene)
    assert "A referral arrives about a bruise." in page
    assert "Panel review (2025)" in page and "See the child alone." in page  # evidence and note
    assert "Answers are not saved in preview." in page and "disabled" in scene.get_data(as_text=True)
    assert "What do you do?" in page and "Visit and see the child" in page

    feedback = browser.get("/authoring/preview/tiny/scene/referral/feedback?c=trust:0,risk:0&choice=0")
    page = _text(feedback)
    assert "Visit and see the child" in page and "Judgement: Safe" in page
    assert "Seeing the child tests the explanation." in page and "You arrange a visit for tomorrow." in page
    assert "trust = 1" in page

    assert "/scene/later?" in _link(feedback, "Continue")
    junction = browser.get(_link(feedback, "Continue"))
    assert "Two weeks pass." in _text(junction) and "trust >= 1" in _text(junction)

    ending = browser.get(_link(junction, "Continue"))
    page = _text(ending)
    assert "The child is safe and the family has support." in page
    assert "Outcome for the child and family" in page and "Debrief" in page
    assert "Always test an explanation by seeing the child." in page
    assert "The recommended path" in page and "Visit and see the child (safe)" in page

    assert row_counts() == before


def test_junction_routes_by_the_counters_in_the_address(app, browser, author, tiny):
    """A junction's Continue follows the first route whose condition holds for the counters in the URL."""
    low = browser.get("/authoring/preview/tiny/scene/later?c=trust:0,risk:0")
    high = browser.get("/authoring/preview/tiny/scene/later?c=trust:1,risk:0")
    assert "/scene/bad" in _link(low, "Continue") and "/scene/good" in _link(high, "Continue")


def test_jump_form_opens_any_scene_with_counters(app, browser, author, tiny):
    """Jump to scene redirects to the scene with the typed counters; blank ones keep their start value."""
    response = browser.get("/authoring/preview/tiny/jump?scene=later&counter-trust=3&counter-risk=")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/authoring/preview/tiny/scene/later?c=trust:3,risk:0")


def test_submitting_no_choice_asks_for_one(app, browser, author, tiny):
    """Submitting the choice form with nothing chosen shows the scene again with an error."""
    response = browser.get("/authoring/preview/tiny/scene/referral/feedback?c=trust:0,risk:0")
    assert response.status_code == 400
    assert "Choose one of the options." in _text(response) and "What do you do?" in _text(response)


def test_preview_of_unknown_module_is_404(app, browser, author, tiny):
    """A slug no module file has is 404 on every preview and map page."""
    for url in ("/authoring/preview/nope", "/authoring/preview/nope/scene/referral",
                "/authoring/preview/nope/quiz", "/authoring/map/nope", "/authoring/preview/Not_A_Slug"):
        assert browser.get(url).status_code == 404, url


@pytest.mark.parametrize("url, message", [
    ("/authoring/preview/tiny/scene/nope", "The module has no scene 'nope'"),
    ("/authoring/preview/tiny/scene/referral?c=trust:lots", "counters in the address are not readable"),
    ("/authoring/preview/tiny/scene/referral?c=trust", "counters in the address are not readable"),
    ("/authoring/preview/tiny/scene/referral?c=trust:99999999999", "counters in the address are not readable"),
    ("/authoring/preview/tiny/scene/referral?c=bogus:1", "This module has no counter 'bogus'"),
    ("/authoring/preview/tiny/scene/referral/feedback?choice=7", "has no choice '7'"),
    ("/authoring/preview/tiny/scene/referral/feedback?choice=-1", "has no choice '-1'"),
    ("/authoring/preview/tiny/scene/referral/feedback?choice=%C2%B2", "has no choice"),
    ("/authoring/preview/tiny/scene/later/feedback?choice=0", "has no choices"),
    ("/authoring/preview/tiny/scene/nope/feedback?choice=0", "The module has no scene 'nope'"),
    ("/authoring/preview/tiny/jump?scene=nope", "The module has no scene 'nope'"),
    ("/authoring/preview/tiny/jump?scene=later&counter-trust=abc", "must be a whole number"),
])
def test_tampered_addresses_are_400_with_a_clear_message(app, browser, author, tiny, url, message):
    """A hand-edited address is a 400 that says what is wrong, never a 500."""
    response = browser.get(url)
    assert response.status_code == 400
    assert message in _text(response)


def test_preview_of_a_module_with_errors_shows_the_problems(app, browser, author, write_content):
    """A module with errors is not played: its problems are shown instead, with lines."""
    broken = module_text().replace("judgement: safe", "judgement: maybe")
    write_content(modules={"tiny.md": broken}, quizzes={"tiny.md": quiz_text()})
    line = broken.splitlines().index("  judgement: maybe") + 1
    for url in ("/authoring/preview/tiny", "/authoring/preview/tiny/scene/referral"):
        page = _text(browser.get(url))
        assert "Fix the problems to preview this module" in page
        assert f"modules/tiny.md:{line}:" in page
        assert "Preview: nothing is recorded" not in page


def test_quiz_preview_shows_every_question_with_answers(app, browser, author, tiny):
    """The whole bank (not a draw): correct options marked, weights, feedback and explanations."""
    page = _text(browser.get("/authoring/preview/tiny/quiz"))
    assert "Seeing the child" in page and "Supervision" in page
    assert "See the child alone ✓ Correct 100%" in page
    assert "Wait for the next report ✕ Not correct 0%" in page
    assert "Right, seeing the child tests the concern." in page
    assert "Always test a concern by seeing the child." in page
    assert "Learners get 2 of them" in page


def test_quiz_preview_shows_each_question_kind_and_the_transfer_count(app, browser, author, write_content):
    """An author sees what each question asks (its `kind:`) and how many of the bank are
    transfer questions, so the half-transfer rule can be kept while writing; a bank without
    kinds shows neither."""
    kinded = quiz_text().replace("## Seeing the child {#q-see}\n", "## Seeing the child {#q-see}\nkind: transfer\n")
    write_content(modules={"tiny.md": module_text()}, quizzes={"tiny.md": kinded})
    page = _text(browser.get("/authoring/preview/tiny/quiz"))
    assert "1 of 2 questions are transfer questions" in page and "1 without kind:" in page
    assert "q-see · single · transfer ·" in page
    write_content(quizzes={"tiny.md": quiz_text()})
    assert "transfer questions" not in _text(browser.get("/authoring/preview/tiny/quiz"))


def test_quiz_preview_of_a_broken_bank_shows_its_problems(app, browser, author, write_content):
    """A quiz bank with errors is not shown: its problems are, with file and line."""
    write_content(modules={"tiny.md": module_text()},
                  quizzes={"tiny.md": quiz_text().replace("- [x] See the child alone", "- [ ] See the child alone")})
    page = _text(browser.get("/authoring/preview/tiny/quiz"))
    assert "cannot be previewed" in page and "quizzes/tiny.md:" in page


# --- map -------------------------------------------------------------------------------------

def test_map_outlines_scenes_routes_and_the_recommended_path(app, browser, author, tiny):
    """The map lists each choice (text -> target, judgement) and each route (condition -> target),
    and marks the recommended path in words."""
    response = browser.get("/authoring/map/tiny")
    page = _text(response)
    assert "Every scene can be reached." in page and "An ending can be reached from every scene." in page
    assert "“Visit and see the child” → later (safe)" in page
    assert "if trust >= 1 → good" in page and "otherwise → bad" in page
    assert "Recommended: “Visit and see the child”" in page
    assert "<caption" in response.get_data(as_text=True) and 'scope="row"' in response.get_data(as_text=True)


def test_map_flags_unreachable_scenes_and_dead_ends_even_with_errors(app, browser, author, write_content):
    """A module that parsed is mapped despite its errors (that is when the map helps most):
    the unreachable scene and the dead end are flagged, and the check's problems listed."""
    write_content(modules={"maze.md": MAZE_MODULE.format(slug="maze", title="Maze", quiz="tiny")},
                  quizzes={"tiny.md": quiz_text()})
    response = browser.get("/authoring/map/maze")
    assert response.status_code == 200
    page = _text(response)
    assert "1 unreachable: island" in page
    assert "1 dead end (no ending can be reached from them): loop" in page
    rows = response.get_data(as_text=True)
    island = rows[rows.index('id="scene-island"'):]
    assert "Unreachable" in island[:island.index("</tr>")]
    loop = rows[rows.index('id="scene-loop"'):]
    assert "Dead end: no ending can be reached" in loop[:loop.index("</tr>")]
    assert "modules/maze.md:" in page and "cannot be previewed or loaded" in page


def test_map_of_a_file_that_cannot_be_read_shows_its_problems(app, browser, author, write_content):
    """A module file too broken to parse has no map: its problems are shown instead (200)."""
    write_content(modules={"wreck.md": "no settings at all\n"})
    response = browser.get("/authoring/map/wreck")
    assert response.status_code == 200
    assert "modules/wreck.md:1:" in _text(response) and "Fix the problems to map this module" in _text(response)


def test_graph_analysis_matches_the_checks_rules(tmp_path):
    """Reachability ignores counters (every choice and route counts); a dead end is a scene
    from which no ending can be reached; endings are never dead ends."""
    spec, _ = parse_module(tmp_path / "maze.md", MAZE_MODULE.format(slug="maze", title="Maze", quiz="tiny"))
    graph = analyse(spec)
    assert graph.reachable == {"referral", "later", "loop", "good", "bad"}
    assert {s.id for s in spec.scenes if graph.dead_end(s)} == {"loop"}
    assert {s.id for s in spec.scenes if graph.unreachable(s)} == {"island"}
