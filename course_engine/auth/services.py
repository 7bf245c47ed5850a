"""Account workflows. Services take plain values, add and flush; the request commits."""
from __future__ import annotations

import functools
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Row, Select, bindparam, func, select, true

from .. import mail
from ..db import session, utcnow
from ..links import external_url
from .models import SignedInUser, User, password_fingerprint, session_id_for  # noqa: F401 (re-exported)
from .passwords import hash_password, needs_rehash, password_problem, verify_password


class AccountError(ValueError):
    """A problem the user can fix, with a message safe to show them."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    """Lower-case, NFKC-normalised, trimmed; the form every email is stored and compared in."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_is_well_formed(email: str) -> bool:
    """Syntax check only (no DNS lookups: deliverability is not our business here)."""
    try:
        validate_email(email, check_deliverability=False)
        return True
    except EmailNotValidError:
        return False


def find_user_by_email(email: str) -> User | None:
    """The account for an email, compared in normalised form."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(full_name: str, email: str, password: str) -> User:
    """Create an account.

    :param full_name: the name as it should appear on certificates.
    :raises AccountError: for an unacceptable password or an email already in use. The caller
        must not show the "in use" case differently (see :func:`registration_response`).
    """
    full_name = " ".join(full_name.split())
    email = normalise_email(email)
    problem = password_problem(password, current_app.config["PASSWORD_MIN_LENGTH"], email=email, name=full_name)
    if problem:
        raise AccountError(problem, "password")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise EmailAlreadyRegistered(email)
    user = User(email=email, full_name=full_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


class EmailAlreadyRegistered(AccountError):
    """Raised for a duplicate email; the UI answers exactly as for a new registration."""

    def __init__(self, email: str):
        super().__init__("That email is already registered.", "email")
        self.email = email


def notify_existing_account(email: str) -> None:
    """Tell the owner of an email that someone tried to register with it (no enumeration)."""
    mail.send(
        email,
        "Someone tried to register with your email",
        "Someone (perhaps you) tried to create a course-engine account with this email address.\n"
        "You already have an account. If you have forgotten your password, reset it here:\n"
        f"{external_url('auth.forgot_password')}\n\nIf this wasn't you, you can ignore this email.",
    )


_CONFIRM_SALT = "course-engine.confirm-email"


def send_confirmation(user: User) -> None:
    """Email the link that confirms the address and finishes registration."""
    token = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT).dumps({"uid": user.id})
    mail.send(
        user.email,
        "Finish creating your course-engine account",
        f"Hello {user.full_name},\n\nFollow this link to confirm your email and finish registering:\n"
        f"{external_url('auth.confirm_email', token=token)}\n\nThe link works for 7 days.",
    )


def confirm_email(token: str) -> User | None:
    """The user whose address a confirmation token proves, now marked confirmed; None if invalid."""
    try:
        data = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT).loads(
            token, max_age=7 * 24 * 3600)
    except BadSignature:
        return None
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active_account:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        session.flush()
    return user


class EmailNotConfirmed(AccountError):
    """Right password, but the address has not been confirmed yet."""


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; takes the same time whether or not the email exists."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active_account:
        return None
    if user.email_confirmed_at is None:
        send_confirmation(user)
        raise EmailNotConfirmed("Please confirm your email address first: we've sent the link again.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; invalidates outstanding reset links."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not right.", "current_password")
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Set a new password (policy enforced) and stamp the change time."""
    problem = password_problem(new_password, current_app.config["PASSWORD_MIN_LENGTH"],
                               email=user.email, name=user.full_name)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    session.flush()


