"""The audit log: who did what to whom, when and from where, for every administrative action.

A core module (features of every level record actions here: accounts, organisations,
content, certificates, assignments), so it depends on nothing but the database. Services
record entries; the route that acts passes the requester's address (services never read
``request``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, session, utcnow


class AuditLog(Base):
    """Who did what to whom and when, for every administrative action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: A dotted verb such as ``team.create`` or ``certificate.revoke``.
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)

    #: The account that acted (named, not imported: the audit log sits below every feature).
    actor = relationship("User")


#: Target classes recorded under another name: the signed-in person (plain values) is a
#: ``User`` whichever form of it the caller holds.
_TARGET_NAMES = {"SignedInUser": "User"}


def record_audit(actor: Any, action: str, target: Any, *, organisation: Any = None,
                 detail: dict[str, Any] | None = None, ip_address: str | None = None) -> AuditLog:
    """Record who did what to whom (and when, and from where) in the audit log.

    :param actor: the person acting (anything with an ``id``; None for the system, e.g. a
        scheduled command).
    :param action: a dotted verb such as ``team.create``.
    :param target: the model acted on; its class name and id are stored.
    :param organisation: the organisation the action belongs to, if any.
    :param ip_address: the requester's address, passed in by the route (None outside a request).
    """
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        action=action,
        target_type=_TARGET_NAMES.get(target.__class__.__name__, target.__class__.__name__),  # __class__: proxies too
        target_id=str(getattr(target, "id", target)),
        detail=detail or {},
        ip_address=ip_address,
    )
    session.add(entry)  # written with the rest of the unit of work (no flush: uploads add thousands)
    return entry
