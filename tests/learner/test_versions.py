"""Content changes never pull the rug: a learner keeps the version they started, completions
record it, and a retired module keeps everyone's records."""
from pathlib import Path

from sqlalchemy import func, select

from course_engine.authoring.models import ContentModule, ModuleVersion
from course_engine.authoring.services import sync_content
from course_engine.db import session
from course_engine.learner.models import Completion, ScenarioAttempt


def _edit_and_sync(content_dirs, old, new):
    modules, quizzes = content_dirs
    path = Path(modules) / "first-visit.md"
    path.write_text(path.read_text().replace(old, new))
    result = sync_content(modules, quizzes)
    session.commit()
    return result


def _answer_all(player, right=True):
    import re

    html = player.browser.get(f"{player.url}/quiz/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    questions = sorted(set(re.findall(r'name="(q-[a-z0-9-]+)"', html)))
    return {"csrf_token": token, "action": "submit", **{q: "0" if right else "1" for q in questions}}


def test_learner_keeps_the_version_they_started(app, player, browser, content_dirs):
    """After the file changes mid-attempt, the attempt plays on the old version to the end and
    the completion records that version; a new attempt starts on the new one."""
    player.start()
    player.begin()
    result = _edit_and_sync(content_dirs, "Amira says she is frightened at home.", "Amira says nothing at first.")
    assert result.updated == ["first-visit"]
    player.choose(1)
    page = player.page().get_data(as_text=True)
    assert "Amira says she is frightened at home." in page and "Amira says nothing" not in page
    player.choose(0)
    player.proceed()
    browser.post(f"{player.url}/quiz", {}, form_page=f"{player.url}/debrief")
    browser.client.post(f"{player.url}/quiz/1", data=_answer_all(player))
    browser.post(f"{player.url}/reflection", {"what_learned": "a", "impact_on_practice": "b"})
    session.expire_all()
    versions = {v.number: v.id for v in session.scalars(select(ModuleVersion))}
    completion = session.scalar(select(Completion))
    assert completion.version_id == versions[1]
    player.start()
    assert session.get(ScenarioAttempt, player.attempt_id).version_id == versions[2]
    player.begin()
    player.choose(1)
    assert "Amira says nothing at first." in player.page().get_data(as_text=True)


def test_retired_module_keeps_records_and_open_attempts(app, player, browser, content_dirs):
    """Removing the file hides the module from the catalogue; the learner's attempt, decisions
    and any completion stay, and the open attempt can still be finished."""
    player.start()
    player.begin()
    player.choose(1)
    modules, quizzes = content_dirs
    (Path(modules) / "first-visit.md").unlink()
    result = sync_content(modules, quizzes)
    session.commit()
    assert result.retired == ["first-visit"]
    assert "First visit" not in browser.get("/modules").get_data(as_text=True)
    assert browser.get("/modules/first-visit").status_code == 404
    player.choose(0)
    player.proceed()
    session.expire_all()
    attempt = session.get(ScenarioAttempt, player.attempt_id)
    assert attempt.ending_scene_id == "safe-end"
    assert session.scalar(select(ContentModule)).retired_at is not None
    assert session.scalar(select(func.count()).select_from(ScenarioAttempt)) == 1
