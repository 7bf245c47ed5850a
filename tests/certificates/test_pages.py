"""The learner's certificate pages: the list with history, downloads, re-issue, My learning links."""
import re

from sqlalchemy import select

from course_engine.certificates.models import Certificate
from course_engine.db import session
from tests.conftest import Browser
from tests.learner.conftest import Player
from tests.queue import queued_count, run_worker

from .conftest import at, pdf_text


def _login(app, email):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


def test_completing_through_the_player_issues_and_links_the_certificate(app, holder, browser):
    """Play the module over HTTP to completion: the completed page and My learning link the
    certificate, and the download is the PDF with the learner's name."""
    assert browser.login("zoe@example.org").status_code == 302
    player = Player(browser, slug="home-visit")
    player.start()
    assert player.begin().status_code == 303
    response = player.choose(1)  # see Amira alone -> the safe ending
    assert response.status_code == 303
    response = browser.post(f"{player.url}/reflection", {"what_learned": "See the child alone.",
                                                        "impact_on_practice": "Record her words."})
    assert response.status_code == 303 and response.headers["Location"].endswith("/completed")

    session.expire_all()
    certificate = session.scalar(select(Certificate))
    assert certificate is not None and certificate.holder_name == "Zoë Ní Bhriain"
    pdf_url = f"/certificates/{certificate.number}.pdf"
    assert pdf_url in browser.get(response.headers["Location"]).get_data(as_text=True)
    home = browser.get("/learning").get_data(as_text=True)
    assert pdf_url in home and "Download certificate (PDF)" in home
    download = browser.get(pdf_url)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Zoë Ní Bhriain" in pdf_text(download.data)


def test_my_certificates_lists_history_with_text_and_icon_badges(app, holder, complete, certificate_of):
    """Expired, superseded and revoked certificates stay listed, each status in words with an icon."""
    from course_engine.certificates import services

    old = certificate_of(complete(holder, "home-visit", now=at(2023, 1, 10)))  # expired in 2024
    current = certificate_of(complete(holder, "home-visit"))
    services.reissue(current, "Zoë Murphy", at(2026, 1, 1), "http://localhost")
    other = certificate_of(complete(holder, "recording-words"))
    other.revoked_at, other.revoked_reason = at(2026, 1, 1), "test"
    session.commit()

    browser = _login(app, "zoe@example.org")
    html = browser.get("/certificates").get_data(as_text=True)
    assert html.count("<h1") == 1 and "<caption" in html and 'scope="col"' in html
    for label in ("Expired", "Superseded", "Revoked", "Valid"):
        assert re.search(rf'<span class="badge badge--{label.lower()}"><span aria-hidden="true">[^<]+</span> {label}</span>', html), label
    assert old.number in html and current.number in html
    assert html.count("/certificates/CE-") >= 4  # every certificate can be downloaded


