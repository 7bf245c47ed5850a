"""Adding a badge to a digital wallet (OpenID for Verifiable Credential Issuance; the rules are
in ``wallet.py``).

For the holder (signed in): ``/certificates/<number>/wallet`` shows the offer, and a POST to it
(with our CSRF token) makes a new one. The offer's token is kept in the holder's session cookie
only until the page has shown it, so a reload shows the same QR code and a redirect never puts
it in an address bar or a log.

For wallets (machine to machine, no account, no CSRF token: what authenticates them is the
offer's pre-authorized code and then the access token, each checked before anything is
written): the two metadata documents under ``/.well-known/``, the offer document
(``/wallet/offers/<token>``), the token endpoint and the credential endpoint. Every refusal is
the spec's JSON error with a 4xx, and answers carry ``Cache-Control: no-store`` as OAuth asks.
"""
from __future__ import annotations

import json

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as http_session
from flask_login import current_user, login_required

from ..db import TransactionMode, transaction, utcnow
from ..security import csrf_exempt, limiter
from . import bp, services, wallet
from .models import CertificateStatus

#: Session key of the offer the holder's page is showing: {"number": ..., "token": ...}.
_SHOWN = "wallet_offer"
#: Wallets may run in a browser: the public documents and the two endpoints allow any origin
#: (nothing here relies on cookies; the endpoints take a code or a bearer token).
_CORS = {"Access-Control-Allow-Origin": "*"}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: Largest credential request body read (a request with a few key proofs is about 2 KB).
REQUEST_MAX_BYTES = 64 * 1024


def _json(body: dict, status: int = 200, headers: dict | None = None, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, indent=1), status=status, mimetype=mimetype)
    response.headers.update(_CORS)
    response.headers.update(headers or _NO_STORE)
    return response


def _error(error: wallet.OAuthError) -> Response:
    response = _json(error.as_json(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return response


# --- the holder's page ---------------------------------------------------------------------------

@bp.route("/certificates/<number>/wallet", methods=["GET", "POST"])
@login_required
def wallet_offer(number: str):
    """Add a certificate's badge to a digital wallet: a QR code and a link carrying a credential
    offer (owner only; another person's number is a 404). POST makes a new offer."""
    certificate = services.owned_certificate(current_user.id, number)
    if certificate is None:
        abort(404)
    now = utcnow()
    refusal = wallet.refusal(certificate, now.date())
    if request.method == "POST":
        if refusal:
            flash(refusal, "error")
        else:
            offer = wallet.create_offer(certificate, current_user.id, now)
            http_session[_SHOWN] = {"number": certificate.number, "token": offer.token}
        return redirect(url_for("certificates.wallet_offer", number=certificate.number), code=303)
    shown = http_session.get(_SHOWN) or {}
    offer = None
    if not refusal and shown.get("number") == certificate.number:
        row = wallet.find_offer(shown.get("token"))
        if row is not None and row.certificate_id == certificate.id:
            offer = wallet.Offer(row, shown["token"])
    latest = wallet.latest_offer(certificate.id, current_user.id)
    qr = segno.make(offer.uri, error="m", micro=False) if offer and wallet.is_pending(offer.row, now) else None
    return render_template("certificates/wallet.html", certificate=certificate, refusal=refusal, offer=offer,
                           qr_svg=qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff") if qr else None,
                           pending=bool(qr), latest=latest, now=now, minutes=wallet.OFFER_MINUTES,
                           status=certificate.status_on(now.date()), statuses=CertificateStatus,
                           site_name=current_app.config["SITE_NAME"])


# --- for wallets -----------------------------------------------------------------------------------

@bp.route("/.well-known/openid-credential-issuer")
@transaction(TransactionMode.read_only)
def wallet_issuer_metadata():
    """Credential Issuer Metadata: what we issue and where the credential endpoint is."""
    return _json(wallet.issuer_metadata(), headers={"Cache-Control": "public, max-age=300"})


@bp.route("/.well-known/oauth-authorization-server")
@transaction(TransactionMode.read_only)
def wallet_authorization_server_metadata():
    """OAuth 2.0 Authorization Server Metadata (RFC 8414): where the token endpoint is."""
    return _json(wallet.authorization_server_metadata(), headers={"Cache-Control": "public, max-age=300"})


@bp.route("/wallet/offers/<token>")
@transaction(TransactionMode.read_only)
def wallet_offer_document(token: str):
    """The Credential Offer a ``credential_offer_uri`` names, while its code is unused and fresh."""
    document = wallet.offer_document(token, utcnow())
    if document is None:
        return _json({"error": "not_found", "error_description": "No such offer, or it has been used, replaced "
                      "or has expired: make a new offer from the certificate's page."}, 404)
    return _json(document)


def _token_limit() -> str:
    return current_app.config["WALLET_TOKEN_LIMIT_PER_ADDRESS"]


@bp.route("/wallet/token", methods=["POST"])
@csrf_exempt("the offer's pre-authorized code (256 bits, single use, 10 minutes), checked by "
             "wallet.exchange_code before anything is written; rate-limited per address like sign-in")
@limiter.limit(_token_limit, deduct_when=lambda response: response.status_code >= 400)
def wallet_token():
    """The token endpoint: a pre-authorized code -> a single-use, 5-minute bearer access token."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return _error(wallet.OAuthError("invalid_request", "Send the token request as "
                                        "application/x-www-form-urlencoded."))
    form = request.form
    if any(len(form.getlist(name)) > 1 for name in form):
        return _error(wallet.OAuthError("invalid_request", "A parameter was sent more than once."))
    try:
        token = wallet.exchange_code(form.to_dict(), utcnow())
    except wallet.OAuthError as error:
        return _error(error)
    return _json(token.as_json())


@bp.route("/wallet/credential", methods=["POST"])
@csrf_exempt("the bearer access token from the token endpoint (single use, 5 minutes), checked by "
             "wallet.deliver before anything is written")
def wallet_credential():
    """The credential endpoint: a bearer access token -> the certificate's badge (its stored VC-JWT)."""
    now = utcnow()
    try:
        token = wallet.bearer_token(request.headers.get("Authorization"))
        if request.mimetype != "application/json":
            raise wallet.OAuthError("invalid_credential_request", "Send the credential request as application/json.")
        if (request.content_length or 0) > REQUEST_MAX_BYTES:
            raise wallet.OAuthError("invalid_credential_request", "The credential request is too large.")
        try:
            body = json.loads(request.get_data(cache=False)[:REQUEST_MAX_BYTES + 1] or b"null")
        except ValueError:
            raise wallet.OAuthError("invalid_credential_request", "The body is not valid JSON.") from None
        credential = wallet.deliver(token, body, now)
    except wallet.OAuthError as error:
        return _error(error)
    return _json({"credentials": [{"credential": credential}]})


@bp.after_app_request
def _wallet_preflight(response: Response) -> Response:
    """A browser wallet's CORS preflight (OPTIONS) for the two endpoints it posts to."""
    if request.method == "OPTIONS" and request.endpoint in ("certificates.wallet_token",
                                                            "certificates.wallet_credential"):
        response.headers.update(_CORS)
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, DPoP"
        response.headers["Access-Control-Max-Age"] = "600"
    return response
