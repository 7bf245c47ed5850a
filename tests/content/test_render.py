"""Rendering and sanitising: no executable markup survives anywhere content carries text."""

from __future__ import annotations

import random
import re

import markdown
import pytest

from course_engine.content import parse_gift, parse_module, parse_quiz_markdown
from course_engine.content import markdown_render as mr

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">s</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "![x](javascript:alert(1))",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '"><script>alert(1)</script>',
    "<details open ontoggle=alert(1)>",
]

DANGEROUS_TAG = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|svg|math|form|meta|body|link|base|frame)\b", re.I
)
EVENT_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
BAD_URL = re.compile(r"<[^>]*\s(href|src|action)\s*=\s*[\"']?\s*(javascript|data|vbscript)\s*:", re.I)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.I)


def assert_safe(value: object, where: str = "") -> None:
    """Walk a to_dict() structure and check every string."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert_safe(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            assert_safe(v, f"{where}[{i}]")
    elif isinstance(value, str):
        for pattern in (DANGEROUS_TAG, EVENT_ATTR, BAD_URL, STYLE_ATTR):
            assert not pattern.search(value), f"{where}: {value!r}"


MODULE = """\
---
id: xss
title: 'T {P}'
summary: 'S {P}'
cpd_minutes: 10
outcomes: ['O {P}']
standards: ['PCF {P}']
content_warning: 'W {P}'
support: 'Help {P}'
counters:
  risk: 0
fictional: true
sources:
  - title: 'Src {P}'
    url: https://example.org/
authors: ['A {P}']
review_date: 2027-01-01
---

Intro {P}

> [!NOTE] Note {P}
> Note body {P}

## Start {P} {{#start}}

Body {P}

> [!EVIDENCE] Cite {P}
> Evidence {P}

> [!REFLECT] think
> Reflect {P}

- [[Choice {P}->end]]
  judgement: safe
  why: 'Why {P}'
  feedback: 'Feedback {P}'
- [[Other->bad]]
  judgement: unsafe
  why: W.
  feedback: |
    Block {P}

## End {{#end}}
ending: safe

Ending {P}

## Bad {{#bad}}
ending: unsafe

Bad.

# Debrief

Debrief {P}

> [!REFLECT] after
> After {P}
"""

QUIZ = """\
---
id: xss-quiz
title: 'Quiz {P}'
---

## Question {P} {{#q-one}}

Stem {P}

- [x] Right {P}
  feedback: 'Yes {P}'
- [ ] Wrong {P}
  feedback: 'No {P}'

> [!EXPLAIN]
> Explain {P}
"""


def _gift_escape(text: str) -> str:
    for c in "\\~=#{}:":
        text = text.replace(c, "\\" + c)
    return text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_module_fields_never_carry_executable_markup(tmp_path, payload):
    """A payload in every text slot of a module is flagged by the check and never reaches
    the spec (titles, summary, outcomes, warning, support, sources, intro, scenes, callouts,
    choices, why, feedback, endings, debrief)."""
    text = MODULE.format(P=payload)
    path = tmp_path / "xss.md"
    path.write_text(text)
    spec, problems = parse_module(path)
    assert spec is not None
    assert "unsafe-html" in {p.code for p in problems}
    assert_safe(spec.to_dict())
    assert spec.scene("start").choices[0].text.startswith("Choice")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_quiz_fields_never_carry_executable_markup(tmp_path, payload):
    """A payload in the quiz title, question title, stem, options, option feedback and
    explanation never reaches the spec, in Markdown banks and GIFT banks alike."""
    path = tmp_path / "xss.md"
    path.write_text(QUIZ.format(P=payload))
    spec, problems = parse_quiz_markdown(path)
    assert spec is not None
    assert "unsafe-html" in {p.code for p in problems}
    assert_safe(spec.to_dict())
    p = _gift_escape(payload)
    for fmt in ("[markdown]", "[html]", "[plain]", ""):
        gift = f"// id: xss\n::Q {p}::{fmt}Stem {p}{{\n=Right {p}#Yes {p}\n~Wrong {p}#No {p}\n####Explain {p}\n}}\n"
        spec, problems = parse_gift(gift, tmp_path / "xss.gift")
        assert spec is not None and len(spec.questions) == 1
        assert_safe(spec.to_dict())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_renderer_sanitises(payload):
    """render_markdown and render_inline remove scripts, handlers, styles, frames and
    non-http(s)/mailto URLs whatever the input."""
    assert_safe(mr.render_markdown(payload))
    assert_safe(mr.render_inline(payload))
    assert_safe(mr.render_markdown(f"Some text\n\n{payload}\n\n- item {payload}"))
    assert mr.find_unsafe_markup(payload) is not None


def test_links_get_rel_and_safe_schemes_survive():
    """Links keep http(s)/mailto and get rel="noopener noreferrer"."""
    html = mr.render_markdown("See [the review](https://example.org/r) or [mail](mailto:a@b.org).")
    assert html == (
        '<p>See <a href="https://example.org/r" rel="noopener noreferrer">the review</a> or '
        '<a href="mailto:a@b.org" rel="noopener noreferrer">mail</a>.</p>'
    )


def test_media_url_rewrites_images():
    """Image sources go through the caller's media_url function."""
    html = mr.render_markdown("![A kitchen](media/k.png)", media_url=lambda s: "/media/v1/" + s)
    assert html == '<p><img alt="A kitchen" src="/media/v1/media/k.png"></p>'


