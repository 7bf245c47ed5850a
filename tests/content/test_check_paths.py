"""Never a false pass: every path given to the check is checked for what it is, or refused
with a message saying what was expected, and the exit code says so."""
from __future__ import annotations

from pathlib import Path

from course_engine.content import check_paths
from course_engine.content.__main__ import main

DATA = Path(__file__).parent / "data"
VALID_MODULE = (DATA / "modules" / "valid.md").read_text()
VALID_QUIZ = (DATA / "quizzes" / "valid.md").read_text()
BROKEN_LINK = (DATA / "modules" / "err-choice-target-missing.md").read_text()
GIFT = "::Q1:: Is the sky blue? {T}\n\n::Q2:: Pick one {=right ~wrong}\n"


def _lines(report):
    return [(Path(p.path).name, p.line, p.code, p.message) for p in report.problems]


def test_a_module_outside_modules_is_checked_for_what_it_is(tmp_path):
    """A module file in any folder is parsed: its broken link is an error at its line."""
    path = tmp_path / "draft.md"
    path.write_text(BROKEN_LINK)
    report = check_paths([path])
    assert _lines(report)[0] == ("draft.md", 26, "choice-target-missing",
                                 "Choice 'Go round' leads to scene 'chek', which does not exist. Check the id "
                                 "after '->' matches a scene heading's {#id}.")
    assert report.module_count == 1 and not report.ok
    (tmp_path / "good.md").write_text(VALID_MODULE)
    assert check_paths([tmp_path / "good.md"]).problems == []


def test_a_file_that_is_neither_is_refused_and_kind_settles_it(tmp_path):
    """A file holding only 'hello' is neither a module nor a quiz: refused, naming --kind;
    with --kind module it is checked as one (and has no settings at the top)."""
    path = tmp_path / "hello.md"
    path.write_text("hello\n")
    report = check_paths([path])
    assert _lines(report) == [
        ("hello.md", 1, "kind-unclear",
         "Cannot tell whether 'hello.md' is a scenario module or a quiz bank: it has neither a module's "
         "settings (such as 'cpd_minutes:' or 'fictional:') and choices, nor a quiz's options ('- [x] …'). "
         "Say which with '--kind module' or '--kind quiz'."),
        ("hello.md", 1, "nothing-checked",
         f"Nothing was checked: '{path}' held no module ('.md' in modules/) and no quiz bank ('.md' or "
         "'.gift' in quizzes/)."),
    ]
    as_module = check_paths([path], kind="module")
    assert [p.code for p in as_module.problems] == ["front-matter-missing"]
    assert main(["check", str(path)]) == 1
    assert main(["check", "--kind", "module", str(path)]) == 1


def test_a_folder_without_content_is_refused(tmp_path, capsys):
    """A folder with neither modules/ nor quizzes/ is refused, and checking nothing is an error."""
    (tmp_path / "notes").mkdir()
    assert main(["check", str(tmp_path / "notes")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"{tmp_path / 'notes'}:1: error: '{tmp_path / 'notes'}' is a folder without 'modules/' or "
                      "'quizzes/' in it, so there is nothing to check. Give the project folder (it holds "
                      "'modules/' and 'quizzes/'), one of those folders, or a file.")
    assert out[1].startswith(f"{tmp_path / 'notes'}:1: error: Nothing was checked:")
    assert out[-1] == "Checked 0 modules and 0 quizzes: 2 errors, 0 warnings"


def test_empty_content_folders_are_an_error(tmp_path):
    """A project whose modules/ and quizzes/ are empty checked nothing: an error, not a pass."""
    (tmp_path / "modules").mkdir()
    (tmp_path / "quizzes").mkdir()
    assert [p.code for p in check_paths([tmp_path]).problems] == ["nothing-checked"]


def test_a_gift_bank_named_txt_is_refused_with_the_rename(tmp_path):
    """A GIFT bank saved as .txt (as Moodle exports it) would never be loaded: the check says
    to rename it, instead of counting it as a passing module; as .gift it is checked."""
    path = tmp_path / "bank.txt"
    path.write_text(GIFT)
    report = check_paths([path])
    assert _lines(report)[0] == (
        "bank.txt", 1, "file-extension",
        "'bank.txt' looks like a Moodle GIFT quiz bank, but GIFT banks must be named '.gift' to be loaded. "
        "Rename it to 'bank.gift' and check it again.")
    assert report.module_count == 0 and not report.ok
    (tmp_path / "bank.gift").write_text(GIFT)
    gift = check_paths([tmp_path / "bank.gift"])
    assert gift.quiz_count == 1 and gift.module_count == 0 and gift.ok


def test_a_file_of_another_type_is_refused(tmp_path):
    """A file that is not .md or .gift and not GIFT either is refused by name."""
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    assert _lines(check_paths([path]))[0][2:] == (
        "file-extension",
        "'notes.docx' is not content the check knows: scenario modules and Markdown quiz banks are '.md' "
        "files, Moodle GIFT banks '.gift' files. Rename it, or leave it out.")


def test_a_quiz_is_recognised_by_its_content(tmp_path):
    """A Markdown quiz bank outside quizzes/ is checked as a quiz, not a module."""
    (tmp_path / "bank.md").write_text(VALID_QUIZ)
    report = check_paths([tmp_path / "bank.md"])
    assert report.problems == [] and report.quiz_count == 1 and report.module_count == 0
