"""Certificate pages: the learner's own, public verification, and revocation by admins.

A learner's certificates are always looked up with their user id, so another learner's number
is a 404. Organisation pages use the one guard (``org_role_required``); a certificate of
another organisation is a 404 there too.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..db import session, utcnow
from ..auth.access import site_role_required
from ..orgs.access import org_role_required
from ..orgs.models import Membership, OrgRole
from ..security import limiter
from . import bp, numbers, services
from .forms import RevokeForm, VerifyNumberForm
from .models import CertificateStatus

#: Sent with every verification answer: never cached or indexed, and the code in the URL is
#: never leaked to another site in a Referer header.
VERIFY_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def _verify_limit() -> str:
    return current_app.config["VERIFY_LIMIT_PER_ADDRESS"]


# One budget per address shared by every way of looking a certificate up, so alternating
# between codes, JSON and numbers gains nothing.
_verify_rate = limiter.shared_limit(_verify_limit, scope="certificate-verify")
_verify_form_rate = limiter.shared_limit(_verify_limit, scope="certificate-verify",
                                         exempt_when=lambda: "number" not in request.args)


def _site() -> tuple[str, str]:
    return current_app.config["BASE_URL"], current_app.config["SITE_NAME"]


# --- the learner's certificates ------------------------------------------------------------

@bp.route("/certificates")
@login_required
def list_certificates():
    """My certificates, with their history (superseded, expired and revoked ones too)."""
    certificates = services.certificates_for(current_user.id)
    today = utcnow().date()
    admin_orgs = session.scalars(
        select(Membership).where(Membership.user_id == current_user.id, Membership.role == OrgRole.org_admin,
                                 Membership.deactivated_at.is_(None))).all()
    return render_template("certificates/list.html", certificates=certificates, today=today,
                           statuses=CertificateStatus, current_name=current_user.full_name,
                           missing=len(services.completions_without_certificate(current_user.id)),
                           admin_orgs=[m.organisation for m in admin_orgs])


@bp.route("/certificates/issue-missing", methods=["POST"])
@login_required
def issue_missing():
    """Issue certificates for the learner's completions that have none (completed before
    certificates existed, or a certificate that could not be drawn at the time)."""
    issued = services.issue_missing(current_user.id, utcnow(), *_site())
    if issued:
        flash(f"{len(issued)} certificate{'s' if len(issued) != 1 else ''} issued.", "success")
    return redirect(url_for("certificates.list_certificates"), code=303)


@bp.route("/certificates/<number>.pdf")
@login_required
def download_pdf(number: str):
    """The PDF exactly as issued, as a file to keep (owner only: anyone else gets 404)."""
    return _pdf(number, "attachment")


@bp.route("/certificates/<number>/view.pdf")
@login_required
def view_pdf(number: str):
    """The same PDF, opened in the browser's viewer (owner only)."""
    return _pdf(number, "inline")


def _pdf(number: str, disposition: str):
    certificate = services.owned_certificate(current_user.id, number)
    if certificate is None:
        abort(404)
    return Response(certificate.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{services.pdf_filename(certificate)}"',
        "Cache-Control": "private, no-store"})


@bp.route("/certificates/<number>/reissue", methods=["POST"])
@login_required
def reissue(number: str):
    """Re-issue a certificate with the learner's current name; the old one is superseded."""
    certificate = services.owned_certificate(current_user.id, number)
    if certificate is None:
        abort(404)
    try:
        replacement = services.reissue(certificate, current_user.full_name, utcnow(), *_site(), ip_address=request.remote_addr)
    except services.AlreadyReissued as exc:
        flash(str(exc), "info")
    except services.CertificateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Certificate re-issued as {replacement.number} with the name {replacement.holder_name}. "
              f"The old certificate {certificate.number} is marked as superseded.", "success")
    return redirect(url_for("certificates.list_certificates"), code=303)


@dataclass(frozen=True)
class CertificateLink:
    """A link from My learning to a completion's certificate."""

    url: str
    label: str


def completion_links(user_id: int) -> dict[int, CertificateLink]:
    """The ``course_engine.completion_links`` extension point: completion id -> certificate link.

    The holder gets their PDF; anyone else shown the person's completions (a manager's
    dashboard) gets the public verification page, which is all they may see.
    """
    today = utcnow().date()
    is_holder = getattr(current_user, "is_authenticated", False) and current_user.id == user_id
    links = {}
    for completion_id, certificate in services.current_by_completion(user_id).items():
        status = certificate.status_on(today)
        if not is_holder:
            links[completion_id] = CertificateLink(
                url_for("certificates.verify_form", number=certificate.number),
                f"Certificate {certificate.number} ({status.label.lower()})")
        elif status == CertificateStatus.revoked:
            links[completion_id] = CertificateLink(url_for("certificates.list_certificates"), "Certificate revoked")
        else:
            label = "Download certificate (PDF)" if status == CertificateStatus.valid else "Certificate (expired, PDF)"
            links[completion_id] = CertificateLink(url_for("certificates.download_pdf", number=certificate.number),
                                                   label)
    return links


# --- public verification -------------------------------------------------------------------

def _verify_page(verification, status_code: int, *, form=None, problem: str | None = None):
    form = form or VerifyNumberForm()
    response = Response(render_template("certificates/verify.html", verification=verification, form=form,
                                        problem=problem, statuses=CertificateStatus), status=status_code)
    response.headers.update(VERIFY_HEADERS)
    return response


def _verify_json(body: dict, status_code: int):
    response = jsonify(body)
    response.status_code = status_code
    response.headers.update(VERIFY_HEADERS)
    return response


