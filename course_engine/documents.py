"""What every document we produce shares: certificates, the CPD record PDF and CSV exports.

Kept here so a certificate, a CPD record and an employer's export look and read alike: the
palette (the site's colours, AA on white), British long dates, and CSV cells that a
spreadsheet cannot mistake for formulas.
"""
from __future__ import annotations

from datetime import date

#: Colours (RGB) matching site.css.
BRAND = (31, 78, 121)
INK = (29, 36, 48)
MUTED = (74, 85, 101)
LINE = (201, 209, 219)
WASH = (244, 246, 248)
OK = (27, 107, 58)
WARN = (138, 75, 0)
ACCENT = (176, 141, 60)

#: A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def long_date(day: date) -> str:
    """``17 March 2026``: no leading zero, as British documents write it."""
    return f"{day.day} {day:%B %Y}"


def safe_cell(value) -> str:
    """A CSV cell shown as text: formula-like text gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
