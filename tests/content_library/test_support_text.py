"""Every module's support text fits the material (issue 16, section 3): supervision and the
employee assistance programme first; then, for learners with their own experience of racism or
of sexual abuse, organisations checked against their own pages (verified-facts Part C); and the
NSPCC helpline. Only organisations in Part C may be named."""
import re
from pathlib import Path

import pytest

from tests.conftest import library_report

ROOT = Path(__file__).resolve().parents[2]
REPORT = library_report()  # checked once per process
SLUGS = sorted(REPORT.modules)
PART_C = (ROOT / "docs" / "sources" / "verified-facts.md").read_text(encoding="utf-8")
PART_C = PART_C[PART_C.index("## Part C") : PART_C.index("## Part D")]


@pytest.mark.parametrize("slug", SLUGS)
def test_support_offers_supervision_and_employee_assistance_first(slug):
    """Supervision and the employee assistance programme come before any outside organisation."""
    text = " ".join(REPORT.modules[slug].support.split())
    assert "supervisor" in text and "employee assistance programme" in text
    first_org = min(text.index(o) for o in ("Samaritans", "Rape Crisis", "NAPAC", "NSPCC"))
    assert text.index("employee assistance programme") < first_org


@pytest.mark.parametrize("slug", SLUGS)
def test_support_signposts_racism_and_sexual_abuse(slug):
    """A learner with their own experience of racism, and one with their own experience of
    sexual abuse, each find somewhere to turn, as does anyone worried about a child."""
    text = " ".join(REPORT.modules[slug].support.split())
    assert re.search(r"own experiences? of racism", text)
    assert "Black Minds Matter UK" in text and "Samaritans is free on 116 123" in text
    assert "sexual abuse" in text and "Rape Crisis England" in text and "NAPAC" in text
    assert "NSPCC helpline on 0808 800 5000" in text


@pytest.mark.parametrize("slug", SLUGS)
def test_every_named_organisation_was_checked_on_its_own_pages(slug):
    """Each organisation the support text names is in verified-facts Part C, and no phone
    number appears that Part C does not give (NAPAC's and Rape Crisis's were not verified)."""
    text = " ".join(REPORT.modules[slug].support.split())
    for org in ("Samaritans", "Black Minds Matter UK", "Rape Crisis England", "NAPAC", "NSPCC",
                "Race Equality Foundation", "Childline"):
        if org in text:
            assert org.split()[0] in PART_C, org
    for number in re.findall(r"\b\d{3,4}(?: \d{3,4}){1,2}\b", text):
        assert number in PART_C, number
