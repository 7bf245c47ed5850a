"""Loading content files into the database, and the ``flask content`` commands."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from course_engine.authoring.models import ContentModule, MediaFile, ModuleVersion
from course_engine.authoring.services import check_content, module_spec, quiz_spec, sync_content
from course_engine.content import ModuleSpec, choose, continue_from_junction, parse_gift, start
from course_engine.db import session

from .conftest import module_text, quiz_text, row_counts

#: A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def _sync(modules_dir, quizzes_dir):
    result = sync_content(modules_dir, quizzes_dir)
    session.commit()
    return result


def _module(slug="tiny") -> ContentModule:
    return session.scalar(select(ContentModule).where(ContentModule.slug == slug))


def _versions(module) -> list[ModuleVersion]:
    return list(session.scalars(select(ModuleVersion).where(ModuleVersion.module_id == module.id)
                                .order_by(ModuleVersion.number)))


# --- sync ------------------------------------------------------------------------------------

def test_sync_round_trip_stores_what_the_file_says(app, tiny):
    """A synced version decodes to exactly the spec parsed from the file, with its quiz, and plays."""
    modules_dir, quizzes_dir = tiny
    result = _sync(modules_dir, quizzes_dir)
    assert result.created == ["tiny"] and not result.report.errors

    module = _module()
    assert module.is_published and module.current_version.number == 1
    version = module.current_version
    assert ModuleSpec.from_dict(version.module_json) == check_content(modules_dir, quizzes_dir).modules["tiny"]
    spec = module_spec(version)  # what the player reads (decoded once per worker)
    assert spec.version == version.content_hash
    assert version.title == "Tiny module" and version.cpd_minutes == 10
    assert "Panel review (2025)" in spec.scene("referral").body_html  # rendered HTML is in the snapshot
    quiz = quiz_spec(version)
    assert [q.id for q in quiz.questions] == ["q-see", "q-supervision"]

    state = choose(spec, start(spec), 0)
    assert state.scene_id == "later" and state.counters == {"trust": 1, "risk": 0}
    assert continue_from_junction(spec, state).scene_id == "good"


def test_changed_file_adds_version_two_and_keeps_version_one(app, tiny):
    """Changing a file adds version 2 and makes it current; version 1 is left exactly as it was."""
    modules_dir, quizzes_dir = tiny
    _sync(modules_dir, quizzes_dir)
    first_json = dict(_module().current_version.module_json)

    (modules_dir / "tiny.md").write_text(module_text(title="Tiny module, revised"), encoding="utf-8")
    result = _sync(modules_dir, quizzes_dir)

    assert result.updated == ["tiny"] and not result.created
    one, two = _versions(_module())
    assert (one.number, two.number) == (1, 2)
    assert _module().current_version_id == two.id
    assert one.module_json == first_json and one.title == "Tiny module"
    assert two.title == "Tiny module, revised"


def test_quiz_change_alone_adds_a_version(app, tiny):
    """A module's version covers its quiz: editing only the quiz bank adds a version."""
    modules_dir, quizzes_dir = tiny
    _sync(modules_dir, quizzes_dir)
    (quizzes_dir / "tiny.md").write_text(quiz_text().replace("See the child alone", "See the child on their own"),
                                         encoding="utf-8")
    assert _sync(modules_dir, quizzes_dir).updated == ["tiny"]
    assert [v.number for v in _versions(_module())] == [1, 2]


def test_identical_resync_changes_nothing(app, tiny):
    """Syncing unchanged files again writes nothing."""
    modules_dir, quizzes_dir = tiny
    _sync(modules_dir, quizzes_dir)
    before = row_counts()
    result = _sync(modules_dir, quizzes_dir)
    assert result.unchanged == ["tiny"]
    assert not (result.created or result.updated or result.retired or result.restored or result.skipped)
    assert row_counts() == before


