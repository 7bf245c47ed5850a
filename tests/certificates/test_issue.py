"""Issuing: at once on completion, a snapshot that never changes, history kept."""
import re
from pathlib import Path

from sqlalchemy import func, select

from course_engine.authoring.services import sync_content
from course_engine.certificates import numbers, services
from course_engine.certificates.models import Certificate, CertificateStatus
from course_engine.db import session
from course_engine.audit import AuditLog
from course_engine.dates import add_months

from .conftest import at, code_of, pdf_text

NUMBER_RE = re.compile(r"CE-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def test_completion_issues_a_certificate_at_once(holder, complete, certificate_of):
    """Completing a module issues its certificate in the same unit of work, with the name as
    registered, the module's title, version, minutes, outcomes, standards and dates."""
    completion = complete(holder, "home-visit", now=at(2026, 3, 12))
    certificate = certificate_of(completion)
    assert certificate is not None
    assert NUMBER_RE.fullmatch(certificate.number) and certificate.number.startswith("CE-2026-")
    assert certificate.holder_name == "Zoë Ní Bhriain"
    assert certificate.module_title == "Seeing the child: a first home visit"
    assert certificate.module_version_number == 1 and certificate.cpd_minutes == 45
    assert certificate.completed_on.isoformat() == "2026-03-12"
    assert certificate.issued_at == at(2026, 3, 12)
    assert certificate.expires_on.isoformat() == "2027-03-12"  # recertify_months: 12
    assert certificate.outcomes == ["See the child alone before accepting an explanation.", "Record the child's own words."]
    assert certificate.standards == ["SWE 1.5", "PCF 4"]
    assert certificate.organisation_id is None and certificate.organisation_name is None
    assert certificate.status_on(at(2026, 3, 12).date()) == CertificateStatus.valid


def test_pdf_holds_name_module_minutes_dates_and_number(holder, complete, certificate_of):
    """The stored PDF's text (read with pypdf) has the facts and the verification URL
    (BASE_URL + /verify/<code>)."""
    certificate = certificate_of(complete(holder, "home-visit", now=at(2026, 3, 12)))
    text = pdf_text(certificate.pdf)
    for expected in ("Certificate of CPD", "Zoë Ní Bhriain", "Seeing the child: a first home visit", "Version 1",
                     "45 minutes of CPD", "completed on 12 March 2026", "Expires on 12 March 2027",
                     "Issued on 12 March 2026", certificate.number, "SWE 1.5"):
        assert expected in text, expected
    code = code_of(certificate)
    assert f"http://localhost/verify/{code}" in text


def test_module_without_recertification_never_expires(holder, complete, certificate_of):
    certificate = certificate_of(complete(holder, "recording-words", now=at(2020, 1, 1)))
    assert certificate.expires_on is None
    assert certificate.status_on(at(2040, 1, 1).date()) == CertificateStatus.valid
    assert "No expiry date" in pdf_text(certificate.pdf)


def test_qr_code_payload_is_the_verification_url(holder, complete, certificate_of, monkeypatch):
    """The QR code on an issued certificate encodes its verification URL."""
    from course_engine.certificates import rendering

    payloads = []
    real = rendering.segno.make
    monkeypatch.setattr(rendering.segno, "make", lambda payload, **kw: payloads.append(payload) or real(payload, **kw))
    certificate = certificate_of(complete(holder))
    assert payloads == [f"http://localhost/verify/{code_of(certificate)}"]


def test_verification_code_is_unguessable_and_only_its_hash_is_stored(holder, complete, certificate_of):
    """Codes are 32 URL-safe characters from secrets.token_urlsafe(24) (192 bits); the column
    holds their sha256, and the code itself is nowhere in the row but the PDF."""
    certificate = certificate_of(complete(holder))
    code = code_of(certificate)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", code)
    assert certificate.code_sha256 == numbers.hash_code(code) != code
    assert services.find_by_code(code).id == certificate.id
    assert len({numbers.new_verification_code() for _ in range(1000)}) == 1000


def test_organisation_is_printed_only_with_exactly_one_current_membership(make_user, make_org, add_member, complete,
                                                                          certificate_of):
    """One current membership: that organisation. None, or several (an agency worker) when none
    of them assigned the module, or only a deactivated one: no organisation (the case of several
    where one assigned it is in test_look.py)."""
    from course_engine.db import utcnow

    council, _ = make_org("Northshire Council")
    agency, _ = make_org("Care Agency")
    one = make_user(full_name="One Org")
    add_member(council, one)
    two = make_user(full_name="Two Orgs")
    add_member(council, two)
    add_member(agency, two)
    left = make_user(full_name="Left Org")
    membership = add_member(agency, left)
    membership.deactivated_at = utcnow()
    session.commit()

    assert certificate_of(complete(one)).organisation_name == "Northshire Council"
    assert certificate_of(complete(one)).organisation_id == council.id
    assert certificate_of(complete(two)).organisation_id is None
    assert certificate_of(complete(left)).organisation_id is None
    assert "Northshire Council" in pdf_text(certificate_of(complete(one)).pdf)


def test_recertification_issues_a_new_certificate_and_keeps_the_old(holder, complete, certificate_of):
    """A completion after the previous certificate expired issues a new one with new dates;
    the old one stays in the learner's history as expired."""
    first = certificate_of(complete(holder, "home-visit", now=at(2024, 5, 1)))
    second = certificate_of(complete(holder, "home-visit", now=at(2025, 6, 2)))
    assert first.id != second.id and first.number != second.number
    assert (second.completed_on.isoformat(), second.expires_on.isoformat()) == ("2025-06-02", "2026-06-02")
    today = at(2025, 6, 2).date()
    history = services.certificates_for(holder.id)
    assert [c.id for c in history] == [second.id, first.id]
    assert first.status_on(today) == CertificateStatus.expired
    assert second.status_on(today) == CertificateStatus.valid


def test_expiry_is_on_the_day(holder, complete, certificate_of):
    """Valid up to the day before expires_on; expired on that day."""
    certificate = certificate_of(complete(holder, "home-visit", now=at(2024, 1, 31)))
    assert certificate.expires_on.isoformat() == "2025-01-31"
    assert certificate.status_on(at(2025, 1, 30).date()) == CertificateStatus.valid
    assert certificate.status_on(at(2025, 1, 31).date()) == CertificateStatus.expired


def test_add_months_clamps_to_the_end_of_the_month():
    from datetime import date

    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 24) == date(2026, 12, 15)


