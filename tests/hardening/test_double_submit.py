"""A double click never answers 500 and never writes twice: each form a person can send twice
at once (a double click, a second tab) is sent twice at the same instant to a real threaded
server, on SQLite and PostgreSQL; both answers are good (2xx/3xx, the same outcome) and there is
one row. The player's moves are covered by tests/learner/test_robustness.py.

Forms with a natural unique key (a journal answer per prompt) rely on the database; forms that
create a row with no such key (a CPD entry, an assignment...) rely on their one-time submission
key (course_engine/submissions.py), sent here exactly as the rendered form carries it."""
from __future__ import annotations

import io
import importlib.metadata
import re
import threading

import pytest
import requests
from sqlalchemy import func, select

from course_engine.cpd.models import CpdEntry, EvidenceFile, PeerReflection
from course_engine.db import session
from course_engine.employers.models import Assignment, OrgExport
from course_engine.learner.models import AttemptStatus, FinalReflection, JournalEntry, ScenarioAttempt
from course_engine.orgs.models import Invitation, Team
from course_engine.quizzes.models import QuizAttempt
from tests.hardening.world import SLUG, add_cpd_entry, client_for, play_to_ending, start_attempt
from tests.loopback import LoopbackServer


def _http_as(browser) -> requests.Session:
    """A requests session that is ``browser`` as far as session protection can tell: its
    cookie and user agent."""
    http = requests.Session()
    http.headers["User-Agent"] = f"Werkzeug/{importlib.metadata.version('werkzeug')}"
    http.cookies.set("session", browser.client.get_cookie("session").value)
    return http


@pytest.fixture
def live(app, published, make_user):
    """A learner with an attempt just begun, and the app served on loopback (threaded)."""
    user = make_user(email="double@example.org", full_name="Dee Double")
    browser = client_for(app, user)
    attempt_id = start_attempt(browser)
    server = LoopbackServer(app)
    yield server, _http_as(browser), attempt_id
    server.stop()


@pytest.fixture
def live_admin(app, published, make_user, make_org, add_member):
    """An organisation's admin signed in, and the app served on loopback (threaded)."""
    org, (team,) = make_org("Twice Council", teams=("Twice team one",))
    admin = make_user(email="twice-admin@example.org", full_name="Ada Admin")
    add_member(org, admin, "org_admin")
    browser = client_for(app, admin)
    browser.get("/account")  # a page with a form: the session gets its CSRF secret before it is shared
    server = LoopbackServer(app)
    yield server, _http_as(browser), org
    server.stop()


def _token(http, url) -> str:
    html = http.get(url, timeout=30).text
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def _form(http, url, **data) -> dict:
    """What the form on page ``url`` sends: its CSRF token, its one-time submission key when
    the page has one (as a browser sends every hidden field), then ``data``."""
    html = http.get(url, timeout=30).text
    fields = {"csrf_token": re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)}
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    if key:
        fields["submission_key"] = key.group(1)
    return {**fields, **data}


def _twice_at_once(http, url, data, files=None) -> list[requests.Response]:
    """POST the same form from two threads released together by a barrier."""
    barrier, responses, errors = threading.Barrier(2), [None, None], []

    def send(i):
        barrier.wait()
        try:
            responses[i] = http.post(url, data=data, files=files, allow_redirects=False, timeout=60)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return responses


def _count(model, **where) -> int:
    session.commit()  # end the test's snapshot
    return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_journal_answer_sent_twice_at_once_is_one_entry(live):
    """journal_entry (attempt + prompt): two good answers, one entry with the answer."""
    server, http, attempt_id = live
    url = f"{server.url}/attempts/{attempt_id}"
    data = {"csrf_token": _token(http, url), "answer": "Sent twice."}
    for _round in range(3):
        responses = _twice_at_once(http, f"{url}/journal/first-thoughts", data)
        assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
        assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _count(JournalEntry, attempt_id=attempt_id) == 1


