"""An organisation with an admin, a manager and a learner, a neighbour, and image makers."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image


def png_bytes(size=(120, 40), colour=(200, 30, 30, 255), mode="RGBA", **save) -> bytes:
    """A real PNG of one colour."""
    out = io.BytesIO()
    Image.new(mode, size, colour if mode != "RGB" else colour[:3]).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_bytes(size=(120, 40), colour=(30, 90, 160), **save) -> bytes:
    """A real JPEG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **save)
    return out.getvalue()


@dataclass
class Place:
    org: object
    other: object
    admin: object
    manager: object
    learner: object
    other_admin: object


@pytest.fixture
def place(app, make_org, make_user, add_member):
    """Northshire (admin, manager of Team A, learner in Team A) and Southshire (its own admin)."""
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
    return Place(org, other, admin, manager, learner, other_admin)
