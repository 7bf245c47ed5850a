"""Colour contrast as WCAG 2.x defines it (pure: no Flask, no database).

An organisation's accent colour sits behind white text (the header band, buttons) and is used
as text on white (secondary buttons), so it must reach WCAG AA for normal text against white:
a contrast ratio of at least 4.5:1. :func:`check_accent` says so, or says the ratio and
suggests the nearest darker shade of the same hue that passes.

Formulas: WCAG 2.2, "relative luminance" and "contrast ratio" (sRGB channels linearised with
the 0.04045 threshold the W3C text gives; the 0.03928 of older texts changes no 8-bit value).
"""
from __future__ import annotations

import re

#: WCAG AA for normal-size text (success criterion 1.4.3).
AA_TEXT = 4.5

WHITE = "#ffffff"
#: The site's page background (site.css ``--wash``): a darker hover shade must read on it too.
WASH = "#f4f6f8"

_HEX_RE = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class AccentRefused(ValueError):
    """An accent colour we will not use; the message is written for the person."""


def normalise_hex(text: str) -> str | None:
    """``#1F4E79``, ``1f4e79`` or ``#14a`` -> ``#1f4e79`` / ``#1144aa``; None if it is not a hex colour."""
    match = _HEX_RE.fullmatch((text or "").strip())
    if not match:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    normal = normalise_hex(hex_colour)
    if normal is None:
        raise ValueError(f"not a hex colour: {hex_colour!r}")
    value = normal[1:]
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{max(0, min(255, c)):02x}" for c in rgb)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def shown_ratio(ratio: float) -> str:
    """A ratio as people are shown it, rounded *down* to two places (4.4999 is not 4.50)."""
    return f"{int(ratio * 100) / 100:.2f}:1"


def darker_shade(hex_colour: str, against: str = WHITE, target: float = AA_TEXT) -> str:
    """The lightest shade of ``hex_colour`` (same hue, channels scaled down together) that
    reaches ``target`` against ``against``; the colour itself if it already does."""
    rgb = _rgb(hex_colour)
    if contrast_ratio(hex_colour, against) >= target:
        return hex_colour
    # Scaling every channel by one factor keeps the hue; search the factor (1000 steps is
    # finer than 8-bit channels can express, so the first passing step is the lightest).
    for step in range(999, -1, -1):
        candidate = _hex(tuple(int(c * step / 1000) for c in rgb))
        if contrast_ratio(candidate, against) >= target:
            return candidate
    return "#000000"


def hover_shade(accent: str) -> str:
    """A darker accent for hover states: about 15% darker, and readable (4.5:1) on the site's
    pale background as well as on white."""
    darker = _hex(tuple(int(c * 0.85) for c in _rgb(accent)))
    return darker_shade(darker, against=WASH)


def check_accent(text: str) -> str:
    """The accent colour, normalised (``#rrggbb``), if white text on it reaches AA.

    :raises AccentRefused: when it is not a hex colour, or its contrast against white is below
        4.5:1 (the message gives the ratio and a darker shade that passes).
    """
    colour = normalise_hex(text)
    if colour is None:
        raise AccentRefused("Enter the accent colour as a hex code such as #1f4e79.")
    ratio = contrast_ratio(colour, WHITE)
    if ratio < AA_TEXT:
        suggestion = darker_shade(colour)
        raise AccentRefused(
            f"{colour} has a contrast ratio of {shown_ratio(ratio)} against white; text and buttons need at "
            f"least 4.5:1 (WCAG AA). Try a darker shade such as {suggestion} "
            f"({shown_ratio(contrast_ratio(suggestion, WHITE))}).")
    return colour