def test_one_certificate_per_completion_even_if_the_signal_repeats(holder, complete, certificate_of):
    """Issuing is idempotent: the same completion never gets two certificates."""
    completion = complete(holder)
    again = services.issue_for_completion(completion, at(2026, 1, 1), "http://localhost")
    assert again.id == certificate_of(completion).id
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_reissue_with_new_name_supersedes_the_old(holder, complete, certificate_of):
    """A name change: same completion, a new certificate with the new name; the old one is
    superseded and both stay in history. An unchanged name is refused."""
    completion = complete(holder, "home-visit", now=at(2026, 3, 12))
    old = certificate_of(completion)
    try:
        services.reissue(old, "Zoë Ní Bhriain", at(2026, 4, 1), "http://localhost")
    except services.CertificateError as exc:
        assert "already shows" in str(exc)
    else:
        raise AssertionError("re-issue with the same name was allowed")

    new = services.reissue(old, "Zoë Murphy", at(2026, 4, 1), "http://localhost")
    session.commit()
    assert new.completion_id == old.completion_id and new.number != old.number
    assert old.superseded_by_id == new.id
    assert (new.completed_on, new.expires_on, new.module_title) == (old.completed_on, old.expires_on, old.module_title)
    assert "Zoë Murphy" in pdf_text(new.pdf) and "Zoë Ní Bhriain" not in pdf_text(new.pdf)
    today = at(2026, 4, 1).date()
    assert old.status_on(today) == CertificateStatus.superseded and new.status_on(today) == CertificateStatus.valid
    assert certificate_of(completion).id == new.id
    assert session.scalar(select(AuditLog.action).where(AuditLog.target_id == str(new.id))) == "certificate.reissue"


def test_pdf_is_kept_byte_for_byte_when_content_changes(holder, complete, certificate_of, content_dirs):
    """The PDF stored at issue is the one served later, even after the module is edited and
    re-synced (new version, new title)."""
    certificate = certificate_of(complete(holder))
    issued = bytes(certificate.pdf)
    modules, quizzes = content_dirs
    path = Path(modules) / "home-visit.md"
    path.write_text(path.read_text().replace('title: "Seeing the child: a first home visit"',
                                             'title: "Seeing the child (revised)"').replace("cpd_minutes: 45", "cpd_minutes: 60"))
    result = sync_content(modules, quizzes)
    assert result.updated == ["home-visit"]
    session.commit()
    session.expire_all()
    again = session.get(Certificate, certificate.id)
    assert bytes(again.pdf) == issued
    assert again.module_title == "Seeing the child: a first home visit" and again.cpd_minutes == 45


def test_a_drawing_failure_never_loses_the_completion(holder, complete, certificate_of, monkeypatch, caplog):
    """If the PDF cannot be drawn the completion still stands; the certificate is issued the
    next time the learner opens My certificates."""
    from course_engine.certificates import services as certificate_services

    def broken(_content):
        raise RuntimeError("font exploded")

    monkeypatch.setattr(certificate_services, "render_certificate_pdf", broken)
    completion = complete(holder)
    assert certificate_of(completion) is None
    assert "could not be issued" in caplog.text
    monkeypatch.undo()
    assert [c.completion_id for c in services.issue_missing(holder.id, at(2026, 1, 2), "http://localhost")] == [completion.id]


def test_number_parsing_tolerates_case_spaces_and_hyphens():
    assert numbers.normalise_number("CE-2026-7K3Q-9XTM") == "CE-2026-7K3Q-9XTM"
    assert numbers.normalise_number(" ce 2026 7k3q 9xtm ") == "CE-2026-7K3Q-9XTM"
    assert numbers.normalise_number("2026-7K3Q-9XTM") == "CE-2026-7K3Q-9XTM"
    assert numbers.normalise_number("CE20267K3Q9XTM") == "CE-2026-7K3Q-9XTM"
    assert numbers.normalise_number("CE-2026-7K3Q-9XTO") == "CE-2026-7K3Q-9XT0"  # O read as zero
    for bad in ("", "CE-2026", "CE-2026-7K3Q-9XT", "hello", "CE-2026-7K3Q-9XTM-1", "x" * 500):
        assert numbers.normalise_number(bad) is None


def test_numbers_are_random_not_sequential():
    made = [numbers.new_number(2026) for _ in range(200)]
    assert len(set(made)) == 200
    assert all(NUMBER_RE.fullmatch(n) for n in made)
