"""Adding a badge to a digital wallet: OpenID for Verifiable Credential Issuance 1.0 (OID4VCI),
the pre-authorized code flow, with this service as both Credential Issuer and Authorization
Server.

The flow, and the rule each step keeps (each has a test in ``tests/certificates/test_wallet.py``;
a real wallet library runs the whole flow in ``test_wallet_interop.py``):

1. The holder, signed in, asks for an offer (a POST with our CSRF token) for one of their own
   certificates. Refused for a revoked or superseded certificate (its badge's status bit is
   set: a wallet would hold a badge every verifier rejects). A new offer replaces the
   certificate's earlier offers that no wallet has used yet.
2. The page shows ``openid-credential-offer://?credential_offer_uri=<our URL>`` as a QR code and
   as a link. The URL's token (256 bits) is kept only as a sha256; the pre-authorized code in
   the offer document is derived from it with the app's secret (an HMAC), and also kept only as
   a sha256, so the database holds nothing a reader could redeem.
3. The wallet reads our metadata, then exchanges the code at the token endpoint: the code
   works once, for ``OFFER_MINUTES`` from the offer, while the certificate stands. It gets a
   bearer access token (256 bits, kept as a sha256) that works once, for ``TOKEN_SECONDS``
   (the spec calls anything over 5 minutes long-lived).
4. The wallet posts to the credential endpoint with the token and receives the certificate's
   badge: the VC-JWT signed when the certificate was issued, byte for byte (never re-signed).

No transaction code (``tx_code``): the spec means it to travel by a second channel; shown on the
same page as the QR code, it stops no one who can see the screen, and an email round trip
would be friction for a badge its holder is meant to show anyone. What limits a leaked offer
instead: it is made only when the holder asks, lives 10 minutes, works once, is replaced by the
next one, and the page tells the holder when a wallet collected it; the badge itself is a
bearer credential that can be revoked.

No cryptographic key binding: the badge was signed at issue, before any wallet existed, and is
never re-signed, so it cannot name a wallet's key. The metadata therefore lists no
``cryptographic_binding_methods_supported`` and no ``proof_types_supported`` (the spec's way of
saying proofs are not needed) and no nonce endpoint. A wallet that sends a ``jwt`` key proof
anyway has it checked as the spec asks of a proof: typed ``openid4vci-proof+jwt``, an asymmetric
``alg``, signed by the key its header names (``jwk``, or a ``did:jwk``/``did:key`` ``kid``),
``aud`` our issuer identifier, ``iat`` recent. A proof that fails is refused (``invalid_proof``)
rather than ignored, so a wallet never believes a badge is bound when it is not (the checks are
in ``key_proofs.py``, which knows nothing of Flask or the database).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select, update

from ..db import session
from ..links import base_url, external_url
from . import credentials, key_proofs
from .models import Certificate, CertificateStatus, WalletOffer

#: How long an offer's pre-authorized code can be exchanged (the spec: "short lived").
OFFER_MINUTES = 10
#: How long the access token works (at most 5 minutes, or the spec calls it long-lived).
TOKEN_SECONDS = 300
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: Our one credential configuration: an Open Badges 3.0 credential as a VC-JWT.
CONFIGURATION_ID = "OpenBadgeCredential_jwt_vc_json"
FORMAT = "jwt_vc_json"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
OFFER_SCHEME = "openid-credential-offer://"
#: Key proofs checked in one request at most (we issue one credential).
MAX_PROOFS = 10


class OAuthError(Exception):
    """An error answer of the token or credential endpoint, in the spec's terms:
    ``error`` (the code), ``description`` (plain ASCII for the wallet's developer), ``status``."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def code_for(offer_token: str) -> str:
    """The pre-authorized code of an offer, derived from its URL token with the app's secret."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), f"wallet-code:{offer_token}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issuer_identifier() -> str:
    """Our Credential Issuer Identifier (and Authorization Server issuer): ``BASE_URL``."""
    return base_url()


# --- the holder's offer ----------------------------------------------------------------------

def refusal(certificate: Certificate, today) -> str | None:
    """Why this certificate's badge cannot go to a wallet, or None when it can."""
    status = certificate.status_on(today)
    if status == CertificateStatus.revoked:
        return "This certificate has been revoked, so its badge cannot be added to a wallet."
    if status == CertificateStatus.superseded:
        return ("This certificate was replaced by a re-issued one: add the new certificate's badge "
                "to your wallet instead.")
    return None


@dataclass(frozen=True)
class Offer:
    """A new offer as the holder's page shows it (the token exists only here and in the page)."""

    row: WalletOffer
    token: str

    @property
    def document_url(self) -> str:
        return external_url("certificates.wallet_offer_document", token=self.token)

    @property
    def uri(self) -> str:
        """``openid-credential-offer://?credential_offer_uri=...``: the QR code and the link."""
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(self.document_url, safe='')}"


