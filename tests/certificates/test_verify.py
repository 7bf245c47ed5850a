"""Public verification: every state in HTML and JSON, by link or by number, rate-limited."""
import time

import pytest

from course_engine.db import session, utcnow
from tests.conftest import isolated_context

from .conftest import at, code_of

PUBLIC_FIELDS = {"status", "status_label", "certificate_number", "holder_name", "module_title", "module_version",
                 "cpd_minutes", "completed_on", "issued_on", "expires_on", "revoked_on", "organisation_name"}


@pytest.fixture
def states(app, holder, complete, certificate_of):
    """One certificate in each state, with its verification code."""
    from course_engine.certificates import services

    valid = certificate_of(complete(holder, "home-visit"))
    expired = certificate_of(complete(holder, "home-visit", now=at(2023, 2, 1)))
    revoked = certificate_of(complete(holder, "recording-words"))
    revoked.revoked_at, revoked.revoked_reason = at(2026, 1, 5), "Completed on someone else's account"
    superseded = certificate_of(complete(holder, "recording-words"))
    replacement = services.reissue(superseded, "Zoë Murphy", utcnow(), "http://localhost")
    session.commit()
    return {name: (c, code_of(c)) for name, c in
            [("valid", valid), ("expired", expired), ("revoked", revoked), ("superseded", superseded),
             ("replacement", replacement)]}


@pytest.mark.parametrize("state, label, sentence", [
    ("valid", "Valid", "This certificate is genuine and current"),
    ("expired", "Expired", "This certificate is genuine but has expired"),
    ("revoked", "Revoked", "This certificate has been revoked"),
    ("superseded", "Superseded", "This certificate has been replaced by a newer one"),
])
def test_verify_page_shows_each_state(client, states, state, label, sentence):
    """No login needed; the status in words with an icon, the holder, module and dates."""
    certificate, code = states[state]
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<span class="badge badge--{state}"><span aria-hidden="true">' in html and f"</span> {label}</span>" in html
    assert sentence in html
    assert certificate.holder_name in html and certificate.module_title in html and certificate.number in html
    assert certificate.issued_at.strftime("%-d %B %Y") in html
    assert response.headers["Cache-Control"] == "no-store" and "noindex" in response.headers["X-Robots-Tag"]
    assert html.count("<h1") == 1


def test_verify_page_shows_nothing_else_personal(client, states):
    """No email address, organisation, revocation reason or anything beyond name, module, dates."""
    certificate, code = states["revoked"]
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "zoe@example.org" not in html
    assert "someone else" not in html  # the revocation reason stays private
    assert "Revoked on" in html and "5 January 2026" in html


@pytest.mark.parametrize("state", ["valid", "expired", "revoked", "superseded"])
def test_verify_json_gives_the_same_facts(client, states, state):
    certificate, code = states[state]
    response = client.get(f"/verify/{code}.json")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert set(body) == PUBLIC_FIELDS
    assert body["status"] == state and body["certificate_number"] == certificate.number
    assert body["holder_name"] == certificate.holder_name and body["module_title"] == certificate.module_title
    assert body["issued_on"] == certificate.issued_at.date().isoformat()
    assert body["expires_on"] == (certificate.expires_on.isoformat() if certificate.expires_on else None)
    assert (body["revoked_on"] is not None) == (state == "revoked")


def test_expired_json_carries_the_expiry_date(client, states):
    _certificate, code = states["expired"]
    body = client.get(f"/verify/{code}.json").get_json()
    assert (body["completed_on"], body["expires_on"]) == ("2023-02-01", "2024-02-01")


def test_the_replacement_is_valid_and_carries_the_new_name(client, states):
    _certificate, code = states["replacement"]
    body = client.get(f"/verify/{code}.json").get_json()
    assert body["status"] == "valid" and body["holder_name"] == "Zoë Murphy"


def test_unknown_code_is_not_found(client, published):
    """A well-formed code that matches nothing: 404, in HTML and JSON."""
    code = "A" * 32
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404 and "No certificate found" in response.get_data(as_text=True)
    response = client.get(f"/verify/{code}.json")
    assert response.status_code == 404 and response.get_json()["status"] == "not_found"


@pytest.mark.parametrize("code", ["short", "A" * 31, "A" * 33, "x" * 5000, "%C3%A9" * 16, "abc%00def", "a.b", "'or'1'='1"])
def test_malformed_code_is_a_clear_400_never_500(client, published, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 400
    # A NUL byte is refused at the door for every address (course_engine/inputs.py).
    expected = "characters that are not allowed" if "%00" in code else "not complete"
    assert expected in response.get_data(as_text=True)
    response = client.get(f"/verify/{code}.json")
    if "%00" in code:
        assert response.status_code == 400 and response.get_json()["error"]["status"] == 400
    else:
        assert response.status_code == 400 and response.get_json()["status"] == "malformed"


@pytest.mark.parametrize("typed", ["{n}", "{lower}", "{spaced}", "{compact}"])
def test_lookup_by_number_tolerates_case_spaces_and_hyphens(client, states, typed):
    """The public form finds a certificate by the number printed on it, however it is typed."""
    certificate, _code = states["valid"]
    number = certificate.number
    typed = typed.format(n=number, lower=number.lower(), spaced="  " + number.replace("-", " ") + " ",
                         compact=number.replace("-", ""))
    response = client.get("/verify", query_string={"number": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "This certificate is genuine and current" in html
    assert certificate.holder_name in html


def test_lookup_by_number_shows_revoked(client, states):
    certificate, _code = states["revoked"]
    html = client.get("/verify", query_string={"number": certificate.number}).get_data(as_text=True)
    assert "This certificate has been revoked" in html


def test_number_form_errors_are_explained(client, published):
    """An empty box or something that is not a number: 400 with a message tied to the field;
    an unknown number: 404 with advice."""
    page = client.get("/verify")
    assert page.status_code == 200 and 'name="number"' in page.get_data(as_text=True)
    empty = client.get("/verify?number=")
    assert empty.status_code == 400 and "Enter the certificate number" in empty.get_data(as_text=True)
    junk = client.get("/verify?number=hello")
    assert junk.status_code == 400 and "That is not a certificate number" in junk.get_data(as_text=True)
    unknown = client.get("/verify?number=CE-2026-AAAA-AAAA")
    assert unknown.status_code == 404 and "No certificate has that number" in unknown.get_data(as_text=True)


def test_verification_is_rate_limited_and_recovers(make_app):
    """Lookups by code, JSON and number share one budget per address: over it, 429 (JSON for
    JSON); after the window, answers again."""
    app = make_app(VERIFY_LIMIT_PER_ADDRESS="3 per 2 second")
    with isolated_context(app):
        client = app.test_client()
        code = "A" * 32
        assert client.get(f"/verify/{code}").status_code == 404
        assert client.get(f"/verify/{code}.json").status_code == 404
        assert client.get("/verify?number=CE-2026-AAAA-AAAA").status_code == 404
        blocked = client.get(f"/verify/{code}")
        assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
        blocked_json = client.get(f"/verify/{code}.json")
        assert blocked_json.status_code == 429 and blocked_json.get_json()["error"]["status"] == 429
        # The empty form itself is not counted: a verifier can always reach it.
        assert client.get("/verify").status_code == 200
        # The window passes (time moved on rather than slept: the limiter reads time.time()).
        real_time = time.time
        with pytest.MonkeyPatch.context() as clock:
            clock.setattr(time, "time", lambda: real_time() + 2.1)
            assert client.get(f"/verify/{code}").status_code == 404
