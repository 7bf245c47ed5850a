"""Preview and the scene map show conditional passages with their conditions, and preview
lets an author set the facts established and the scenes visited, as it does counters."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

EXAMPLE = (Path(__file__).parents[1] / "content" / "data" / "passages" / "consistent.md").read_text()


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _link(response, label: str) -> str:
    match = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*' + re.escape(label) + r"\s*<", response.get_data(as_text=True))
    assert match, f"no link {label!r}"
    return html.unescape(match.group(1))


@pytest.fixture
def words_kept(write_content):
    write_content(modules={"words-kept.md": EXAMPLE})


def test_the_ending_shows_the_passage_the_path_earned(app, browser, author, words_kept):
    """With 'shared-words' established the ending shows her words; without it, the summary;
    the other passage is listed as hidden on this path, with its condition and line."""
    shared = _text(browser.get("/authoring/preview/words-kept/scene/heard?c=trust:2&f=saw-alone,shared-words"))
    summary = _text(browser.get("/authoring/preview/words-kept/scene/heard?c=trust:1&f=saw-alone"))
    assert "The meeting heard Amira's words as she said them." in shared.split("Conditional passages")[0]
    assert "your summary" not in shared.split("Conditional passages")[0]
    assert "The meeting heard your summary, not her words." in summary.split("Conditional passages")[0]
    assert "Line 81: ::: if shared-words · asserts shared-words · Hidden on this path" in summary
    assert "Line 85: ::: else (not shared-words) · Shown on this path" in summary
    assert "Facts established: saw-alone" in summary


def test_choosing_carries_facts_and_visited_scenes_in_the_address(app, browser, author, words_kept):
    """A choice's facts go into the next scene's address; scenes a 'visited' condition tests
    are carried as well; the feedback shows what the choice establishes."""
    feedback = browser.get("/authoring/preview/words-kept/scene/call/feedback?c=trust:0&choice=1")
    assert feedback.status_code == 200
    nxt = _link(feedback, "Continue")
    assert nxt.endswith("/scene/mother?c=trust:0")
    feedback = browser.get("/authoring/preview/words-kept/scene/mother/feedback?c=trust:0&choice=0")
    assert "Establishes: saw-alone" in _text(feedback)
    assert _link(feedback, "Continue").endswith("/scene/alone?c=trust:0&f=saw-alone&v=mother")
    summarised = _text(browser.get("/authoring/preview/words-kept/scene/alone/feedback?c=trust:0&f=saw-alone&v=mother&choice=1"))
    assert "Her mother's account came first" in summarised.split("Conditional passages")[0]


def test_feedback_evidence_is_rendered_like_a_scenes(app, browser, author, words_kept):
    """An [!EVIDENCE] callout in a choice's feedback is shown as an evidence aside."""
    page = browser.get("/authoring/preview/words-kept/scene/call/feedback?c=trust:0&choice=0").get_data(as_text=True)
    assert '<aside class="callout callout-evidence" aria-label="Evidence">' in page
    assert "<cite>Working Together to Safeguard Children (2023)</cite>" in page


def test_jump_form_sets_facts_and_visited_scenes(app, browser, author, words_kept):
    """Ticked facts and visited scenes go into the address; the scene itself counts as visited."""
    form = browser.get("/authoring/preview/words-kept").get_data(as_text=True)
    assert 'name="fact-shared-words"' in form and 'name="visited-mother"' in form
    response = browser.get("/authoring/preview/words-kept/jump?scene=closed&counter-trust=0&fact-saw-alone=1&visited-mother=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/scene/closed?c=trust:0&f=saw-alone&v=mother")


@pytest.mark.parametrize("query, message", [
    ("f=nope", "This module has no fact 'nope'. Its facts are: saw-alone, shared-words."),
    ("f=Shared_Words", "The facts in the address are not readable"),
    ("v=alone", "This module has no tested scene 'alone'."),
])
def test_bad_facts_or_scenes_in_the_address_are_400(app, browser, author, words_kept, query, message):
    """Facts or scenes in the address that the module does not have get a 400 that says so."""
    response = browser.get(f"/authoring/preview/words-kept/scene/heard?c=trust:0&{query}")
    assert response.status_code == 400 and message in _text(response)


def test_map_lists_facts_passages_and_what_establishes_them(app, browser, author, words_kept):
    """The map lists the declared facts, each scene's passages with condition and line, the
    debrief's passages at each ending, and what choices establish."""
    page = _text(browser.get("/authoring/map/words-kept"))
    assert "saw-alone You saw Amira on her own" in page
    assert "Passages: line 81 if shared-words · asserts shared-words line 85 else (not shared-words)" in page
    assert "line 92 if visited mother and not saw-alone" in page
    assert "Debrief passages (read at this ending): line 100 if not shared-words" in page
    assert "(safe) · establishes saw-alone" in page
    assert "Feedback: line 53 always · asserts saw-alone line 57 if visited mother" in page
