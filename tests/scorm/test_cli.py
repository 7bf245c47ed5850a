"""``flask scorm build``: a version's package from the command line, with clear errors."""
from __future__ import annotations

import zipfile


def test_build_writes_the_newest_versions_package(runner, synced, tmp_path):
    out = tmp_path / "p.zip"
    result = runner.invoke(args=["scorm", "build", synced, "--standard", "scorm12", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "SCORM 1.2" in result.output
    with zipfile.ZipFile(out) as zf:
        assert "imsmanifest.xml" in zf.namelist()
        assert b"<schemaversion>1.2</schemaversion>" in zf.read("imsmanifest.xml")


def test_build_refuses_an_unknown_module_or_version_with_a_message(runner, synced, tmp_path):
    result = runner.invoke(args=["scorm", "build", "no-such", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and "There is no module 'no-such'" in result.output
    result = runner.invoke(args=["scorm", "build", synced, "--version", "9", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and "has no version 9" in result.output
    assert not (tmp_path / "x.zip").exists()
