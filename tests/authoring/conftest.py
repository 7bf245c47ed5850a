"""Fixture content for the authoring tests: a tiny module and quiz, and files to break them.

``write_content`` writes files into the app's configured ``MODULES_DIR`` / ``QUIZZES_DIR``
(``tmp_path/modules`` and ``tmp_path/quizzes``), so every test owns its content.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from course_engine.db import session
from course_engine.models import metadata

#: A module with every scene kind: choices, a junction with text, and two endings.
#: Walking visit (choice 0) then later (junction, trust >= 1) reaches ``good``.
TINY_MODULE = """\
---
id: {slug}
title: "{title}"
summary: A tiny module for tests.
cpd_minutes: 10
outcomes:
  - Test an explanation.
themes: [risk]
standards:
  - "PCF 7: Intervention and skills"
content_warning: Describes harm to a child.
support: Talk to your supervisor.
quiz: {quiz}
pass_mark: 50
counters:
  trust: 0
  risk: 0
fictional: true
sources:
  - title: "A source"
    url: https://example.org/source
authors: [A. Author]
review_date: 2030-01-01
---

The introduction of {title}.

## The referral {{#referral}}

A referral arrives about a bruise.

> [!EVIDENCE] Panel review (2025)
> Risk was recognised but not acted on.

> [!NOTE] Practice note
> See the child alone.

> [!REFLECT] first-thought
> What do you assume?

- [[Visit and see the child->later]]
  judgement: safe
  why: Seeing the child tests the explanation.
  effects: trust +1
  feedback: You arrange a visit for tomorrow.
- [[Close the referral->bad]]
  judgement: unsafe
  why: The explanation was never tested.
  effects: risk +2
  feedback: The case is closed.

## Two weeks later {{#later}}

Two weeks pass.

-> if trust >= 1: good
-> otherwise: bad

## The child is safe {{#good}}
ending: safe

The child is safe and the family has support.

## The harm continues {{#bad}}
ending: unsafe

Nobody checks again.

# Debrief

- Always test an explanation by seeing the child.
"""

TINY_QUIZ = """\
---
id: {slug}
title: "{title} quiz"
draw: 2
shuffle: false
---

## Seeing the child {{#q-see}}

What is the best first step?

- [x] See the child alone
  feedback: Right, seeing the child tests the concern.
- [ ] Wait for the next report
  feedback: Waiting leaves the concern untested.

> [!EXPLAIN]
> Always test a concern by seeing the child.

## Supervision {{#q-supervision}}
type: true-false

Supervision is only for closed cases.

- [ ] True
  feedback: Supervision is for live cases too.
- [x] False
  feedback: Use it while the case is open.
"""

#: Parses, but has check errors: ``island`` is unreachable and ``loop`` can never end.
MAZE_MODULE = TINY_MODULE.replace(
    "## The child is safe {{#good}}",
    """## Going round {{#loop}}

You go round in circles.

- [[Keep going->loop]]
  judgement: unsafe
  why: Nothing changes.
  feedback: Round again.

## An island {{#island}}

Nobody ever gets here.

- [[Leave->good]]
  judgement: safe
  why: It ends.
  feedback: Off you go.

## The child is safe {{#good}}""",
).replace("- [[Close the referral->bad]]", "- [[Close the referral->loop]]")


def module_text(slug="tiny", title="Tiny module", quiz=None) -> str:
    """The tiny module with its own id (and a quiz id, the slug's by default)."""
    return TINY_MODULE.format(slug=slug, title=title, quiz=quiz or slug)


def quiz_text(slug="tiny", title="Tiny") -> str:
    return TINY_QUIZ.format(slug=slug, title=title)


@pytest.fixture
def content_dirs(app) -> tuple[Path, Path]:
    """The app's (empty, created) modules and quizzes folders."""
    modules, quizzes = Path(app.config["MODULES_DIR"]), Path(app.config["QUIZZES_DIR"])
    modules.mkdir(parents=True, exist_ok=True)
    quizzes.mkdir(parents=True, exist_ok=True)
    return modules, quizzes


@pytest.fixture
def write_content(content_dirs):
    """``write_content(modules={"tiny.md": text}, quizzes={...})``; returns the folders."""

    def write(modules=None, quizzes=None):
        modules_dir, quizzes_dir = content_dirs
        for folder, files in ((modules_dir, modules or {}), (quizzes_dir, quizzes or {})):
            for name, text in files.items():
                path = folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(text, bytes):
                    path.write_bytes(text)
                else:
                    path.write_text(text, encoding="utf-8")
        return content_dirs

    return write


@pytest.fixture
def tiny(write_content):
    """The tiny module and its quiz, both passing the check."""
    return write_content(modules={"tiny.md": module_text()}, quizzes={"tiny.md": quiz_text()})


def row_counts() -> dict[str, int]:
    """Rows in every table, read fresh (after ending the test's own transaction)."""
    session.rollback()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


@pytest.fixture
def author(make_user, browser):
    """A logged-in author."""
    user = make_user(email="author@example.org", is_author=True)
    browser.login(user.email)
    return user
