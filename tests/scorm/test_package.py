"""The zip: a manifest valid against ADL's schemas for both standards and every module in
the library, a self-contained player, the content core's export and the organisation's look."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from lxml import etree

from course_engine.scorm import package
from course_engine.scorm.package import Brand

from .library import SCHEMAS, library_input, slugs

NS12 = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
NS2004 = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1", "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
          "imsss": "http://www.imsglobal.org/xsd/imsss"}
ENTRY = {"scorm12": SCHEMAS / "scorm12" / "validate_scorm12.xsd",
         "scorm2004": SCHEMAS / "scorm2004" / "validate_scorm2004.xsd"}


def _schema(standard: str) -> etree.XMLSchema:
    # no_network: a schema that tried to fetch anything would fail here, not silently pass.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(ENTRY[standard]), parser))


SCHEMA = {}


def validate(standard: str, manifest: str) -> etree._ElementTree:
    schema = SCHEMA.get(standard) or SCHEMA.setdefault(standard, _schema(standard))
    document = etree.fromstring(manifest.encode("utf-8"), etree.XMLParser(no_network=True))
    tree = etree.ElementTree(document)
    assert schema.validate(tree), [str(e) for e in schema.error_log]
    return tree


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.mark.parametrize("standard", sorted(package.STANDARDS))
@pytest.mark.parametrize("slug", slugs())
def test_every_library_module_has_a_manifest_valid_against_the_adl_schemas(slug, standard):
    """Each module's imsmanifest.xml validates against ADL's XSDs (1.2 and 2004 4th edition)."""
    files = unzip(package.build(library_input(slug), standard))
    validate(standard, files["imsmanifest.xml"].decode("utf-8"))


@pytest.mark.parametrize("standard", sorted(package.STANDARDS))
def test_the_schemas_refuse_a_broken_manifest(standard):
    """The validation can fail: a manifest whose resource lacks its SCORM type is refused."""
    manifest = package.MANIFESTS[standard](library_input(slugs()[0]))
    broken = re.sub(r' adlcp:scorm[tT]ype="sco"', ' adlcp:scormType="lesson"', manifest)
    schema = SCHEMA.get(standard) or SCHEMA.setdefault(standard, _schema(standard))
    assert not schema.validate(etree.ElementTree(etree.fromstring(broken.encode())))


def test_scorm12_manifest_names_one_sco_with_the_pass_mark_as_mastery_score():
    """1.2: schema 'ADL SCORM' 1.2, one organisation whose item launches the SCO resource, and
    the module's pass mark as adlcp:masteryscore."""
    data = library_input(slugs()[0])
    tree = validate("scorm12", package.manifest_scorm12(data))
    assert tree.findtext("cp:metadata/cp:schemaversion", namespaces=NS12) == "1.2"
    item = tree.find("cp:organizations/cp:organization/cp:item", NS12)
    resource = tree.find("cp:resources/cp:resource", NS12)
    assert item.get("identifierref") == resource.get("identifier")
    assert resource.get(f"{{{NS12['adlcp']}}}scormtype") == "sco" and resource.get("href") == "index.html"
    assert item.findtext("adlcp:masteryscore", namespaces=NS12) == str(data.module["pass_mark"])
    assert tree.getroot().get("identifier") == f"course-engine-{data.slug}-v1"


def test_scorm2004_manifest_is_4th_edition_and_lets_the_content_set_status():
    """2004: schemaversion '2004 4th Edition', a SCO that sets completion and success itself."""
    tree = validate("scorm2004", package.manifest_scorm2004(library_input(slugs()[0])))
    assert tree.findtext("cp:metadata/cp:schemaversion", namespaces=NS2004) == "2004 4th Edition"
    resource = tree.find("cp:resources/cp:resource", NS2004)
    assert resource.get(f"{{{NS2004['adlcp']}}}scormType") == "sco"
    controls = tree.find("cp:organizations/cp:organization/cp:item/imsss:sequencing/imsss:deliveryControls", NS2004)
    assert controls.get("completionSetByContent") == "true" and controls.get("objectiveSetByContent") == "true"


