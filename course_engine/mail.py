"""One mail interface. Backends: ``outbox`` (development: files in instance/outbox/ and the
log), ``smtp`` (production, from configuration) and ``memory`` (tests).

Messages are sent after the request's commit (see :func:`course_engine.db.after_commit`), so
an email never announces something that was rolled back.
"""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, has_request_context

from . import db


@dataclass
class Mailer:
    """Holds the backend choice and, for the memory backend, what was sent."""

    sent: list[EmailMessage] = field(default_factory=list)


def init_app(app) -> None:
    app.extensions["course_engine.mail"] = Mailer()


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text email; inside a request it goes after the commit."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(body)
    app = current_app._get_current_object()
    if has_request_context():
        db.after_commit(lambda: _deliver(app, message))
    else:
        _deliver(app, message)


def outbox(app=None) -> list[EmailMessage]:
    """Messages kept by the memory backend (tests read this)."""
    return (app or current_app).extensions["course_engine.mail"].sent


def _deliver(app, message: EmailMessage) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend == "memory":
        app.extensions["course_engine.mail"].sent.append(message)
    elif backend == "outbox":
        folder = Path(app.config.get("MAIL_OUTBOX_DIR") or Path(app.instance_path) / "outbox")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        slug = re.sub(r"[^a-z0-9]+", "-", message["Subject"].lower()).strip("-")[:40]
        path = folder / f"{stamp}-{slug}.eml"
        path.write_bytes(bytes(message))
        app.logger.info("mail to %s: %r written to %s\n%s", message["To"], message["Subject"], path,
                        message.get_content())
    elif backend == "smtp":
        with smtplib.SMTP(app.config["SMTP_HOST"], int(app.config["SMTP_PORT"]), timeout=30) as smtp:
            if app.config["SMTP_STARTTLS"]:
                smtp.starttls()
            if app.config["SMTP_USERNAME"]:
                smtp.login(app.config["SMTP_USERNAME"], app.config["SMTP_PASSWORD"])
            smtp.send_message(message)
    else:
        raise ValueError(f"MAIL_BACKEND must be outbox, smtp or memory, not {backend!r}")
