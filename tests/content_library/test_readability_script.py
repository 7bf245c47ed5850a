"""scripts/readability.py measures what learners read, and its exit status says whether the
house style's reading ease (70 or more) is met. It reads only the files it is given."""
import importlib.util
from pathlib import Path

import pytest

from course_engine.content import new_module_text, new_quiz_text

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("readability", ROOT / "scripts" / "readability.py")
readability = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readability)

EASY = "The cat sat on the mat. It was warm. The dog ran in. They both slept."
HARD = ("Notwithstanding multidisciplinary considerations, institutional accountability "
        "necessitates comprehensive organisational transformation encompassing "
        "intersectional safeguarding methodologies and interprofessional collaboration.")


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    (tmp_path / "modules").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "modules" / "sample.md").write_text(new_module_text("sample"), encoding="utf-8")
    (tmp_path / "quizzes" / "sample.md").write_text(new_quiz_text("sample"), encoding="utf-8")
    return tmp_path


def test_module_prose_is_what_the_learner_reads(library: Path) -> None:
    """Choice text and feedback are measured; settings lines and front matter keys are not."""
    module = library / "modules" / "sample.md"
    text = readability.prose(module)
    spec, _ = readability.parse_module(module, modules_root=module.parent)
    first_choice = spec.scenes[0].choices[0]
    assert first_choice.text in text
    assert "judgement:" not in text and "cpd_minutes" not in text and "review_date" not in text


def test_quiz_prose_includes_options_and_explanations(library: Path) -> None:
    text = readability.prose(library / "quizzes" / "sample.md")
    spec, _ = readability.parse_quiz_file(library / "quizzes" / "sample.md")
    assert readability.plain(spec.questions[0].explanation_html).rstrip(".") in text


def test_hard_text_scores_below_the_house_minimum_and_easy_text_above() -> None:
    assert readability.score(readability.plain(EASY)) >= 70
    assert readability.score(readability.plain(HARD)) < 70


def test_exit_status_reports_low_scores_and_unreadable_files(library: Path, tmp_path: Path, capsys) -> None:
    """0 when every file meets --min, 1 when one is below it, 2 when a file cannot be read."""
    files = [str(library / "modules" / "sample.md"), str(library / "quizzes" / "sample.md")]
    assert readability.main(["--min", "0", *files]) == 0
    assert readability.main(["--min", "100.5", *files]) == 1
    assert readability.main([str(tmp_path / "modules" / "missing.md")]) == 2
    assert "missing.md: cannot measure" in capsys.readouterr().err
