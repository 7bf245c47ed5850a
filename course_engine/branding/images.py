"""Check and clean an uploaded logo (pure: Pillow only, no Flask, no database).

Rules (each has a test in ``tests/branding/test_images.py``):

- The file is judged by its content, never its name: it must start with the PNG or the JPEG
  signature, and Pillow is only allowed those two decoders (``formats=``), so an SVG, a GIF,
  an HTML page or a PNG signature on something else is refused with a message that says what
  the file is not.
- Its size in bytes is capped (the route refuses a larger request before reading it), and so
  is its size in pixels, checked from the header *before* decoding, so a small file that
  would decompress into gigabytes (a "decompression bomb") is refused cheaply.
- It is decoded in full and the pixels are copied into a new image, which is then encoded
  afresh (PNG stays PNG, JPEG stays JPEG). Nothing but pixels survives: no EXIF (camera, GPS),
  no text chunks, no colour profile, no thumbnail, and nothing appended after the image's end
  (a polyglot's second payload or trailing data). The EXIF orientation is applied first, so a
  photo taken sideways is stored the right way up.
- The stored image fits in :data:`MAX_SIDE` pixels each way (scaled down, proportions kept).
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
#: Longest side of the stored logo, in pixels (the header shows it 40 px high, the
#: certificate 14 mm high: 1024 px is sharp for both, even on high-density screens).
MAX_SIDE = 1024
#: Largest image accepted, in pixels, before decoding (a 6000 x 4000 photo is 24 M).
MAX_PIXELS = 25_000_000
#: Smallest side accepted: anything smaller cannot show a recognisable mark.
MIN_SIDE = 16

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


class LogoRefused(ValueError):
    """A logo we will not store; the message is written for the person uploading it."""


@dataclass(frozen=True)
class CleanLogo:
    """A re-encoded logo: only its pixels, in a format we chose."""

    data: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """``"PNG"`` or ``"JPEG"`` from the file's first bytes, else None."""
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data.startswith(JPEG_SIGNATURE):
        return "JPEG"
    return None


def _what_it_looks_like(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<svg" in head:
        return "an SVG drawing (SVG can carry scripts, so it is never accepted)"
    if head.startswith((b"gif87a", b"gif89a")):
        return "a GIF image"
    if head.startswith(b"riff") and data[8:12] == b"WEBP":
        return "a WebP image"
    if head.startswith((b"<!doctype", b"<html")):
        return "a web page"
    if head.startswith(b"%pdf"):
        return "a PDF document"
    return "not an image we can read"


def clean_logo(data: bytes, *, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS) -> CleanLogo:
    """Check ``data`` and return the logo re-encoded from its pixels alone.

    :raises LogoRefused: when it is not a PNG or JPEG by content, cannot be decoded, or is
        too large or too small in pixels.
    """
    kind = sniff(data)
    if kind is None:
        raise LogoRefused(f"The logo must be a PNG or JPEG image; this file is {_what_it_looks_like(data)}. "
                          "Export the logo as PNG (or JPEG) and upload that.")
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than refuses) between MAX_IMAGE_PIXELS and twice that; our
            # own limit below is lower, so the warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width * height > max_pixels:
                raise LogoRefused(f"The image is {width:,} x {height:,} pixels; logos may be up to "
                                  f"{max_pixels // 1_000_000} million pixels. Save a smaller copy and upload that.")
            if min(width, height) < MIN_SIDE:
                raise LogoRefused(f"The image is only {width} x {height} pixels; a logo needs at least "
                                  f"{MIN_SIDE} pixels each way to be recognisable.")
            image.load()
            image = ImageOps.exif_transpose(image)
    except LogoRefused:
        raise
    except Image.DecompressionBombError:
        # Pillow's own limit (far above ours) is checked in ``open``, before ours can be.
        raise LogoRefused(f"The image has far more pixels than a logo needs (the limit is "
                          f"{max_pixels // 1_000_000} million). Save a smaller copy and upload that.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LogoRefused(f"The file starts like a {kind} image but could not be read as one ({_reason(exc)}). "
                          "Open it in an image editor, save it again as PNG or JPEG, and upload that.") from None
    return _reencode(image, kind, max_side)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text[:120] if text else type(exc).__name__


def _reencode(image: Image.Image, kind: str, max_side: int) -> CleanLogo:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if kind == "JPEG":
        mode = "RGB"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    if max(pixels.size) > max_side:
        pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A new image from the raw pixels: no ``info`` (EXIF, text, ICC profile), nothing else.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=90, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return CleanLogo(out.getvalue(), kind, clean.width, clean.height)
