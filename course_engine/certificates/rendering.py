"""Draw a certificate as a one-page A4 landscape PDF (pure: no Flask, no database).

:func:`render_certificate_pdf` takes a :class:`CertificateContent` of plain values and returns
the PDF bytes. The service stores those bytes with the certificate, so a download next year is
the very file issued today, whatever has happened to the module's content since.

Fonts: fpdf2's core fonts (Helvetica, Times, Courier) need no font files, so a fresh machine
renders exactly what CI renders. They cover Windows-1252 (every Latin-1 letter such as é, ë, í,
plus typographic quotes, dashes and the euro sign). :func:`pdf_text` maps anything else to its
closest Windows-1252 form (``Ł`` -> ``L``, ``ő`` -> ``o``) and, as a last resort, to ``?``;
the verification page always shows the exact name.

The QR code is drawn as vector squares from segno's module matrix (no bitmap), so it stays
sharp at any print size and costs no image decoding.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import segno
from fpdf import FPDF

from ..documents import (ACCENT, BRAND, INK, LINE, MUTED, PDF_ENCODING, WASH,  # noqa: F401 - shared look
                         duration_text, long_date, pdf_text)


PAGE_W, PAGE_H = 297.0, 210.0
#: The QR code's error correction: M survives a crease or a staple hole and stays small.
QR_ERROR = "m"

def minutes_text(minutes: int) -> str:
    """'90 minutes of CPD (1 hour 30 minutes)': minutes as recorded, hours as readers think."""
    text = f"{minutes} minute{'s' if minutes != 1 else ''} of CPD"
    return text + (f" ({duration_text(minutes)})" if minutes >= 60 else "")


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on a certificate, as plain values."""

    number: str
    holder_name: str
    module_title: str
    version_number: int
    cpd_minutes: int
    completed_on: date
    issued_at: datetime
    verify_url: str
    #: Where anyone can type the certificate number instead (``BASE_URL/verify``).
    verify_form_url: str
    expires_on: date | None = None
    outcomes: tuple[str, ...] = field(default_factory=tuple)
    standards: tuple[str, ...] = field(default_factory=tuple)
    organisation_name: str | None = None
    #: The issuing organisation's logo (PNG or JPEG bytes, re-encoded on upload by branding).
    organisation_logo: bytes | None = None
    issuer_name: str = "course-engine"


def qr_matrix(payload: str) -> tuple[bytearray, ...]:
    """The QR code's modules (rows of 0/1, no quiet zone) for ``payload``."""
    return segno.make(payload, error=QR_ERROR, micro=False, boost_error=False).matrix


class _CertificatePDF(FPDF):
    def __init__(self):
        super().__init__(orientation="L", unit="mm", format="A4")
        # Windows-1252 rather than Latin-1: proper quotes, dashes and bullets in core fonts.
        self.core_fonts_encoding = PDF_ENCODING
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def text_width(self, text: str, family: str, style: str, size: float) -> float:
        self.set_font(family, style, size)
        return self.get_string_width(text)

    def fitted_size(self, text: str, family: str, style: str, size: float, width: float, minimum: float) -> float:
        """The largest size from ``size`` down to ``minimum`` at which ``text`` fits on one line."""
        while size > minimum and self.text_width(text, family, style, size) > width:
            size -= 0.5
        return size

    def centred(self, y: float, text: str, family: str, style: str, size: float, colour, height: float) -> None:
        self.set_font(family, style, size)
        self.set_text_color(*colour)
        self.set_xy(0, y)
        self.cell(PAGE_W, height, text, align="C")

    def label(self, x: float, y: float, text: str, width: float) -> None:
        """A small upper-case section label in the brand colour."""
        self.set_font("Helvetica", "B", 7.5)
        self.set_text_color(*BRAND)
        self.set_char_spacing(0.6)
        self.set_xy(x, y)
        self.cell(width, 4, text.upper())
        self.set_char_spacing(0)


