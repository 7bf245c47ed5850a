"""The CPD record for one registration year as CSV (to copy into Social Work England's
online record) and as a PDF (to take to supervision or keep with a renewal).

Pure functions of the records: no request, no database.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..documents import (BRAND, INK, LINE, MUTED, OK, PDF_ENCODING, WARN, WASH,  # noqa: F401 - shared look
                         duration_text, long_date, pdf_text, safe_cell)
from .evidence import describe
from .services import CpdRecord, YearSummary

#: The CSV header. The first six columns map one-to-one onto Social Work England's CPD record
#: (type of CPD; description and why it is relevant; date; what was learned; impact on practice
#: and on the people you work with; what was learned from discussing it with a peer); the rest
#: support them (the parts of standard 4 the record evidences, as "4.2 Supervision; 4.8 Values
#: and ethics", as the regulator's form asks), and the evidence files attached to it.
CSV_HEADER = [
    "Type of CPD",
    "Description and relevance",
    "Date",
    "What was learned",
    "Impact on practice and people",
    "Peer reflection: what was learned from discussing with a peer",
    "Title",
    "Minutes",
    "Peer reflection date",
    "Peer reflection format",
    "Peer's role",
    "Source",
    "Social Work England standard 4",
    "Evidence files",
]

def csv_rows(records: list[CpdRecord]) -> list[list[str]]:
    """The header and one row per record, oldest first (the order they are copied across)."""
    rows = [list(CSV_HEADER)]
    for r in sorted(records, key=lambda r: (r.day, r.kind, r.id)):
        peer = r.peer
        rows.append([safe_cell(v) for v in (
            r.activity_type, r.description, r.day.isoformat(), r.what_learned, r.impact_on_practice,
            peer.what_learned if peer else "", r.title, r.minutes,
            peer.discussed_on.isoformat() if peer else "", peer.format.label if peer else "",
            peer.peer_role if peer else "", r.source, "; ".join(r.standard_labels),
            "; ".join(describe(e) for e in r.evidence))])
    return rows


def records_csv(records: list[CpdRecord]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read accents and curly quotes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(records))
    return buffer.getvalue().encode("utf-8-sig")


# --- PDF -------------------------------------------------------------------------------------

def _text(text: str | None) -> str:
    """Text for the record's PDF cells (new lines kept: entries are multi-line)."""
    return pdf_text(text, keep_line_breaks=True)