def change_name(user: User, full_name: str) -> None:
    """Change the name shown on certificates (existing certificates keep the old name)."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise AccountError("Enter your name as it should appear on certificates.", "full_name")
    user.full_name = full_name
    session.flush()


# --- accounts other systems vouch for, and signing in elsewhere --------------------------

#: Prefix of the stored "hash" of an account that has no password of its own (made by single
#: sign-on or an LTI launch): not an Argon2 hash, so no password ever verifies against it,
#: and random after the prefix, so the session id (see ``password_fingerprint``) is unique.
NO_PASSWORD_PREFIX = "!no-password:"


def create_external_account(email: str, full_name: str, *, email_confirmed: bool, now) -> User:
    """An account for a person another system vouches for (their organisation's identity
    provider, their LMS): no password until they choose one through "forgotten password".

    :raises EmailAlreadyRegistered: the email has an account (callers never take it over).
    """
    email = normalise_email(email)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise EmailAlreadyRegistered(email)
    user = User(email=email, full_name=" ".join(full_name.split())[:200] or email.split("@")[0],
                password_hash=NO_PASSWORD_PREFIX + secrets.token_urlsafe(24),
                email_confirmed_at=now if email_confirmed else None, created_at=now,
                password_changed_at=now, last_login_at=now)
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class OrganisationSignIn:
    """How someone whose email belongs to an organisation with single sign-on may sign in."""

    organisation_name: str
    #: Where "Sign in with your organisation" leads (a link: the browser follows a redirect
    #: to the identity provider, which a form could not do under our form-action policy).
    url: str
    #: False when the organisation has turned password login off for this person.
    password_allowed: bool


#: Finders added by features above ``auth`` (``sso``): email -> OrganisationSignIn or None.
_ORGANISATION_SIGN_IN: list[Callable[[str], OrganisationSignIn | None]] = []


def add_organisation_sign_in(finder: Callable[[str], OrganisationSignIn | None]) -> None:
    """Let a feature say how people with some emails sign in (called from its ``init_app``)."""
    if finder not in _ORGANISATION_SIGN_IN:
        _ORGANISATION_SIGN_IN.append(finder)


def organisation_sign_in_for(email: str) -> OrganisationSignIn | None:
    """The organisation sign-in offered for ``email``, if any feature knows one."""
    if not email or "@" not in email:
        return None
    for finder in _ORGANISATION_SIGN_IN:
        found = finder(normalise_email(email))
        if found is not None:
            return found
    return None


# --- password reset ---------------------------------------------------------------------

_RESET_SALT = "course-engine.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def make_reset_token(user: User) -> str:
    """A signed token naming the user and the password it may replace."""
    return _serializer().dumps({"uid": user.id, "fp": password_fingerprint(user.password_hash)})


@dataclass(frozen=True)
class ResetCheck:
    user: User | None
    problem: str | None


def check_reset_token(token: str) -> ResetCheck:
    """Who a reset token is for, or why it cannot be used (expired, used, tampered)."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        return ResetCheck(None, "This reset link has expired. Ask for a new one below.")
    except BadSignature:
        return ResetCheck(None, "This reset link is not valid. Ask for a new one below.")
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active_account:
        return ResetCheck(None, "This reset link is not valid. Ask for a new one below.")
    if data.get("fp") != password_fingerprint(user.password_hash):
        return ResetCheck(None, "This reset link has already been used. Ask for a new one below.")
    return ResetCheck(user, None)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; do nothing visible otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    token = make_reset_token(user)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.send(
        user.email,
        "Reset your course-engine password",
        f"Hello {user.full_name},\n\nUse this link within {minutes} minutes to choose a new password:\n"
        f"{external_url('auth.reset_password', token=token)}\n\n"
        "The link works once. If you didn't ask for it, ignore this email: your password is unchanged.",
    )


# --- sessions ----------------------------------------------------------------------------

def user_for_session_id(session_id: str) -> SignedInUser | None:
    """The person a session id names, if their account is active and the password has not
    changed since it was issued (flask-login's user loader: runs on every request that
    needs the signed-in person, so it is one Core statement and no ORM objects)."""
    user_id, fingerprint = _parse_session_id(session_id)
    if user_id is None:
        return None
    row = session.connection().execute(_signed_in_user_statement(), {"user_id": user_id}).first()
    return _signed_in(row, fingerprint, session_id)


def _parse_session_id(session_id: str) -> tuple[int | None, str]:
    """(user id, password fingerprint) from a session id; no id if it is malformed."""
    user_id, _, fingerprint = session_id.partition(":")
    return (int(user_id) if user_id.isdigit() else None), fingerprint


@dataclass(frozen=True)
class RowsWithUser:
    """A page's own query, to be fetched in the same round trip as the signed-in person.

    Every request for a signed-in page costs a round trip to load the person, and on
    PostgreSQL round trips are a large part of a hot page's cost (docs/performance.md), so
    the hottest pages fetch their rows with it. ``statement`` names its parameters with
    ``bindparam``: ``user_id``, which is always the signed-in person (a URL value of that
    name is overridden), and the page's URL values by name. ``parse`` turns its rows into
    what the view receives; when nothing matches it gets one row whose columns are all None.
    Column names must not start with ``signed_in_``. Used through
    ``auth.access.login_required_with``.
    """

    statement: Select
    parse: Callable[[Sequence[Row]], Any]


