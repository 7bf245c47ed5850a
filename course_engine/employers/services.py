"""Assignments: making and removing them, who may manage them, and the learners' view of theirs.

The rules that say where a person stands on an assignment are in ``status.py``; reminders
are in ``reminders.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..audit import record_audit
from ..authoring.models import ContentModule
from ..db import session
from ..orgs.models import Membership, Organisation, OrgRole, Team
from ..orgs.services import visible_team_ids
from . import cells
from .models import Assignment, TargetKind
from .status import DEFAULT_WINDOW_DAYS, Status

# --- managing assignments -----------------------------------------------------------------------

class AssignmentError(ValueError):
    """An assignment that can't be made; the message says why."""


class NotVisible(LookupError):
    """The target is not one the acting member may see (callers answer 404)."""


def create_assignment(actor_membership: Membership, module: ContentModule, *, target_kind: TargetKind,
                      team: Team | None = None, person: Membership | None = None, due_date: date | None = None,
                      due_days_after_joining: int | None = None, recert_months: int | None = None,
                      recert_window_days: int | None = None, now: datetime, ip_address: str | None = None) -> Assignment:
    """Assign a module (audited). Managers may assign only to their teams and the people in them.

    :raises NotVisible: the team or person is not one the actor may see.
    :raises AssignmentError: the request is not allowed or not valid (with the reason).
    """
    org_id = actor_membership.organisation_id
    visible = visible_team_ids(actor_membership)
    if due_date is not None and due_days_after_joining is not None:
        raise AssignmentError("Give either a due date or a number of days after joining, not both.")
    if due_days_after_joining is not None and not 1 <= due_days_after_joining <= 3650:
        raise AssignmentError("Days after joining must be between 1 and 3650.")
    if recert_months is not None and not 1 <= recert_months <= 120:
        raise AssignmentError("The recertification period must be between 1 and 120 months.")
    window = DEFAULT_WINDOW_DAYS if recert_window_days is None else recert_window_days
    if not 0 <= window <= 365:
        raise AssignmentError("The recertification window must be between 0 and 365 days.")
    if target_kind == TargetKind.organisation:
        if visible is not None:
            raise AssignmentError("Only an organisation admin can assign to the whole organisation.")
        team_id = membership_id = None
    elif target_kind == TargetKind.team:
        if team is None or team.organisation_id != org_id or (visible is not None and team.id not in visible):
            raise NotVisible("team")
        team_id, membership_id = team.id, None
    else:
        if person is None or person.organisation_id != org_id or person.deactivated_at is not None \
                or (visible is not None and person.team_id not in visible):
            raise NotVisible("person")
        team_id, membership_id = None, person.id
    assignment = Assignment(organisation_id=org_id, module_id=module.id, target_kind=target_kind, team_id=team_id,
                            membership_id=membership_id, due_date=due_date,
                            due_days_after_joining=due_days_after_joining, recert_months=recert_months,
                            recert_window_days=window, created_by_id=actor_membership.user_id, created_at=now)
    session.add(assignment)
    session.flush()
    cells.refresh(org_id, module_ids=[module.id])
    record_audit(actor_membership.user, "assignment.create", assignment,
                 organisation=session.get(Organisation, org_id),
                 detail={"module": module.slug, "target": target_kind.value, "team_id": team_id,
                         "membership_id": membership_id, "due_date": due_date.isoformat() if due_date else None,
                         "due_days_after_joining": due_days_after_joining, "recert_months": recert_months,
                         "recert_window_days": window}, ip_address=ip_address)
    return assignment


def can_manage(actor_membership: Membership, assignment: Assignment) -> bool:
    """Whether the member may see (and so remove) this assignment."""
    if assignment.organisation_id != actor_membership.organisation_id:
        return False
    visible = visible_team_ids(actor_membership)
    if visible is None:
        return True
    if assignment.target_kind == TargetKind.team:
        return assignment.team_id in visible
    if assignment.target_kind == TargetKind.person:
        person = session.get(Membership, assignment.membership_id)
        return person is not None and person.team_id in visible
    return False


def remove_assignment(actor_membership: Membership, assignment: Assignment, now: datetime, *, ip_address: str | None = None) -> None:
    """Stop an assignment applying (kept for the record; audited)."""
    if assignment.removed_at is not None:
        return
    assignment.removed_at = now
    session.flush()
    cells.refresh(assignment.organisation_id, module_ids=[assignment.module_id])
    record_audit(actor_membership.user, "assignment.remove", assignment,
                 organisation=session.get(Organisation, assignment.organisation_id),
                 detail={"module_id": assignment.module_id}, ip_address=ip_address)


# --- the learner's view (the ``course_engine.assignments_for_learner`` extension point) --------

@dataclass(frozen=True)
class LearnerAssignment:
    """One assigned module as its learner sees it on My learning."""

    slug: str
    title: str
    status: str
    status_label: str
    due_date: date | None
    organisation_name: str


def assignments_for_learner(user_id: int, today: date) -> list[LearnerAssignment]:
    """Every organisation's assignments for this person, most urgent first.

    A person in two organisations sees each organisation's assignments, labelled with it.
    """
    from . import queries

    items = []
    for cell in queries.cells_for_user(user_id, today):
        items.append(LearnerAssignment(cell.slug, cell.title, cell.status.value, cell.status.label,
                                       cell.due_date, cell.organisation_name))
    items.sort(key=lambda a: (Status(a.status).rank, a.due_date or date.max, a.title))
    return items


def is_employer(membership: Membership) -> bool:
    return membership.role in (OrgRole.manager, OrgRole.org_admin)


# --- which organisation a learner's module belongs to (branding's and certificates' hook) ------

def assigning_organisation_ids(user_id: int, module_id: int) -> list[int]:
    """The person's current organisations that assign them this module (by organisation, team
    or person, not removed), in id order."""
    from sqlalchemy import and_, or_, select

    statement = (
        select(Assignment.organisation_id).distinct()
        .join(Membership, Membership.organisation_id == Assignment.organisation_id)
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None),
               Assignment.module_id == module_id, Assignment.removed_at.is_(None),
               or_(Assignment.target_kind == TargetKind.organisation,
                   and_(Assignment.target_kind == TargetKind.team, Assignment.team_id == Membership.team_id),
                   and_(Assignment.target_kind == TargetKind.person, Assignment.membership_id == Membership.id)))
        .order_by(Assignment.organisation_id))
    return list(session.scalars(statement))


def assigning_organisation_for_page(user_id: int, endpoint: str | None, view_args: dict) -> int | None:
    """For a person in several organisations (branding's rule 3): on a module's page (``slug``)
    or one of their attempts' pages (``attempt_id``), the one organisation that assigned them
    that module; None when none or several did, or the page is not a module's."""
    from sqlalchemy import select

    from ..learner.models import ScenarioAttempt

    if endpoint is None or not endpoint.startswith(("learner.", "quizzes.")):
        return None
    if "attempt_id" in view_args:
        module_id = session.scalar(select(ScenarioAttempt.module_id).where(
            ScenarioAttempt.id == view_args["attempt_id"], ScenarioAttempt.user_id == user_id))
    elif "slug" in view_args:
        module_id = session.scalar(select(ContentModule.id).where(ContentModule.slug == view_args["slug"]))
    else:
        return None
    if module_id is None:
        return None
    found = assigning_organisation_ids(user_id, module_id)
    return found[0] if len(found) == 1 else None
