"""Reminders: emails to learners about assignments due soon or overdue, and to their managers.

Safe to run hourly (``flask reminders send``): each person gets at most one a day. With a
queue (JOBS_BACKEND=rq) the command only queues the ``employers.send_reminders`` job, so cron
on any host is enough and the work (every organisation's matrix) runs on a queue worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import db, jobs, mail, submissions
from ..auth.models import User
from ..db import session
from ..links import external_url
from ..orgs.models import Membership, Organisation, OrgRole
from ..orgs.services import visible_team_ids
from . import queries
from .models import ReminderKind, ReminderLog
from .status import REMIND_WITHIN_DAYS, Status, rule_book


@dataclass
class ReminderRun:
    """What ``flask reminders send`` did."""

    learners_sent: int = 0
    managers_sent: int = 0
    skipped_already_sent: int = 0
    organisations: int = 0

    def summary(self) -> str:
        return (f"Reminders: {self.learners_sent} learner reminders and {self.managers_sent} manager digests sent, "
                f"{self.skipped_already_sent} skipped (already reminded today), "
                f"{self.organisations} organisations checked.")


def _needs_reminder(status: Status, due: date | None, today: date) -> bool:
    if status in (Status.overdue, Status.expired):
        return True
    return status != Status.completed and due is not None and due <= today + timedelta(days=REMIND_WITHIN_DAYS)


def send_reminders(now: datetime, echo=lambda message: None) -> ReminderRun:
    """Email each learner with assignments due within 7 days or overdue, and each manager a digest
    of their teams' overdue items; at most one of each kind per person per day.

    Safe to run every hour: the reminder log's unique (person, kind, day) row is written in the
    same transaction and the emails go after the commit, so a repeat run the same day sends
    nothing. Adds and flushes; the caller commits (``db.commit_and_run_callbacks``).
    """
    today = now.date()
    run = ReminderRun()
    already = {(uid, kind) for uid, kind in session.execute(
        select(ReminderLog.user_id, ReminderLog.kind).where(ReminderLog.day == today))}
    learner_items: dict[int, tuple[str, list[str]]] = {}
    digests: dict[int, tuple[str, list[str]]] = {}
    for org in session.scalars(select(Organisation).order_by(Organisation.name)):
        run.organisations += 1
        book = rule_book(org.id)
        if not book.rules:
            continue
        columns = queries.columns_for(book)
        overdue_by_team: dict[int | None, list[str]] = {}
        for row in queries.iter_matrix(queries.Scope(org.id, None), queries.Filters(sort="id"), today, book, columns):
            for column, cell in zip(columns, row.cells):
                if cell is None or not _needs_reminder(cell.status, cell.due_date, today):
                    continue
                due = f" (due {cell.due_date.strftime('%-d %B %Y')})" if cell.due_date else ""
                learner_items.setdefault(row.user_id, (row.email, []))[1].append(
                    f"- {column.title}: {cell.status.label}{due}, {org.name}")
                if cell.status in (Status.overdue, Status.expired):
                    overdue_by_team.setdefault(row.team_id, []).append(
                        f"- {row.name}: {column.title}, {cell.status.label.lower()}{due}")
        managers = session.execute(
            select(Membership, User.email).join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == org.id, Membership.role == OrgRole.manager,
                   Membership.deactivated_at.is_(None))).all()
        for manager, email in managers:
            teams = visible_team_ids(manager) or set()
            lines = [line for team_id in sorted(t for t in teams) for line in overdue_by_team.get(team_id, [])]
            if lines:
                digests.setdefault(manager.user_id, (email, []))[1].extend(
                    [f"{org.name} (dashboard: {external_url('employers.dashboard', org_slug=org.slug)}):"] + lines)
        echo(f"  {org.name}: {len(columns)} assigned modules checked")

    def deliver(user_id, kind, email, subject, body, count):
        if (user_id, kind) in already:
            run.skipped_already_sent += 1
            return False
        try:
            with session.begin_nested():
                session.add(ReminderLog(user_id=user_id, kind=kind, day=today, sent_at=now, subject=subject,
                                        body=body, item_count=count))
        except IntegrityError:  # another run got there first
            run.skipped_already_sent += 1
            return False
        db.after_commit(lambda: mail.send(email, subject, body))
        return True

    for user_id, (email, lines) in learner_items.items():
        body = ("These modules assigned to you are due soon or overdue:\n\n" + "\n".join(lines)
                + f"\n\nSee your learning: {external_url('learner.my_learning')}\n"
                + f"Reminders sent to you: {external_url('employers.my_reminders')}\n")
        if deliver(user_id, ReminderKind.learner, email, "Learning due soon or overdue", body, len(lines)):
            run.learners_sent += 1
    for user_id, (email, lines) in digests.items():
        count = sum(1 for line in lines if line.startswith("- "))
        body = "Overdue or expired learning in your teams:\n\n" + "\n".join(lines) + "\n"
        if deliver(user_id, ReminderKind.manager_digest, email, f"Your teams: {count} overdue items", body, count):
            run.managers_sent += 1
    session.flush()
    return run


@jobs.job("employers.send_reminders", backoff=(60, 600, 3600), label="Reminder emails")
def send_reminders_job(now: str | None = None) -> str:
    """The queued form of ``flask reminders send`` (safe to repeat: see :func:`send_reminders`),
    old form submission keys' purge included."""
    import logging

    moment = datetime.fromisoformat(now) if now else db.utcnow()
    run = send_reminders(moment)
    purged = submissions.purge(moment)
    logging.getLogger(__name__).info("%s; %d old submission keys deleted", run.summary(), purged)
    return run.summary()