def test_module_images_are_relative_to_modules_folder(tmp_path):
    """In a module, image paths are resolved against modules/ before media_url is called,
    and the media list names every image used."""
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "k.png").write_bytes(b"\x89PNG")
    text = MODULE.format(P="x").replace("Body x", "Body x\n\n![A kitchen](media/k.png)")
    (tmp_path / "m.md").write_text(text)
    spec, problems = parse_module(tmp_path / "m.md", modules_root=tmp_path, media_url=lambda s: "/m/" + s)
    assert problems == []
    assert '<img alt="A kitchen" src="/m/media/k.png">' in spec.scene("start").body_html
    assert spec.media == ("media/k.png",)


def test_callouts_render_in_place_and_reflects_are_listed():
    """Evidence and note callouts are rendered inside the body where they are written;
    reflect prompts are left out of the body and listed as callouts with their id."""
    spec, _ = parse_module("m.md", MODULE.format(P="x"))
    start = spec.scene("start")
    assert start.body_html == (
        "<p>Body x</p>\n"
        '<aside class="callout callout-evidence" aria-label="Evidence"><p class="callout-title">'
        '<span class="callout-kind">Evidence</span> <cite>Cite x</cite></p>'
        "<p>Evidence x</p></aside>"
    )
    assert [(c.kind, c.id, c.citation) for c in start.callouts] == [
        ("evidence", "", "Cite x"),
        ("reflect", "think", ""),
    ]
    assert spec.intro_callouts[0].title == "Note x"
    assert "Note body x" in spec.intro_html
    assert [c.id for c in spec.debrief_callouts] == ["after"]
    assert "After" not in spec.debrief_html


MD = markdown.Markdown(
    extensions=["tables", "attr_list", "fenced_code", "sane_lists"],
    extension_configs={"tables": {"use_align_attribute": True}},
    output_format="html",
)
ATOMS = [
    "word", "Child", "a", "1", " ", " ", " ", "**", "*", "[", "]", "(", ")",
    "](https://example.org/x)", "\n", "\n\n", ".", ",", "!", "?", ":", "'", '"', "-", "+",
    "=", "%", "2.", "*bold*", "**strong**", "[link](https://ex.org/a?b=1#c)", "é", "—", "#",
    "&", "_", "<b>", "`", "  ", "1)", "---", "===",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_matches_markdown(seed):
    """The plain-text fast path gives byte-identical output to Markdown + nh3."""
    rng = random.Random(seed)
    checked = 0
    for _ in range(5000):
        text = "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 14))).strip("\n")
        if not text.strip():
            continue
        fast = mr._fast_render(text)
        if fast is None:
            continue
        MD.reset()
        assert fast == mr.clean_html(MD.convert(text)), text
        checked += 1
    assert checked > 500


def test_full_markdown_features():
    """Tables, lists, fenced code and attribute lists render (and survive sanitising)."""
    html = mr.render_markdown(
        "| A | B |\n|:--|--:|\n| 1 | 2 |\n\n1. one\n2. two\n\n```\ncode <b>\n```\n\n### Sub {: .lead }"
    )
    assert '<th align="left">A</th>' in html
    assert "<ol>\n<li>one</li>" in html
    assert "<pre><code>code &lt;b&gt;\n</code></pre>" in html
    assert '<h3 class="lead">Sub</h3>' in html


def test_plain_text_strips_tags():
    """Plain-text fields keep their words but lose anything that looks like a tag."""
    assert mr.plain_text("Risk <b>and</b> <script>x</script>care") == "Risk and xcare"
    assert mr.plain_text(None) == ""
    assert mr.plain_text(12) == "12"
