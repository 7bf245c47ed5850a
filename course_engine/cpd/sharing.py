"""Sharing a record's reflection for supervision, and who may read what is shared.

Private by default; the learner shares a chosen record with their managers and can withdraw it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..db import session
from ..orgs.models import Membership
from ..orgs.services import visible_team_ids
from .records import MODULE, CpdError, CpdRecord, records_for


def set_shared(record: CpdRecord, shared: bool, now: datetime) -> None:
    """Share a record's reflection with the learner's managers, or withdraw it.

    :raises CpdError: when a module's reflection has not been written yet.
    """
    if record.kind == MODULE:
        target = record.reflection
        if target is None:
            raise CpdError({"reflection": "Write your reflection on this module before you share it."})
    else:
        target = record.entry
    if shared and target.shared_with_manager_at is None:
        target.shared_with_manager_at = now
    elif not shared:
        target.shared_with_manager_at = None
    record.shared_at = target.shared_with_manager_at
    session.flush()


def person_visible_to(viewer: Membership, user_id: int) -> Membership | None:
    """The person's current membership of the viewer's organisation, if the viewer may see them.

    Managers see people in the teams they manage; organisation admins see everyone in the
    organisation (``orgs.services.visible_team_ids``); learners see nobody.
    """
    teams = visible_team_ids(viewer)
    query = select(Membership).where(Membership.organisation_id == viewer.organisation_id,
                                     Membership.user_id == user_id, Membership.deactivated_at.is_(None))
    if teams is not None:
        if not teams:
            return None
        query = query.where(Membership.team_id.in_(teams))
    return session.scalar(query)


def shared_reflections_for(viewer_membership: Membership, user_id: int) -> list[CpdRecord] | None:
    """The reflections a person has shared, for someone who supervises them.

    :param viewer_membership: the viewer's current membership of the organisation.
    :param user_id: the person whose reflections are wanted.
    :returns: None when the viewer may not see this person (not in a team they manage, not in
        the organisation, or the viewer is a learner): callers answer 404. Otherwise the
        person's shared records, newest first, all years; unshared reflections never appear.
    """
    if person_visible_to(viewer_membership, user_id) is None:
        return None
    return [r for r in records_for(user_id) if r.shared]
