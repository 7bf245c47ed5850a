"""Social Work England's professional standard 4 ("Maintain my continuing professional
development") in its eight parts, which the regulator's CPD form asks a record to evidence.

The wording is Social Work England's, copied from https://www.socialworkengland.org.uk/cpd/the-cpd-standard/
and the short names from https://www.socialworkengland.org.uk/cpd/what-you-need-to-know
(docs/sources/verified-facts.md, F-SWE-4-1 to F-SWE-4-8). Pure: no Flask, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StandardPart:
    code: str       #: "4.2"
    name: str       #: Social Work England's short name: "Supervision"
    wording: str    #: the standard itself, after "As a social worker, I will:"

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


STANDARD_4 = (
    StandardPart("4.1", "Feedback", "Incorporate feedback from a range of sources, including from people with "
                 "lived experience of my social work practice."),
    StandardPart("4.2", "Supervision", "Use supervision and feedback to critically reflect on, and identify my "
                 "learning needs, including how I use research and evidence to inform my practice."),
    StandardPart("4.3", "Research, theories and frameworks", "Keep my practice up to date and record how I use "
                 "research, theories and frameworks to inform my practice and my professional judgement."),
    StandardPart("4.4", "Subject knowledge and awareness of current issues", "Demonstrate good subject knowledge "
                 "on key aspects of social work practice and develop knowledge of current issues in society and "
                 "social policies impacting on social work."),
    StandardPart("4.5", "Open and creative learning culture", "Contribute to an open and creative learning "
                 "culture in the workplace to discuss, reflect on and share best practice."),
    StandardPart("4.6", "Reflection", "Reflect on my learning activities and evidence what impact continuing "
                 "professional development has on the quality of my practice."),
    StandardPart("4.7", "Recording your learning", "Record my learning and reflection on a regular basis and in "
                 "accordance with Social Work England\u2019s guidance on continuing professional development."),
    StandardPart("4.8", "Values and ethics", "Reflect on my own values and challenge the impact they have on my "
                 "practice."),
)
BY_CODE = {p.code: p for p in STANDARD_4}
CODES = tuple(BY_CODE)

#: "SWE 4.8: ..." or "SWE 4.1–4.3: ..." at the start of a module's ``standards`` entry.
_MODULE_TAG = re.compile(r"^\s*SWE\s+4\.([1-8])(?:\s*[\u2013\u2014-]\s*(?:4\.)?([1-8]))?\b")


def parts_named_by_module(standards: list[str] | None) -> list[str]:
    """The parts of standard 4 a module's front-matter ``standards`` names, in order.

    Modules write "SWE 4.8: reflect on your own values ..." (a range such as "SWE 4.1–4.3"
    names each part in it); entries for other standards (SWE 1.x, PCF, KSS) are ignored.
    """
    found: set[str] = set()
    for text in standards or []:
        match = _MODULE_TAG.match(text or "")
        if match:
            first = int(match.group(1))
            last = int(match.group(2)) if match.group(2) else first
            found.update(f"4.{n}" for n in range(first, max(first, last) + 1))
    return [code for code in CODES if code in found]


def clean_codes(values) -> list[str]:
    """The known codes among ``values``, once each, in the standard's order (unknown ones dropped
    by the caller's validation, which reports them)."""
    chosen = set(values or [])
    return [code for code in CODES if code in chosen]


def labels(codes: list[str]) -> list[str]:
    """"4.2 Supervision" for each code, in the standard's order."""
    return [BY_CODE[c].label for c in clean_codes(codes)]
