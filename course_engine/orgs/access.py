"""The one guard for roles and organisation membership that every protected route uses.

Rules: not logged in -> login page; not a member of the organisation (or it does not
exist) -> 404, so ids and names of other organisations are never confirmed; a member
without the role -> 403.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import select

from ..db import session
from .models import Membership, Organisation, OrgRole


def org_role_required(*roles: OrgRole):
    """Require a current membership of the organisation in the URL (``org_slug``) with a role.

    The view receives ``org`` and ``membership`` keyword arguments instead of ``org_slug``.
    """
    allowed = set(roles) or set(OrgRole)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(org_slug: str, **kwargs):
            org, membership = load_membership(org_slug)
            if org is None or membership is None:
                abort(404)
            if membership.role not in allowed:
                abort(403)
            g.organisation, g.membership = org, membership
            return view(org=org, membership=membership, **kwargs)

        return wrapped

    return decorator


def load_membership(org_slug: str) -> tuple[Organisation | None, Membership | None]:
    """The organisation and the current user's current membership of it (either may be None)."""
    row = session.execute(
        select(Organisation, Membership)
        .outerjoin(Membership, (Membership.organisation_id == Organisation.id)
                   & (Membership.user_id == current_user.id)
                   & Membership.deactivated_at.is_(None))
        .where(Organisation.slug == org_slug)
    ).first()
    if row is None:
        return None, None
    return row[0], row[1]


EMPLOYER_ROLES = (OrgRole.manager, OrgRole.org_admin)
