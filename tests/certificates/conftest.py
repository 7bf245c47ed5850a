"""Fixtures for certificates: two small published modules and a way to complete them.

``complete(user, slug, now)`` goes through the learner service (``try_complete``), so the
real ``module_completed`` signal issues the certificate, exactly as the player does.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from course_engine.certificates.models import Certificate
from course_engine.db import session, utcnow
from course_engine.learner import services as learner
from course_engine.learner.models import AttemptStatus

from tests.conftest import copy_sample_content, sync_sample_content
from tests.parallel import run_lock

DATA = Path(__file__).parent / "data"
NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")
CODE_RE = re.compile(r"/verify/([A-Za-z0-9_-]{32})")


def at(year, month, day, hour=12) -> datetime:
    """An aware UTC datetime (services take ``now``)."""
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, as a maintained reader (pypdf) extracts it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def code_of(certificate: Certificate) -> str:
    """The verification code printed on a certificate (the database keeps only its hash)."""
    session.refresh(certificate)
    match = CODE_RE.search(pdf_text(certificate.pdf))
    assert match, "no verification URL in the PDF"
    return match.group(1)


@pytest.fixture
def content_dirs(app):
    return copy_sample_content(app, DATA)


@pytest.fixture
def published(app, content_dirs):
    """``home-visit`` (45 minutes, recertify every 12 months) and ``recording-words`` (30, no expiry)."""
    return sync_sample_content(*content_dirs)


@pytest.fixture
def complete(app, published):
    """Complete a module for a user through the learner service; returns the completion."""

    def factory(user, slug="home-visit", now=None):
        now = now or utcnow()
        module, _version = learner.published_module(slug)
        attempt = learner.start_attempt(user.id, module, now)
        attempt.ending_scene_id = "safe-end"
        attempt.status = AttemptStatus.scenario_done
        learner.save_final_reflection(attempt, "To see the child alone.", "I will record the child's words.", now)
        completion = learner.try_complete(attempt, now)
        assert completion is not None
        session.commit()
        return completion

    return factory


@pytest.fixture
def certificate_of(app):
    """The current certificate of a completion."""

    def get(completion):
        # Commit: ends the test's snapshot, so rows written by requests since are seen.
        session.commit()
        return session.scalar(select(Certificate).where(Certificate.completion_id == completion.id,
                                                        Certificate.superseded_by_id.is_(None)))

    return get


@pytest.fixture
def holder(app, make_user, published):
    """A learner with an accented name (every letter is in Latin-1)."""
    return make_user(email="zoe@example.org", full_name="Zoë Ní Bhriain")


@pytest.fixture(scope="session")
def node_packages(tmp_path_factory):
    """tests/certificates/node with its pinned packages (npm ci from the committed lock file,
    once, when one of package.json's dependencies is missing: under a lock every xdist worker
    shares, as two npm ci in one folder would break each other). Node.js is part of the machine;
    without it this fails rather than skips: the independent checks must really run."""
    assert NODE is not None, "node (Node.js 20) is needed for the independent badge verifier and wallet"
    wanted = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    with run_lock(tmp_path_factory, "npm-certificates"):
        if not all((NODE_DIR / "node_modules" / name / "package.json").exists() for name in wanted):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True,
                           timeout=300)
    return NODE_DIR


@pytest.fixture(scope="session")
def node_verifier(node_packages):
    """verify.mjs: panva's jose checks a badge against our published keys and status list."""
    return node_packages / "verify.mjs"