def test_final_reflection_sent_twice_at_once_is_one_reflection(app, live):
    """final_reflection (attempt): two good answers to the same page, one reflection."""
    server, http, attempt_id = live
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}/reflection"
    data = {"csrf_token": _token(http, url), "what_learned": "Twice.", "impact_on_practice": "Once."}
    responses = _twice_at_once(http, url, data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _count(FinalReflection, attempt_id=attempt_id) == 1


def test_quiz_start_sent_twice_at_once_is_one_quiz_attempt(app, live):
    """quiz_attempt (attempt + number): both clicks go to quiz attempt 1; no second attempt uses a retake."""
    server, http, attempt_id = live
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}"
    data = {"csrf_token": _token(http, f"{url}/debrief")}
    responses = _twice_at_once(http, f"{url}/quiz", data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert {r.headers["Location"].rsplit("/", 1)[-1] for r in responses} == {"1"}
    assert _count(QuizAttempt, scenario_attempt_id=attempt_id) == 1


def test_quiz_submitted_twice_at_once_is_graded_once(app, live):
    """quiz submission (already a claim, kept so): both answers go to the results, one set of responses."""
    from course_engine.quizzes.models import QuizResponse
    from tests.conftest import Browser

    server, http, attempt_id = live
    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_ending(browser, attempt_id)
    url = f"{server.url}/attempts/{attempt_id}"
    http.post(f"{url}/quiz", data={"csrf_token": _token(http, f"{url}/debrief")}, timeout=30)
    html = http.get(f"{url}/quiz/1", timeout=30).text
    data = {"csrf_token": _token(http, f"{url}/quiz/1"), "action": "submit"}
    data.update({name: "0" for name in set(re.findall(r'name="(q-[a-z0-9-]+)"', html))})
    responses = _twice_at_once(http, f"{url}/quiz/1", data)
    assert [r.status_code for r in responses] == [303, 303], [r.text[:500] for r in responses]
    assert {r.headers["Location"].rsplit("/", 1)[-1] for r in responses} == {"results"}
    quiz_attempt_id = session.scalar(select(QuizAttempt.id).where(QuizAttempt.scenario_attempt_id == attempt_id))
    assert _count(QuizResponse, quiz_attempt_id=quiz_attempt_id) == 4  # the sample quiz draws 4 questions, graded once


def _same_good_answer(responses) -> str:
    """Both answers are the same 303; its Location."""
    assert [r.status_code for r in responses] == [303, 303], [(r.status_code, r.text[:500]) for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    return responses[0].headers["Location"]


# --- forms that create a row with no natural unique key: the one-time submission key ------

def test_new_cpd_entry_sent_twice_at_once_is_one_entry(live):
    """New CPD entry: two good answers, one entry (each freshly rendered form makes its own)."""
    server, http, _attempt_id = live
    for round_ in range(3):
        title = f"Sent twice {round_}"
        data = _form(http, f"{server.url}/cpd/entries/new", activity_type="course", title=title,
                     activity_date="17/03/2026", minutes="90", description="Twice.", what_learned="Once.",
                     impact_on_practice="Once.")
        _same_good_answer(_twice_at_once(http, f"{server.url}/cpd/entries/new", data))
        assert _count(CpdEntry, title=title) == 1


def test_peer_reflection_sent_twice_at_once_is_one_reflection(app, live):
    """Peer reflection on a record that has none: two good answers (no 409), one peer row."""
    server, http, _attempt_id = live
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    for round_ in range(5):  # the race is lost only when the two requests overlap
        entry_id = add_cpd_entry(browser, f"peer-{round_}")
        url = f"{server.url}/cpd/entries/{entry_id}/peer-reflection"
        data = _form(http, url, discussed_on="18/03/2026", peer_role="Senior practitioner", format="informal_chat",
                     what_learned="A second view.")
        _same_good_answer(_twice_at_once(http, url, data))
        assert _count(PeerReflection, entry_id=entry_id) == 1


def test_module_start_sent_twice_at_once_is_one_attempt(live):
    """Start module clicked twice: both clicks land on the one attempt the first opened; no
    second attempt, and the first is not abandoned."""
    server, http, attempt_id = live
    url = f"{server.url}/modules/{SLUG}"
    user_id = session.scalar(select(ScenarioAttempt.user_id).where(ScenarioAttempt.id == attempt_id))
    for _round in range(3):
        before = _count(ScenarioAttempt, user_id=user_id)
        location = _same_good_answer(_twice_at_once(http, f"{url}/start", _form(http, url, acknowledge="y")))
        assert _count(ScenarioAttempt, user_id=user_id) == before + 1
        started = session.get(ScenarioAttempt, int(location.rstrip("/").rsplit("/", 1)[-1]), populate_existing=True)
        assert started.status == AttemptStatus.in_progress
        assert _count(ScenarioAttempt, user_id=user_id, status=AttemptStatus.in_progress) == 1


def test_evidence_upload_sent_twice_at_once_is_one_file(app, live):
    """Evidence upload: two good answers, one file on the entry (the look-then-insert check for
    an identical file does not see a copy still being saved)."""
    server, http, _attempt_id = live
    from tests.conftest import Browser
    from tests.cpd.test_evidence import pdf_bytes

    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    for round_ in range(5):  # the race is lost only when the two requests overlap
        entry_id = add_cpd_entry(browser, f"evidence-{round_}")
        url = f"{server.url}/cpd/entries/{entry_id}/evidence"
        files = {"file": ("note.pdf", pdf_bytes(), "application/pdf")}
        _same_good_answer(_twice_at_once(http, url, _form(http, url), files=files))
        assert _count(EvidenceFile, entry_id=entry_id) == 1


def test_assignment_sent_twice_at_once_is_one_assignment(live_admin):
    """Assign a module: two good answers, one assignment."""
    server, http, org = live_admin
    from course_engine.authoring.models import ContentModule

    module_id = session.scalar(select(ContentModule.id).where(ContentModule.slug == SLUG))
    url = f"{server.url}/orgs/{org.slug}/assignments"
    data = _form(http, url, module=str(module_id), target="organisation", due="none")
    _same_good_answer(_twice_at_once(http, url, data))
    assert _count(Assignment, organisation_id=org.id) == 1


def test_invitation_sent_twice_at_once_is_one_invitation(live_admin):
    """Invite someone: two good answers, one invitation (not a second that revokes the first's link)."""
    server, http, org = live_admin
    url = f"{server.url}/orgs/{org.slug}/invitations"
    data = _form(http, url, email="new.person@example.org", full_name="New Person", role="learner", team="")
    _same_good_answer(_twice_at_once(http, url, data))
    assert _count(Invitation, organisation_id=org.id, email="new.person@example.org") == 1


def test_team_sent_twice_at_once_is_one_team(live_admin):
    """Create a team: two good answers (not a 409 or "already a team called"), one team."""
    server, http, org = live_admin
    data = _form(http, f"{server.url}/orgs/{org.slug}/", name="Twice team two")
    _same_good_answer(_twice_at_once(http, f"{server.url}/orgs/{org.slug}/teams", data))
    assert _count(Team, organisation_id=org.id, name="Twice team two") == 1


def test_org_export_sent_twice_at_once_is_one_export(live_admin):
    """Ask for a full-organisation export: two good answers (the same export's page), one export."""
    server, http, org = live_admin
    url = f"{server.url}/orgs/{org.slug}/exports"
    _same_good_answer(_twice_at_once(http, url, _form(http, url, kind="matrix")))
    assert _count(OrgExport, organisation_id=org.id) == 1


# --- one-off actions on a row that exists: the conditional UPDATE that claims it ----------

def test_certificate_reissue_sent_twice_at_once_is_one_replacement(app, live):
    """Re-issue with my current name, clicked twice: two good answers (the certificates list),
    one replacement certificate, and the old one superseded by it."""
    from course_engine.auth.models import User
    from course_engine.certificates.models import Certificate
    from tests.conftest import Browser
    from tests.hardening.world import play_to_completion

    server, http, attempt_id = live
    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    play_to_completion(browser, "reissue")
    user_id = session.scalar(select(ScenarioAttempt.user_id).where(ScenarioAttempt.id == attempt_id))
    for round_ in range(3):
        session.commit()
        old = session.scalar(select(Certificate).where(Certificate.user_id == user_id,
                                                       Certificate.superseded_by_id.is_(None)))
        session.get(User, user_id).full_name = f"Dee Renamed {round_}"
        session.commit()
        url = f"{server.url}/certificates/{old.number}/reissue"
        _same_good_answer(_twice_at_once(http, url, _form(http, f"{server.url}/certificates")))
        replacements = session.scalars(select(Certificate).where(Certificate.completion_id == old.completion_id,
                                                                 Certificate.issued_at >= old.issued_at,
                                                                 Certificate.id != old.id)).all()
        assert len(replacements) == 1, [c.number for c in replacements]
        session.refresh(old)
        assert old.superseded_by_id == replacements[0].id


def test_staff_import_confirmed_twice_at_once_is_applied_once(app, live_admin):
    """Confirm a staff upload, clicked twice: two good answers (the people list), each new
    person invited once (one invitation, one email)."""
    from course_engine.orgs.models import StaffImport
    from tests.conftest import Browser

    server, http, org = live_admin
    browser = Browser(app.test_client())
    browser.client.set_cookie("session", http.cookies["session"])
    for round_ in range(3):
        csv = f"name,email,team,role\nNew Person {round_},new{round_}@example.org,Twice team one,learner\n"
        response = browser.post(f"/orgs/{org.slug}/people/import",
                                {"file": (io.BytesIO(csv.encode()), "staff.csv")})
        assert response.status_code in (200, 303), response.get_data(as_text=True)[:1000]
        session.commit()
        staff_import = session.scalars(select(StaffImport).order_by(StaffImport.id.desc())).first()
        url = f"{server.url}/orgs/{org.slug}/people/import/{staff_import.id}/confirm"
        _same_good_answer(_twice_at_once(http, url, _form(http, f"{server.url}/account")))
        assert _count(Invitation, organisation_id=org.id, email=f"new{round_}@example.org") == 1
