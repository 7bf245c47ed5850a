"""An organisation with an admin, a manager and a learner, a neighbour organisation with its
own admin, an author, and one library module (with its quiz) synced into the database."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import sync_sample_content

from .library import MODULES, QUIZZES, report

#: The library module the route tests download.
SLUG = "its-silent-introduction"


@dataclass
class Place:
    org: object
    other: object
    admin: object
    manager: object
    learner: object
    other_admin: object
    author: object


@pytest.fixture
def place(app, make_org, make_user, add_member):
    org, (team,) = make_org("Northshire Council", teams=["Team A"])
    other, _ = make_org("Southshire Council", teams=["Far"])
    admin = make_user(email="admin@north.example", full_name="Ada Admin")
    add_member(org, admin, "org_admin")
    manager = make_user(email="manager@north.example", full_name="Mo Manager")
    add_member(org, manager, "manager", manages=[team])
    learner = make_user(email="learner@north.example", full_name="Lee Learner")
    add_member(org, learner, "learner", team=team)
    other_admin = make_user(email="admin@south.example", full_name="Sam South")
    add_member(other, other_admin, "org_admin")
    author = make_user(email="author@example.org", full_name="Aria Author", is_author=True)
    return Place(org, other, admin, manager, learner, other_admin, author)


@pytest.fixture
def synced(app):
    """The library module SLUG and its quiz, synced (version 1)."""
    modules, quizzes = Path(app.config["MODULES_DIR"]), Path(app.config["QUIZZES_DIR"])
    modules.mkdir(parents=True, exist_ok=True)
    quizzes.mkdir(parents=True, exist_ok=True)
    shutil.copy(MODULES / f"{SLUG}.md", modules)
    quiz_id = report().modules[SLUG].quiz_id
    shutil.copy(QUIZZES / f"{quiz_id}.md", quizzes)
    sync_sample_content(modules, quizzes)
    return SLUG