MALFORMED = ("That verification link is not complete: the code should be 32 letters, digits, hyphens or "
             "underscores. Check the whole link was copied, or type the certificate number below.")
NOT_FOUND = ("No certificate matches that verification link. Check the whole link was copied, or type the "
             "certificate number below. A certificate that cannot be found should not be relied on.")
NUMBER_NOT_FOUND = ("No certificate has that number. Check it against the certificate (top right). "
                    "A certificate that cannot be found should not be relied on.")


@bp.route("/verify/<code>")
@_verify_rate
def verify(code: str):
    """Public: is the certificate with this code valid, expired, superseded or revoked?"""
    if not numbers.is_wellformed_code(code):
        return _verify_page(None, 400, problem=MALFORMED)
    certificate = services.find_by_code(code)
    if certificate is None:
        return _verify_page(None, 404, problem=NOT_FOUND)
    return _verify_page(services.verification_of(certificate, utcnow().date()), 200)


@bp.route("/verify/<code>.json")
@_verify_rate
def verify_json(code: str):
    """Public: the same as :func:`verify`, as JSON (``status`` is not_found or malformed on errors)."""
    if not numbers.is_wellformed_code(code):
        return _verify_json({"status": "malformed", "detail": MALFORMED}, 400)
    certificate = services.find_by_code(code)
    if certificate is None:
        return _verify_json({"status": "not_found", "detail": NOT_FOUND}, 404)
    return _verify_json(services.verification_of(certificate, utcnow().date()).as_json(), 200)


@bp.route("/verify")
@_verify_form_rate
def verify_form():
    """Public: look a certificate up by the number printed on it."""
    if "number" not in request.args:
        return _verify_page(None, 200)
    form = VerifyNumberForm(request.args)
    if not form.validate():
        return _verify_page(None, 400, form=form)
    if numbers.normalise_number(form.number.data) is None:
        form.number.errors.append("That is not a certificate number. It looks like CE-2026-7K3Q-9XTM: "
                                  "CE, the year, then two groups of four letters and digits.")
        return _verify_page(None, 400, form=form)
    certificate = services.find_by_number(form.number.data)
    if certificate is None:
        return _verify_page(None, 404, form=form, problem=NUMBER_NOT_FOUND)
    return _verify_page(services.verification_of(certificate, utcnow().date()), 200, form=form)


# --- revocation: organisation admins and site admins ---------------------------------------

@bp.route("/orgs/<org_slug>/certificates")
@org_role_required(OrgRole.org_admin)
def org_certificates(org, membership):
    """The organisation's certificates, newest first, or the one with the number searched."""
    number = (request.args.get("number") or "").strip()[:40]
    certificates = services.organisation_certificates(org.id, number or None)
    return render_template("certificates/admin_list.html", org=org, certificates=certificates, number=number,
                           today=utcnow().date(), search_url=url_for("certificates.org_certificates", org_slug=org.slug),
                           detail=lambda c: url_for("certificates.org_certificate", org_slug=org.slug, number=c.number))


@bp.route("/orgs/<org_slug>/certificates/<number>", methods=["GET", "POST"])
@org_role_required(OrgRole.org_admin)
def org_certificate(org, membership, number: str):
    """One certificate of the organisation, with the revoke form (another organisation's: 404)."""
    certificate = services.find_by_number(number)
    if certificate is None or certificate.organisation_id != org.id:
        abort(404)
    back = url_for("certificates.org_certificates", org_slug=org.slug)
    return _revoke_page(certificate, org, back)


@bp.route("/admin/certificates")
@site_role_required("site_admin")
def admin_certificates():
    """Site admins: find any certificate by number (the newest are listed)."""
    number = (request.args.get("number") or "").strip()[:40]
    if number:
        found = services.find_by_number(number)
        certificates = [found] if found else []
    else:
        from .models import Certificate

        certificates = list(session.scalars(select(Certificate).order_by(Certificate.id.desc()).limit(50)))
    return render_template("certificates/admin_list.html", org=None, certificates=certificates, number=number,
                           today=utcnow().date(), search_url=url_for("certificates.admin_certificates"),
                           detail=lambda c: url_for("certificates.admin_certificate", number=c.number))


@bp.route("/admin/certificates/<number>", methods=["GET", "POST"])
@site_role_required("site_admin")
def admin_certificate(number: str):
    """Site admins: one certificate, with the revoke form."""
    certificate = services.find_by_number(number)
    if certificate is None:
        abort(404)
    return _revoke_page(certificate, None, url_for("certificates.admin_certificates"))


def _revoke_page(certificate, org, back: str):
    form = RevokeForm.from_request()
    if request.method == "POST":
        if not services.can_revoke(current_user, certificate):
            abort(403)
        if certificate.revoked_at is not None:
            # A second tab or a double click: say so rather than show a form that is gone.
            flash(f"Certificate {certificate.number} had already been revoked; nothing was changed.", "info")
            return redirect(request.path, code=303)
        if form.validate():
            try:
                services.revoke(certificate, current_user, form.reason.data, utcnow(), ip_address=request.remote_addr)
            except services.CertificateError as exc:
                form.reason.errors.append(str(exc))
            else:
                flash(f"Certificate {certificate.number} revoked. Its verification page now says so.", "success")
                return redirect(request.path, code=303)
    status = 400 if form.errors else 200
    return render_template("certificates/admin_detail.html", certificate=certificate, org=org, form=form, back=back,
                           verification=services.verification_of(certificate, utcnow().date())), status
