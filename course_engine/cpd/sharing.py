"""Sharing a record's reflection for supervision, and who may read what is shared.

Private by default; the learner shares a chosen record with the managers of one of their
organisations (chosen when they belong to several) and can withdraw it. Only that
organisation's managers and admins ever see it (issue 13, section 4).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..db import session
from ..orgs.models import Membership, Organisation
from ..orgs.services import visible_team_ids
from .models import CpdEntry, EvidenceFile, plausible_id
from .records import MODULE, CpdError, CpdRecord, records_for


@dataclass(frozen=True)
class SharingChoice:
    """An organisation the learner can share with: one they are a current member of."""

    id: int
    name: str


def sharing_choices(user_id: int) -> list[SharingChoice]:
    """The organisations whose managers the learner may share with, by name: their current
    memberships. An organisation they have left, or never joined, is never offered."""
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None))
        .order_by(Organisation.name, Organisation.id)).all()
    return [SharingChoice(id, name) for id, name in rows]


def _chosen_organisation(user_id: int, organisation_id: int | None) -> SharingChoice:
    choices = sharing_choices(user_id)
    if not choices:
        raise CpdError({"organisation": "You are not a member of an organisation yet, so there are no managers "
                                        "to share with. Your reflection stays private."})
    if organisation_id is None:
        if len(choices) == 1:
            return choices[0]
        raise CpdError({"organisation": "Choose the organisation whose managers you want to share with."})
    for choice in choices:
        if choice.id == organisation_id:
            return choice
    raise CpdError({"organisation": "Choose one of your organisations from the list."})


def set_shared(record: CpdRecord, shared: bool, now: datetime, organisation_id: int | None = None) -> None:
    """Share a record's reflection with the managers of ONE organisation, or withdraw it.

    The organisation is recorded with the share, and only its managers and admins see it:
    joining another organisation later shares nothing with it, and leaving this one hides it
    from this one (the people pages only show current members). Sharing again with another
    organisation moves the share there (it is never with two at once).

    :param organisation_id: which of the learner's current organisations; may be None when
        they belong to exactly one.
    :raises CpdError: when a module's reflection has not been written yet, or the
        organisation is missing (several to choose from) or not one of theirs; nothing changes.
    """
    if record.kind == MODULE:
        target = record.reflection
        if target is None:
            raise CpdError({"reflection": "Write your reflection on this module before you share it."})
    else:
        target = record.entry
    if shared:
        choice = _chosen_organisation(record.user_id, organisation_id)
        if target.shared_with_manager_at is None or target.shared_with_organisation_id != choice.id:
            target.shared_with_manager_at, target.shared_with_organisation_id = now, choice.id
        record.shared_with = choice.name
    else:
        target.shared_with_manager_at = target.shared_with_organisation_id = None
        record.shared_with = None
    record.shared_at = target.shared_with_manager_at
    record.shared_with_organisation_id = target.shared_with_organisation_id
    session.flush()


def person_visible_to(viewer: Membership, user_id: int) -> Membership | None:
    """The person's current membership of the viewer's organisation, if the viewer may see them.

    Managers see people in the teams they manage; organisation admins see everyone in the
    organisation (``orgs.services.visible_team_ids``); learners see nobody.
    """
    if not plausible_id(user_id):
        return None
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
        person's records shared with the viewer's organisation, newest first, all years;
        unshared reflections, and those shared with another organisation, never appear.
    """
    if person_visible_to(viewer_membership, user_id) is None:
        return None
    return [r for r in records_for(user_id) if r.shared_with_organisation_id == viewer_membership.organisation_id
            and r.shared]


def shared_evidence_for(viewer_membership: Membership, user_id: int, evidence_id: int) -> EvidenceFile | None:
    """An evidence file the viewer may download: the person is one they may see (as for the
    reflections), and the file's entry is shared with the viewer's organisation. Otherwise
    None (callers answer 404, so a file's existence is never confirmed)."""
    if not plausible_id(evidence_id) or person_visible_to(viewer_membership, user_id) is None:
        return None
    return session.scalar(
        select(EvidenceFile).join(CpdEntry, CpdEntry.id == EvidenceFile.entry_id)
        .where(EvidenceFile.id == evidence_id, EvidenceFile.user_id == user_id, CpdEntry.user_id == user_id,
               CpdEntry.shared_with_manager_at.is_not(None),
               CpdEntry.shared_with_organisation_id == viewer_membership.organisation_id))
