"""Evidence files on a CPD entry (issue 18, section 3): PDF, PNG, JPEG and Word .docx, judged by
their content; a size limit with a clear message; kept outside the web root under a random
name; downloaded as an attachment, never cached, by the owner and by the managers of the
organisation the entry is shared with, and by nobody else; deleted with their entry; listed
in the CSV and PDF exports."""
import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from course_engine.cpd.evidence import clean_filename, sniff, EvidenceRefused
from course_engine.cpd.models import EvidenceFile
from course_engine.db import session


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Certificate of attendance")
    return bytes(pdf.output())


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 90, 160)).save(buffer, format=fmt)
    return buffer.getvalue()


def docx_bytes(*, macros: bool = False, document: bool = True) -> bytes:
    """A minimal Office Open XML word-processing package, as Word writes one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'))
        package.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        if document:
            package.writestr("word/document.xml", (
                '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>My notes</w:t></w:r></w:p></w:body></w:document>'))
        else:
            package.writestr("notes.txt", "not a document")
        if macros:
            package.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macros")
    return buffer.getvalue()


#: A Windows program's first bytes (the "MZ" DOS header), as a renamed .exe starts.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


@pytest.fixture
def entry(learner, make_entry):
    return make_entry(learner, date(2026, 3, 17), title="Adultification bias workshop")


def upload(browser, entry_id, data: bytes, name: str):
    return browser.post(f"/cpd/entries/{entry_id}/evidence", {"file": (io.BytesIO(data), name)},
                        form_page=f"/cpd/entries/{entry_id}/evidence")


def stored(user_id=None):
    query = select(EvidenceFile).order_by(EvidenceFile.id)
    if user_id is not None:
        query = query.where(EvidenceFile.user_id == user_id)
    session.expire_all()
    return list(session.scalars(query))


def test_sniffing_judges_by_content_not_name():
    """Each accepted kind is recognised from its bytes; anything else is refused with what is accepted."""
    assert sniff(pdf_bytes()) == "pdf"
    assert sniff(image_bytes("PNG")) == "png"
    assert sniff(image_bytes("JPEG")) == "jpeg"
    assert sniff(docx_bytes()) == "docx"
    for data, message in ((EXE, "not accepted"), (b"<html><script>alert(1)</script>", "not accepted"),
                          (docx_bytes(document=False), "zip file, not a Word document"),
                          (docx_bytes(macros=True), "with macros"), (b"PK\x03\x04broken", "damaged"),
                          (b"GIF89a....", "not accepted")):
        with pytest.raises(EvidenceRefused, match=message):
            sniff(data)


def test_file_names_are_cleaned_and_end_as_their_content():
    """No folders or control characters; the extension follows the content (a PDF named .exe
    downloads as .exe.pdf)."""
    assert clean_filename("../../etc/passwd", "pdf") == "passwd.pdf"
    assert clean_filename("C:\\Users\\me\\cert.PDF", "pdf") == "cert.PDF"
    assert clean_filename("report.exe", "pdf") == "report.exe.pdf"
    assert clean_filename("scan.jpeg", "jpeg") == "scan.jpeg"
    assert clean_filename("bad\x00name\r\n.png", "png") == "badname.png"
    assert clean_filename("", "docx") == "evidence.docx"
    assert len(clean_filename("a" * 500 + ".pdf", "pdf")) <= 120


@pytest.mark.parametrize("name,data,kind,mimetype", [
    ("certificate.pdf", pdf_bytes, "pdf", "application/pdf"),
    ("whiteboard.png", lambda: image_bytes("PNG"), "png", "image/png"),
    ("photo.jpg", lambda: image_bytes("JPEG"), "jpeg", "image/jpeg"),
    ("notes.docx", docx_bytes, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_each_accepted_kind_is_kept_outside_the_web_root_and_downloaded_by_the_owner(
        app, learner, browser, entry, name, data, kind, mimetype):
    """The file is kept under CPD_EVIDENCE_DIR with a random name (not the learner's); the
    owner downloads exactly those bytes as an attachment that is never cached or sniffed."""
    content = data()
    response = upload(browser, entry.id, content, name)
    assert response.status_code == 303
    (kept,) = stored(learner.id)
    assert kept.kind == kind and kept.filename == name and kept.byte_size == len(content)
    assert re.fullmatch(r"[0-9a-f]{32}", kept.storage_key)
    folder = Path(app.config["CPD_EVIDENCE_DIR"])
    assert (folder / kept.storage_key).read_bytes() == content
    assert [p.name for p in folder.iterdir()] == [kept.storage_key]  # never the user's name on disk
    static = Path(app.static_folder).resolve()
    assert static not in (folder / kept.storage_key).resolve().parents

    download = browser.get(f"/cpd/entries/{entry.id}/evidence/{kept.id}")
    assert download.status_code == 200 and download.get_data() == content
    assert download.mimetype == mimetype
    assert download.headers["Content-Disposition"].startswith("attachment;") and name in download.headers[
        "Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    log = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert name in log


@pytest.mark.parametrize("name,data,message", [
    ("evidence.pdf", EXE, "This type of file is not accepted."),
    ("evidence.exe", EXE, "This type of file is not accepted."),
    ("notes.docx", docx_bytes(document=False), "This is a zip file, not a Word document."),
    ("notes.docx", docx_bytes(macros=True), "Word documents with macros"),
    ("empty.pdf", b"", "The file is empty."),
])
def test_other_files_are_refused_with_a_clear_message(app, learner, browser, entry, name, data, message):
    """A renamed .exe (or any other content) is a 400 saying what is accepted; nothing is kept."""
    response = upload(browser, entry.id, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "There is a problem" in html
    assert stored() == [] and not any(Path(app.config["CPD_EVIDENCE_DIR"]).glob("*"))


def test_the_same_file_twice_is_kept_once(app, learner, browser, entry):
    """A double click (the same file sent twice) keeps one file; a different file is added;
    the evidence page is never cached."""
    content = pdf_bytes()
    assert upload(browser, entry.id, content, "certificate.pdf").status_code == 303
    assert upload(browser, entry.id, content, "certificate.pdf").status_code == 303
    assert len(stored()) == 1 and len(list(Path(app.config["CPD_EVIDENCE_DIR"]).iterdir())) == 1
    assert upload(browser, entry.id, image_bytes("PNG"), "board.png").status_code == 303
    assert len(stored()) == 2
    assert "no-store" in browser.get(f"/cpd/entries/{entry.id}/evidence").headers["Cache-Control"]


def test_no_file_chosen_is_a_400(app, browser, entry):
    response = browser.post(f"/cpd/entries/{entry.id}/evidence", {}, form_page=f"/cpd/entries/{entry.id}/evidence")
    assert response.status_code == 400 and "Choose a file to upload." in response.get_data(as_text=True)


def test_too_large_is_413_with_the_limit_named(app, learner, browser, entry):
    """Over the limit is a 413 naming the limit, whether the route reads it (a little over) or
    the request is refused before it is parsed (far over); nothing is kept."""
    # Bodies stay under 500 KB: Werkzeug's test client spools larger ones to a temporary file
    # it never closes. The rule is the same at the default 10 MB.
    app.config["CPD_EVIDENCE_MAX_BYTES"] = 100 * 1024
    content = pdf_bytes()
    little_over = content + b"\n%" + b"x" * (100 * 1024)
    response = upload(browser, entry.id, little_over, "big.pdf")
    assert response.status_code == 413 and "larger than 100 KB" in response.get_data(as_text=True)
    far_over = content + b"\n%" + b"x" * (300 * 1024)
    response = upload(browser, entry.id, far_over, "huge.pdf")
    assert response.status_code == 413 and "up to 100 KB" in response.get_data(as_text=True)
    assert stored() == []
    assert upload(browser, entry.id, content, "small.pdf").status_code == 303  # the limit, not a ban


def test_the_upload_needs_csrf_and_login(app, client, browser, entry):
    """A POST without the CSRF token is refused (nothing kept); signed out, the page asks to log in."""
    response = browser.client.post(f"/cpd/entries/{entry.id}/evidence", data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")})
    assert response.status_code == 400 and stored() == []
    anonymous = app.test_client()
    assert anonymous.get(f"/cpd/entries/{entry.id}/evidence").status_code == 302


def test_another_learner_gets_404_for_everything(app, learner, browser, entry, make_user, login_as):
    """Another learner cannot see, add to, download or delete the learner's files."""
    upload(browser, entry.id, pdf_bytes(), "certificate.pdf")
    (kept,) = stored()
    make_user(email="other@example.org")
    other = login_as("other@example.org")
    assert other.get(f"/cpd/entries/{entry.id}/evidence").status_code == 404
    assert other.get(f"/cpd/entries/{entry.id}/evidence/{kept.id}").status_code == 404
    assert other.post(f"/cpd/entries/{entry.id}/evidence/{kept.id}/delete", {},
                      form_page="/cpd").status_code == 404
    assert len(stored()) == 1


@pytest.fixture
def shared_setup(make_org, make_user, add_member, learner, browser, entry):
    """Northshire (A): the learner, their manager, an admin, a learner colleague. Southshire (B):
    an admin; the learner joins B too. One file on the entry, which is shared with A."""
    a, (east,) = make_org("Northshire Council", teams=["East"])
    b, (far,) = make_org("Southshire Council", teams=["Far"])
    for email in ("manager@north.example", "admin@north.example", "colleague@north.example", "admin@south.example"):
        make_user(email=email)
    from course_engine.auth.models import User

    def user(email):
        return session.scalar(select(User).where(User.email == email))

    add_member(a, learner, "learner", team=east)
    add_member(a, user("manager@north.example"), "manager", manages=[east])
    add_member(a, user("admin@north.example"), "org_admin")
    add_member(a, user("colleague@north.example"), "learner", team=east)
    add_member(b, user("admin@south.example"), "org_admin")
    upload(browser, entry.id, pdf_bytes(), "certificate.pdf")
    (kept,) = stored()
    add_member(b, learner, "learner", team=far)
    return dict(a=a, b=b, file=kept)


def _manager_url(org, learner, kept):
    return f"/orgs/{org.slug}/people/{learner.id}/evidence/{kept.id}"


def test_evidence_follows_the_entry_sharing(app, learner, browser, entry, shared_setup, login_as):
    """Unshared: A's manager gets 404. Shared with A: A's manager and admin download it (an
    attachment, never cached) and see it listed; B's admin gets 404 through B and through A;
    A's learner gets 403; withdrawn: 404 again."""
    a, b, kept = shared_setup["a"], shared_setup["b"], shared_setup["file"]
    manager = login_as("manager@north.example")
    assert manager.get(_manager_url(a, learner, kept)).status_code == 404

    browser.post(f"/cpd/entries/{entry.id}/share", {"organisation": str(a.id)}, form_page="/cpd")
    response = manager.get(_manager_url(a, learner, kept))
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    listing = manager.get(f"/orgs/{a.slug}/people/{learner.id}/reflections").get_data(as_text=True)
    assert "certificate.pdf" in listing and _manager_url(a, learner, kept) in listing
    assert login_as("admin@north.example").get(_manager_url(a, learner, kept)).status_code == 200

    south = login_as("admin@south.example")
    assert south.get(_manager_url(b, learner, kept)).status_code == 404
    assert south.get(_manager_url(a, learner, kept)).status_code == 404
    assert login_as("colleague@north.example").get(_manager_url(a, learner, kept)).status_code == 403

    browser.post(f"/cpd/entries/{entry.id}/withdraw", {}, form_page="/cpd")
    assert manager.get(_manager_url(a, learner, kept)).status_code == 404


def test_out_of_range_ids_are_404(app, browser, entry, shared_setup, learner, login_as):
    """Ids beyond 64 bits in any evidence URL are simply not found."""
    big = "9" * 25
    assert browser.get(f"/cpd/entries/{entry.id}/evidence/{big}").status_code == 404
    assert browser.get(f"/cpd/entries/{big}/evidence").status_code == 404
    manager = login_as("manager@north.example")
    assert manager.get(f"/orgs/{shared_setup['a'].slug}/people/{learner.id}/evidence/{big}").status_code == 404


def test_delete_removes_the_row_and_then_the_file(app, learner, browser, entry):
    """Deleting a file removes its row and its bytes; deleting the entry removes all its files."""
    upload(browser, entry.id, pdf_bytes(), "one.pdf")
    upload(browser, entry.id, image_bytes("PNG"), "two.png")
    first, second = stored()
    first_id, first_key, second_id = first.id, first.storage_key, second.id
    folder = Path(app.config["CPD_EVIDENCE_DIR"])
    response = browser.post(f"/cpd/entries/{entry.id}/evidence/{first_id}/delete", {},
                            form_page=f"/cpd/entries/{entry.id}/evidence")
    assert response.status_code == 303
    assert [e.id for e in stored()] == [second_id] and not (folder / first_key).exists()
    assert browser.post(f"/cpd/entries/{entry.id}/delete", {}).status_code == 303
    assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert not any(folder.iterdir())


def test_exports_list_the_files(app, learner, browser, entry):
    """The CSV's "Evidence files" column and the PDF list each file with its kind and size."""
    upload(browser, entry.id, pdf_bytes(), "certificate.pdf")
    upload(browser, entry.id, docx_bytes(), "notes.docx")
    rows = list(csv.reader(io.StringIO(browser.get("/cpd/export.csv?year=2025").get_data().decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert re.fullmatch(r"certificate\.pdf \(PDF, \d+ KB\); notes\.docx \(Word document, \d+ KB\)",
                        row["Evidence files"])
    pdf = PdfReader(io.BytesIO(browser.get("/cpd/export.pdf?year=2025").get_data()))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "EVIDENCE FILES" in text and "certificate.pdf (PDF," in text and "notes.docx (Word document," in text