def test_removed_file_retires_module_and_keeps_rows_until_it_returns(app, tiny):
    """Removing a file retires the module (hidden, rows kept); putting it back restores it."""
    modules_dir, quizzes_dir = tiny
    _sync(modules_dir, quizzes_dir)
    (modules_dir / "tiny.md").unlink()

    result = _sync(modules_dir, quizzes_dir)
    assert result.retired == ["tiny"]
    module = _module()
    assert module.retired_at is not None and not module.is_published
    assert [v.number for v in _versions(module)] == [1] and module.current_version.number == 1

    (modules_dir / "tiny.md").write_text(module_text(), encoding="utf-8")
    result = _sync(modules_dir, quizzes_dir)
    assert result.restored == ["tiny"]
    module = _module()
    assert module.retired_at is None and module.is_published
    assert [v.number for v in _versions(module)] == [1]  # same content: no new version


def test_file_with_errors_is_skipped_and_live_version_stays_live(app, tiny):
    """A broken edit is skipped, not retired: learners keep the last good version."""
    modules_dir, quizzes_dir = tiny
    _sync(modules_dir, quizzes_dir)
    (modules_dir / "tiny.md").write_text(module_text().replace("judgement: safe", "judgement: maybe"),
                                         encoding="utf-8")
    result = _sync(modules_dir, quizzes_dir)
    assert result.skipped == ["tiny"] and not result.retired and result.report.errors
    module = _module()
    assert module.is_published and module.current_version.number == 1
    assert len(_versions(module)) == 1


def test_media_is_stored_by_sha256_and_served_with_its_type(app, client, write_content):
    """Images are stored once under the sha256 of their bytes and served at that URL;
    any other name or hash is 404."""
    text = module_text().replace("A referral arrives about a bruise.",
                                 "A referral arrives about a bruise.\n\n![A body map with one mark](media/dot.png)")
    modules_dir, quizzes_dir = write_content(modules={"tiny.md": text, "media/dot.png": PNG},
                                             quizzes={"tiny.md": quiz_text()})
    _sync(modules_dir, quizzes_dir)
    digest = hashlib.sha256(PNG).hexdigest()
    item = session.scalar(select(MediaFile).where(MediaFile.sha256 == digest))
    assert item is not None and item.filename == "dot.png" and item.content_type == "image/png"
    url = f"/content/media/{digest}/dot.png"
    assert url in module_spec(_module().current_version).scene("referral").body_html

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get(f"/content/media/{digest}/other.png").status_code == 404
    assert client.get(f"/content/media/{'0' * 64}/dot.png").status_code == 404

    _sync(modules_dir, quizzes_dir)  # the same image is not stored twice
    assert row_counts()["media_file"] == 1


# --- flask content ---------------------------------------------------------------------------

def test_check_command_fails_with_file_and_line_for_errors(app, runner, write_content):
    """Errors are printed as file:line: message and the command exits 1."""
    modules_dir, _ = write_content(modules={"tiny.md": module_text().replace("judgement: safe", "judgement: maybe")},
                                   quizzes={"tiny.md": quiz_text()})
    line = module_text().splitlines().index("  judgement: safe") + 1
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert f"{modules_dir / 'tiny.md'}:{line}: error:" in result.output
    assert "1 error" in result.output


def test_check_command_passes_with_warnings_only(app, runner, write_content):
    """Warnings are printed but do not fail the check (exit 0)."""
    write_content(modules={"tiny.md": module_text()},
                  quizzes={"tiny.md": quiz_text().replace("  feedback: Waiting leaves the concern untested.\n", "")})
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "0 errors, 1 warning" in result.output


def test_check_command_passes_clean_content(app, runner, tiny):
    """Clean content passes with a one-line summary and exit 0."""
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert "Checked 1 module and 1 quiz: 0 errors, 0 warnings" in result.output