def test_download_pdf_is_a_file_named_for_the_module_and_number_and_view_opens_inline(app, holder, complete, certificate_of):
    """"Download PDF" sends an attachment called cpd-certificate-<module slug>-<number>.pdf;
    "View" sends the same bytes inline, with the same name; the list links both."""
    certificate = certificate_of(complete(holder, "home-visit"))
    browser = _login(app, "zoe@example.org")
    name = f"cpd-certificate-home-visit-{certificate.number}.pdf"
    download = browser.get(f"/certificates/{certificate.number}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.data.startswith(b"%PDF-")
    view = browser.get(f"/certificates/{certificate.number}/view.pdf")
    assert view.status_code == 200 and view.mimetype == "application/pdf"
    assert view.headers["Content-Disposition"] == f'inline; filename="{name}"'
    assert view.data == download.data
    html = browser.get("/certificates").get_data(as_text=True)
    assert f'href="/certificates/{certificate.number}.pdf" download>Download PDF' in html
    assert f'href="/certificates/{certificate.number}/view.pdf">View' in html


def test_another_learners_pdf_is_404_and_anonymous_must_log_in(app, holder, make_user, complete, certificate_of):
    """Both the download and the inline view: owner only."""
    certificate = certificate_of(complete(holder))
    make_user(email="tom@example.org")
    for url in (f"/certificates/{certificate.number}.pdf", f"/certificates/{certificate.number}/view.pdf"):
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        assert _login(app, "tom@example.org").get(url).status_code == 404
        assert _login(app, "zoe@example.org").get(url).status_code == 200
    assert _login(app, "tom@example.org").get("/certificates/not-a-number.pdf").status_code == 404
    assert _login(app, "tom@example.org").get("/certificates/not-a-number/view.pdf").status_code == 404


def test_download_is_byte_identical_later_even_after_content_changes(app, holder, complete, certificate_of, content_dirs):
    """Downloaded today and after the module is edited and re-synced: the same bytes."""
    from pathlib import Path

    from course_engine.authoring.services import sync_content

    certificate = certificate_of(complete(holder))
    browser = _login(app, "zoe@example.org")
    first = browser.get(f"/certificates/{certificate.number}.pdf").data
    modules, quizzes = content_dirs
    path = Path(modules) / "home-visit.md"
    path.write_text(path.read_text().replace("See the child alone before accepting an explanation.",
                                             "A rewritten outcome."))
    assert sync_content(modules, quizzes).updated == ["home-visit"]
    session.commit()
    later = browser.get(f"/certificates/{certificate.number}.pdf").data
    assert later == first and b"%PDF" == first[:4]


def test_learner_reissues_with_current_name(app, holder, complete, certificate_of):
    """After a name change the list offers re-issue; posting it supersedes the old certificate."""
    completion = complete(holder)
    old = certificate_of(completion)
    holder.full_name = "Zoë Murphy"
    session.commit()
    browser = _login(app, "zoe@example.org")
    page = browser.get("/certificates").get_data(as_text=True)
    assert "Your name has changed" in page and "Re-issue with my current name" in page
    response = browser.post(f"/certificates/{old.number}/reissue", form_page="/certificates")
    assert response.status_code == 303
    new = certificate_of(completion)
    assert new.id != old.id and new.holder_name == "Zoë Murphy"
    session.refresh(old)
    assert old.superseded_by_id == new.id
    # Re-issuing the superseded one again is refused with a message, not an error page.
    again = browser.post(f"/certificates/{old.number}/reissue", form_page="/certificates", follow_redirects=True)
    assert "already been replaced" in again.get_data(as_text=True)


def test_reissue_of_someone_elses_certificate_is_404(app, holder, make_user, complete, certificate_of):
    certificate = certificate_of(complete(holder))
    make_user(email="tom@example.org", full_name="Tom")
    browser = _login(app, "tom@example.org")
    assert browser.post(f"/certificates/{certificate.number}/reissue", form_page="/certificates").status_code == 404


def test_missing_certificates_can_be_issued_from_the_list(app, holder, complete, monkeypatch):
    """Completions without a certificate (before this feature, or a drawing failure) are
    offered on My certificates, and one button issues them."""
    from course_engine.certificates import services

    monkeypatch.setattr(services, "render_certificate_pdf", lambda _c: (_ for _ in ()).throw(RuntimeError("x")))
    complete(holder)
    monkeypatch.undo()
    assert session.scalar(select(Certificate)) is None
    session.rollback()  # end the test's read snapshot before the request writes
    browser = _login(app, "zoe@example.org")
    assert "1 completed module has no certificate yet" in browser.get("/certificates").get_data(as_text=True)
    response = browser.post("/certificates/issue-missing", form_page="/certificates", follow_redirects=True)
    session.rollback()
    certificate = session.scalar(select(Certificate))
    assert certificate is not None and certificate.number in response.get_data(as_text=True)
    assert "no certificate yet" not in response.get_data(as_text=True)


def test_issue_missing_command_backfills_every_learner(app, holder, make_user, complete, monkeypatch):
    """``flask certificates issue-missing`` issues certificates for completions that have none."""
    from course_engine.certificates import services

    monkeypatch.setattr(services, "render_certificate_pdf", lambda _c: (_ for _ in ()).throw(RuntimeError("x")))
    complete(holder)
    complete(make_user(full_name="Tom"), "recording-words")
    monkeypatch.undo()
    session.rollback()
    result = app.test_cli_runner().invoke(args=["certificates", "issue-missing"])
    assert result.exit_code == 0 and "Issued 2 missing certificates." in result.output
    session.rollback()
    assert len(session.scalars(select(Certificate)).all()) == 2


def test_managers_dashboard_links_go_to_public_verification(app, holder, complete, certificate_of):
    """The completion-links extension point gives the holder the PDF and anyone else the
    public verification page (they cannot download another person's PDF)."""
    from flask_login import login_user

    certificate = certificate_of(complete(holder))
    provider = app.extensions["course_engine.completion_links"]
    with app.test_request_context("/"):
        other = type("Anon", (), {"is_authenticated": False})()
        from unittest import mock

        with mock.patch("course_engine.certificates.routes.current_user", other):
            link = provider(holder.id)[certificate.completion_id]
        assert link.url == f"/verify?number={certificate.number}" and "valid" in link.label
        login_user(holder)
        link = provider(holder.id)[certificate.completion_id]
        assert link.url == f"/certificates/{certificate.number}.pdf"


def test_with_a_queue_issue_missing_is_batched_jobs_for_workers(queue_app, holder, make_user, complete, monkeypatch,
                                                                 redis):
    """JOBS_BACKEND=rq: a large re-issue is queued as jobs of ISSUE_BATCH people each, and a
    real RQ worker draws the certificates; queued again, the jobs issue nothing twice."""
    from course_engine import certificates
    from course_engine.certificates import services

    monkeypatch.setattr(services, "render_certificate_pdf", lambda _c: (_ for _ in ()).throw(RuntimeError("x")))
    complete(holder)
    complete(make_user(full_name="Tom"), "recording-words")
    monkeypatch.undo()
    monkeypatch.setattr(certificates, "ISSUE_BATCH", 1)
    session.rollback()
    with queue_app.app_context():
        result = queue_app.test_cli_runner().invoke(args=["certificates", "issue-missing"])
    assert result.exit_code == 0 and "Queued 2 jobs for 2 people" in result.output
    assert queued_count(redis) == 2 and session.scalars(select(Certificate)).all() == []
    run_worker(queue_app)
    session.rollback()
    assert len(session.scalars(select(Certificate)).all()) == 2
    with queue_app.app_context():
        queue_app.test_cli_runner().invoke(args=["certificates", "issue-missing"])
    run_worker(queue_app)
    session.rollback()
    assert len(session.scalars(select(Certificate)).all()) == 2
