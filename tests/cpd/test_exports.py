"""Exports of one registration year: CSV whose columns map one-to-one onto Social Work
England's CPD record (formula injection neutralised), and a readable A4 PDF."""
import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from course_engine.cpd import exports, services
from course_engine.cpd.models import ActivityType
from tests.cpd.conftest import at

EXACT_HEADER = [
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


def _csv(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def year_of_cpd(learner, make_entry, make_completion, add_peer):
    """Two pieces of CPD in 2025-26 (one with a peer reflection) and one on each side of it."""
    entry = make_entry(learner, date(2026, 3, 17), title="Adultification bias workshop", minutes=90)
    completion = make_completion(learner, at(2026, 11, 30, 18), what_learned="Seeing Amira alone matters.",
                                 impact="I will record Amira’s words — verbatim.")
    add_peer(learner, "entries", entry.id, discussed_on=date(2026, 3, 20), role="Senior practitioner",
             what_learned="My colleague challenged my first reading.")
    make_entry(learner, date(2025, 11, 30), title="Too early")
    make_entry(learner, date(2026, 12, 1), title="Too late")
    return entry, completion


def test_csv_header_and_rows_for_the_chosen_year_only(app, browser, year_of_cpd):
    """The CSV has exactly the agreed header, then one row per piece of CPD in the chosen
    year (oldest first), with the peer reflection in its own columns."""
    response = browser.get("/cpd/export.csv?year=2025")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=cpd-record-2025-26.csv"
    rows = _csv(response)
    assert rows[0] == EXACT_HEADER == exports.CSV_HEADER
    assert len(rows) == 3
    workshop, module = (dict(zip(EXACT_HEADER, row)) for row in rows[1:])
    assert workshop == {
        "Type of CPD": "Course or training",
        "Description and relevance": "A half-day workshop on adultification bias.",
        "Date": "2026-03-17",
        "What was learned": "How adultification hides risk.",
        "Impact on practice and people": "I will ask how age is being read.",
        "Peer reflection: what was learned from discussing with a peer": "My colleague challenged my first reading.",
        "Title": "Adultification bias workshop",
        "Minutes": "90",
        "Peer reflection date": "2026-03-20",
        "Peer reflection format": "Group supervision",
        "Peer's role": "Senior practitioner",
        "Source": "Recorded by you",
        "Social Work England standard 4": "",
        "Evidence files": "",
    }
    assert module["Title"] == "First visit" and module["Date"] == "2026-11-30" and module["Minutes"] == "20"
    assert module["What was learned"] == "Seeing Amira alone matters."
    assert module["Impact on practice and people"] == "I will record Amira’s words — verbatim."
    assert module["Peer reflection: what was learned from discussing with a peer"] == ""
    assert "A short fictional case used by the tests." in module["Description and relevance"]
    assert module["Source"] == "Module completed on this site"
    assert "Too early" not in response.get_data(as_text=True) and "Too late" not in response.get_data(as_text=True)


def test_csv_neutralises_formulas(app, browser, learner, make_entry):
    """Cells that a spreadsheet would run as formulas (= + - @) start with a quote instead."""
    make_entry(learner, date(2026, 2, 2), title='=HYPERLINK("http://evil.example","x")',
               description="+SUM(A1:A9)", what_learned="-2+3", impact="@cmd|' /C calc'!A0")
    rows = _csv(browser.get("/cpd/export.csv?year=2025"))
    row = dict(zip(EXACT_HEADER, rows[1]))
    assert row["Title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["Description and relevance"] == "'+SUM(A1:A9)"
    assert row["What was learned"] == "'-2+3"
    assert row["Impact on practice and people"] == "'@cmd|' /C calc'!A0"
    assert exports.safe_cell("Ordinary text") == "Ordinary text" and exports.safe_cell(90) == "90"


def test_csv_of_an_empty_year_is_just_the_header(app, browser, learner):
    """A year with nothing recorded exports the header alone."""
    assert _csv(browser.get("/cpd/export.csv?year=2019")) == [EXACT_HEADER]


def test_exports_need_login(app, client):
    """Exports are personal: anonymous visitors are sent to log in."""
    for url in ("/cpd/export.csv", "/cpd/export.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pdf_contains_the_years_entries(app, browser, year_of_cpd):
    """The PDF is A4 portrait and holds the name, the year, the summary and every entry of the
    chosen year with its fields and peer reflection; other years are left out."""
    response = browser.get("/cpd/export.pdf?year=2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=cpd-record-2025-26.pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("CPD record", "Grace Mensah", "registration year 2025–26", "1 December 2025 to 30 November 2026",
                     "Requirement met", "Pieces of CPD recorded: 2", "With a peer reflection: 1",
                     "Adultification bias workshop", "17 March 2026", "90 minutes", "How adultification hides risk.",
                     "I will ask how age is being read.", "My colleague challenged my first reading.",
                     "Senior practitioner", "Group supervision", "20 March 2026",
                     "First visit", "30 November 2026", "20 minutes", "Seeing Amira alone matters.",
                     "I will record Amira’s words — verbatim."):
        assert expected in text, expected
    assert "Too early" not in text and "Too late" not in text


def test_pdf_of_an_empty_year_says_so(app, browser, learner):
    """An empty year still gives a PDF, with the next step to take."""
    reader = PdfReader(io.BytesIO(browser.get("/cpd/export.pdf?year=2019").get_data()))
    text = reader.pages[0].extract_text()
    assert "No CPD is recorded for this registration year." in text
    assert "Next step: Add two pieces of CPD." in text


def test_pdf_survives_long_and_unusual_text(app, learner, make_entry):
    """Long reflections flow over pages; characters outside latin-1 never break the PDF."""
    long_text = ("A long reflection about practice, supervision and the child’s voice. " * 120).strip()
    for n in range(6):
        make_entry(learner, date(2026, 1, n + 1), title=f"Entry {n} “quoted” — ✓ 🙂 Łódź", what_learned=long_text,
                   activity_type=ActivityType.event)
    summary = services.year_summary(learner.id, services.RegistrationYear.starting(2025), date(2026, 2, 1))
    reader = PdfReader(io.BytesIO(exports.records_pdf("Zoë O’Brien", summary, date(2026, 2, 1))))
    assert len(reader.pages) > 6
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Zoë O’Brien" in text and "Entry 0 “quoted” — ? ? Lódz" in text


