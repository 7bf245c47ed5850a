"""A staffed organisation (and a neighbour) for the staff-and-teams tests."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from course_engine.db import session


@dataclass
class Staff:
    """North has teams East and West; South is another organisation. Ids for URLs."""

    org: object
    other: object
    east: object
    west: object
    far: object
    admin: object
    manager_east: object
    manager_west: object
    spare_manager: object
    learner_east: object
    learner_west: object
    learner_far: object
    invitation_west: object
    invitation_far: object
    delegation_west: object
    delegation_far: object
    import_north: object
    import_south: object


@pytest.fixture
def staff(app, make_org, make_user, add_member):
    """Admin, a manager for each of East and West, a spare manager (West's delegate), learners,
    a pending invitation into West, and a previewed upload; the same kinds of things in South."""
    from course_engine.orgs import invitations, services, staff_upload

    org, (east, west) = make_org("Northshire Council", teams=["East", "West"])
    other, (far,) = make_org("Southshire Council", teams=["Far"])
    admin_user = make_user(email="admin@north.example", full_name="Ada Admin")
    admin = add_member(org, admin_user, "org_admin")
    people = {}
    for key, email, role, team, manages in [
        ("manager_east", "east.manager@north.example", "manager", None, (east,)),
        ("manager_west", "west.manager@north.example", "manager", None, (west,)),
        ("spare_manager", "spare.manager@north.example", "manager", None, ()),
        ("learner_east", "east.learner@north.example", "learner", east, ()),
        ("learner_west", "west.learner@north.example", "learner", west, ()),
    ]:
        people[key] = add_member(org, make_user(email=email, full_name=key.replace("_", " ").title()), role,
                                 team=team, manages=manages)
    south_admin = make_user(email="admin@south.example", full_name="Sam South")
    add_member(other, south_admin, "org_admin")
    south_manager = add_member(other, make_user(email="manager@south.example"), "manager", manages=[far])
    south_spare = add_member(other, make_user(email="spare@south.example"), "manager")
    learner_far = add_member(other, make_user(email="learner@south.example"), "learner", team=far)
    invitation_west = invitations.create_invitation(None, org, "new.west@example.org", services.OrgRole.learner, west)
    invitation_far = invitations.create_invitation(None, other, "new.far@example.org", services.OrgRole.learner, far)
    delegation_west = services.add_delegate(None, people["manager_west"], people["spare_manager"])
    delegation_far = services.add_delegate(None, south_manager, south_spare)
    row = {"line": 2, "name": "Nia New", "email": "nia@example.org", "team": "East", "role": "learner",
           "problem": None}
    import_north = staff_upload.create_staff_import(admin_user, org, "staff.csv", [row])
    import_south = staff_upload.create_staff_import(south_admin, other, "staff.csv", [dict(row, team="Far")])
    session.commit()
    from course_engine.mail import outbox

    outbox(app).clear()
    return Staff(org=org, other=other, east=east, west=west, far=far, admin=admin,
                 manager_east=people["manager_east"], manager_west=people["manager_west"],
                 spare_manager=people["spare_manager"], learner_east=people["learner_east"],
                 learner_west=people["learner_west"], learner_far=learner_far,
                 invitation_west=invitation_west, invitation_far=invitation_far,
                 delegation_west=delegation_west, delegation_far=delegation_far,
                 import_north=import_north, import_south=import_south)


@pytest.fixture
def outbox(app):
    from course_engine.mail import outbox as _outbox

    return _outbox(app)