class _RecordPDF(FPDF):
    """An A4 portrait page with the owner, year and page number in the footer."""

    def __init__(self, owner: str, year_label: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = PDF_ENCODING
        self.owner, self.year_label = owner, year_label
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self._widths: dict[tuple, dict[str, float]] = {}

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _text(f"CPD record of {self.owner}, registration year {self.year_label}"),
                  align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # small drawing helpers ------------------------------------------------------------
    # Text is wrapped here, a word at a time, and drawn with cell(): fpdf2's multi_cell
    # re-measures the line for every character, which made a 100-entry record take seconds.
    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` (already latin-1) broken into lines no wider than ``width`` in the current font."""
        cache = self._widths.setdefault((self.font_family, self.font_style, self.font_size_pt), {})

        def measure(word: str) -> float:
            found = cache.get(word)
            if found is None:
                found = cache[word] = self.get_string_width(word)
            return found

        space = measure(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, current_width = "", 0.0
            for word in paragraph.split():
                word_width = measure(word)
                while word_width > width:   # a word longer than the line: break it anywhere
                    if current:
                        lines.append(current)
                        current, current_width = "", 0.0
                    cut = len(word)
                    while cut > 1 and self.get_string_width(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_width = measure(word)
                if current and current_width + space + word_width > width:
                    lines.append(current)
                    current, current_width = word, word_width
                elif current:
                    current, current_width = f"{current} {word}", current_width + space + word_width
                else:
                    current, current_width = word, word_width
            lines.append(current)
        return lines

    def lines(self, text: str, height: float, width: float = 0, x: float | None = None):
        """Draw wrapped text line by line from the current position (page breaks included)."""
        width = width or self.w - self.l_margin - self.r_margin
        x = self.l_margin if x is None else x
        for line in self.wrap(_text(text), width):
            self.set_x(x)
            self.cell(width, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, size: float = 13, colour=BRAND, space: float = 2):
        """A bold heading in the brand colour."""
        self.set_font("Helvetica", "B", size)
        self.set_text_color(*colour)
        self.lines(text, size * 0.5)
        self.ln(space)

    def paragraph(self, text: str, size: float = 10, colour=INK, style: str = ""):
        """Body text, wrapped to the page width."""
        self.set_font("Helvetica", style, size)
        self.set_text_color(*colour)
        self.lines(text, size * 0.5)

    def labelled(self, label: str, text: str):
        """A small grey label above its text, as on a form; the label never ends a page alone."""
        if self.get_y() + 4.5 + 10 > self.h - self.b_margin:
            self.add_page()
        self.set_font("Helvetica", "B", 8.5)
        self.set_text_color(*MUTED)
        self.lines(label.upper(), 4.5)
        self.paragraph(text.strip() or "(not written yet)", colour=INK if text.strip() else MUTED)
        self.ln(2.5)

    def facts(self, pairs: list[tuple[str, str]]):
        """A row of label/value pairs, in equal columns; the row is as tall as its longest value."""
        width = (self.w - self.l_margin - self.r_margin) / len(pairs)
        self.set_font("Helvetica", "", 10)
        wrapped = [self.wrap(_text(value), width - 3) for _label, value in pairs]
        tallest = max(len(w) for w in wrapped)
        if self.get_y() + 4.5 + tallest * 5 > self.h - self.b_margin:
            self.add_page()
        x0, y0 = self.l_margin, self.get_y()
        for i, ((label, _value), value_lines) in enumerate(zip(pairs, wrapped)):
            self.set_xy(x0 + i * width, y0)
            self.set_font("Helvetica", "B", 8.5)
            self.set_text_color(*MUTED)
            self.cell(width - 3, 4.5, _text(label.upper()))
            self.set_font("Helvetica", "", 10)
            self.set_text_color(*INK)
            for n, line in enumerate(value_lines):
                self.set_xy(x0 + i * width, y0 + 4.5 + n * 5)
                self.cell(width - 3, 5, line)
        self.set_xy(x0, y0 + 4.5 + tallest * 5 + 2.5)

    def rule(self, colour=LINE, weight: float = 0.3):
        """A horizontal line across the text width at the current position."""
        self.set_draw_color(*colour)
        self.set_line_width(weight)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)


def records_pdf(owner_name: str, summary: YearSummary, generated_on: date) -> bytes:
    """A readable A4 record of one registration year: summary first, then every piece of CPD.

    :param owner_name: the learner's name as registered.
    :param summary: the year's summary (its records are printed oldest first).
    :param generated_on: printed on the first page, so a printout shows how current it is.
    """
    pdf = _RecordPDF(owner_name, summary.year.label)
    pdf.set_title(_text(f"CPD record {summary.year.label}: {owner_name}"))
    pdf.set_author(_text(owner_name))
    pdf.set_creator("course-engine")
    pdf.add_page()

    pdf.heading("CPD record", size=22, colour=INK, space=1)
    pdf.paragraph(owner_name, size=13, style="B")
    pdf.paragraph(f"Social Work England registration year {summary.year.label}: {summary.year.long_label}",
                  size=10.5, colour=MUTED)
    pdf.paragraph(f"Printed on {long_date(generated_on)}", size=9, colour=MUTED)
    pdf.ln(5)

    # The summary box.
    top = pdf.get_y()
    pdf.set_fill_color(*WASH)
    pdf.set_draw_color(*LINE)
    lines = _summary_lines(summary)
    height = 9 + 5.5 * len(lines) + 3
    pdf.rect(pdf.l_margin, top, pdf.w - pdf.l_margin - pdf.r_margin, height, style="DF")
    pdf.set_fill_color(*(OK if summary.met else WARN))
    pdf.rect(pdf.l_margin, top, 1.6, height, style="F")
    pdf.set_xy(pdf.l_margin + 5, top + 3)
    pdf.set_font("Helvetica", "B", 11.5)
    pdf.set_text_color(*(OK if summary.met else WARN))
    pdf.cell(0, 6, _text("Requirement met" if summary.met else "Requirement not met yet"),
             new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(*INK)
    for line in lines:
        pdf.cell(0, 5.5, _text(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, top + height + 8)

    records = sorted(summary.records, key=lambda r: (r.day, r.kind, r.id))
    if not records:
        pdf.paragraph("No CPD is recorded for this registration year.", colour=MUTED)
    for number, record in enumerate(records, start=1):
        _record_section(pdf, number, record)
    return bytes(pdf.output())


def _summary_lines(summary: YearSummary) -> list[str]:
    lines = [
        f"Pieces of CPD recorded: {summary.count} (at least 2 needed)",
        f"With a peer reflection: {summary.with_peer} (at least 1 needed)",
        f"Time recorded: {_minutes(summary.minutes)}",
    ]
    lines += [f"Next step: {step}." for step in summary.next_steps]
    return lines


def _minutes(total: int) -> str:
    """'90 minutes (1 hour 30 minutes)'."""
    return f"{total} minutes" + (f" ({duration_text(total)})" if total >= 60 else "")


def _record_section(pdf: _RecordPDF, number: int, record: CpdRecord) -> None:
    # Keep a heading with the start of its text: start a new page when little room is left.
    if pdf.get_y() > pdf.h - pdf.b_margin - 45:
        pdf.add_page()
    pdf.rule(BRAND, 0.6)
    pdf.ln(3)
    pdf.heading(f"{number}. {record.title}", size=13)
    pdf.facts([("Type of CPD", record.activity_type), ("Date", long_date(record.day)),
               ("Time", _minutes(record.minutes)), ("Source", record.source)])
    if record.standards:
        pdf.labelled("Social Work England standard 4: what this evidences", "\n".join(record.standard_labels))
    pdf.labelled("Description and why it is relevant", record.description)
    pdf.labelled("What I learned", record.what_learned)
    pdf.labelled("Impact on my practice and on the people I work with", record.impact_on_practice)
    if record.evidence:
        pdf.labelled("Evidence files (kept with the online record)", "\n".join(describe(e) for e in record.evidence))
    peer = record.peer
    if peer is not None:
        if pdf.get_y() > pdf.h - pdf.b_margin - 30:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.set_text_color(*OK)
        pdf.cell(0, 6, "Peer reflection", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.facts([("Date of discussion", long_date(peer.discussed_on)), ("Format", peer.format.label),
                   ("Colleague's role", peer.peer_role)])
        pdf.labelled("What I learned from discussing it with a peer", peer.what_learned)
    pdf.ln(3)


def export_filename(summary: YearSummary, extension: str) -> str:
    """``cpd-record-2025-26.pdf``: no personal data in file names that end up in downloads folders."""
    return f"cpd-record-{summary.year.start.year}-{str(summary.year.end.year)[2:]}.{extension}"
