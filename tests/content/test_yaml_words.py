"""YAML and settings errors in an author's words: what they did (a tab, curly quotes, an
indentation that does not line up, a line that is not a setting, no 'fictional:'), at the
line where they did it; messages in file and line order, the summary last."""
from __future__ import annotations

from pathlib import Path

import pytest

from course_engine.content import parse_module
from course_engine.content.__main__ import main

DATA = Path(__file__).parent / "data" / "yaml"

YAML_CASES = [
    ('choice-tab.md', 28, 'error', 'yaml', "The settings under the choice 'Go round' could not be read. This line is indented with a tab character. Settings must be indented with spaces: replace the tab with spaces (two for each level)."),
    ('curly-quotes.md', 3, 'error', 'yaml', 'The settings at the top could not be read. This line has curly quotes (“ ” or ‘ ’), which word processors put in. Settings need straight quotes: replace them with " (or \' ), e.g. title: "It\'s silent: a case".'),
    ('indentation.md', 10, 'error', 'yaml', 'The settings at the top could not be read. The indentation of this line (3 spaces) does not line up with the line above it (2 spaces). Settings at the same level must start in the same column.'),
    ('no-fictional.md', 1, 'error', 'field-missing', "The module has no 'fictional' setting. Add 'fictional: true' between the '---' lines at the top: the value must be true, to confirm the case study is a fictional vignette and no real person can be recognised in it."),
    ('not-a-setting.md', 5, 'error', 'yaml', "The settings at the top could not be read. 'this line is not a setting' is not a setting. Each setting is 'name: value' on its own line; a value that runs on must be indented under its name (or start with '>' on the line of its name)."),
    ('tab.md', 9, 'error', 'yaml', 'The settings at the top could not be read. This line is indented with a tab character. Settings must be indented with spaces: replace the tab with spaces (two for each level).'),
]


@pytest.mark.parametrize("name", sorted({case[0] for case in YAML_CASES}))
def test_each_slip_is_named_at_its_own_line(name):
    """One message, at the line of the slip, in words an author uses."""
    _spec, problems = parse_module(DATA / name)
    assert [(p.line, p.severity, p.code, p.message) for p in problems] == [
        case[1:] for case in YAML_CASES if case[0] == name]


def test_the_tab_is_on_the_line_reported():
    """The reported line is the one holding the tab (not the line after it)."""
    lines = (DATA / "tab.md").read_text().split("\n")
    assert "\t" in lines[9 - 1]
    lines = (DATA / "choice-tab.md").read_text().split("\n")
    assert "\t" in lines[28 - 1]


def test_messages_print_in_file_and_line_order_with_the_summary_last(tmp_path, capsys):
    """Across several files: sorted by file, then line; the summary is the last line."""
    (tmp_path / "modules").mkdir()
    (tmp_path / "quizzes").mkdir()
    for name in ("tab.md", "indentation.md", "no-fictional.md"):
        text = (DATA / name).read_text().replace("id: tiny", f"id: {name[:-3]}")
        (tmp_path / "modules" / name).write_text(text)
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in out[:-1]] == [
        "indentation.md:10", "no-fictional.md:1", "tab.md:9"]
    assert out[-1] == "Checked 3 modules and 0 quizzes: 3 errors, 0 warnings"
