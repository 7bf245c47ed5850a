"""Moodle GIFT import and export."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from course_engine.content import export_gift, parse_gift, parse_quiz_markdown
from course_engine.content.specs import OptionSpec

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def bank():
    spec, problems = parse_gift(None, DATA / "gift" / "all-features.gift")
    assert [p.code for p in problems] == ["option-no-feedback"] * 3
    return spec


def test_bank_settings_from_comments(bank):
    """'// id:', '// title:', '// draw:' and '// shuffle:' comments set up the bank;
    $CATEGORY lines and other comments are ignored."""
    assert (bank.id, bank.title, bank.draw, bank.shuffle) == ("gift-all", "GIFT features", 6, False)
    assert len(bank.questions) == 6


def test_multiple_choice_with_markdown_feedback_weights_and_general_feedback(bank):
    """'=' is right, '~' wrong, '~%50%' partial; '#' starts feedback, '####' the general
    feedback; [markdown] renders stem, options and feedback; comments set id and points."""
    q = bank.question("q-mc")
    assert (q.title, q.type, q.points, q.line) == ("Seeing the child", "single", 2.0, 11)
    assert q.stem_html == "<p>Who should you <strong>see alone</strong>?</p>"
    assert q.options == (
        OptionSpec(0, "The child", 100.0, "<p>Right: <em>always</em> the child.</p>"),
        OptionSpec(1, "The parent", 0.0, "<p>No, the parent is not enough.</p>"),
        OptionSpec(2, "The sibling", 50.0, "<p>Partly: siblings help.</p>"),
    )
    assert q.explanation_html == "<p>See the child alone, every time.</p>"


def test_escapes_and_default_moodle_format(bank):
    r"""\{ \} \= \~ \# \: are literal characters and \n is a new line; a single-line
    question's answers may sit on the same line."""
    q = bank.question("q-escapes")
    assert q.stem_html == "<p>What do {braces}, = and ~ and # and : mean?<br>A second line.</p>"
    assert [(o.text_html, o.weight, o.feedback_html) for o in q.options] == [
        ("They are escaped: literally", 100.0, "<p>Good</p>"),
        ("Nothing special", 0.0, ""),
    ]


def test_multiple_response_with_negative_weights_and_html(bank):
    """With no '=' answer the question is multiple response; negative weights are kept;
    [html] text is sanitised, not escaped."""
    q = bank.question("q-response")
    assert q.type == "multiple"
    assert q.stem_html == "<p>Which <em>two</em> are signs?</p>"
    assert [(o.text_html, o.weight) for o in q.options] == [
        ("Bruising", 50.0),
        ("Missed appointments", 50.0),
        ("Tidy home", -100.0),
    ]


def test_true_false_forms(bank):
    """{T}/{TRUE}/{F}/{FALSE}: the first '#' feedback is for a wrong answer, the second
    for a right one; [plain] escapes HTML."""
    short = bank.question("q-tf-short")
    assert short.type == "true-false"
    assert [(o.text_html, o.weight, o.feedback_html) for o in short.options] == [
        ("True", 100.0, "<p>Correct.</p>"),
        ("False", 0.0, "<p>Look again.</p>"),
    ]
    long = bank.question("q-tf-long")
    assert [o.weight for o in long.options] == [0.0, 100.0]
    assert long.stem_html == "<p>Supervision is only for closed cases &lt;b&gt;really&lt;/b&gt;.</p>"
    assert long.explanation_html == "<p>It is for live cases.</p>"


def test_untitled_multiline_question(bank):
    """Without ::title:: the title (and id) come from the question text; answers may run
    over several lines."""
    q = bank.question("q-untitled-question-in-moodle-format-that-spans-two-lines")
    assert q.title == "Untitled question in moodle format that spans two lines."
    assert [o.weight for o in q.options] == [0.0, 100.0]


def test_id_defaults_to_file_name(tmp_path):
    """A Moodle export with no '// id:' comment takes its id from the file name."""
    spec, problems = parse_gift("::Q::Pick{=a#Yes ~b#No}\n", tmp_path / "from-moodle.gift")
    assert problems == []
    assert (spec.id, spec.title, spec.draw, spec.shuffle) == ("from-moodle", "from-moodle", 1, True)


def _strip_lines(quiz):
    return [dataclasses.replace(q, line=0) for q in quiz.questions]


def test_export_then_import_round_trip(bank):
    """Exporting a bank to GIFT and importing it back keeps every question, answer, weight,
    feedback text, explanation, id and points value."""
    text = export_gift(bank)
    again, problems = parse_gift(text, "again.gift")
    assert [p.code for p in problems] == ["option-no-feedback"] * 3
    assert (again.id, again.title, again.draw, again.shuffle) == (bank.id, bank.title, bank.draw, bank.shuffle)
    assert _strip_lines(again) == _strip_lines(bank)


