"""The certificate PDF, drawn without Flask or a database."""
import io
from datetime import date, datetime, timezone

import pypdf
import pytest

from course_engine.certificates import rendering
from course_engine.certificates.rendering import CertificateContent, pdf_text, render_certificate_pdf

from .conftest import pdf_text as extract


def content(**overrides) -> CertificateContent:
    values = dict(
        number="CE-2026-7K3Q-9XTM", holder_name="Zoë Ní Bhriain", module_title="Seeing the child: a first home visit",
        version_number=3, cpd_minutes=45, completed_on=date(2026, 3, 12),
        issued_at=datetime(2026, 3, 12, 14, 5, tzinfo=timezone.utc),
        verify_url="https://cpd.example.org/verify/Ab3_dE-fGhIjKlMnOpQrStUvWxYz0123",
        verify_form_url="https://cpd.example.org/verify", expires_on=date(2027, 3, 12),
        outcomes=("See the child alone.", "Record the child’s own words."), standards=("SWE 1.5", "PCF 4"),
        organisation_name="Northshire County Council")
    values.update(overrides)
    return CertificateContent(**values)


def test_pdf_is_one_a4_landscape_page_with_every_fact():
    """Name (accents intact), module, version, minutes, dates, outcomes, standards, organisation,
    number and verification URL are all printed, on one A4 landscape page."""
    data = render_certificate_pdf(content())
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape in points
    text = extract(data)
    for expected in ("Certificate of CPD", "Zoë Ní Bhriain", "Seeing the child: a first home visit", "Version 3",
                     "45 minutes of CPD", "completed on 12 March 2026", "Expires on 12 March 2027",
                     "Issued on 12 March 2026", "See the child alone.", "Record the child’s own words.",
                     "SWE 1.5", "PCF 4", "Northshire County Council", "CE-2026-7K3Q-9XTM",
                     "https://cpd.example.org/verify/Ab3_dE-fGhIjKlMnOpQrStUvWxYz0123"):
        assert expected in text, expected


def test_no_expiry_and_no_organisation_are_left_out():
    """Without recertification the certificate says it has no expiry date; without an
    organisation there is no organisation line."""
    text = extract(render_certificate_pdf(content(expires_on=None, organisation_name=None)))
    assert "No expiry date" in text and "Expires on" not in text
    assert "Organisation" not in text


def test_qr_code_encodes_the_verification_url(monkeypatch):
    """The payload given to the QR generator is exactly the verification URL."""
    payloads = []
    real = rendering.segno.make

    def spy(payload, **kwargs):
        payloads.append(payload)
        return real(payload, **kwargs)

    monkeypatch.setattr(rendering.segno, "make", spy)
    render_certificate_pdf(content())
    assert payloads == ["https://cpd.example.org/verify/Ab3_dE-fGhIjKlMnOpQrStUvWxYz0123"]


def test_the_link_under_the_url_opens_the_verification_page():
    """Clicking the printed URL in a PDF viewer opens the same verification URL."""
    reader = pypdf.PdfReader(io.BytesIO(render_certificate_pdf(content())))
    uris = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert uris == ["https://cpd.example.org/verify/Ab3_dE-fGhIjKlMnOpQrStUvWxYz0123"]


def test_same_content_gives_the_same_bytes():
    """Rendering is deterministic (metadata dates come from the certificate, not the clock)."""
    assert render_certificate_pdf(content()) == render_certificate_pdf(content())


def test_long_content_still_fits_on_one_page():
    """A very long title, many outcomes and standards are shrunk or shortened, never spill
    onto a second page."""
    long = content(module_title="A very long module title about safeguarding " * 6,
                   holder_name="Maximiliana Bartholomew-Featherstonehaugh Ní Bhriain-Ó Súilleabháin",
                   outcomes=tuple(f"Outcome {i}: " + "explain the reasoning behind the decision " * 3 for i in range(14)),
                   standards=tuple(f"Standard {i} with a descriptive name" for i in range(12)),
                   organisation_name="The Royal Borough of Kensington and Chelsea Children's Services Department")
    data = render_certificate_pdf(long)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    text = extract(data)
    assert "more learning outcomes (see the module page)" in text
    assert "CE-2026-7K3Q-9XTM" in text


@pytest.mark.parametrize("given, printed", [
    ("Zoë Ní Bhriain", "Zoë Ní Bhriain"),               # Latin-1 letters kept
    ("O’Brien – “Jo”", "O’Brien – “Jo”"),               # Windows-1252 typography kept
    ("Łucja Dvořák", "Lucja Dvorák"),                   # ř is outside Windows-1252: r; á is kept
    ("Ana\u00a0Silva\u200b", "Ana Silva"),              # odd spaces removed
    ("Tab\there\x07", "Tab here"),                      # control characters
    ("李雷", "??"),                                      # no stand-in: a visible placeholder
])
def test_text_is_made_safe_for_the_core_fonts(given, printed):
    """Core fonts draw Windows-1252; other characters get their nearest form, never an error."""
    assert pdf_text(given) == printed
    render_certificate_pdf(content(holder_name=given))  # and it renders


def test_minutes_are_shown_in_hours_too():
    assert rendering.minutes_text(20) == "20 minutes of CPD"
    assert rendering.minutes_text(90) == "90 minutes of CPD (1 hour 30 minutes)"
    assert rendering.minutes_text(120) == "120 minutes of CPD (2 hours)"
