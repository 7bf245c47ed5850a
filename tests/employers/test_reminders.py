"""``flask reminders send``: learners with learning due within 7 days or overdue, managers a
digest of their teams' overdue items, at most one per person per day, visible to the learner."""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select

from course_engine import mail
from course_engine.db import commit_and_run_callbacks, session
from course_engine.employers.models import ReminderKind, ReminderLog
from course_engine.employers.reminders import send_reminders
from tests.employers.conftest import TODAY, assign, at, attempt
from tests.queue import queued_count, run_worker


def _now(days=0):
    """Noon on the test's day (plus ``days``): an hour later is still the same day whenever the
    suite runs (datetime.now() + 1 hour crossed midnight after 23:00 UTC)."""
    return datetime.combine(TODAY, time(12, 0), tzinfo=timezone.utc) + timedelta(days=days)


def _send(app, now):
    run = send_reminders(now)
    commit_and_run_callbacks()
    return run


def test_reminders_go_to_learners_due_soon_or_overdue_and_managers(app, world, module):
    """Due within 7 days or overdue -> a reminder; due later or completed -> none; managers get a digest."""
    assign(world.org, module, team=world.team_a, due_date=TODAY + timedelta(days=7))
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    run = _send(app, _now())
    sent = {m["To"]: m for m in mail.outbox()}
    assert set(sent) == {"learner_a@example.org", "learner_b@example.org", "manager_b@example.org"}
    assert "First visit: Due soon" in sent["learner_a@example.org"].get_content()
    assert "Ben Learner: First visit, overdue" in sent["manager_b@example.org"].get_content()
    assert (run.learners_sent, run.managers_sent) == (2, 1)
    assert "2 learner reminders and 1 manager digests sent" in run.summary()


def test_not_reminded_when_due_later_or_completed(app, world, module):
    """Nothing is sent for learning due in more than 7 days, or already completed."""
    assign(world.org, module, team=world.team_a, due_date=TODAY + timedelta(days=8))
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    attempt(world.learner_b, module, completed=at(TODAY - timedelta(days=1)))
    _send(app, _now())
    assert mail.outbox() == []


def test_reminders_are_idempotent_within_a_day(app, world, module):
    """Running every hour sends one reminder per person per day; the next day sends again."""
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    _send(app, _now())
    first = len(mail.outbox())
    run = _send(app, _now() + timedelta(hours=1))
    assert len(mail.outbox()) == first == 2 and run.skipped_already_sent == 2
    assert session.scalar(select(func.count()).select_from(ReminderLog)) == 2
    _send(app, _now(days=1))
    assert len(mail.outbox()) == 4


def test_cli_prints_progress_and_summary(app, world, module):
    """The command prints progress and a one-line summary, and records what it sent."""
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Test Council" in result.output and result.output.strip().splitlines()[-1].startswith("Reminders: 1 learner")
    again = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "0 learner reminders and 0 manager digests sent, 2 skipped" in again.output
    kinds = sorted(k.value for k in session.scalars(select(ReminderLog.kind)))
    assert kinds == [ReminderKind.learner.value, ReminderKind.manager_digest.value]


def test_learners_see_what_was_sent(app, world, module, login):
    """'Reminders sent to you' lists the learner's own reminders only."""
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    _send(app, _now())
    page = login(world.learner_b).get("/learning/reminders").get_data(as_text=True)
    assert "Learning due soon or overdue" in page and "First visit: Overdue" in page
    other = login(world.learner_a).get("/learning/reminders").get_data(as_text=True)
    assert "No reminders have been sent to you" in other


def test_with_a_queue_the_command_queues_the_job_and_a_worker_sends(queue_app, world, module, redis):
    """JOBS_BACKEND=rq: `flask reminders send` only queues the job (cron on any host is enough);
    a real RQ worker sends the reminders, and a second queued run the same day sends nothing."""
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=3))
    with queue_app.app_context():
        result = queue_app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "Queued the reminders job" in result.output
    assert queued_count(redis) == 1 and session.scalar(select(func.count()).select_from(ReminderLog)) == 0
    run_worker(queue_app)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReminderLog)) == 2  # learner and manager
    with queue_app.app_context():
        queue_app.test_cli_runner().invoke(args=["reminders", "send"])
    run_worker(queue_app)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReminderLog)) == 2