def test_markdown_quiz_export_import_preserves_answers(tmp_path):
    """A Markdown bank exported to GIFT imports with the same answers, weights (partial and
    multiple-response), feedback and explanations; ordering questions are left out with a
    comment because GIFT cannot express them."""
    source = """\
---
id: md-bank
title: Markdown bank
draw: 3
---

## Partial {#q-partial}
points: 2

Which is *best*?

- [x] See the child
  feedback: Yes, **always**.
- [50%] Phone the school
  feedback: Helpful but not enough.
- [ ] Close the case
  feedback: No.

> [!EXPLAIN]
> Seeing the child tests the explanation.

## Several {#q-several}

Which **three** apply?

- [x] A
  feedback: Yes.
- [x] B
  feedback: Yes.
- [x] C: with a colon {and braces} = ~ #
  feedback: "Yes: indeed."
- [ ] D
  feedback: No.

## Truth {#q-truth}

Children can be seen alone.

- [x] True
  feedback: Right.
- [ ] False
  feedback: Wrong.

## Order {#q-order}

Put these in order.

1. First
2. Second
"""
    path = tmp_path / "md-bank.md"
    path.write_text(source)
    bank, problems = parse_quiz_markdown(path)
    assert problems == []
    several = bank.question("q-several")
    assert [o.weight for o in several.options] == [33.33333, 33.33333, 33.33333, -33.33333]
    text = export_gift(bank)
    assert "// Question 'q-order' (Order) is an ordering question; GIFT has no ordering type" in text
    assert "~%33.33333%A#<p>Yes.</p>" in text
    again, problems = parse_gift(text, tmp_path / "again.gift")
    assert problems == []
    kept = [q for q in _strip_lines(bank) if q.type != "ordering"]
    assert _strip_lines(again) == kept
    assert again.question("q-partial").points == 2


def test_export_is_valid_gift_shape(bank):
    """The export escapes GIFT's special characters inside text and puts each answer on
    its own line, as Moodle's importer expects."""
    text = export_gift(bank)
    assert "::Escapes::[html]<p>What do \\{braces\\}, \\= and \\~ and \\# and \\: mean?<br>A second line.</p>{" in text
    assert "\t~%-100%Tidy home#No" in text
    assert "{TRUE#<p>Look again.</p>#<p>Correct.</p>}" in text


@pytest.mark.parametrize(
    ("source", "stem", "weights"),
    [
        ("::Q::[moodle]Line one\nline <two>{TRUE}", "<p>Line one<br>line &lt;two&gt;</p>", [100.0, 0.0]),
        ("::Q::[plain]Is it *so*?{F}", "<p>Is it *so*?</p>", [0.0, 100.0]),
        ("::Q::[markdown]Is it *so*?{T}", "<p>Is it <em>so</em>?</p>", [100.0, 0.0]),
        ("::Q::[HTML]<p onclick=x()>Is it?</p>{FALSE#Wrong.#Right.}", "<p>Is it?</p>", [0.0, 100.0]),
    ],
)
def test_format_tags(source, stem, weights):
    """[moodle] and [plain] are escaped plain text ([moodle] keeps line breaks), [markdown]
    is rendered and [html] is sanitised; tags are case-insensitive."""
    spec, problems = parse_gift(f"// id: f\n{source}\n", "f.gift")
    assert {p.code for p in problems if p.severity == "error"} <= {"unsafe-html"}
    q = spec.questions[0]
    assert (q.type, q.stem_html, [o.weight for o in q.options]) == ("true-false", stem, weights)


def test_images_are_refused_in_gift():
    """Moodle exports can carry images (@@PLUGINFILE@@); quiz banks cannot show them, so
    they are an error naming the line."""
    spec, problems = parse_gift('// id: i\n\n::Q::[html]<img src="@@PLUGINFILE@@/a.png">Pick{=a#Y ~b#N}\n', "i.gift")
    assert [(p.line, p.code) for p in problems] == [(3, "quiz-image")]


def test_question_kind_travels_through_gift():
    """A question's kind (`kind: transfer` in Markdown) is exported as a `// kind:` comment and
    read back, so a bank's transfer count survives a round trip through Moodle's format; an
    unknown kind in GIFT is the same error as in Markdown."""
    source = """\
---
id: kinds
title: Kinds
---

## A new case {#q-case}
kind: transfer

A 9-year-old tells you... What do you do next, and why?

- [x] Right
  feedback: Yes.
- [ ] Wrong
  feedback: No.

## Recall {#q-recall}

Which is true?

- [x] Right
  feedback: Yes.
- [ ] Wrong
  feedback: No.
"""
    quiz, problems = parse_quiz_markdown("kinds.md", source)
    assert problems == []
    text = export_gift(quiz)
    assert "// kind: transfer" in text and text.count("// kind:") == 1
    again, problems = parse_gift(text, "kinds.gift")
    assert problems == [] and [q.kind for q in again.questions] == ["transfer", ""]
    bad, problems = parse_gift(text.replace("// kind: transfer", "// kind: case"), "kinds.gift")
    assert [p.code for p in problems] == ["question-bad-kind"] and bad.questions[0].kind == ""
