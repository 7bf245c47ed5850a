"""One-time submission keys: a form that creates rows is saved once, however often it is sent.

A double click, a second tab or the back button sends the same rendered form again. Forms with
a natural unique key (one journal answer per prompt) are made idempotent by the database
(``db.insert_unless_exists``); a form that creates a row with no such key (a new CPD entry, an
assignment, an evidence file) would simply write twice. So such a form carries a random key
made when it was rendered (:class:`course_engine.forms.SubmissionKeyField`), and its view
claims the key before doing its work, the same idea as Stripe's ``Idempotency-Key`` header:

- the first request with a key inserts ``(user_id, key)`` here, does its work and records
  where it sent the person (the outcome), all in its one transaction;
- a second request with the same key finds the claim taken (on PostgreSQL its INSERT waits
  for the first transaction to commit; on SQLite the write lock serialises them) and answers
  the same redirect to the first one's outcome, with "That was already saved.";
- if the first request failed (an invalid form, a refused value, an error), its transaction
  rolled back with the claim, so the form shown again still works.

The claim also keeps a fingerprint of what was sent (a hash of the form's values). The same
key with *different* values is not a double click but a person who went back, changed the form
and sent that copy: a create form then says plainly that the first copy was saved and this
one's changes were not (rather than silently dropping them, or saving a second row); a form
whose second save is an update (the peer reflection, once it exists) simply saves it.

A key belongs to the person who sent it: the claim is on (user, key), so another person
sending the same key (a copied page) makes their own claim and their own submission; nobody
learns where another person's submission went. A missing or malformed key is no claim at all:
the request is a new submission as before these keys existed (a tab rendered before a deploy
must not lose what was typed into it; the key only protects people from their own repeats, it
is not an access control: login, role, organisation and CSRF checks do that).

Keys older than :data:`MAX_AGE` are deleted by :func:`purge` (``flask reminders send``, hourly
from cron, and the queued reminders job call it; so does ``flask submissions purge``). A form
sent again after that is a new submission.

A core module: it knows the database and Flask's flash and redirect, no feature.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import flash, redirect
from flask.cli import AppGroup
from sqlalchemy import ForeignKey, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime, insert_unless_exists, session

#: How long a key is remembered: far longer than any double click or second tab, short
#: enough that the table stays small.
MAX_AGE = timedelta(days=1)
#: What the person reads when their repeat is answered with the first one's outcome.
ALREADY_SAVED = "That was already saved (the form was sent more than once), so nothing was added twice."
#: ... and when the copy sent again had been changed: nothing is lost silently.
CHANGES_NOT_SAVED = ("That form had already been saved, so the changes in the copy you just sent were not "
                     "(nothing was added twice). Here is what was saved: change it from here if you need to.")
#: ``secrets.token_urlsafe(32)``: 256 random bits in 43 URL-safe characters.
_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


class SubmissionKey(Base):
    """A claimed submission key and where its first request sent the person."""

    __tablename__ = "submission_key"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(43), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: The redirect target of the first request (None until its work is done).
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: A hash of the values the first request sent (None when the view gave none).
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)


def new_key() -> str:
    """A fresh key for a form being rendered."""
    return secrets.token_urlsafe(32)


def is_well_formed(key: object) -> bool:
    """True for a key :func:`new_key` could have made (anything else is never stored)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


@dataclass
class Submission:
    """This request's claim on its form's key.

    ``repeated`` is True when an earlier request with the same key (from the same person) got
    there first; ``outcome`` is then where that request sent them, and ``changed`` whether this
    copy of the form carries different values from the first.
    """

    user_id: int
    key: str | None
    repeated: bool = False
    outcome: str | None = None
    changed: bool = False

    def done(self, url: str) -> str:
        """Record ``url`` as this submission's outcome (in the request's transaction); ``url``."""
        if self.key is not None and not self.repeated:
            session.execute(update(SubmissionKey)
                            .where(SubmissionKey.user_id == self.user_id, SubmissionKey.key == self.key)
                            .values(outcome=url))
        return url


def claim(key: str | None, user_id: int, now: datetime, fingerprint: str | None = None) -> Submission:
    """Claim ``key`` for ``user_id``: call it once the form is valid, before the work.

    A missing or malformed key claims nothing (a new submission). Joins the request's unit of
    work, so a request that fails gives its claim back.

    :param fingerprint: a hash of the values sent (``CreateForm.fingerprint()``), kept with the
        claim so a repeat can tell a double click from a changed copy of the form.
    """
    if not is_well_formed(key):
        return Submission(user_id, None)
    if insert_unless_exists(SubmissionKey.__table__, dict(user_id=user_id, key=key, created_at=now, outcome=None,
                                                          fingerprint=fingerprint),
                            conflict=("user_id", "key")):
        return Submission(user_id, key)
    first = session.execute(select(SubmissionKey.outcome, SubmissionKey.fingerprint)
                            .where(SubmissionKey.user_id == user_id, SubmissionKey.key == key)).one()
    changed = fingerprint is not None and first.fingerprint is not None and first.fingerprint != fingerprint
    return Submission(user_id, key, repeated=True, outcome=first.outcome, changed=changed)


def already_saved(submission: Submission, fallback: str):
    """The answer to a repeat: the first request's redirect (``fallback`` if it recorded none),
    saying nothing was added twice (and, for a changed copy, that its changes were not saved)."""
    flash(CHANGES_NOT_SAVED if submission.changed else ALREADY_SAVED, "error" if submission.changed else "info")
    return redirect(submission.outcome or fallback, code=303)


def purge(now: datetime) -> int:
    """Delete keys older than :data:`MAX_AGE`; how many. Adds to the caller's unit of work."""
    result = session.execute(delete(SubmissionKey).where(SubmissionKey.created_at < now - MAX_AGE))
    return result.rowcount or 0


submissions_cli = AppGroup("submissions", help="One-time form submission keys.")


@submissions_cli.command("purge")
def purge_command():
    """Delete submission keys older than a day (``flask reminders send`` does this too)."""
    from . import db

    count = purge(db.utcnow())
    db.commit_and_run_callbacks()
    click.echo(f"Deleted {count} submission keys older than {MAX_AGE.days} day.")


def init_app(app) -> None:
    """Add ``flask submissions purge``."""
    app.cli.add_command(submissions_cli)
