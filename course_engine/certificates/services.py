"""Issue, re-issue, revoke and verify certificates.

Rules (each has a test in ``tests/certificates``):

- Every completion gets a certificate at once, inside the completion's unit of work
  (:func:`issue_for_completion`, called from the ``module_completed`` receiver). A later
  completion of the same module (a recertification) gets its own certificate with its own
  dates; earlier certificates stay in the learner's history and expire on their own date.
- ``expires_on`` is the completion date plus the module version's ``recertify_months``; the
  certificate is expired *on* that day. No ``recertify_months``: it never expires.
- The organisation printed (its name as shown and its logo, from its look at issue) is the
  learner's organisation when, at issue, they have exactly one current membership (any role);
  with several, the one of them that assigned the module, when exactly one did (the same rule
  as the page header, branding/services.py); otherwise it is left out, because no single
  employer can vouch for it (agency workers often belong to several).
- A learner whose name has changed can re-issue a valid or expired certificate: same
  completion, same dates and module snapshot, their current name, a new number and code; the
  old one is marked superseded. Revoked and superseded certificates cannot be re-issued.
- An organisation admin of the certificate's organisation, or a site admin, can revoke with a
  reason; this is audit-logged. Revoked wins over every other status.
- Verification codes are ``secrets.token_urlsafe(24)`` (192 bits). Only their sha256 is kept
  in a column; lookups hash the code given.

Services add and flush, never commit; time comes in as ``now``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import exists, select, update

from ..auth.models import Actor, User
from ..authoring.models import ContentModule, ModuleVersion
from ..authoring.services import module_spec
from ..branding.services import stored_logo, theme_for_organisation
from ..dates import add_months
from .. import jobs
from ..db import session, utcnow
from ..learner.models import Completion
from ..orgs.models import Membership, Organisation, OrgRole
from ..audit import record_audit
from . import credentials
from .models import Certificate, CertificateStatus
from .numbers import (hash_code, is_wellformed_code, new_number, new_verification_code, normalise_number,
                      verify_form_url, verify_url)
from .rendering import CertificateContent, render_certificate_pdf

log = logging.getLogger(__name__)

#: Longest revocation reason kept.
REASON_MAX = 1000


class CertificateError(ValueError):
    """A request the rules do not allow; the message is written for the person."""


class AlreadyReissued(CertificateError):
    """The certificate was re-issued already (a double click's twin request, or earlier): the
    person is shown the outcome, their list with the new certificate."""


# --- numbers ------------------------------------------------------------------------------

def _unused_number(year: int) -> str:
    for _ in range(10):
        number = new_number(year)
        if not session.scalar(select(exists().where(Certificate.number == number))):
            return number
    raise RuntimeError("could not find an unused certificate number")  # 40 random bits: never


# --- issuing -------------------------------------------------------------------------------

def organisation_for(user_id: int, module_id: int | None = None) -> Organisation | None:
    """The issuing organisation (see the rules above): the user's only current organisation;
    with several, the one that assigned them ``module_id`` when exactly one did; else None."""
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.deactivated_at.is_(None)).limit(2)).all()
    if len(memberships) == 1:
        return memberships[0].organisation
    if len(memberships) < 2 or module_id is None or not has_app_context():
        return None
    # ``employers`` knows who assigned what; it plugs in (the same level: no import).
    assigning = current_app.extensions.get("course_engine.assigning_organisations")
    found = assigning(user_id, module_id) if assigning else []
    return session.get(Organisation, found[0]) if len(found) == 1 else None


def content_for(certificate: Certificate, code: str, base_url: str, issuer_name: str) -> CertificateContent:
    """What the PDF shows for ``certificate`` (whose code is ``code``)."""
    logo = stored_logo(certificate.organisation_logo_sha256) if certificate.organisation_logo_sha256 else None
    return CertificateContent(
        number=certificate.number, holder_name=certificate.holder_name, module_title=certificate.module_title,
        version_number=certificate.module_version_number, cpd_minutes=certificate.cpd_minutes,
        completed_on=certificate.completed_on, issued_at=certificate.issued_at,
        verify_url=verify_url(base_url, code), verify_form_url=verify_form_url(base_url),
        expires_on=certificate.expires_on, outcomes=tuple(certificate.outcomes or ()),
        standards=tuple(certificate.standards or ()), organisation_name=certificate.organisation_name,
        organisation_logo=logo.data if logo else None, issuer_name=issuer_name)


def _finish(certificate: Certificate, base_url: str, issuer_name: str) -> Certificate:
    """Give ``certificate`` a number and code, draw its PDF, add and flush it."""
    code = new_verification_code()
    certificate.number = _unused_number(certificate.issued_at.year)
    certificate.code_sha256 = hash_code(code)
    certificate.pdf = render_certificate_pdf(content_for(certificate, code, base_url, issuer_name))
    session.add(certificate)
    session.flush()
    _sign_badge(certificate)
    return certificate


def _sign_badge(certificate: Certificate) -> None:
    """Sign the certificate's Open Badge (``credentials.py``) in a savepoint: a failure leaves
    the certificate issued, and the badge is signed on first download or by
    ``flask certificates issue-missing-badges``."""
    try:
        with session.begin_nested():
            credentials.issue(certificate, certificate.issued_at)
    except Exception:  # noqa: BLE001 - the certificate matters more than its badge
        log.exception("Open Badge for certificate %s could not be signed; it will be on first download",
                      certificate.number)


def current_certificate_for_completion(completion_id: int) -> Certificate | None:
    """The completion's certificate that has not been superseded (it may be revoked)."""
    return session.scalar(select(Certificate).where(Certificate.completion_id == completion_id,
                                                    Certificate.superseded_by_id.is_(None))
                          .order_by(Certificate.id.desc()).limit(1))


def issue_for_completion(completion: Completion, now: datetime, base_url: str,
                         issuer_name: str = "course-engine") -> Certificate:
    """Issue the certificate for a completion (once: an existing one is returned).

    :param completion: the completion just recorded (flushed, so it has an id).
    :param now: the issue time.
    :param base_url: the site's public address, for the verification link.
    :param issuer_name: the site name printed as issuer.
    """
    existing = session.scalar(select(Certificate).where(Certificate.completion_id == completion.id).limit(1))
    if existing is not None:
        return current_certificate_for_completion(completion.id) or existing
    user = session.get(User, completion.user_id)
    version = session.get(ModuleVersion, completion.version_id)
    spec = module_spec(version)
    completed_on = completion.completed_at.astimezone(timezone.utc).date()
    organisation = organisation_for(completion.user_id, completion.module_id)
    theme = theme_for_organisation(organisation.id) if organisation else None
    certificate = Certificate(
        user_id=completion.user_id, completion_id=completion.id,
        organisation_id=organisation.id if organisation else None,
        organisation_name=theme.name if theme else None,
        organisation_logo_sha256=theme.logo.sha256 if theme and theme.logo else None,
        holder_name=user.full_name, module_title=spec.title, module_version_number=version.number,
        cpd_minutes=completion.cpd_minutes, completed_on=completed_on, issued_at=now,
        expires_on=add_months(completed_on, spec.recertify_months) if spec.recertify_months else None,
        outcomes=list(spec.outcomes), standards=list(spec.standards))
    return _finish(certificate, base_url, issuer_name)


def completions_without_certificate(user_id: int) -> list[Completion]:
    """The user's completions that have no certificate (issued before this feature, or a
    certificate that failed to draw): :func:`issue_missing` repairs them."""
    return list(session.scalars(
        select(Completion).where(Completion.user_id == user_id,
                                 ~exists().where(Certificate.completion_id == Completion.id))
        .order_by(Completion.completed_at)))


def issue_missing(user_id: int, now: datetime, base_url: str, issuer_name: str = "course-engine") -> list[Certificate]:
    """Issue a certificate for each of the user's completions that has none."""
    return [issue_for_completion(c, now, base_url, issuer_name) for c in completions_without_certificate(user_id)]


#: The job that issues missing certificates for a batch of people (`flask certificates issue-missing`
#: with a queue): a large re-issue, spread over queue workers.
ISSUE_JOB = "certificates.issue_missing"


@jobs.job(ISSUE_JOB, backoff=(30, 300, 1800), label="Issue missing certificates")
def issue_missing_job(user_ids: list[int]) -> int:
    """Issue every missing certificate of these people (safe to repeat: only missing ones are drawn)."""
    from flask import current_app

    now = utcnow()
    return sum(len(issue_missing(user_id, now, current_app.config["BASE_URL"], current_app.config["SITE_NAME"]))
               for user_id in user_ids)


def reissue(certificate: Certificate, holder_name: str, now: datetime, base_url: str,
            issuer_name: str = "course-engine", *, ip_address: str | None = None) -> Certificate:
    """Re-issue with a new name: a new certificate for the same completion; the old one is superseded.

    :param certificate: the learner's current (not superseded, not revoked) certificate.
    :param holder_name: the name to print (the learner's current name).
    :raises CertificateError: when the certificate is revoked or superseded, or the name is unchanged.
    """
    if certificate.revoked_at is not None:
        raise CertificateError("This certificate has been revoked, so it cannot be re-issued.")
    if certificate.superseded_by_id is not None:
        raise CertificateError("This certificate has already been replaced by a newer one.")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise CertificateError("Add your name to your account before re-issuing.")
    if holder_name == certificate.holder_name:
        raise CertificateError("This certificate already shows your current name.")
    # Claim the certificate before drawing its replacement: a double click sends the re-issue
    # twice at once, and both requests saw it not yet superseded. The conditional UPDATE lets
    # one through (the second waits for the first's row lock on PostgreSQL, or for SQLite's
    # write lock, and then finds it superseded); the claim marks it superseded by itself until
    # the replacement's id is known, a few lines down in the same transaction.
    claimed = session.execute(
        update(Certificate).where(Certificate.id == certificate.id, Certificate.superseded_by_id.is_(None),
                                  Certificate.revoked_at.is_(None))
        .values(superseded_by_id=certificate.id).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        session.refresh(certificate)
        if certificate.revoked_at is not None:
            raise CertificateError("This certificate has been revoked, so it cannot be re-issued.")
        raise AlreadyReissued("This certificate has already been re-issued: the new one is in your list.")
    replacement = Certificate(
        user_id=certificate.user_id, completion_id=certificate.completion_id,
        organisation_id=certificate.organisation_id, organisation_name=certificate.organisation_name,
        organisation_logo_sha256=certificate.organisation_logo_sha256, holder_name=holder_name, module_title=certificate.module_title,
        module_version_number=certificate.module_version_number, cpd_minutes=certificate.cpd_minutes,
        completed_on=certificate.completed_on, issued_at=now, expires_on=certificate.expires_on,
        outcomes=list(certificate.outcomes or ()), standards=list(certificate.standards or ()))
    _finish(replacement, base_url, issuer_name)
    certificate.superseded_by_id = replacement.id
    organisation = session.get(Organisation, certificate.organisation_id) if certificate.organisation_id else None
    record_audit(session.get(User, certificate.user_id), "certificate.reissue", replacement,
                 organisation=organisation,
                 detail={"number": replacement.number, "replaces": certificate.number}, ip_address=ip_address)
    session.flush()
    return replacement


def can_revoke(user: Actor, certificate: Certificate) -> bool:
    """Site admins, and organisation admins of the certificate's organisation, may revoke."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_site_admin:
        return True
    if certificate.organisation_id is None:
        return False
    return bool(session.scalar(select(exists().where(
        Membership.user_id == user.id, Membership.organisation_id == certificate.organisation_id,
        Membership.role == OrgRole.org_admin, Membership.deactivated_at.is_(None)))))


def revoke(certificate: Certificate, actor: Actor, reason: str, now: datetime, *, ip_address: str | None = None) -> Certificate:
    """Revoke a certificate with a reason, and record it in the audit log.

    :param actor: the organisation admin or site admin revoking (the route checks the role).
    :param reason: why, for the record (kept private: the verify page shows only the date).
    :raises CertificateError: when it is already revoked or no reason is given.
    """
    reason = (reason or "").strip()
    if certificate.revoked_at is not None:
        raise CertificateError("This certificate has already been revoked.")
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.")
    certificate.revoked_at = now
    certificate.revoked_reason = reason[:REASON_MAX]
    certificate.revoked_by_id = actor.id
    organisation = session.get(Organisation, certificate.organisation_id) if certificate.organisation_id else None
    record_audit(actor, "certificate.revoke", certificate, organisation=organisation,
                 detail={"number": certificate.number, "reason": certificate.revoked_reason}, ip_address=ip_address)
    session.flush()
    return certificate


# --- reading -------------------------------------------------------------------------------

def certificates_for(user_id: int) -> list[Certificate]:
    """Every certificate the user holds, newest first (history included)."""
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def owned_certificate(user_id: int, number: str) -> Certificate | None:
    """The user's certificate with this number (None for anyone else's)."""
    canonical = normalise_number(number)
    if canonical is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.number == canonical))


def pdf_filename(certificate: Certificate) -> str:
    """``cpd-certificate-<module slug>-<number>.pdf``: says what it is in a downloads folder,
    and stays unique per certificate. Slug and number are ASCII letters, digits and hyphens."""
    slug = session.scalar(select(ContentModule.slug).join(Completion, Completion.module_id == ContentModule.id)
                          .where(Completion.id == certificate.completion_id))
    return f"cpd-certificate-{slug or 'module'}-{certificate.number}.pdf"


def find_by_number(number: str) -> Certificate | None:
    """The certificate with this number, typed in any reasonable way (see :func:`normalise_number`)."""
    canonical = normalise_number(number)
    if canonical is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.number == canonical))


def find_by_code(code: str) -> Certificate | None:
    """The certificate whose verification code is ``code``."""
    if not is_wellformed_code(code):
        return None
    return session.scalar(select(Certificate).where(Certificate.code_sha256 == hash_code(code)))


def organisation_certificates(organisation_id: int, number: str | None = None, limit: int = 200) -> list[Certificate]:
    """An organisation's certificates, newest first (optionally the one with ``number``)."""
    query = select(Certificate).where(Certificate.organisation_id == organisation_id)
    if number:
        canonical = normalise_number(number)
        query = query.where(Certificate.number == (canonical or ""))
    return list(session.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(limit)))


