"""Points and scores read as people read them: fractions they use, never float noise, and a
percentage that never shows a pass that was missed."""
import pytest

from course_engine.content import grade_attempt, parse_quiz_markdown
from course_engine.scores import points, points_of, points_phrase, score_percent


@pytest.mark.parametrize("value, shown", [
    (0, "0"), (None, "0"), (1, "1"), (3.0, "3"),
    (1 / 3, "⅓"), (0.3333333, "⅓"), (0.33333, "⅓"), (2 / 3, "⅔"), (0.6666666, "⅔"),
    (0.5, "½"), (2.5, "2½"), (1.25, "1¼"), (0.75, "¾"), (0.2, "⅕"), (0.4, "⅖"), (0.8, "⅘"),
    (1 / 6, "⅙"), (0.125, "⅛"), (0.875, "⅞"), (2 + 2 / 3, "2⅔"),
    (0.9999999, "1"), (1.99999, "2"), (0.00001, "0"),
    (3 / 7, "0.43"), (0.33, "0.33"), (0.1, "0.1"), (1.05, "1.05"),
])
def test_points_use_whole_numbers_and_common_fractions(value, shown):
    """Halves, thirds, quarters, fifths, sixths and eighths are glyphs; float error is absorbed;
    any other value has at most two decimals (0.33 stays 0.33: it is not a third)."""
    assert points(value) == shown


@pytest.mark.parametrize("value, shown", [
    (1, "1 point"), (1 / 3, "⅓ point"), (0.5, "½ point"), (0, "0 points"), (2, "2 points"),
    (1.5, "1½ points"), (0.9999999, "1 point"),
])
def test_points_phrase_agrees_in_number(value, shown):
    """One point and fractions of one are singular; none and more than one are plural."""
    assert points_phrase(value) == shown


@pytest.mark.parametrize("earned, possible, shown", [
    (1, 3, "1 of 3 points"), (2.5, 3, "2½ of 3 points"), (1 / 3, 1, "⅓ of 1 point"),
    (0, 1, "0 of 1 point"), (0.6666666, 2, "⅔ of 2 points"),
])
def test_points_of(earned, possible, shown):
    assert points_of(earned, possible) == shown


@pytest.mark.parametrize("value, shown", [
    (100, "100%"), (75.0, "75%"), (66.6667, "66%"), (69.5, "69%"), (69.99995, "70%"),
    (0, "0%"), (None, "—"), (99.9, "99%"),
])
def test_score_percent_is_rounded_down(value, shown):
    """Rounded down (float error allowed for), so 69.5% never reads as a 70% pass mark met."""
    assert score_percent(value) == shown


def test_a_multiple_answer_question_graded_for_real_reads_as_thirds():
    """The grader's own output for one of three correct options is shown as ⅓, not 0.333333."""
    quiz, problems = parse_quiz_markdown("q.md",
        "---\nid: q\ntitle: Q\n---\n\n## Pick {#pick}\ntype: multiple\n\nWhich?\n\n"
        "- [x] A\n  feedback: y\n- [x] B\n  feedback: y\n- [x] C\n  feedback: y\n- [ ] D\n  feedback: n\n")
    assert not [p for p in problems if p.severity == "error"], problems
    result = grade_attempt(quiz, {"pick": [0]})
    earned = result.scores["pick"].earned
    assert abs(earned - 1 / 3) < 1e-4
    assert points_of(earned, result.scores["pick"].possible) == "⅓ of 1 point"
    assert score_percent(result.percent) == "33%"
