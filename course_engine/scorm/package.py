"""Building a SCORM package (a zip) from one module version: pure, no Flask, no database.

The zip holds ``imsmanifest.xml`` for SCORM 1.2 or SCORM 2004 4th edition, the player
(``player/``: HTML, CSS and JavaScript that make no network call) and ``course.js``, the
module and quiz as the content core exported them (``ModuleSpec.to_dict()``, ``QuizSpec.to_dict()``)
with the look of the organisation that downloaded it. The player plays the scenario and quiz
by the content core's rules (``player/engine.js`` mirrors ``content/engine.py``,
``content/conditions.py`` and ``content/grading.py``; tests/scorm/test_engine_js.py runs both
on the same inputs) and reports to the LMS through the standard's run-time API.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

#: The standards a package can be built for, by the name used in URLs and file names.
STANDARDS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004 4th edition"}

PLAYER_DIR = Path(__file__).resolve().parent / "player"
#: The player's files, in the order index.html loads the scripts.
PLAYER_FILES = ("index.html", "player.css", "engine.js", "runtime.js", "player.js")

#: Content images are served at ``/content/media/<sha256>/<name>``; in a package they are
#: files at ``media/<sha256>/<name>`` beside index.html.
MEDIA_URL = re.compile(r"/content/media/([0-9a-f]{64})/([A-Za-z0-9._-]+)")

#: The identifier of the one item and resource (the whole module is one SCO).
ITEM_ID, RESOURCE_ID, ORG_ID = "item-module", "resource-player", "organisation-module"


@dataclass(frozen=True)
class Brand:
    """The look in the package: name shown in its header, accent colours, logo file."""

    name: str
    accent: str | None = None
    accent_hover: str | None = None
    logo_filename: str | None = None
    logo_data: bytes | None = None
    logo_width: int | None = None
    logo_height: int | None = None


@dataclass(frozen=True)
class PackageInput:
    """What a package is built from (plain values; services.py loads them)."""

    slug: str
    version_number: int
    module: dict
    quiz: dict | None
    brand: Brand
    #: (sha256, filename) -> bytes, for every image the content uses.
    media: dict[tuple[str, str], bytes] = field(default_factory=dict)


def package_identifier(data: PackageInput) -> str:
    """The manifest's identifier: stable per module version, so an LMS sees an update of the
    same package as the same course (a new version has a new identifier)."""
    return f"course-engine-{data.slug}-v{data.version_number}"


def media_used(*documents: dict | None) -> set[tuple[str, str]]:
    """The (sha256, filename) of every content image referred to in these JSON documents."""
    text = "".join(json.dumps(d) for d in documents if d)
    return set(MEDIA_URL.findall(text))


def _relative_media(document: dict | None) -> dict | None:
    """The document with image URLs made relative to the package (``media/<sha>/<name>``)."""
    if document is None:
        return None
    return json.loads(MEDIA_URL.sub(r"media/\1/\2", json.dumps(document)))


def course_data(data: PackageInput, standard: str) -> dict:
    """The ``window.COURSE`` object the player reads."""
    brand = data.brand
    return {
        "standard": standard,
        "identifier": package_identifier(data),
        "version_number": data.version_number,
        "module": _relative_media(data.module),
        "quiz": _relative_media(data.quiz),
        "brand": {"name": brand.name, "accent": brand.accent, "accent_hover": brand.accent_hover,
                  "logo": f"brand/{brand.logo_filename}" if brand.logo_filename else None,
                  "logo_width": brand.logo_width, "logo_height": brand.logo_height},
    }


def course_js(data: PackageInput, standard: str) -> str:
    """course.js: the data as a script (a file the player loads with a tag, so it also plays
    from disk and needs no request an LMS's content security policy might refuse)."""
    payload = json.dumps(course_data(data, standard), ensure_ascii=True, separators=(",", ":"))
    # "</" cannot end a script element early, whatever the content says.
    return "window.COURSE = " + payload.replace("</", "<\\/") + ";\n"


def theme_css(brand: Brand) -> str:
    """brand/theme.css: the organisation's accent (already checked for contrast on upload)."""
    if not brand.accent:
        return "/* The site's own colours. */\n"
    return (":root {\n"
            f"  --accent: {brand.accent};\n"
            f"  --accent-hover: {brand.accent_hover or brand.accent};\n"
            "}\n")


def _files(data: PackageInput) -> list[str]:
    names = ["index.html", "course.js", "brand/theme.css"] + [f"player/{n}" for n in PLAYER_FILES if n != "index.html"]
    if data.brand.logo_filename:
        names.append(f"brand/{data.brand.logo_filename}")
    names += sorted(f"media/{sha}/{name}" for sha, name in data.media)
    return names


def _file_elements(names: list[str], indent: str) -> str:
    return "\n".join(f"{indent}<file href={quoteattr(n)}/>" for n in names)


def manifest_scorm12(data: PackageInput) -> str:
    """imsmanifest.xml for SCORM 1.2 (IMS CP 1.1.2 with ADL's adlcp_rootv1p2 extensions)."""
    title = escape(data.module["title"])
    pass_mark = data.module.get("pass_mark")
    mastery = (f"\n        <adlcp:masteryscore>{int(pass_mark)}</adlcp:masteryscore>"
               if data.quiz and pass_mark is not None else "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier={quoteattr(package_identifier(data))} version="{data.version_number}"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="{ORG_ID}">
    <organization identifier="{ORG_ID}">
      <title>{title}</title>
      <item identifier="{ITEM_ID}" identifierref="{RESOURCE_ID}" isvisible="true">
        <title>{title}</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="{RESOURCE_ID}" type="webcontent" adlcp:scormtype="sco" href="index.html">
{_file_elements(_files(data), "      ")}
    </resource>
  </resources>
</manifest>
"""


def manifest_scorm2004(data: PackageInput) -> str:
    """imsmanifest.xml for SCORM 2004 4th edition (IMS CP 1.1.4, ADL CP/sequencing/navigation
    1.3, IMS Simple Sequencing 1.0). One SCO; it sets completion and success itself."""
    title = escape(data.module["title"])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier={quoteattr(package_identifier(data))} version="{data.version_number}"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="{ORG_ID}">
    <organization identifier="{ORG_ID}">
      <title>{title}</title>
      <item identifier="{ITEM_ID}" identifierref="{RESOURCE_ID}" isvisible="true">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:deliveryControls tracked="true" completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="{RESOURCE_ID}" type="webcontent" adlcp:scormType="sco" href="index.html">
{_file_elements(_files(data), "      ")}
    </resource>
  </resources>
</manifest>
"""


MANIFESTS = {"scorm12": manifest_scorm12, "scorm2004": manifest_scorm2004}


def _index_html(data: PackageInput) -> str:
    """index.html: the player's page, with the module's title and the brand's stylesheet."""
    template = (PLAYER_DIR / "index.html").read_text(encoding="utf-8")
    return template.replace("{{TITLE}}", escape(data.module["title"]))


def build(data: PackageInput, standard: str) -> bytes:
    """The zip for ``standard`` (``scorm12`` or ``scorm2004``).

    :raise ValueError: for a standard we do not build.
    """
    if standard not in MANIFESTS:
        raise ValueError(f"unknown standard {standard!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        def add(name: str, content: str | bytes) -> None:
            # A fixed date, so the same version builds the same bytes every time.
            info = zipfile.ZipInfo(name, date_time=(2025, 3, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)

        add("imsmanifest.xml", MANIFESTS[standard](data))
        add("index.html", _index_html(data))
        add("course.js", course_js(data, standard))
        add("brand/theme.css", theme_css(data.brand))
        if data.brand.logo_filename and data.brand.logo_data:
            add(f"brand/{data.brand.logo_filename}", data.brand.logo_data)
        for name in PLAYER_FILES:
            if name != "index.html":
                add(f"player/{name}", (PLAYER_DIR / name).read_bytes())
        for (sha, filename), content in sorted(data.media.items()):
            add(f"media/{sha}/{filename}", content)
    return buffer.getvalue()


def filename(data: PackageInput, standard: str) -> str:
    """The download's file name, e.g. ``streetwise-v2-scorm2004.zip``."""
    return f"{data.slug}-v{data.version_number}-{standard}.zip"
