"""Accounts: a person who can log in, with site-wide roles."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class User(UserMixin, Base):
    """A person. ``full_name`` is the name as it should appear on certificates."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Normalised (see :func:`course_engine.auth.services.normalise_email`), unique.
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Site-wide roles (organisation roles live on memberships).
    is_author: Mapped[bool] = mapped_column(Boolean, default=False)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set when the person follows the link emailed at registration (or accepts an invitation).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    #: Set when the user is loaded for a request (see ``services.user_for_session_id``):
    #: whether they are a current manager or org admin anywhere. None means "not known".
    has_employer_role = None  # plain class attribute: not a column

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def get_id(self) -> str:  # flask-login: see services.session_id_for
        from .services import session_id_for

        return session_id_for(self)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
