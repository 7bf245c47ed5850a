"""GIFT as Moodle reads it: each answer and feedback may carry its own format tag (defaulting
to the question's), a question with stray characters after its answers is malformed (not a
missing-word question), and export says exactly what it wrote and what it left out."""
from __future__ import annotations

from course_engine.content.gift import parse_gift
from course_engine.content.gift_export import export_gift_report
from course_engine.content.specs import OptionSpec, QuestionSpec, QuizSpec

FORMATS = """// id: formats
::Per answer::[markdown]Which is **right**? {
  =[html]<span style\\="color:red">Bold</span> answer#[plain]Plain <feedback> & more
  ~[markdown]*Wrong* one#[moodle]No.
  ~Inherits **markdown**#Also **markdown**
}
"""


def test_each_answer_and_feedback_has_its_own_format():
    """[html] is sanitised, [plain] escaped, [markdown] rendered, [moodle] plain; an answer
    without a tag takes the question's format. No tag is ever left in the text."""
    quiz, problems = parse_gift(FORMATS, "formats.gift")
    assert problems == []
    q = quiz.questions[0]
    assert q.stem_html == "<p>Which is <strong>right</strong>?</p>"
    assert [(o.text_html, o.feedback_html) for o in q.options] == [
        ("<span>Bold</span> answer", "<p>Plain &lt;feedback&gt; &amp; more</p>"),
        ("<em>Wrong</em> one", "<p>No.</p>"),
        ("Inherits <strong>markdown</strong>", "<p>Also <strong>markdown</strong></p>"),
    ]
    assert not any("[" in o.text_html + o.feedback_html for o in q.options)


def test_a_true_false_feedback_may_carry_a_tag():
    quiz, problems = parse_gift("::TF:: The sky is blue. {T#[markdown]*No*, look up.#[plain]Yes <3}\n", "tf.gift")
    assert problems == []
    right = quiz.questions[0].options[0]
    assert right.feedback_html == "<p>Yes &lt;3</p>"
    assert quiz.questions[0].options[1].feedback_html == "<p><em>No</em>, look up.</p>"


def test_stray_characters_after_the_answers_are_malformed():
    """'{=a ~b}}' is a malformed ending at its line, not an unsupported missing-word question;
    real words after the answers are still reported as a missing-word question."""
    _quiz, problems = parse_gift("::Q1:: Pick {=a#Yes. ~b#No.}\n\n::Q2:: Pick\none {=a#Yes. ~b#No.}}\n", "stray.gift")
    assert [(p.line, p.code, p.message) for p in problems] == [
        (4, "gift-malformed-end",
         "This question has stray characters '}' after its closing '}'. Remove them, or escape a brace "
         "meant as text as '\\}'.")]
    _quiz, problems = parse_gift("::Q:: Two plus {=two#Yes. ~three#No.} equals four.\n", "word.gift")
    assert [p.code for p in problems] == ["gift-missing-word", "quiz-no-questions"]


def _quiz() -> QuizSpec:
    def single(qid, keep=False):
        return QuestionSpec(qid, qid, "single", 1.0, "<p>Stem</p>", (
            OptionSpec(0, "Right", 100.0, "<p>Yes.</p>"), OptionSpec(1, "None of these", 0.0, "<p>No.</p>", keep)))
    order = QuestionSpec("q-order", "Order", "ordering", 1.0, "<p>Order</p>", (
        OptionSpec(0, "First", 100.0), OptionSpec(1, "Second", 100.0)), correct_order=(0, 1))
    return QuizSpec("bank", "Bank", 4, True, (single("q-a"), single("q-b", keep=True), order, single("q-c"),
                                              single("q-d")), "bank.md", "v")


def test_export_says_what_it_wrote_and_what_it_left_out():
    """Five questions, one an ordering question: 'Wrote 4', the one left out and why, and the
    'keep last' it could not keep; the text holds exactly the four."""
    export = export_gift_report(_quiz())
    assert export.summary("bank.gift") == (
        "Wrote 4 questions to bank.gift.\n"
        "Left out 'q-order': it is an ordering question, and GIFT has no ordering type.\n"
        "In 'q-b': 'keep last' on option 2 is not kept: Moodle has no such setting, so it may shuffle that option.")
    parsed, problems = parse_gift(export.text, "bank.gift")
    assert [q.id for q in parsed.questions] == ["q-a", "q-b", "q-c", "q-d"] == list(export.written)
