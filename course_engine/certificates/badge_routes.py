"""Open Badges pages: what we publish for verifiers, the learner's downloads, and /verify/badge.

Published at stable URLs, without signing in (a verifier has no account), read-only:
``/badges/issuer`` (the issuer profile), ``/badges/jwks.json`` and ``/badges/keys/<kid>``
(public keys, retired ones included), ``/badges/status/<n>`` (a signed status list) and
``/badges/achievements/<slug>/<version>``. The learner downloads their own badge as the
signed JWT (what a wallet or an employer checks) or its JSON (readable, not proof).
"""
from __future__ import annotations

import json

from flask import Response, abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from ..authoring.models import ContentModule, ModuleVersion
from ..db import session, utcnow
from ..learner.models import Completion
from . import badge_keys, badge_verify, bp, credentials, services, status_list
from .forms import VerifyBadgeForm
from .routes import VERIFY_HEADERS, _verify_rate

#: Public documents may be cached a little (a rotation or revocation shows within 5 minutes).
PUBLIC_HEADERS = {"Cache-Control": f"public, max-age={status_list.CACHE_SECONDS}",
                  "Access-Control-Allow-Origin": "*"}
#: Largest badge accepted for checking (ours are about 4 KB).
BADGE_MAX_BYTES = 64 * 1024


def _public_json(body: dict, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype=mimetype)
    response.headers.update(PUBLIC_HEADERS)
    return response


# --- published for verifiers ---------------------------------------------------------------

@bp.route("/badges/issuer")
def badge_issuer():
    """The issuer profile every badge names (Open Badges ``Profile``)."""
    profile = {"@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT], **credentials.issuer_profile()}
    return _public_json(profile, "application/ld+json")


@bp.route("/badges/jwks.json")
def badge_jwks():
    """Every key that has signed badges, as a JWK Set (retired keys stay)."""
    return _public_json(badge_keys.jwks(), "application/jwk-set+json")


@bp.route("/badges/keys/<kid>")
def badge_key(kid: str):
    """One public key as a JWK: what a badge's ``kid`` dereferences to."""
    row = badge_keys.find_key(kid) if len(kid) <= 64 else None
    if row is None:
        abort(404, description="No key of ours has that name.")
    return _public_json(badge_keys.public_jwk(row), "application/jwk+json")


@bp.route("/badges/status/<int:number>")
def badge_status_list(number: int):
    """A status list as a signed ``BitstringStatusListCredential`` (a VC-JWT)."""
    if not status_list.list_exists(number):
        abort(404, description="There is no status list with that number.")
    now = utcnow()
    document = status_list.status_list_credential(number, credentials.issuer_profile(), now)
    token, _kid = badge_keys.sign(credentials.jwt_claims_for_list(document), now)
    response = Response(token, mimetype="application/jwt")
    response.headers.update(PUBLIC_HEADERS)
    return response


@bp.route("/badges/achievements/<slug>/<int:version>")
def badge_achievement(slug: str, version: int):
    """The achievement of one module version, once someone has completed it."""
    row = session.scalar(select(ModuleVersion).join(ContentModule, ContentModule.id == ModuleVersion.module_id)
                         .where(ContentModule.slug == slug, ModuleVersion.number == version))
    if row is None or not session.scalar(select(exists().where(Completion.version_id == row.id))):
        abort(404, description="There is no such achievement.")
    body = {"@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT], **credentials.achievement(slug, row)}
    return _public_json(body, "application/ld+json")


# --- the learner's downloads ---------------------------------------------------------------

def _own_badge(number: str):
    certificate = services.owned_certificate(current_user.id, number)
    if certificate is None:
        abort(404)
    # Certificates issued before badges existed get theirs on first download.
    return certificate, credentials.credential_of(certificate) or credentials.issue(certificate, utcnow())


@bp.route("/certificates/<number>/badge.jwt")
@login_required
def download_badge_jwt(number: str):
    """The signed badge (VC-JWT): the file a wallet imports and a verifier checks (owner only)."""
    certificate, badge = _own_badge(number)
    return Response(badge.jwt, mimetype="application/jwt", headers={
        "Content-Disposition": f'attachment; filename="{_filename(certificate)}.jwt"',
        "Cache-Control": "private, no-store"})


@bp.route("/certificates/<number>/badge.json")
@login_required
def download_badge_json(number: str):
    """The badge's credential as readable JSON (the JWT's contents; owner only)."""
    certificate, badge = _own_badge(number)
    body = json.dumps(credentials.credential_json(badge.jwt), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="{_filename(certificate)}.json"',
        "Cache-Control": "private, no-store"})


def _filename(certificate) -> str:
    return services.pdf_filename(certificate).removesuffix(".pdf").replace("cpd-certificate-", "open-badge-", 1)


# --- checking a badge ----------------------------------------------------------------------

@bp.route("/verify/badge", methods=["GET", "POST"])
@_verify_rate
def verify_badge():
    """Public: paste or upload a badge; we check its signature, dates and status."""
    form = VerifyBadgeForm.from_request()
    if request.method == "GET":
        return _badge_page(form, None, 200)
    if (request.content_length or 0) > BADGE_MAX_BYTES + 16 * 1024:
        form.credential.errors = [f"That is larger than any badge ({BADGE_MAX_BYTES // 1024} KB at most). "
                                  "Upload the .jwt file of the badge."]
        return _badge_page(form, None, 413)
    text = form.credential.data or ""
    upload = request.files.get("credential_file")
    if upload is not None and upload.filename:
        data = upload.stream.read(BADGE_MAX_BYTES + 1)
        try:
            text = data.decode("utf-8") if len(data) <= BADGE_MAX_BYTES else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            form.credential_file_errors = ["That file is not a badge: upload the .jwt (or .json) file you were given."]
            return _badge_page(form, None, 400)
    if not text.strip():
        form.credential.errors = ["Paste the badge, or choose its file."]
        return _badge_page(form, None, 400)
    result = badge_verify.check_text(text, utcnow())
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(result.as_json())
        response.status_code = 400 if result.outcome in ("malformed", "unsigned") else 200
        response.headers.update(VERIFY_HEADERS)
        return response
    # The check ran: its answer is a 200 whatever it says; text that is no badge at all is a 400.
    return _badge_page(form, result, 400 if result.outcome in ("malformed", "unsigned") else 200)


def _badge_page(form, result, status: int) -> Response:
    response = Response(render_template("certificates/verify_badge.html", form=form, result=result,
                                        max_kb=BADGE_MAX_BYTES // 1024, site_name=current_app.config["SITE_NAME"]),
                        status=status)
    response.headers.update(VERIFY_HEADERS)
    return response
