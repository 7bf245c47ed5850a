"""The authoring guide's example really works, and the YAML fast path equals PyYAML."""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

from course_engine.content import check_tree, engine
from course_engine.content._common import simple_yaml_mapping

DOC = Path(__file__).parents[2] / "docs" / "authoring.md"


def _block(marker: str) -> str:
    text = DOC.read_text()
    after = text[text.index(marker) :]
    return re.search(r"```markdown\n(.*?)```", after, re.S).group(1)


def test_authoring_example_passes_the_check(tmp_path):
    """The complete example module and quiz in docs/authoring.md check with no problems,
    and use every feature: all three endings, both junction kinds, every callout, an image,
    every effect operator and every question type."""
    (tmp_path / "modules" / "media").mkdir(parents=True)
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "modules" / "media" / "kitchen.png").write_bytes(b"\x89PNG")
    (tmp_path / "modules" / "first-visit.md").write_text(_block("<!-- example-module -->"))
    (tmp_path / "quizzes" / "first-visit.md").write_text(_block("<!-- example-quiz -->"))
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert report.problems == []
    module = report.modules["first-visit"]
    assert {s.ending_judgement for s in module.endings} == {"safe", "partly-safe", "unsafe"}
    junctions = [s for s in module.scenes if s.kind == "junction"]
    assert {bool(s.body_html) for s in junctions} == {True, False}
    kinds = {c.kind for s in module.scenes for c in s.callouts} | {c.kind for c in module.intro_callouts}
    assert kinds == {"evidence", "note", "reflect"}
    assert module.debrief_callouts and module.media == ("media/kitchen.png",)
    assert {op for s in module.scenes for c in s.choices for _, op, _ in c.effects} == {"+", "-", "="}
    quiz = report.quizzes["first-visit"]
    assert {q.type for q in quiz.questions} == {"single", "multiple", "true-false", "ordering"}
    ends = {p.ending for p in engine.all_paths(module)}
    assert ends == {"plan", "partial", "drift"}


VALUES = [
    "Plain words.", "Seeing the child: first", "yes", "No", "true", "False", "3", "1.5",
    "A 'quoted' word", 'Say "hi"', "risk +1, trust -1", "ends with colon:", "a # b", "-dash",
    "[list]", "{map}", "~", "null", "Ünïcode", "x: y", "http://x.org/a", "on", "Off",
]  # fmt: skip


def test_simple_yaml_matches_pyyaml():
    """Whenever the fast settings reader accepts a block, PyYAML reads it the same way."""
    rng = random.Random(3)
    accepted = 0
    for _ in range(3000):
        lines = []
        for key in rng.sample(["judgement", "why", "feedback", "effects", "keep_last"], rng.randint(1, 4)):
            if rng.random() < 0.3:
                indent = " " * rng.choice([2, 2, 4])
                body = [indent + rng.choice(VALUES) for _ in range(rng.randint(1, 3))]
                if rng.random() < 0.2:
                    body.insert(1, "")
                lines += [f"{key}: {rng.choice(['>', '|'])}"] + body
            else:
                lines.append(f"{key}: {rng.choice(VALUES)}")
        text = "\n".join(lines)
        fast = simple_yaml_mapping(text)
        if fast is None:
            continue
        accepted += 1
        assert fast == yaml.safe_load(text), text
    assert accepted > 300
