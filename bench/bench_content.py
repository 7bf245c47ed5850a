"""Benchmark the content core: parse + validate + render N generated modules.

Usage: .venv/bin/python bench/bench_content.py [N ...]   (default: 50 200 800)

Each module has 10-20 scenes of 3 choices (with feedback, effects, evidence/note/reflect
callouts and some Markdown formatting), a junction, two endings, a debrief and a quiz bank of
15 questions. Text varies between modules so no caching can flatter the figures.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_engine.content.validate import check_tree  # noqa: E402

WORDS = (
    "the child family social worker visit assessment risk school nursery health visitor "
    "mother father partner grandmother referral strategy discussion supervision plan "
    "safeguarding concern evidence bruise explanation culture hypothesis escalation review "
    "neglect attendance housing benefit food worry trust relationship voice wishes feelings "
    "record chronology threshold police paediatrician medical examination consent"
).split()


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int, markup: bool) -> str:
    text = " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(sentences))
    if markup:
        w = rng.choice(WORDS)
        text += f" The **{w}** matters, and *{rng.choice(WORDS)}* is [documented](https://example.org/{w})."
    return text


def make_module(i: int, rng: random.Random) -> tuple[str, str]:
    slug = f"bench-module-{i}"
    n = rng.randint(10, 20)
    ids = [f"scene-{k}" for k in range(n)]
    out = [
        "---",
        f"id: {slug}",
        f'title: "Bench module {i}"',
        f"summary: {sentence(rng, 20)}",
        "cpd_minutes: 30",
        "outcomes:",
        f"  - {sentence(rng, 12)}",
        f"  - {sentence(rng, 12)}",
        "themes: [risk, escalation]",
        "standards:",
        '  - "PCF 7: Intervention and skills"',
        f"content_warning: {sentence(rng, 10)}",
        f"support: {sentence(rng, 10)}",
        f"quiz: {slug}",
        "pass_mark: 80",
        "counters:",
        "  risk: 0",
        "  trust: 0",
        "fictional: true",
        "sources:",
        "  - title: A review",
        "    url: https://example.org/review",
        "authors: [A. Author]",
        "review_date: 2027-03-31",
        "---",
        "",
        paragraph(rng, 3, True),
        "",
    ]
    for k, sid in enumerate(ids[:-2]):
        out += [f"## Scene {k} {{#{sid}}}", "", paragraph(rng, 4, True), "", paragraph(rng, 3, False), ""]
        if k % 3 == 1:  # some full Markdown: a list and a sub-heading
            out += ["### What you know", "", f"- {sentence(rng, 8)}", f"- {sentence(rng, 8)}", f"- `{rng.choice(WORDS)}` {sentence(rng, 6)}", ""]
        if k % 2 == 0:
            out += [f"> [!EVIDENCE] {sentence(rng, 6)}", f"> {paragraph(rng, 2, False)}", ""]
        if k % 3 == 0:
            out += [f"> [!NOTE] {sentence(rng, 3)}", f"> {paragraph(rng, 1, True)}", ""]
        if k % 4 == 0:
            out += [f"> [!REFLECT] reflect-{k}", f"> {sentence(rng, 12)}", ""]
        if k == n - 3:
            out += ["-> if risk >= 3 and trust >= 1: " + ids[-2], "-> otherwise: " + ids[-1], ""]
            continue
        targets = [ids[k + 1], ids[min(k + 2, n - 3)], ids[-1]]
        for c, (target, judgement) in enumerate(zip(targets, ("safe", "partly-safe", "unsafe"))):
            out += [
                f"- [[{sentence(rng, 6)[:-1]} ({c})->{target}]]",
                f"  judgement: {judgement}",
                f"  why: {sentence(rng, 12)}",
                f"  effects: risk +1, trust {'+' if c == 0 else '-'}1",
                "  feedback: >",
                f"    {paragraph(rng, 2, c == 1)}",
            ]
        out.append("")
    out += [f"## Good outcome {{#{ids[-2]}}}", "ending: safe", "", paragraph(rng, 3, False), ""]
    out += [f"## Poor outcome {{#{ids[-1]}}}", "ending: unsafe", "", paragraph(rng, 3, False), ""]
    out += ["# Debrief", "", f"- {sentence(rng, 10)}", f"- {sentence(rng, 10)}", paragraph(rng, 2, True), ""]
    quiz = ["---", f"id: {slug}", f'title: "Bench quiz {i}"', "draw: 10", "shuffle: true", "---", ""]
    for q in range(15):
        quiz += [f"## Question {q} {{#q-{q}}}", "", paragraph(rng, 2, q % 3 == 0), ""]
        correct = {0, 2} if q % 5 == 0 else {0}
        for o in range(4):
            mark = "x" if o in correct else " "
            quiz += [f"- [{mark}] {sentence(rng, 8)}", f"  feedback: {sentence(rng, 14)}"]
        quiz += ["", "> [!EXPLAIN]", f"> {paragraph(rng, 2, False)}", ""]
    return "\n".join(out), "\n".join(quiz)


def generate(root: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    (root / "modules").mkdir(parents=True)
    (root / "quizzes").mkdir(parents=True)
    for i in range(count):
        module, quiz = make_module(i, rng)
        (root / "modules" / f"bench-module-{i}.md").write_text(module, encoding="utf-8")
        (root / "quizzes" / f"bench-module-{i}.md").write_text(quiz, encoding="utf-8")


def run(count: int) -> tuple[float, float, int, int]:
    """Time check_tree in one process and with its default worker choice (best of 3)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, count)
        timings = {}
        for workers in (1, None):
            best = float("inf")
            for _ in range(3 if count <= 200 else 1):
                started = time.perf_counter()
                report = check_tree(root / "modules", root / "quizzes", workers=workers)
                best = min(best, time.perf_counter() - started)
            timings[workers] = best
            if report.errors or len(report.modules) != count:
                for p in report.errors[:10]:
                    print(p)
                raise SystemExit("generated content did not check cleanly")
        scenes = sum(len(m.scenes) for m in report.modules.values())
        questions = sum(len(q.questions) for q in report.quizzes.values())
        return timings[1], timings[None], scenes, questions


def main(argv: list[str]) -> int:
    counts = [int(a) for a in argv] or [50, 200, 800]
    run(5)  # warm up imports and the Markdown instance
    print(f"CPUs: {os.cpu_count()}; times are parse + validate + render, best of 3 (1 run at 800)")
    print(
        f"{'modules':>8} {'scenes':>7} {'questions':>9} {'1 process s':>12} "
        f"{'default s':>10} {'ms/module':>10}"
    )
    results = {}
    for count in counts:
        serial, default, scenes, questions = run(count)
        results[count] = default
        print(
            f"{count:>8} {scenes:>7} {questions:>9} {serial:>12.3f} {default:>10.3f} "
            f"{1000 * default / count:>10.2f}"
        )
    if 200 in results:
        verdict = "yes" if results[200] < 2.0 else "NO"
        print(f"200 modules under 2 s: {verdict} ({results[200]:.3f} s)")
        return 0 if results[200] < 2.0 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
