"""Accounts: a person who can log in, with site-wide roles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

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

    #: Yes/no facts other features read with the signed-in person (see
    #: ``services.add_signed_in_flag``): not known for a model, so empty; callers ask the database.
    flags: dict[str, bool] = {}  # plain class attribute: not a column

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def get_id(self) -> str:  # flask-login
        return session_id_for(self)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


@dataclass(frozen=True, eq=False)  # eq=False: flask-login's UserMixin compares by get_id()
class SignedInUser(UserMixin):
    """The person making a request, as every page needs them: plain values, not a model.

    flask-login loads this on every request that needs the signed-in person (see
    ``services.user_for_session_id``), so it is read with one Core statement: building the
    ORM object cost 0.33 M of a scene page's 4.4 M instructions (docs/performance.md). Code
    that changes the account loads the model: ``services.account_of(current_user)``.
    """

    id: int
    email: str
    full_name: str
    is_author: bool
    is_site_admin: bool
    #: Facts features above ``auth`` read with the person (``services.add_signed_in_flag`` and
    #: ``add_signed_in_value``), e.g. ``flags["has_employer_role"]`` for the menu.
    flags: dict[str, Any]
    #: flask-login's id for the session (see ``services.session_id_for``).
    session_id: str

    def get_id(self) -> str:  # flask-login
        return self.session_id


def password_fingerprint(password_hash: str) -> str:
    """The last characters of a password hash, which change with every new password.

    In a reset link it makes the link single-use without a table of tokens; in the session id
    it ends every other session when the password changes.
    """
    return password_hash[-16:]


def session_id_for(user: User) -> str:
    """The id flask-login keeps in the session: it changes with the password, so changing a
    password ends every other session and every "remember me" cookie."""
    return f"{user.id}:{password_fingerprint(user.password_hash)}"


#: Who is acting, for services that only need the id, name and site roles: the signed-in
#: person (``current_user``) or an account loaded as a model.
Actor = Union[User, SignedInUser]