@pytest.mark.parametrize("standard", sorted(package.STANDARDS))
def test_every_file_in_the_zip_is_listed_in_the_manifest_and_exists(standard):
    """The resource lists exactly the files in the zip (besides the manifest), so an LMS that
    copies only listed files still has a working player."""
    files = unzip(package.build(library_input(slugs()[0]), standard))
    listed = set(re.findall(r'<file href="([^"]+)"/>', files["imsmanifest.xml"].decode()))
    assert listed == set(files) - {"imsmanifest.xml"}


def test_the_player_makes_no_network_call():
    """No file of the player refers to another host or calls fetch/XHR/WebSocket/beacons: the
    only way out of the package is the LMS's own API object."""
    files = unzip(package.build(library_input(slugs()[0]), "scorm2004"))
    for name in ("index.html", "player/player.js", "player/engine.js", "player/runtime.js", "player/player.css"):
        text = files[name].decode("utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
        assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|sendBeacon|EventSource|importScripts)\b", text), name
        assert not re.search(r"url\(|@import", text), name


def test_course_js_is_the_content_core_export_with_relative_images():
    """course.js carries ModuleSpec.to_dict() and QuizSpec.to_dict(); content image URLs (as
    sync renders them) point at media/ inside the zip, and every image is there."""
    data = library_input(slugs()[0])
    sha = "ab" * 32
    scenes = [dict(data.module["scenes"][0], body_html=f'<p><img src="/content/media/{sha}/map.png" alt="A map"></p>')]
    scenes += data.module["scenes"][1:]
    module = dict(data.module, scenes=scenes)
    assert package.media_used(module, data.quiz) == {(sha, "map.png")}
    data = package.PackageInput(**{**data.__dict__, "module": module, "media": {(sha, "map.png"): b"png bytes"}})
    files = unzip(package.build(data, "scorm12"))
    text = files["course.js"].decode()
    course = json.loads(text[len("window.COURSE = "):-2])
    assert course["module"]["scenes"][0]["body_html"] == f'<p><img src="media/{sha}/map.png" alt="A map"></p>'
    assert course["quiz"] == data.quiz and course["module"]["scenes"][1:] == data.module["scenes"][1:]
    assert "/content/media/" not in text and files[f"media/{sha}/map.png"] == b"png bytes"


def test_the_organisations_look_is_in_the_package():
    """An organisation's name, accent (and hover shade) and logo are in the zip; the site's
    own look has no accent stylesheet rules and no logo."""
    brand = Brand(name="Northshire Council", accent="#7a1f5c", accent_hover="#5e1847", logo_filename="logo.png",
                  logo_data=b"\x89PNG fake bytes", logo_width=200, logo_height=50)
    files = unzip(package.build(library_input(slugs()[0], brand), "scorm2004"))
    assert "--accent: #7a1f5c;" in files["brand/theme.css"].decode()
    assert files["brand/logo.png"] == b"\x89PNG fake bytes"
    course = files["course.js"].decode()
    assert '"name":"Northshire Council"' in course and '"logo":"brand/logo.png"' in course
    plain = unzip(package.build(library_input(slugs()[0]), "scorm2004"))
    assert "--accent" not in plain["brand/theme.css"].decode() and not any(n.startswith("brand/logo") for n in plain)


def test_script_breaking_text_cannot_end_course_js_early():
    """A '</script>' in content is escaped in course.js, so the data stays data."""
    data = library_input(slugs()[0])
    module = dict(data.module, title="A </script><script>alert(1)</script> title")
    text = package.course_js(package.PackageInput(**{**data.__dict__, "module": module}), "scorm12")
    assert "</script>" not in text and json.loads(text[len("window.COURSE = "):-2])["module"]["title"] == module["title"]


def test_the_same_version_builds_the_same_bytes():
    """Fixed dates in the zip: downloading twice gives an identical file (an LMS sees no change)."""
    data = library_input(slugs()[0])
    assert package.build(data, "scorm12") == package.build(data, "scorm12")


def test_an_unknown_standard_is_refused():
    with pytest.raises(ValueError):
        package.build(library_input(slugs()[0]), "aicc")
