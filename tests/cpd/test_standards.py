"""Tagging CPD with the parts of Social Work England's standard 4 it evidences: the wording is
the regulator's (verified-facts F-SWE-4-PARTS); an entry takes any number of parts; a completed
module is tagged from its front-matter ``standards``; the record, CSV and PDF show them."""
import csv
import io
import re
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from course_engine.authoring.models import ModuleVersion
from course_engine.content.module_parser import parse_module
from course_engine.cpd import services, standards
from course_engine.db import session
from tests.cpd.conftest import at

ROOT = Path(__file__).resolve().parents[2]


def test_the_wording_is_the_verified_wording():
    """Each part's code, name and wording appear word for word in docs/sources/verified-facts.md."""
    facts = (ROOT / "docs" / "sources" / "verified-facts.md").read_text(encoding="utf-8")
    facts = " ".join(facts.split())
    assert [p.code for p in standards.STANDARD_4] == [f"4.{n}" for n in range(1, 9)]
    for part in standards.STANDARD_4:
        assert f"{part.code} {part.wording}" in facts, part.code
        assert f"{part.code} {part.name}" in facts, part.code


def test_module_front_matter_names_parts_of_standard_4():
    """"SWE 4.8: ..." names 4.8; a range names each part in it; other standards are ignored."""
    assert standards.parts_named_by_module(["SWE 1.5: recognise ...", "SWE 4.8: reflect on your own values",
                                            "PCF 6: Critical reflection", "KSS 1"]) == ["4.8"]
    assert standards.parts_named_by_module(["SWE 4.1\u20134.3: feedback to research", "SWE 4.6"]) == [
        "4.1", "4.2", "4.3", "4.6"]
    assert standards.parts_named_by_module(["SWE 4.9", "SWE 14.2", "4.2", None, ""]) == []
    assert standards.parts_named_by_module(None) == []


def test_every_module_in_the_library_evidences_4_8():
    """The library's modules all declare "SWE 4.8: reflect on your own values ..." (and no other
    part of standard 4), so each completion is tagged 4.8 Values and ethics."""
    paths = sorted((ROOT / "modules").glob("*.md"))
    assert paths
    for path in paths:
        spec, _problems = parse_module(path, modules_root=ROOT / "modules")
        assert standards.parts_named_by_module(list(spec.standards)) == ["4.8"], path.name


def _entry_form(**overrides):
    data = {"activity_type": "reading", "title": "Article on adultification", "activity_date": "17/03/2026",
            "minutes": "45", "description": "Read an article.", "what_learned": "Learned a lot.",
            "impact_on_practice": "Will ask about age.", "standard_4_parts": ["4.3", "4.8"]}
    data.update(overrides)
    return data


def test_an_entry_is_tagged_with_the_parts_chosen(app, learner, browser):
    """The entry form offers all eight parts with their wording; the chosen ones are saved in
    the standard's order, shown on the record and kept when editing."""
    page = browser.get("/cpd/entries/new").get_data(as_text=True)
    for part in standards.STANDARD_4:
        assert f'value="{part.code}"' in page and part.wording in page
    response = browser.post("/cpd/entries/new", _entry_form(standard_4_parts=["4.8", "4.3"]))
    assert response.status_code == 303
    entry = services.records_for(learner.id)[0].entry
    assert entry.standard_4_parts == ["4.3", "4.8"]
    log = browser.get("/cpd?year=2025").get_data(as_text=True)
    assert "4.3 Research, theories and frameworks" in log and "4.8 Values and ethics" in log
    edit = browser.get(f"/cpd/entries/{entry.id}/edit").get_data(as_text=True)
    assert re.search(r'value="4\.3"[^>]*checked|checked[^>]*value="4\.3"', edit)
    assert not re.search(r'value="4\.1"[^>]*checked|checked[^>]*value="4\.1"', edit)
    assert browser.post(f"/cpd/entries/{entry.id}/edit", _entry_form(standard_4_parts=[])).status_code == 303
    session.expire_all()
    assert services.entry_for(learner.id, entry.id).standard_4_parts == []


def test_an_unknown_part_is_refused_and_nothing_is_lost(app, learner, browser):
    """A part that is not in standard 4 is a 400 naming the field; what was typed is shown again."""
    response = browser.post("/cpd/entries/new", _entry_form(standard_4_parts=["4.8", "4.9"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose the parts of standard 4 from the list." in html
    assert "Article on adultification" in html and services.records_for(learner.id) == []


def test_a_completed_module_is_tagged_from_its_standards(app, learner, make_completion, make_entry, browser):
    """A completion reads its version's ``standards``; the log, CSV and PDF show the parts."""
    completion = make_completion(learner, at(2026, 5, 1))
    version = session.get(ModuleVersion, completion.version_id)
    version.standards = ["SWE 1.5: recognise differences", "SWE 4.2: use supervision", "SWE 4.8: reflect"]
    session.commit()
    make_entry(learner, date(2026, 3, 17), title="Untagged reading")
    record = services.record_for(learner.id, "modules", completion.id)
    assert record.standards == ["4.2", "4.8"]

    rows = list(csv.reader(io.StringIO(browser.get("/cpd/export.csv?year=2025").get_data().decode("utf-8-sig"))))
    by_title = {row[6]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_title["First visit"]["Social Work England standard 4"] == "4.2 Supervision; 4.8 Values and ethics"
    assert by_title["Untagged reading"]["Social Work England standard 4"] == ""

    pdf = PdfReader(io.BytesIO(browser.get("/cpd/export.pdf?year=2025").get_data()))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "4.2 Supervision" in text and "4.8 Values and ethics" in text
    assert "SOCIAL WORK ENGLAND STANDARD 4" in text
