"""Certificates: what was certified, to whom, and what has happened to it since.

A certificate is a snapshot. Everything printed on it (the holder's name, the module's title,
outcomes and standards, the dates) is copied in when it is issued, and the PDF itself is
stored, so neither a renamed learner nor a re-synced module changes a certificate already
issued. Changes go through a *new* certificate: a re-issue supersedes the old one.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow


class CertificateStatus(str, enum.Enum):
    """What a certificate is worth today, in order of precedence (revoked wins)."""

    valid = "valid"
    expired = "expired"
    superseded = "superseded"
    revoked = "revoked"

    @property
    def label(self) -> str:
        return {"valid": "Valid", "expired": "Expired", "superseded": "Superseded",
                "revoked": "Revoked"}[self.value]


class Certificate(Base):
    """One issued certificate for one completion (a re-issue is another row, same completion)."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Human-friendly and random (``CE-2026-7K3Q-9XTM``): safe to read out, not guessable in order.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: sha256 (hex) of the verification code in the QR code and link. The code itself is not
    #: kept in a column: it is printed in the PDF and nowhere else.
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completion.id", ondelete="CASCADE"), index=True)
    #: The issuing organisation: the learner's organisation at issue when they had exactly one
    #: current membership; with several, the one of them that assigned the module when exactly
    #: one did; otherwise None (an agency worker: no single employer can vouch for it).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)
    #: The organisation's name as printed (its look's name as shown, at issue: organisations
    #: can be renamed later).
    organisation_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The organisation's logo as printed (``brand_logo``, kept by content hash), if it had one.
    organisation_logo_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("brand_logo.sha256", ondelete="SET NULL"), nullable=True)
    #: The learner's ``full_name`` at issue.
    holder_name: Mapped[str] = mapped_column(String(200))
    module_title: Mapped[str] = mapped_column(String(300))
    module_version_number: Mapped[int] = mapped_column(Integer)
    cpd_minutes: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Completion date plus the module's ``recertify_months``; None when it does not expire.
    #: The certificate is expired *on* this day (valid up to the day before).
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    standards: Mapped[list[str]] = mapped_column(JSON, default=list)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    #: The certificate that replaced this one (a re-issue with a new name).
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id", ondelete="SET NULL"),
                                                         nullable=True)
    #: The PDF exactly as issued. Deferred: listings never load it.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def status_on(self, today: date) -> CertificateStatus:
        """The status on ``today``: revoked, then superseded, then expired, else valid."""
        if self.revoked_at is not None:
            return CertificateStatus.revoked
        if self.superseded_by_id is not None:
            return CertificateStatus.superseded
        if self.expires_on is not None and today >= self.expires_on:
            return CertificateStatus.expired
        return CertificateStatus.valid

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"


class BadgeKey(Base):
    """One of the Ed25519 keys that sign Open Badges credentials and status lists.

    The newest key not retired signs. Retired keys stay published for good (unlike the LTI
    keys' overlap): a badge is carried for years, and a verifier checks it against the key
    named in its header whenever it is shown.
    """

    __tablename__ = "badge_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The key's name; its public URL (the JWS ``kid``) is ``/badges/keys/<kid>``.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: The private key as a JWK (JSON), sealed (``encryption.seal``).
    private_jwk_sealed: Mapped[str] = mapped_column(Text)
    #: The public key as a JWK without its ``kid`` (the URL is added when published).
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BadgeCredential(Base):
    """The Open Badges 3.0 credential of one certificate, as signed (a snapshot, like the PDF).

    Its revocation status is not kept here: the status list reads it from the certificate
    (revoked or superseded), so revoking and re-issuing need no second write.
    """

    __tablename__ = "badge_credential"
    __table_args__ = (UniqueConstraint("status_list", "status_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), unique=True)
    #: The credential's ``id`` (``urn:uuid:...``), also the JWT's ``jti``.
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: Which status list (``/badges/status/<n>``) and which bit of it.
    status_list: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    kid: Mapped[str] = mapped_column(String(64))
    #: The compact JWS exactly as issued.
    jwt: Mapped[str] = deferred(mapped_column(Text))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship()


class WalletOffer(Base):
    """An OpenID for Verifiable Credential Issuance offer of one certificate's badge to a
    wallet (the pre-authorized code flow; ``wallet.py`` has the rules).

    Nothing secret is kept: the offer's URL token, the pre-authorized code and the access
    token are each kept as a sha256. Each step is a conditional UPDATE of this row (the code
    is redeemed once, the token used once), so two wallets racing for one offer cannot both
    succeed, on SQLite or PostgreSQL.
    """

    __tablename__ = "wallet_offer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    #: The holder who made the offer (always the certificate's holder).
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: sha256 of the token in the ``credential_offer_uri`` (``/wallet/offers/<token>``).
    offer_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of the pre-authorized code (derived from the offer token; see wallet.py).
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The pre-authorized code is refused from this moment on.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When a wallet exchanged the code for an access token (once).
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: sha256 of the access token given for the code, and when that token stops working.
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: When the wallet received the badge (the token is then used up).
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: When the holder replaced the offer with a new one (or withdrew it) before it was used.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    certificate: Mapped[Certificate] = relationship()
