"""Specs round-trip through JSON exactly: the database stores to_dict() snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_engine.content import (
    ModuleSpec,
    QuizSpec,
    check_tree,
    new_module_text,
    new_quiz_text,
    parse_gift,
    parse_module,
)
from course_engine.content.problems import Problem
from course_engine.content.versioning import content_hash

DATA = Path(__file__).parent / "data"


def _json(value):
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    (root / "modules" / "media").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "modules" / "media" / "k.png").write_bytes(b"\x89PNG")
    module = new_module_text("starter").replace(
        "Two weeks pass.", "Two weeks pass.\n\n![A calendar](media/k.png)"
    )
    (root / "modules" / "starter.md").write_text(module)
    (root / "quizzes" / "starter.md").write_text(new_quiz_text("starter"))
    report = check_tree(root / "modules", root / "quizzes")
    assert report.problems == []
    return root, report


def test_module_round_trip(tree):
    """ModuleSpec.from_dict(to_dict()) through JSON gives an equal spec."""
    _, report = tree
    spec = report.modules["starter"]
    assert ModuleSpec.from_dict(_json(spec.to_dict())) == spec
    assert spec.media == ("media/k.png",)


def test_quiz_round_trip(tree):
    """QuizSpec round-trips, for Markdown and GIFT banks."""
    _, report = tree
    quiz = report.quizzes["starter"]
    assert QuizSpec.from_dict(_json(quiz.to_dict())) == quiz
    gift, _ = parse_gift(None, DATA / "gift" / "all-features.gift")
    assert QuizSpec.from_dict(_json(gift.to_dict())) == gift


def test_problem_round_trip():
    """Problems serialise too (the web side may store a check report)."""
    p = Problem("a.md", 3, "error", "yaml", "Bad.")
    assert Problem.from_dict(_json(p.to_dict())) == p


def test_version_covers_module_quiz_and_media(tree):
    """The version is a sha256 of the module file, its quiz file and its media files, so
    editing any of them makes a new version."""
    root, report = tree
    spec = report.modules["starter"]
    expected = content_hash(
        (root / "modules" / "starter.md").read_bytes(),
        (root / "quizzes" / "starter.md").read_bytes(),
        [(root / "modules" / "media" / "k.png").read_bytes()],
    )
    assert spec.version == expected and len(expected) == 64
    (root / "modules" / "media" / "k.png").write_bytes(b"\x89PNG changed")
    assert check_tree(root / "modules", root / "quizzes").modules["starter"].version != expected


def test_module_fields(tree):
    """Front matter fields land in the spec with the documented types and defaults."""
    _, report = tree
    spec = report.modules["starter"]
    assert spec.id == "starter"
    assert spec.quiz_id == "starter" and spec.pass_mark == 80
    assert spec.counters == {"concern": 0}
    assert spec.start == "referral"
    assert spec.recertify_months is None
    assert spec.themes == ("risk", "supervision")
    assert spec.sources[0].url.startswith("https://www.gov.uk/")
    assert len(spec.review_date) == 10
    later = spec.scene("later")
    assert later.kind == "junction" and later.routes[-1].is_otherwise
    assert spec.scene("plan").ending_judgement == "safe"
    choice = spec.scene("referral").choices[0]
    assert (choice.index, choice.target, choice.judgement, choice.effects) == (
        0,
        "visit",
        "safe",
        (("concern", "+", 1),),
    )


def test_parse_module_accepts_text_and_bytes():
    """parse_module reads the file unless text (str or bytes) is given."""
    text = (DATA / "modules" / "valid.md").read_text()
    a, _ = parse_module(DATA / "modules" / "valid.md")
    b, _ = parse_module(DATA / "modules" / "valid.md", text)
    c, _ = parse_module(DATA / "modules" / "valid.md", text.encode())
    assert a == b == c