def render_certificate_pdf(content: CertificateContent) -> bytes:
    """Draw the certificate and return the PDF bytes (A4 landscape, one page).

    :param content: what to print; text is passed through :func:`pdf_text`.
    """
    pdf = _CertificatePDF()
    issued_at = content.issued_at if content.issued_at.tzinfo else content.issued_at.replace(tzinfo=timezone.utc)
    # Fixed metadata (dates from the certificate, not the clock): the same content always
    # gives the same file.
    pdf.set_creation_date(issued_at)
    pdf.set_title(pdf_text(f"Certificate of CPD {content.number}"))
    pdf.set_subject(pdf_text(content.module_title))
    pdf.set_author(pdf_text(content.issuer_name))
    pdf.set_creator(pdf_text(content.issuer_name))
    pdf.set_lang("en-GB")
    pdf.add_page()

    _frame(pdf)
    _header(pdf, content)
    if content.organisation_logo:
        _organisation_logo(pdf, content)
    _headline(pdf, content)
    _details(pdf, content)
    _footer(pdf, content)
    return bytes(pdf.output())


def _frame(pdf: _CertificatePDF) -> None:
    # A double rule: a firm outer line and a hairline inside it, as printed certificates have.
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_line_width(0.25)
    pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)


def _header(pdf: _CertificatePDF, content: CertificateContent) -> None:
    # The issuer's mark: a filled circle with initials, then the name.
    pdf.set_fill_color(*BRAND)
    pdf.circle(x=27.5, y=24.5, radius=4.5, style="F")
    pdf.set_font("Helvetica", "B", 7.5)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(23, 22.5)
    pdf.cell(9, 4, _monogram(content.issuer_name), align="C")
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*BRAND)
    pdf.set_xy(34, 22)
    pdf.cell(80, 5, pdf_text(content.issuer_name))

    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(PAGE_W - 122, 20.5)
    pdf.cell(100, 4, "Certificate number", align="R")
    pdf.set_font("Courier", "B", 11)
    pdf.set_text_color(*INK)
    pdf.set_xy(PAGE_W - 122, 24.5)
    pdf.cell(100, 5, pdf_text(content.number), align="R")


#: The box the organisation's logo is fitted into, centred between the issuer and the number (mm).
LOGO_BOX_W, LOGO_BOX_H, LOGO_TOP = 60.0, 13.0, 16.5


def _organisation_logo(pdf: _CertificatePDF, content: CertificateContent) -> None:
    # Fitted (proportions kept) into a box centred at the top, above the headline.
    pdf.image(io.BytesIO(content.organisation_logo), x=(PAGE_W - LOGO_BOX_W) / 2, y=LOGO_TOP,
              w=LOGO_BOX_W, h=LOGO_BOX_H, keep_aspect_ratio=True,
              alt_text=pdf_text(f"Logo of {content.organisation_name}") if content.organisation_name else None)


