"""Two organisations with real private records, made through HTTP as their people would.

Shared by the route sweep (real ids to aim bad values next to) and the access sweep (private
text that must never reach the other organisation, team or learner). Every private text a
learner writes carries a marker (``SECRET-<who>-<what>``) so a leak is found by searching pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from course_engine.db import session
from tests.conftest import PASSWORD, Browser

SLUG = "first-visit"


@dataclass
class Side:
    """One organisation and its people."""

    key: str
    org: object
    team: object
    other_team: object
    admin: object
    manager: object
    learner: object
    peer: object  # a learner in the other team of the same organisation
    attempt_id: int | None = None
    cpd_entry_id: int | None = None
    certificate_number: str | None = None
    membership_ids: dict = field(default_factory=dict)
    #: who -> {"attempt_id": ..., "cpd_entry_id": ...} for both learners
    records: dict = field(default_factory=dict)
    markers: list = field(default_factory=list)


@dataclass
class World:
    a: Side
    b: Side
    site_admin: object
    author: object


def client_for(app, user=None) -> Browser:
    """A fresh browser, signed in as ``user`` when given."""
    browser = Browser(app.test_client())
    if user is not None:
        response = browser.login(user.email, PASSWORD)
        assert response.status_code == 302, response.status_code
    return browser


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def _hidden(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else None


def start_attempt(browser: Browser) -> int:
    """Start the module and pass its introduction; the attempt id."""
    response = browser.post(f"/modules/{SLUG}/start", {"acknowledge": "yes"}, form_page=f"/modules/{SLUG}")
    assert response.status_code == 303, response.status_code
    attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert browser.client.post(f"/attempts/{attempt_id}/begin", data=_page_fields(browser, attempt_id)).status_code == 303
    return attempt_id


def _page_fields(browser: Browser, attempt_id: int) -> dict:
    html = browser.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    return {"csrf_token": _token(html), "step": _hidden(html, "step"), "scene": _hidden(html, "scene")}


def play_to_ending(browser: Browser, attempt_id: int) -> None:
    """The safe path to the ending (the debrief is next)."""
    url = f"/attempts/{attempt_id}"
    for index in (1, 0):
        fields = _page_fields(browser, attempt_id)
        assert browser.client.post(f"{url}/choose", data=dict(fields, choice=f"{fields['scene']}.{index}")).status_code == 303
    assert browser.client.post(f"{url}/continue", data=_page_fields(browser, attempt_id)).status_code == 303


def play_to_completion(browser: Browser, marker: str) -> int:
    """Start, play, journal, quiz (pass) and reflect: the learner's whole journey; the attempt id."""
    attempt_id = start_attempt(browser)
    url = f"/attempts/{attempt_id}"
    fields = _page_fields(browser, attempt_id)
    assert browser.client.post(f"{url}/journal/first-thoughts", data={
        "csrf_token": fields["csrf_token"], "answer": f"{marker}-journal"}).status_code == 303
    play_to_ending(browser, attempt_id)
    response = browser.post(f"{url}/quiz", {}, form_page=f"{url}/debrief")
    number = int(response.headers["Location"].rstrip("/").split("/")[-1])
    html = browser.get(f"{url}/quiz/{number}").get_data(as_text=True)
    answers = {"csrf_token": _token(html), "action": "submit"}
    answers.update({name: "0" for name in set(re.findall(r'name="(q-[a-z0-9-]+)"', html))})
    assert browser.client.post(f"{url}/quiz/{number}", data=answers).status_code == 303
    response = browser.post(f"{url}/reflection", {"what_learned": f"{marker}-reflection-learned",
                                                  "impact_on_practice": f"{marker}-reflection-impact"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return attempt_id


def add_cpd_entry(browser: Browser, marker: str) -> int:
    response = browser.post("/cpd/entries/new", {
        "activity_type": "course", "title": f"{marker}-cpd-title", "activity_date": "17/03/2026", "minutes": "90",
        "description": f"{marker}-cpd-description", "what_learned": f"{marker}-cpd-learned",
        "impact_on_practice": f"{marker}-cpd-impact"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    from course_engine.cpd.models import CpdEntry

    session.commit()  # end the test's snapshot to see the request's row
    return session.scalar(select(CpdEntry.id).where(CpdEntry.title == f"{marker}-cpd-title"))


def build_world(app, make_user, make_org, add_member) -> World:
    """Organisations A and B, each with an admin, a manager of team 1, a learner in team 1 and a
    peer learner in team 2; every learner completes the module, keeps a CPD entry and shares it."""
    from course_engine.certificates.models import Certificate
    from course_engine.learner.models import Completion

    sides = {}
    for key, name in (("a", "Alpha Council"), ("b", "Beta Trust")):
        org, (team, other_team) = make_org(name, teams=(f"{key} team one", f"{key} team two"))
        people = {role: make_user(email=f"{role}-{key}@example.org", full_name=f"{role.title()} {key.upper()}")
                  for role in ("admin", "manager", "learner", "peer")}
        side = Side(key, org, team, other_team, **people)
        side.membership_ids["admin"] = add_member(org, people["admin"], "org_admin").id
        side.membership_ids["manager"] = add_member(org, people["manager"], "manager", manages=[team]).id
        side.membership_ids["learner"] = add_member(org, people["learner"], "learner", team=team).id
        side.membership_ids["peer"] = add_member(org, people["peer"], "learner", team=other_team).id
        sides[key] = side
    site_admin = make_user(email="site-admin@example.org", full_name="Site Admin", is_site_admin=True)
    author = make_user(email="author@example.org", full_name="Author Person", is_author=True)

    for side in sides.values():
        admin = client_for(app, side.admin)
        response = admin.post(f"/orgs/{side.org.slug}/assignments", {
            "module": _module_id(), "target": "organisation", "due": "none"}, form_page=f"/orgs/{side.org.slug}/assignments")
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
        for who in ("learner", "peer"):
            marker = f"SECRET-{side.key}-{who}"
            side.markers.append(marker)
            browser = client_for(app, getattr(side, who))
            attempt_id = play_to_completion(browser, marker)
            entry_id = add_cpd_entry(browser, marker)
            side.records[who] = {"attempt_id": attempt_id, "cpd_entry_id": entry_id}
            if who == "learner":
                side.attempt_id, side.cpd_entry_id = attempt_id, entry_id
                assert browser.post(f"/cpd/entries/{entry_id}/share", {}, form_page="/cpd").status_code == 303
        session.commit()
        completion = session.scalar(select(Completion).where(Completion.attempt_id == side.attempt_id))
        certificate = session.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
        side.certificate_number = certificate.number if certificate is not None else None
    return World(sides["a"], sides["b"], site_admin, author)


def _module_id() -> str:
    from course_engine.authoring.models import ContentModule

    session.commit()
    return str(session.scalar(select(ContentModule.id).where(ContentModule.slug == SLUG)))
