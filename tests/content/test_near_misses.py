"""Near-misses get their own message: one problem at the right line that names the slip and
shows the correct form, and the rest of the file is read as the author meant it."""
from __future__ import annotations

from pathlib import Path

import pytest

from course_engine.content import parse_module, parse_quiz_markdown

DATA = Path(__file__).parent / "data" / "near-misses"

NEAR_MISS_CASES = [
    ('choice-indented.md', 21, 'error', 'choice-indented', "This choice is indented, so it would be read as part of the text. Start choice lines at the beginning of the line: '- [[Go safe->safe-end]]', with its settings indented two spaces under it."),
    ('choice-indented.md', 26, 'error', 'choice-indented', "This choice is indented, so it would be read as part of the text. Start choice lines at the beginning of the line: '- [[Go round->check]]', with its settings indented two spaces under it."),
    ('choice-no-dash.md', 26, 'error', 'choice-no-dash', "This line looks like a choice but does not start with '- ', so learners would see it as text. Write it as '- [[Go round->check]]' (a dash and a space first), with its settings indented under it."),
    ('feedback-not-indented.md', 30, 'error', 'feedback-not-indented', "The text after 'feedback: >' is not indented, so it is not part of the choice. Indent each of its lines under 'feedback:' (four spaces in all), e.g. '    You go round to the back of the house.'."),
    ('heading-level.md', 31, 'error', 'scene-heading-level', "'### Check {#check}' has a scene id but starts with '###'. Scenes start with two: '## Check {#check}'. (Use '###' without an id for a heading inside a scene's text.)"),
    ('option-numbered-marks.md', 12, 'error', 'option-numbered', "This option is written as a numbered item ('1. [x] Right'), so it would not be an option. Write options as '- [x] Right' for a right answer or '- [ ] Right' for a wrong one; numbered lists are only for ordering questions."),
    ('option-numbered-marks.md', 14, 'error', 'option-numbered', "This option is written as a numbered item ('2. [ ] Wrong'), so it would not be an option. Write options as '- [x] Wrong' for a right answer or '- [ ] Wrong' for a wrong one; numbered lists are only for ordering questions."),
    ('option-numbered.md', 12, 'error', 'option-numbered', "This option is written as a numbered item ('1. Wrong'), so it would not be an option. Write options as '- [x] Wrong' for a right answer or '- [ ] Wrong' for a wrong one; numbered lists are only for ordering questions."),
]


def _parse(path: Path):
    return parse_quiz_markdown(path) if path.name.startswith("option") else parse_module(path)


@pytest.mark.parametrize("name", sorted({case[0] for case in NEAR_MISS_CASES}))
def test_each_near_miss_has_one_message_at_its_line(name):
    """Exactly the expected problems (file, line, code, message): no cascade of others."""
    _spec, problems = _parse(DATA / name)
    assert [(p.line, p.severity, p.code, p.message) for p in problems] == [
        case[1:] for case in NEAR_MISS_CASES if case[0] == name]
    assert {p.path for p in problems} == {str(DATA / name)}


@pytest.mark.parametrize("name", ["choice-no-dash.md", "choice-indented.md", "heading-level.md",
                                  "feedback-not-indented.md"])
def test_the_rest_is_read_as_meant(name):
    """After the message, the module is read as the author meant: both choices, all scenes."""
    spec, _ = parse_module(DATA / name)
    assert [s.id for s in spec.scenes] == ["start", "check", "safe-end", "bad-end"]
    assert [c.text for c in spec.scene("start").choices] == ["Go safe", "Go round"]


def test_unindented_feedback_is_kept_as_feedback():
    spec, _ = parse_module(DATA / "feedback-not-indented.md")
    assert spec.scene("start").choices[1].feedback_html == "<p>You go round to the back of the house. Nobody answers.</p>"


def test_a_numbered_option_is_still_an_option():
    """'1. Wrong' with its feedback is read as the wrong option it was meant to be."""
    quiz, _ = parse_quiz_markdown(DATA / "option-numbered.md")
    first = quiz.questions[0]
    assert [(o.text_html, o.weight) for o in first.options] == [("Wrong", 0.0), ("Right", 100.0)]
    assert "feedback" not in first.stem_html
