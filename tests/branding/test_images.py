"""Logo uploads are judged by content, size-limited, and re-encoded so nothing but pixels survives."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image, PngImagePlugin

from course_engine.branding.images import MAX_SIDE, LogoRefused, clean_logo

from .conftest import jpeg_bytes, png_bytes

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_and_jpeg_are_accepted_and_keep_their_format():
    png, jpeg = clean_logo(png_bytes()), clean_logo(jpeg_bytes())
    assert (png.format, png.content_type, png.width, png.height) == ("PNG", "image/png", 120, 40)
    assert (jpeg.format, jpeg.content_type) == ("JPEG", "image/jpeg")
    assert _decoded(png.data).format == "PNG" and _decoded(jpeg.data).format == "JPEG"


@pytest.mark.parametrize("data, says", [
    (SVG, "SVG drawing"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "SVG drawing"),
    (b"GIF89a" + b"\x00" * 40, "GIF image"),
    (b"<!doctype html><script>alert(1)</script>", "web page"),
    (b"%PDF-1.7\n", "PDF document"),
    (b"just some text", "not an image we can read"),
    (b"", "not an image we can read"),
])
def test_anything_but_png_or_jpeg_content_is_refused_and_says_what_it_is(data, says):
    """Refused by content: the message says what the file looks like and what to upload instead."""
    with pytest.raises(LogoRefused) as refused:
        clean_logo(data)
    assert says in str(refused.value) and "PNG or JPEG" in str(refused.value)


def test_a_png_signature_on_something_else_is_refused():
    """A file that starts like a PNG but is not one cannot be decoded: refused, with the reason."""
    with pytest.raises(LogoRefused, match="starts like a PNG image but could not be read"):
        clean_logo(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)


def test_a_truncated_image_is_refused():
    data = png_bytes(size=(400, 400), mode="RGB", colour=(1, 2, 3, 255))
    with pytest.raises(LogoRefused, match="could not be read"):
        clean_logo(data[: len(data) // 2])


def test_trailing_data_and_a_polyglot_payload_are_removed_by_re_encoding():
    """A PNG with a zip archive and a script appended (a PNG/ZIP/HTML polyglot) is stored as
    its pixels alone: neither payload is in the stored bytes, and the pixels are unchanged."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.js", "alert('polyglot')")
    original = png_bytes(colour=(10, 200, 30, 255))
    hostile = original + b"<script>alert('trailing')</script>" + archive.getvalue()
    assert _decoded(hostile).size == (120, 40)  # Pillow itself reads past the extra bytes
    clean = clean_logo(hostile)
    assert b"<script>" not in clean.data and b"payload.js" not in clean.data and b"PK\x03\x04" not in clean.data
    assert clean.data.endswith(b"IEND\xaeB`\x82")
    assert _decoded(clean.data).getpixel((5, 5)) == (10, 200, 30, 255)


def test_jpeg_with_trailing_data_is_cut_at_its_end():
    clean = clean_logo(jpeg_bytes() + b"<?php system($_GET['c']); ?>")
    assert b"<?php" not in clean.data and clean.data.endswith(b"\xff\xd9")


def test_png_text_chunks_and_colour_profile_are_stripped():
    """tEXt/iTXt chunks (author, comments, hidden HTML) and an ICC profile do not survive."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret-author-name")
    info.add_itxt("Comment", "<script>alert('chunk')</script>")
    data = png_bytes(pnginfo=info, icc_profile=b"fake-icc-profile-bytes")
    assert b"secret-author-name" in data
    clean = clean_logo(data)
    for marker in (b"secret-author-name", b"<script>", b"tEXt", b"iTXt", b"iCCP"):
        assert marker not in clean.data
    assert _decoded(clean.data).info.get("icc_profile") is None


def test_jpeg_exif_is_stripped_after_its_orientation_is_applied():
    """EXIF (camera, GPS, author) is removed; an image tagged "rotate 90" is stored upright."""
    exif = Image.Exif()
    exif[0x013B] = "secret-photographer"  # Artist
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    data = jpeg_bytes(size=(120, 40), exif=exif.tobytes())
    assert b"secret-photographer" in data
    clean = clean_logo(data)
    assert b"secret-photographer" not in clean.data and b"Exif" not in clean.data
    assert (clean.width, clean.height) == (40, 120)
    assert not _decoded(clean.data).getexif()


def test_large_images_are_scaled_down_to_the_cap_keeping_proportions():
    clean = clean_logo(png_bytes(size=(3000, 1000), mode="RGB"))
    assert (clean.width, clean.height) == (MAX_SIDE, 341)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions with almost no data (a decompression bomb's shape)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_an_image_too_large_in_pixels_is_refused_before_it_is_decoded():
    """6,000 x 6,000 pixels (36 million) declared in a 100-byte file: refused from the header alone."""
    data = _png_header_only(6_000, 6_000)
    assert len(data) < 200
    with pytest.raises(LogoRefused, match="6,000 x 6,000 pixels; logos may be up to 25 million"):
        clean_logo(data)


def test_a_decompression_bomb_is_refused():
    """50,000 x 50,000 declared (2.5 billion pixels, past Pillow's own limit): refused, clearly."""
    with pytest.raises(LogoRefused, match="far more pixels than a logo needs"):
        clean_logo(_png_header_only(50_000, 50_000))


def test_a_tiny_image_is_refused():
    with pytest.raises(LogoRefused, match="at least 16 pixels"):
        clean_logo(png_bytes(size=(8, 8)))


def test_transparency_is_kept_in_png_and_palette_images_are_converted():
    clean = clean_logo(png_bytes(colour=(0, 0, 0, 0)))
    assert _decoded(clean.data).mode == "RGBA" and _decoded(clean.data).getpixel((0, 0))[3] == 0
    palette = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 40, 60)).convert("P").save(palette, "PNG")
    assert _decoded(clean_logo(palette.getvalue()).data).mode == "RGB"