def _monogram(name: str) -> str:
    """Up to two initials of the issuer's name, lower case, as in the site's header: 'ce'."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in pdf_text(name)).split() if w]
    return "".join(w[0] for w in words[:2]).lower() or "ce"


def _headline(pdf: _CertificatePDF, content: CertificateContent) -> None:
    pdf.centred(33, "Certificate of CPD", "Times", "B", 34, BRAND, 14)
    pdf.set_char_spacing(1.2)
    pdf.centred(48, "CONTINUING PROFESSIONAL DEVELOPMENT", "Helvetica", "", 8, MUTED, 4)
    pdf.set_char_spacing(0)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 18, 55, PAGE_W / 2 + 18, 55)

    pdf.centred(60, "This is to certify that", "Helvetica", "", 11, MUTED, 6)
    name = pdf_text(content.holder_name)
    size = pdf.fitted_size(name, "Times", "B", 32, 230, 18)
    pdf.centred(67, name, "Times", "B", size, INK, 14)
    # A hairline under the name, as on a signed certificate.
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.3)
    width = min(230, max(110, pdf.text_width(name, "Times", "B", size) + 24))
    pdf.line((PAGE_W - width) / 2, 83, (PAGE_W + width) / 2, 83)

    pdf.centred(86, "has completed the CPD module", "Helvetica", "", 11, MUTED, 6)
    title = pdf_text(content.module_title)
    size = pdf.fitted_size(title, "Helvetica", "B", 17, 235, 12)
    pdf.set_font("Helvetica", "B", size)
    pdf.set_text_color(*BRAND)
    if pdf.get_string_width(title) <= 235:
        pdf.set_xy(0, 93)
        pdf.cell(PAGE_W, 8, title, align="C")
        below = 102
    else:
        # Long titles wrap onto two lines (at most), centred.
        lines = pdf.multi_cell(235, 6.5, title, align="C", dry_run=True, output="LINES")
        if len(lines) > 2:
            lines = [lines[0], _shorten(pdf, " ".join(line.strip() for line in lines[1:]), 235)]
        for i, line in enumerate(lines):
            pdf.set_xy((PAGE_W - 235) / 2, 92 + i * 6.5)
            pdf.cell(235, 6.5, line, align="C")
        below = 92 + len(lines) * 6.5 + 1.5
    summary = f"Version {content.version_number}   ·   {minutes_text(content.cpd_minutes)}   ·   completed on {long_date(content.completed_on)}"
    pdf.centred(below, pdf_text(summary), "Helvetica", "", 10.5, INK, 6)


def _details(pdf: _CertificatePDF, content: CertificateContent) -> None:
    top, bottom = 116.0, 181.0
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.3)
    pdf.line(22, top - 4, PAGE_W - 22, top - 4)

    # Left: learning outcomes and standards, shrunk (then shortened) to fit the space.
    left_x, left_w = 22.0, 128.0
    _outcomes_and_standards(pdf, content, left_x, top, left_w, bottom - top)

    # Middle: the facts a reader checks, as label/value rows.
    mid_x, mid_w = 160.0, 76.0
    pdf.set_draw_color(*LINE)
    pdf.line(mid_x - 5, top, mid_x - 5, bottom)
    pdf.label(mid_x, top, "Certificate details", mid_w)
    rows = [("Completed on", long_date(content.completed_on)),
            ("CPD time", f"{content.cpd_minutes} minutes"),
            ("Module version", str(content.version_number))]
    rows.append(("Expires on", long_date(content.expires_on)) if content.expires_on
                else ("Expires", "No expiry date"))
    if content.organisation_name:
        rows.append(("Organisation", content.organisation_name))
    rows.append(("Issued on", long_date(content.issued_at.date())))
    rows.append(("Certificate no.", content.number))
    y = top + 6.5
    for label, value in rows:
        pdf.set_font("Helvetica", "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(mid_x, y)
        pdf.cell(27, 5, label)
        value, value_w = pdf_text(value), mid_w - 28
        size = pdf.fitted_size(value, "Helvetica", "B", 9.5, value_w, 8.5)
        pdf.set_font("Helvetica", "B", size)
        pdf.set_text_color(*INK)
        if pdf.get_string_width(value) <= value_w:
            pdf.set_xy(mid_x + 28, y)
            pdf.cell(value_w, 5, value)
            y += 7.2
            continue
        # A long value (an organisation's full name) wraps onto a second line, then is shortened.
        lines = pdf.multi_cell(value_w, 4, value, dry_run=True, output="LINES")
        if len(lines) > 2:
            lines = [lines[0], _shorten(pdf, " ".join(lines[1:]), value_w)]
        for i, line in enumerate(lines):
            pdf.set_xy(mid_x + 28, y + 0.5 + i * 4)
            pdf.cell(value_w, 4, line)
        y += 7.2 + 4 * (len(lines) - 1)

    # Right: the QR code and what it is for.
    qr_x, qr_size = 247.0, 30.0
    pdf.set_draw_color(*LINE)
    pdf.line(qr_x - 6, top, qr_x - 6, bottom)
    pdf.label(qr_x - 2, top, "Verify", 36)
    _draw_qr(pdf, content.verify_url, qr_x, top + 7, qr_size)
    pdf.set_font("Helvetica", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(qr_x - 3, top + 7 + qr_size + 2)
    pdf.multi_cell(qr_size + 6, 3.4, "Scan to check this certificate is genuine and current.", align="C")


def _outcomes_and_standards(pdf: _CertificatePDF, content: CertificateContent, x: float, top: float,
                            width: float, height: float) -> None:
    outcomes = [pdf_text(o) for o in content.outcomes]
    if not content.outcomes and not content.standards:
        pdf.label(x, top, "About this certificate", width)
        pdf.set_font("Helvetica", "", 9.5)
        pdf.set_text_color(*INK)
        pdf.set_xy(x, top + 6)
        pdf.multi_cell(width, 4.6, pdf_text(
            f"This certificate records continuing professional development completed on {content.issuer_name}. "
            "It can be kept as evidence in a CPD record. Its status can be checked at any time with the QR code "
            "or the address below."), align="L")
        return
    standards = [pdf_text(s) for s in content.standards]
    pdf.set_font("Helvetica", "", 7.5)
    while len(_flow(pdf, standards, width)) > 4:
        # Space for outcomes matters more; an endless list of standards is cut with a count.
        standards = standards[:-2] + [f"and {len(content.standards) - len(standards) + 2} more"]
    indent = 4.0

    def needed(size: float, items: list[str]) -> float:
        pdf.set_font("Helvetica", "", size)
        line = size * 0.45
        total = 6.0  # the label
        for item in items:
            total += pdf.multi_cell(width - indent, line, item, dry_run=True, output="HEIGHT") + 1.2
        if standards:
            total += 4 + 6.0 + len(_flow(pdf, standards, width)) * (line + 0.6)
        return total

    size = 9.5
    while size > 7.5 and needed(size, outcomes) > height:
        size -= 0.5
    shown = list(outcomes)

    def more(hidden: int) -> str:
        return f"and {hidden} more learning outcome{'s' if hidden != 1 else ''} (see the module page)"

    if needed(size, shown) > height:
        # Drop outcomes from the end until the rest, plus a line saying how many are left
        # out, fit.
        shown.pop()
        while shown and needed(size, shown + [more(len(outcomes) - len(shown))]) > height:
            shown.pop()
        shown.append(more(len(outcomes) - len(shown)))

    line = size * 0.45
    y = top
    if shown:
        pdf.label(x, y, "Learning outcomes", width)
        y += 6.0
        for item in shown:
            pdf.set_font("Helvetica", "", size)
            pdf.set_text_color(*ACCENT)
            pdf.set_xy(x, y)
            pdf.cell(indent, line, "•")
            pdf.set_text_color(*INK)
            pdf.set_xy(x + indent, y)
            pdf.multi_cell(width - indent, line, item, align="L")
            y = pdf.get_y() + 1.2
        y += 4
    if standards:
        pdf.label(x, y, "Standards mapped", width)
        y += 6.0
        pdf.set_font("Helvetica", "", size)
        pdf.set_text_color(*INK)
        for text_line in _flow(pdf, standards, width):
            pdf.set_xy(x, y)
            pdf.cell(width, line, text_line)
            y += line + 0.6


#: Between standards on one line: wide enough to read as a separator, never split from an item.
_SEPARATOR = "   ·   "


def _flow(pdf: _CertificatePDF, items: list[str], width: float) -> list[str]:
    """Lay items out on lines separated by middle dots, breaking only between items."""
    lines: list[str] = []
    current = ""
    for item in items:
        if pdf.get_string_width(item) > width:
            item = _shorten(pdf, item, width)
        candidate = f"{current}{_SEPARATOR}{item}" if current else item
        if current and pdf.get_string_width(candidate) > width:
            lines.append(current)
            current = item
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _shorten(pdf: _CertificatePDF, text: str, width: float) -> str:
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_qr(pdf: _CertificatePDF, payload: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(payload)
    n = len(matrix)
    module = size / n
    pdf.set_fill_color(*INK)
    # One rectangle per horizontal run of dark modules: a few hundred path operations.
    for row_index, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                # A hair of overlap so no white seams show between rows in some viewers.
                pdf.rect(x + start * module, y + row_index * module, (col - start) * module, module + 0.02, style="F")
            else:
                col += 1


def _footer(pdf: _CertificatePDF, content: CertificateContent) -> None:
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.3)
    pdf.line(22, 185, PAGE_W - 22, 185)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(*MUTED)
    lead = "Verify at "
    url = pdf_text(content.verify_url)
    tail = pdf_text(f"   or enter the certificate number at {content.verify_form_url}")
    widths = (pdf.text_width(lead, "Helvetica", "", 8), pdf.text_width(url, "Courier", "", 8),
              pdf.text_width(tail, "Helvetica", "", 8))
    x = (PAGE_W - sum(widths)) / 2
    y = 187.5
    for text, family, width in ((lead, "Helvetica", widths[0]), (url, "Courier", widths[1]), (tail, "Helvetica", widths[2])):
        pdf.set_font(family, "", 8)
        pdf.set_text_color(*(INK if family == "Courier" else MUTED))
        pdf.set_xy(x, y)
        pdf.cell(width, 4, text, link=content.verify_url if family == "Courier" else None)
        x += width
