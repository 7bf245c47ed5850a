"""Fixtures for the hardening sweeps: the sample module and a world of two organisations."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_sample_content, sync_sample_content
from tests.hardening.world import build_world

DATA = Path(__file__).parent.parent / "learner" / "data"


@pytest.fixture
def published(app):
    return sync_sample_content(*copy_sample_content(app, DATA))


@pytest.fixture
def world(app, published, make_user, make_org, add_member):
    return build_world(app, make_user, make_org, add_member)
