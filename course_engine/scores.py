"""Points and scores as people read them: "⅓ point", "2½ of 3 points", "66%".

Every page, e-mail and export that shows a quiz score or a question's points goes through
these, so a score reads the same on the results page, the debrief, My learning, an
employer's person page and the completions CSV. Grading keeps exact floats (a third of a
point is 0.333333); only the display is rounded, here.

Two rules shape the rounding:

- Points are shown as whole numbers and the fractions people use (halves, thirds, quarters,
  fifths, sixths, eighths: ``⅓``, ``2½``); anything else to at most two decimals ("0.43").
- A percentage is rounded *down* to a whole number (after allowing for float error), so a
  score shown is never higher than the score earned and never reaches a pass mark that was
  missed: 69.5% shows as 69%, not as a "70%" beside "Not passed" when the pass mark is 70.
"""
from __future__ import annotations

import math

#: Allowance for float error: weights such as 33.33333% make a third of a point 0.3333333.
TOLERANCE = 1e-4

#: The fractions shown as a single glyph, by (numerator, denominator) in lowest terms.
FRACTION_GLYPHS = {
    (1, 2): "½",
    (1, 3): "⅓", (2, 3): "⅔",
    (1, 4): "¼", (3, 4): "¾",
    (1, 5): "⅕", (2, 5): "⅖", (3, 5): "⅗", (4, 5): "⅘",
    (1, 6): "⅙", (5, 6): "⅚",
    (1, 8): "⅛", (3, 8): "⅜", (5, 8): "⅝", (7, 8): "⅞",
}
_DENOMINATORS = sorted({d for _n, d in FRACTION_GLYPHS})


def _glyph_fraction(part: float) -> tuple[int, str] | None:
    """For 0 <= part < 1: (carry, glyph) when ``part`` is (within tolerance) one of the
    fractions above, else None. ``carry`` is 1 when ``part`` rounds up to a whole."""
    if part < TOLERANCE:
        return 0, ""
    if part > 1 - TOLERANCE:
        return 1, ""
    for denominator in _DENOMINATORS:
        numerator = round(part * denominator)
        if 0 < numerator < denominator and abs(part - numerator / denominator) < TOLERANCE:
            divisor = math.gcd(numerator, denominator)
            return 0, FRACTION_GLYPHS[(numerator // divisor, denominator // divisor)]
    return None


def points(value: float | None) -> str:
    """A number of points: ``1``, ``⅓``, ``2½``, ``0.43`` (never ``0.333333``).

    None (no score yet) reads as ``0``. Negative values do not occur (grading floors at 0)
    and are shown with a minus sign.
    """
    value = float(value or 0)
    if value < 0:
        return "-" + points(-value)
    whole = math.floor(value)
    found = _glyph_fraction(value - whole)
    if found is not None:
        carry, glyph = found
        whole += carry
        if glyph:
            return f"{whole}{glyph}" if whole else glyph
        return str(whole)
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _is_one_or_less_than_one(value: float) -> bool:
    """``1 point``, ``⅓ point``, ``½ point``; but ``0 points``, ``1½ points``."""
    value = float(value or 0)
    return abs(value - 1) < TOLERANCE or TOLERANCE <= value < 1 - TOLERANCE


def points_phrase(value: float | None) -> str:
    """Points with their noun: ``1 point``, ``⅓ point``, ``0 points``, ``2½ points``."""
    return f"{points(value)} point{'' if _is_one_or_less_than_one(value) else 's'}"


def points_of(earned: float | None, possible: float) -> str:
    """Earned out of possible: ``1 of 3 points``, ``⅔ of 1 point``, ``2½ of 3 points``."""
    return f"{points(earned)} of {points_phrase(possible)}"


def score_percent(value: float | None) -> str:
    """A quiz score as a whole percentage, rounded down (see the module docstring): ``66%``.

    None (not submitted, or no quiz) reads as an em dash, as in tables.
    """
    if value is None:
        return "—"
    return f"{math.floor(float(value) + TOLERANCE)}%"


#: The names the templates use (registered as Jinja filters by the factory).
TEMPLATE_FILTERS = {"points": points, "points_phrase": points_phrase, "points_of": points_of,
                    "score_percent": score_percent}