def create_offer(certificate: Certificate, user_id: int, now: datetime) -> Offer:
    """A new offer of ``certificate``'s badge by its holder; earlier unused offers of it end.

    :raises ValueError: the certificate is not the user's, or cannot be offered (see :func:`refusal`).
    """
    if certificate.user_id != user_id:
        raise ValueError("Only the holder can offer a certificate's badge.")
    reason = refusal(certificate, now.date())
    if reason:
        raise ValueError(reason)
    session.execute(update(WalletOffer).where(
        WalletOffer.certificate_id == certificate.id, WalletOffer.redeemed_at.is_(None),
        WalletOffer.cancelled_at.is_(None)).values(cancelled_at=now))
    token = secrets.token_urlsafe(32)
    row = WalletOffer(certificate_id=certificate.id, user_id=user_id, offer_sha256=_sha256(token),
                      code_sha256=_sha256(code_for(token)), created_at=now,
                      expires_at=now + timedelta(minutes=OFFER_MINUTES))
    session.add(row)
    session.flush()
    return Offer(row, token)


def find_offer(token: str) -> WalletOffer | None:
    """The offer with this URL token (any state), or None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    return session.scalar(select(WalletOffer).where(WalletOffer.offer_sha256 == _sha256(token)))


def is_pending(row: WalletOffer, now: datetime) -> bool:
    """Whether a wallet can still exchange this offer's code."""
    return row.redeemed_at is None and row.cancelled_at is None and now < row.expires_at


def offer_document(token: str, now: datetime) -> dict[str, Any] | None:
    """The Credential Offer object the ``credential_offer_uri`` serves while the code is
    unused and fresh (None otherwise: a wallet cannot start from a spent offer)."""
    row = find_offer(token)
    if row is None or not is_pending(row, now):
        return None
    return {"credential_issuer": issuer_identifier(), "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code_for(token)}}}


def latest_offer(certificate_id: int, user_id: int) -> WalletOffer | None:
    """The holder's newest offer of this certificate (to tell them whether a wallet collected it)."""
    return session.scalar(select(WalletOffer).where(WalletOffer.certificate_id == certificate_id,
                                                    WalletOffer.user_id == user_id)
                          .order_by(WalletOffer.created_at.desc(), WalletOffer.id.desc()).limit(1))


# --- metadata ----------------------------------------------------------------------------------

def issuer_metadata() -> dict[str, Any]:
    """Credential Issuer Metadata (``/.well-known/openid-credential-issuer``)."""
    site = current_app.config["SITE_NAME"]
    return {
        "credential_issuer": issuer_identifier(),
        "credential_endpoint": external_url("certificates.wallet_credential"),
        "display": [{"name": site, "locale": "en-GB"}],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": FORMAT,
                "credential_signing_alg_values_supported": ["Ed25519"],
                "credential_definition": {"type": TYPES},
                "credential_metadata": {"display": [{
                    "name": "CPD certificate (Open Badge)", "locale": "en-GB",
                    "description": f"A CPD certificate from {site}, as an Open Badges 3.0 credential.",
                    "background_color": "#0b3d5c", "text_color": "#ffffff"}]},
            },
        },
    }


def authorization_server_metadata() -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414; ``/.well-known/oauth-authorization-server``):
    where the token endpoint is. Only the pre-authorized code grant, without client authentication."""
    return {
        "issuer": issuer_identifier(),
        "token_endpoint": external_url("certificates.wallet_token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# --- the token endpoint ------------------------------------------------------------------------

@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int

    def as_json(self) -> dict[str, Any]:
        return {"access_token": self.token, "token_type": "Bearer", "expires_in": self.expires_in}


def exchange_code(form: dict[str, str], now: datetime) -> AccessToken:
    """A Token Request (its form fields) -> a single-use access token, or :class:`OAuthError`."""
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is missing.")
    if grant != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"Only {PRE_AUTHORIZED_GRANT} is supported.")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing.")
    if form.get("tx_code") is not None:
        raise OAuthError("invalid_request", "This offer asks for no transaction code (tx_code): send none.")
    row = session.scalar(select(WalletOffer).where(WalletOffer.code_sha256 == _sha256(code))) \
        if len(code) <= 128 else None
    if row is None:
        raise OAuthError("invalid_grant", "The pre-authorized code is not one of ours.")
    if row.cancelled_at is not None:
        raise OAuthError("invalid_grant", "This offer was replaced by a newer one: scan the new QR code.")
    if row.redeemed_at is not None:
        raise OAuthError("invalid_grant", "The pre-authorized code has already been used.")
    if now >= row.expires_at:
        raise OAuthError("invalid_grant", "The pre-authorized code has expired: make a new offer.")
    reason = refusal(session.get(Certificate, row.certificate_id), now.date())
    if reason:
        raise OAuthError("invalid_grant", _ascii(reason))
    token = secrets.token_urlsafe(32)
    # The claim: only one request can redeem the code, however many arrive at once.
    claimed = session.execute(update(WalletOffer).where(
        WalletOffer.id == row.id, WalletOffer.redeemed_at.is_(None), WalletOffer.cancelled_at.is_(None),
        WalletOffer.expires_at > now).values(redeemed_at=now, token_sha256=_sha256(token),
                                            token_expires_at=now + timedelta(seconds=TOKEN_SECONDS)))
    if claimed.rowcount != 1:
        raise OAuthError("invalid_grant", "The pre-authorized code has already been used.")
    return AccessToken(token, TOKEN_SECONDS)


# --- the credential endpoint -------------------------------------------------------------------

def bearer_token(authorization: str | None) -> str:
    """The access token in an ``Authorization: Bearer`` header (RFC 6750), or :class:`OAuthError`."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_token", "Send the access token as Authorization: Bearer <token>.", 401)
    return value.strip()


