"""What every document shares: PDF text the core fonts can draw, and durations as people say them."""
import pytest

from course_engine.documents import PDF_ENCODING, duration_text, pdf_text


@pytest.mark.parametrize("raw, expected", [
    ("‘single’ “double” – — …", "‘single’ “double” – — …"),  # Windows-1252 has them
    ("café naïve £5 €5 Œuvre", "café naïve £5 €5 Œuvre"),
    ("Łódź Đorđe ı", "Lódz Dorde i"),  # no stand-in in the font: the base letters
    ("ﬁne", "fine"),
    ("emoji 🙂 ✓", "emoji ? ?"),
    ("minus − a\u00a0b", "minus - a b"),
    ("tab\there\r\nnext", "tab here next"),
])
def test_pdf_text_keeps_what_the_font_has_and_maps_the_rest(raw, expected):
    assert pdf_text(raw) == expected
    pdf_text(raw).encode(PDF_ENCODING)


def test_pdf_text_can_keep_line_breaks_for_multi_line_cells():
    assert pdf_text("a\r\nb\rc\nd", keep_line_breaks=True) == "a\nb\nc\nd"


@pytest.mark.parametrize("minutes, text", [
    (0, "0 minutes"), (1, "1 minute"), (45, "45 minutes"), (60, "1 hour"), (61, "1 hour 1 minute"),
    (90, "1 hour 30 minutes"), (120, "2 hours"), (600, "10 hours"),
])
def test_durations_read_as_people_say_them(minutes, text):
    assert duration_text(minutes) == text