def current_by_completion(user_id: int) -> dict[int, Certificate]:
    """The user's current (not superseded) certificate for each completion."""
    rows = session.scalars(select(Certificate).where(Certificate.user_id == user_id,
                                                     Certificate.superseded_by_id.is_(None))
                           .order_by(Certificate.id))
    return {c.completion_id: c for c in rows}


@dataclass(frozen=True)
class Verification:
    """What a verifier is told: the status and the certificate's public facts, nothing else."""

    status: CertificateStatus
    number: str
    holder_name: str
    module_title: str
    module_version: int
    cpd_minutes: int
    completed_on: date
    issued_on: date
    expires_on: date | None
    revoked_on: date | None
    #: The issuing organisation as printed on the certificate (None when it names none).
    organisation_name: str | None = None
    organisation_logo_sha256: str | None = None

    @property
    def status_label(self) -> str:
        return self.status.label

    def as_json(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"status": self.status.value, "status_label": self.status_label,
                "certificate_number": self.number, "holder_name": self.holder_name,
                "module_title": self.module_title, "module_version": self.module_version,
                "cpd_minutes": self.cpd_minutes, "completed_on": iso(self.completed_on),
                "issued_on": iso(self.issued_on), "expires_on": iso(self.expires_on),
                "revoked_on": iso(self.revoked_on), "organisation_name": self.organisation_name}


def verification_of(certificate: Certificate, today: date) -> Verification:
    """The public verification of ``certificate`` as of ``today``."""
    return Verification(
        status=certificate.status_on(today), number=certificate.number, holder_name=certificate.holder_name,
        module_title=certificate.module_title, module_version=certificate.module_version_number,
        cpd_minutes=certificate.cpd_minutes, completed_on=certificate.completed_on,
        issued_on=certificate.issued_at.astimezone(timezone.utc).date(), expires_on=certificate.expires_on,
        revoked_on=certificate.revoked_at.astimezone(timezone.utc).date() if certificate.revoked_at else None,
        organisation_name=certificate.organisation_name,
        organisation_logo_sha256=certificate.organisation_logo_sha256)