def user_and_rows_for_session_id(session_id: str, page: RowsWithUser,
                                 parameters: dict[str, Any]) -> tuple[SignedInUser | None, list[Row]]:
    """:func:`user_for_session_id` and the page's rows, in one statement.

    The rows are only fetched for the person the session names (``user_id``), and are empty
    when there is no such person.
    """
    user_id, fingerprint = _parse_session_id(session_id)
    if user_id is None:
        return None, []
    rows = session.connection().execute(_with_signed_in_user(page.statement),
                                        {**parameters, "user_id": user_id}).all()
    user = _signed_in(rows[0] if rows else None, fingerprint, session_id)
    return user, (rows if user is not None else [])


def page_rows(page: RowsWithUser, user_id: int, parameters: dict[str, Any]) -> list[Row]:
    """The page's rows on their own (when the person was already loaded in this request)."""
    return session.connection().execute(page.statement, {**parameters, "user_id": user_id}).all()


def _signed_in(row: Row | None, fingerprint: str, session_id: str) -> SignedInUser | None:
    if row is None or not row.signed_in_is_active or fingerprint != password_fingerprint(row.signed_in_password_hash):
        return None
    flags = {name: convert(getattr(row, f"signed_in_flag_{name}"))
             for name, (_build, convert) in _SIGNED_IN_FLAGS.items()}
    return SignedInUser(row.signed_in_id, row.signed_in_email, row.signed_in_full_name, row.signed_in_is_author,
                        row.signed_in_is_site_admin, flags, session_id)


def account_of(user: SignedInUser | User) -> User:
    """The account (the model) of the signed-in person, to change it."""
    return user if isinstance(user, User) else session.get(User, user.id)


#: Facts about the signed-in person that features above ``auth`` need on every page (the
#: menu, the header), read in the same statement as the person: name -> (a function building
#: an SQL expression correlated with ``User.id``, the conversion of its value). ``orgs`` adds
#: the yes/no ``has_employer_role``; ``branding`` the value ``sole_organisation_look``.
_SIGNED_IN_FLAGS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {}


def add_signed_in_flag(name: str, expression: Callable[[], Any]) -> None:
    """Read the yes/no ``SignedInUser.flags[name]`` with the person on every request (idempotent by name).

    Call it while the app is built (a feature's ``init_app``), before the first request:
    the statement is built once.
    """
    _add_signed_in(name, expression, bool)


def add_signed_in_value(name: str, expression: Callable[[], Any]) -> None:
    """Like :func:`add_signed_in_flag`, for a small value kept as the database returns it
    (a scalar subquery; None when it finds nothing)."""
    _add_signed_in(name, expression, _as_is)


def _as_is(value: Any) -> Any:
    return value


def _add_signed_in(name: str, expression: Callable[[], Any], convert: Callable[[Any], Any]) -> None:
    if name in _SIGNED_IN_FLAGS:
        return
    if _signed_in_user_columns.cache_info().currsize:
        raise RuntimeError(f"signed-in flag {name!r} added after the first request; add it in init_app")
    _SIGNED_IN_FLAGS[name] = (expression, convert)


@functools.cache
def _signed_in_user_columns() -> tuple:
    return (
        User.id.label("signed_in_id"), User.email.label("signed_in_email"),
        User.full_name.label("signed_in_full_name"), User.is_author.label("signed_in_is_author"),
        User.is_site_admin.label("signed_in_is_site_admin"), User.is_active_account.label("signed_in_is_active"),
        User.password_hash.label("signed_in_password_hash"),
        *(build().label(f"signed_in_flag_{name}") for name, (build, _convert) in _SIGNED_IN_FLAGS.items()),
    )


@functools.cache
def _signed_in_user_statement() -> Select:
    return select(*_signed_in_user_columns()).where(User.id == bindparam("user_id"))


@functools.lru_cache(maxsize=32)  # one per page query (they are built once, at import)
def _with_signed_in_user(page_statement: Select) -> Select:
    """The person's columns beside each of the page's rows (one row of None if it has none)."""
    page = page_statement.subquery("page")
    return (select(*_signed_in_user_columns(), *page.c)
            .select_from(User.__table__.outerjoin(page, true()))
            .where(User.id == bindparam("user_id")))
