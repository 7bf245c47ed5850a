"""What every document we produce shares: certificates, the CPD record PDF and CSV exports.

Kept here so a certificate, a CPD record and an employer's export look and read alike: the
palette (the site's colours, AA on white), British long dates, and CSV cells that a
spreadsheet cannot mistake for formulas.
"""
from __future__ import annotations

import unicodedata
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


# --- PDF text ----------------------------------------------------------------------------

#: The encoding of the PDF core fonts (Helvetica, Courier) as our PDFs use them: Windows-1252
#: has the typographic quotes, dashes and the euro sign that Latin-1 lacks.
PDF_ENCODING = "windows-1252"

#: Characters outside Windows-1252 with an obvious stand-in; the rest go through NFKD.
_FALLBACKS = str.maketrans({
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t",
    "Ŋ": "N", "ŋ": "n", "ĸ": "k", "ʼ": "’", "ʻ": "‘", "‐": "-", "‑": "-", "‒": "–", "―": "—",
    "−": "-", "⁄": "/", "′": "'", "″": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u00ad": "",
})


def pdf_text(text: str | None, *, keep_line_breaks: bool = False) -> str:
    """Text the PDF core fonts can draw (Windows-1252), with the closest stand-in for anything else.

    Names and titles keep their accents where Windows-1252 has them (é, ö, ñ); ő -> o, ş -> s,
    ﬁ -> fi keep the base letters; anything with no stand-in becomes "?".

    :param keep_line_breaks: keep new lines (multi-line cells); otherwise they become spaces.
    """
    text = unicodedata.normalize("NFC", str(text or "")).translate(_FALLBACKS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in text:
        if char == "\n" and keep_line_breaks:
            out.append(char)
            continue
        if char in "\t\n":
            out.append(" ")
            continue
        if unicodedata.category(char) == "Cc":
            continue
        try:
            char.encode(PDF_ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        try:
            base.encode(PDF_ENCODING)
            out.append(base or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def duration_text(minutes: int) -> str:
    """'1 hour 30 minutes', '2 hours', '45 minutes': a length of time as people say it."""
    hours, rest = divmod(int(minutes), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)
