"""Accent colours: WCAG contrast against white, the refusal message, and the site's focus ring."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_engine.branding.contrast import (WASH, WHITE, AccentRefused, check_accent, contrast_ratio,
                                             darker_shade, hover_shade, normalise_hex, shown_ratio)

SITE_CSS = Path(__file__).resolve().parents[2] / "course_engine" / "static" / "css" / "site.css"


def test_contrast_ratios_match_the_wcag_formula():
    """Black on white is 21:1, a colour on itself 1:1, and #767676 (the well-known lightest
    grey that passes AA on white) 4.54:1."""
    assert contrast_ratio("#000000", WHITE) == pytest.approx(21.0)
    assert contrast_ratio("#1f4e79", "#1f4e79") == pytest.approx(1.0)
    assert round(contrast_ratio("#767676", WHITE), 2) == 4.54
    assert round(contrast_ratio("#777777", WHITE), 2) == 4.48


def test_accent_just_above_the_boundary_is_accepted_and_normalised():
    """4.54:1 passes (and #RGB or capitals become #rrggbb)."""
    assert check_accent("#767676") == "#767676"
    assert check_accent("  767676 ") == "#767676"
    assert check_accent("#1F4E79") == "#1f4e79"
    assert normalise_hex("#14a") == "#1144aa"


def test_accent_just_below_the_boundary_is_refused_with_the_ratio_and_a_darker_shade():
    """4.478:1 fails (shown rounded down, 4.47:1); the message says the ratio, the 4.5:1 rule, and a darker shade that passes."""
    with pytest.raises(AccentRefused) as refused:
        check_accent("#777777")
    message = str(refused.value)
    assert "#777777 has a contrast ratio of 4.47:1 against white" in message
    assert "4.5:1 (WCAG AA)" in message
    suggestion = re.search(r"such as (#[0-9a-f]{6}) \((\d\.\d\d):1\)", message)
    assert suggestion, message
    assert contrast_ratio(suggestion.group(1), WHITE) >= 4.5
    assert check_accent(suggestion.group(1)) == suggestion.group(1)


def test_a_ratio_is_never_rounded_up_into_a_pass():
    """4.4999:1 is shown as 4.49:1, not 4.50:1."""
    assert shown_ratio(4.4999) == "4.49:1"
    assert shown_ratio(4.5) == "4.50:1"


@pytest.mark.parametrize("colour", ["#ffbf47", "#3b82f6", "#00a651", "#ff69b4", "#e0e0e0"])
def test_the_suggested_shade_keeps_the_hue_and_is_the_lightest_that_passes(colour):
    """The suggestion scales every channel together (same hue) and is at most one step darker than needed."""
    suggestion = darker_shade(colour)
    assert contrast_ratio(suggestion, WHITE) >= 4.5
    original = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    shade = [int(suggestion[i:i + 2], 16) for i in (1, 3, 5)]
    ratios = {round(s / o, 2) for s, o in zip(shade, original) if o > 40}
    assert max(ratios) - min(ratios) <= 0.03, (colour, suggestion)
    lighter = "#" + "".join(f"{min(255, c + 2):02x}" for c in shade)
    assert contrast_ratio(lighter, WHITE) < 4.5 + 0.2


@pytest.mark.parametrize("text", ["", "blue", "#12345", "#gggggg", "rgb(0,0,0)", "#1f4e79; background: url(x)"])
def test_anything_but_a_hex_colour_is_refused(text):
    with pytest.raises(AccentRefused, match="hex code"):
        check_accent(text)


def test_hover_shade_is_darker_and_reads_on_the_pale_background():
    """The hover shade reaches 4.5:1 on the site's --wash, where the secondary button's hover puts it."""
    for accent in ("#767676", "#1f4e79", "#3473db", "#b3261e"):
        dark = hover_shade(accent)
        assert contrast_ratio(dark, WASH) >= 4.5
        assert contrast_ratio(dark, WHITE) > contrast_ratio(accent, WHITE)


def _css_colour(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", SITE_CSS.read_text(encoding="utf-8"))
    assert match, name
    return match.group(1)


def test_the_focus_ring_stays_visible_on_every_accent_that_passes():
    """The site's focus style (an --ink outline inside a --focus ring) keeps at least 3:1 against
    any accepted accent with one of its two colours (WCAG 1.4.11), so no accent weakens it."""
    ink, focus = _css_colour("ink"), _css_colour("focus")
    worst = 21.0
    for r in range(0, 256, 15):
        for g in range(0, 256, 15):
            for b in range(0, 256, 15):
                accent = f"#{r:02x}{g:02x}{b:02x}"
                if contrast_ratio(accent, WHITE) < 4.5:
                    continue
                worst = min(worst, max(contrast_ratio(ink, accent), contrast_ratio(focus, accent)))
    assert worst >= 3.0, worst