def deliver(access_token: str, body: Any, now: datetime) -> str:
    """A Credential Request -> the certificate's stored badge (its VC-JWT), or :class:`OAuthError`.

    The token works once: using it is a conditional UPDATE (``collected_at``), in the request's
    unit of work, so an error answer after it rolls the use back.
    """
    row = session.scalar(select(WalletOffer).where(WalletOffer.token_sha256 == _sha256(access_token))) \
        if len(access_token) <= 128 else None
    if row is None or row.token_expires_at is None or now >= row.token_expires_at:
        raise OAuthError("invalid_token", "The access token is unknown or has expired.", 401)
    if row.collected_at is not None:
        raise OAuthError("invalid_token", "The access token has already been used.", 401)
    _check_request(body, now)
    certificate = session.get(Certificate, row.certificate_id)
    reason = refusal(certificate, now.date())
    if reason:
        raise OAuthError("credential_request_denied", _ascii(reason))
    claimed = session.execute(update(WalletOffer).where(
        WalletOffer.id == row.id, WalletOffer.collected_at.is_(None)).values(collected_at=now))
    if claimed.rowcount != 1:
        raise OAuthError("invalid_token", "The access token has already been used.", 401)
    # Certificates issued before badges existed get theirs now (once), as on download.
    badge = credentials.credential_of(certificate) or credentials.issue(certificate, now)
    return badge.jwt


def _check_request(body: Any, now: datetime) -> None:
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "The body must be a JSON object.")
    configuration = body.get("credential_configuration_id")
    identifier = body.get("credential_identifier")
    if configuration is not None and identifier is not None:
        raise OAuthError("invalid_credential_request",
                         "Send credential_configuration_id or credential_identifier, not both.")
    if identifier is not None:
        # We return no authorization_details, so no credential identifiers exist.
        raise OAuthError("unknown_credential_identifier", "This issuer uses no credential identifiers.")
    if configuration is not None:
        if configuration != CONFIGURATION_ID:
            raise OAuthError("unknown_credential_configuration", f"The only configuration is {CONFIGURATION_ID}.")
    elif "format" in body:
        # The shape of earlier drafts (13, 14), which many wallets still send.
        types = (body.get("credential_definition") or {}).get("type") \
            if isinstance(body.get("credential_definition"), dict) else None
        if body.get("format") != FORMAT or not isinstance(types, list) or "OpenBadgeCredential" not in types:
            raise OAuthError("unknown_credential_configuration",
                             f"The only credential is {FORMAT} of type OpenBadgeCredential.")
    else:
        raise OAuthError("invalid_credential_request", "credential_configuration_id is missing.")
    if "proofs" in body and "proof" in body:
        raise OAuthError("invalid_credential_request", "Send proofs or proof, not both.")
    if "proofs" in body:
        proofs = body["proofs"]
        if not isinstance(proofs, dict) or len(proofs) != 1:
            raise OAuthError("invalid_proof", "proofs must hold exactly one proof type.")
        ((kind, values),) = proofs.items()
        if not isinstance(values, list) or not values or len(values) > MAX_PROOFS:
            raise OAuthError("invalid_proof", f"proofs.{_ascii(str(kind))[:20]} must be a non-empty list.")
        for value in values:
            _check_proof(kind, value, now)
    elif "proof" in body:  # draft 13's single proof: {"proof_type": "jwt", "jwt": "..."}
        proof = body["proof"]
        if not isinstance(proof, dict):
            raise OAuthError("invalid_proof", "proof must be an object.")
        _check_proof(proof.get("proof_type"), proof.get("jwt"), now)


def _check_proof(kind: Any, value: Any, now: datetime) -> None:
    try:
        key_proofs.check(kind, value, audience=issuer_identifier(), now=now, max_age=TOKEN_SECONDS)
    except key_proofs.InvalidProof as error:
        raise OAuthError("invalid_proof", str(error)) from None


def _ascii(text: str) -> str:
    """``error_description`` must be plain ASCII without ``"`` or ``\\`` (the spec's character set)."""
    text = text.replace("\u2019", "'").replace("\u2014", "-").replace("\u2013", "-")
    return "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in '"\\')
