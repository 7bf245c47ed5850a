"""Idempotent creation of the demo organisation and its people."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..auth.models import User
from ..auth.passwords import hash_password, verify_password
from ..db import session, utcnow
from ..orgs import services as orgs
from ..orgs.models import Membership, Organisation, OrgRole, Team

DEMO_ORG_NAME = "Demo Borough Council"
DEMO_ORG_SLUG = "demo-borough"
DEMO_TEAMS = ("Children in Need East", "Assessment and Intervention West")

#: (email, name, org role, team index or None, site roles)
DEMO_PEOPLE = [
    ("admin@demo.example", "Adaeze Okafor", OrgRole.org_admin, None, ()),
    ("manager@demo.example", "Martin Hughes", OrgRole.manager, 0, ()),
    ("author@demo.example", "Priya Raman", OrgRole.learner, None, ("author",)),
    ("learner1@demo.example", "Grace Mensah", OrgRole.learner, 0, ()),
    ("learner2@demo.example", "Tom Baxter", OrgRole.learner, 0, ()),
    ("learner3@demo.example", "Aisha Rahman", OrgRole.learner, 0, ()),
    ("learner4@demo.example", "Daniel Kowalski", OrgRole.learner, 1, ()),
    ("learner5@demo.example", "Leah Campbell", OrgRole.learner, 1, ()),
    ("learner6@demo.example", "Sanjay Patel", OrgRole.learner, 1, ()),
]


@dataclass
class SeedResult:
    organisation: Organisation
    created_people: list[str]
    existing_people: list[str]


def seed_demo(password: str) -> SeedResult:
    """Create the demo organisation, teams and people, or bring them back to the demo state.

    Running it again creates nothing new; it resets the demo people's password to
    ``password`` so the printed password always works.
    """
    org = session.scalar(select(Organisation).where(Organisation.slug == DEMO_ORG_SLUG))
    if org is None:
        org = orgs.create_organisation(DEMO_ORG_NAME, DEMO_ORG_SLUG)
    teams = []
    for name in DEMO_TEAMS:
        team = session.scalar(select(Team).where(Team.organisation_id == org.id, Team.name == name))
        teams.append(team or orgs.create_team(None, org, name))
    created, existing = [], []
    password_hash = None
    for email, name, role, team_index, site_roles in DEMO_PEOPLE:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or hash_password(password)
            user = User(email=email, full_name=name, password_hash=password_hash, email_confirmed_at=utcnow())
            session.add(user)
            session.flush()
            created.append(email)
        else:
            existing.append(email)
            if not verify_password(user.password_hash, password):
                password_hash = password_hash or hash_password(password)
                user.password_hash = password_hash
        user.is_author = "author" in site_roles
        team = teams[team_index] if team_index is not None else None
        membership = session.scalar(select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == user.id))
        if membership is None or membership.role != role or membership.deactivated_at is not None:
            membership = orgs.add_member(None, org, user, role, team)
        if role == OrgRole.manager and team is not None:
            orgs.set_team_manager(None, membership, team)
    session.flush()
    return SeedResult(org, created, existing)