def test_sync_command_loads_and_prints_a_summary_line(app, runner, tiny):
    """``flask content sync`` commits what it loaded and ends with the one-line summary."""
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0, result.output
    assert "new: tiny" in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Synced content: 1 new, 0 updated, 0 unchanged, 0 retired, 0 skipped with errors; 0 errors, 0 warnings.")
    session.rollback()
    assert _module().current_version.number == 1

    again = runner.invoke(args=["content", "sync"])
    assert "0 new, 0 updated, 1 unchanged" in again.output


def test_sync_command_exits_1_when_a_file_has_errors(app, runner, tiny, write_content):
    """Valid files still load, but errors make the command fail so a deploy notices."""
    write_content(modules={"broken.md": "no settings here\n"})
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 1
    assert "new: tiny" in result.output and "broken.md:1: error" in result.output


def test_new_command_writes_files_that_pass_the_check(app, runner, content_dirs):
    """``flask content new`` writes a module and quiz that pass the check."""
    modules_dir, quizzes_dir = content_dirs
    result = runner.invoke(args=["content", "new", "first-visit"])
    assert result.exit_code == 0, result.output
    assert (modules_dir / "first-visit.md").is_file() and (quizzes_dir / "first-visit.md").is_file()
    report = check_content(modules_dir, quizzes_dir)
    assert not report.errors and "first-visit" in report.modules
    assert runner.invoke(args=["content", "check"]).exit_code == 0


def test_new_command_refuses_to_overwrite(app, runner, content_dirs):
    """An existing file is never overwritten."""
    modules_dir, _ = content_dirs
    (modules_dir / "first-visit.md").write_text("mine", encoding="utf-8")
    result = runner.invoke(args=["content", "new", "first-visit"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert (modules_dir / "first-visit.md").read_text(encoding="utf-8") == "mine"


def test_new_command_rejects_a_bad_slug(app, runner, content_dirs):
    """A slug that is not lower-case-with-hyphens is a usage error (exit 2) and writes nothing."""
    result = runner.invoke(args=["content", "new", "First Visit"])
    assert result.exit_code == 2 and "lower-case" in result.output
    assert not any(content_dirs[0].iterdir())


def test_export_gift_round_trips_through_the_gift_parser(app, runner, tiny, tmp_path):
    """A bank exported as GIFT parses back to the same questions, answers and feedback."""
    modules_dir, quizzes_dir = tiny
    out = tmp_path / "tiny.gift"
    result = runner.invoke(args=["content", "export-gift", "tiny", "-o", str(out)])
    assert result.exit_code == 0, result.output
    original = check_content(modules_dir, quizzes_dir).quizzes["tiny"]
    parsed, problems = parse_gift(out.read_text(encoding="utf-8"), out)
    assert parsed is not None and not [p for p in problems if p.is_error]
    assert len(parsed.questions) == len(original.questions)
    for before, after in zip(original.questions, parsed.questions):
        assert after.type == before.type
        assert [o.weight for o in after.options] == [o.weight for o in before.options]
        assert [o.text_html for o in after.options] == [o.text_html for o in before.options]
        assert [o.feedback_html for o in after.options] == [o.feedback_html for o in before.options]
        assert after.explanation_html == before.explanation_html

    assert result.stderr == f"Wrote {len(original.questions)} questions to {out}.\n"
    to_stdout = runner.invoke(args=["content", "export-gift", "tiny"])
    assert to_stdout.exit_code == 0 and to_stdout.stdout == out.read_text(encoding="utf-8")
    assert to_stdout.stderr == f"Wrote {len(original.questions)} questions to standard output.\n"


def test_export_gift_of_unknown_quiz_is_a_clear_error(app, runner, tiny):
    """Exporting an unknown quiz fails (exit 1) and lists the quizzes there are."""
    result = runner.invoke(args=["content", "export-gift", "nope"])
    assert result.exit_code == 1
    assert "No valid quiz with id 'nope'. Quizzes available: tiny." in result.output
