"""Bulk staff upload (org admin): a CSV of name, email, team, role is checked row by row, previewed
(nothing written), and confirming applies exactly the preview, once. An unusable file writes nothing."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from course_engine.auth.models import User
from course_engine.db import session
from course_engine.audit import AuditLog
from course_engine.orgs.models import Invitation, Membership, OrgRole, StaffImport
from course_engine.orgs.staff_csv import UnusableFile, read_staff_csv

HEADER = "name,email,team,role\n"


# --- the file itself (pure) --------------------------------------------------------------

@pytest.mark.parametrize("data,message", [
    (b"", "The file is empty"),
    (b"  \n\n", "The file is empty"),
    (b"\xef\xbb\xbf", "The file is empty"),
    (b"name,email,team,role\n\n", "nobody in it"),
    (b"name,email,team\nA,a@example.org,East\n", "missing the column 'role'"),
    (b"Ann,ann@example.org,East,learner\n", "The first row must be the header row"),
    (b"name,email,team,role,phone\nA,a@example.org,East,learner,123\n", "columns we can't use: 'phone'"),
    (b"name,email,email,team,role\n", "'email' appears more than once"),
    ("name,email,team,role\nZoë Brontë,zoe@example.org,East,learner\n".encode("cp1252"), "isn't in UTF-8: line 2"),
    (b"\xff\xfen\x00a\x00m\x00e\x00", "UTF-16"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
])
def test_unusable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(UnusableFile) as excinfo:
        read_staff_csv(data, max_rows=100)
    assert message in str(excinfo.value)


def test_too_many_rows_is_unusable():
    data = (HEADER + "".join(f"P{i},p{i}@example.org,East,learner\n" for i in range(4))).encode()
    with pytest.raises(UnusableFile, match="more than 3 people"):
        read_staff_csv(data, max_rows=3)
    assert len(read_staff_csv(data, max_rows=4)) == 4


def test_header_is_case_insensitive_in_any_order_and_bom_is_accepted():
    data = "\ufeffEMAIL, Role ,Team,Name\r\nann@EXAMPLE.org,Learner,East,  Ann   Lee \r\n".encode("utf-8")
    (row,) = read_staff_csv(data, max_rows=10)
    assert (row.line, row.name, row.email, row.team, row.role, row.problem) == (
        2, "Ann Lee", "ann@example.org", "East", "learner", None)


@pytest.mark.parametrize("line,problem", [
    (",a@example.org,East,learner", "name is missing"),
    ("Ann,not-an-email,East,learner", "'not-an-email' is not a valid email address"),
    ("Ann,,East,learner", "email is missing"),
    ("Ann,a@example.org,East,", "role is missing: use learner, manager or org_admin"),
    ("Ann,a@example.org,East,boss", "role 'boss' is not one of learner, manager, org_admin"),
    ("Ann,a@example.org,East,learner,extra", "has 5 values but there are 4 columns"),
    ("Ann,a@example.org", "has 2 values but there are 4 columns"),
])
def test_bad_rows_get_a_reason(line, problem):
    (row,) = read_staff_csv((HEADER + line + "\n").encode(), max_rows=10)
    assert problem in row.problem


def test_trailing_empty_cells_and_blank_lines_are_ignored_and_lines_counted():
    data = (HEADER + "Ann,a@example.org,East,learner,,\n\n\"Bo\nBell\",b@example.org,East,org admin\n"
            "Cy,c@example.org,,manager\n").encode()
    rows = read_staff_csv(data, max_rows=10)
    assert [(r.line, r.problem) for r in rows] == [(2, None), (4, None), (6, None)]
    assert rows[1].name == "Bo Bell" and rows[1].role == "org_admin"


def test_every_copy_of_a_duplicate_email_is_rejected():
    data = (HEADER + "Ann,ann@example.org,East,learner\nBo,bo@example.org,East,learner\n"
            "Ann L,ANN@example.org,West,learner\n").encode()
    rows = read_staff_csv(data, max_rows=10)
    assert "also on line 4" in rows[0].problem and "also on line 2" in rows[2].problem
    assert rows[1].problem is None


# --- preview and confirm over HTTP ---------------------------------------------------------

def _upload(browser, staff, data: bytes, filename="staff.csv"):
    url = f"/orgs/{staff.org.slug}/people/import"
    return browser.post(url, {"file": (io.BytesIO(data), filename)})


def _counts():
    session.expire_all()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (User, Membership, Invitation, AuditLog, StaffImport)}


def _plan_rows(html):
    """(line, outcome) for each row of the preview table."""
    rows = re.findall(r'<tr data-action="(\w+)">\s*<td data-label="Line">(\d+)</td>', html)
    return [(int(line), action) for action, line in rows]


@pytest.fixture
def mixed_file(staff, make_user):
    """New people, an existing account, a current member, a leaver, and bad rows of each kind."""
    from course_engine.orgs import services

    make_user(email="has.account@example.org", full_name="Hattie Account")
    services.deactivate_member(None, session.get(Membership, staff.learner_west.id))
    session.commit()
    return (HEADER +
            "Nia New,nia.new@example.org,East,learner\n"            # 2 invite
            "Hattie Account,has.account@example.org,West,manager\n"  # 3 add existing account
            "East Learner,east.learner@north.example,East,learner\n"  # 4 already a member
            "Mo Misspelt,mo@example.org,Eats,learner\n"              # 5 unknown team
            "Dee Dup,dup@example.org,East,learner\n"                 # 6 duplicate
            "Dee Dupe,DUP@example.org,West,learner\n"                # 7 duplicate
            "Bad Email,bad-email,East,learner\n"                     # 8 bad email
            "Ro Role,ro@example.org,East,chief\n"                    # 9 bad role
            "Wes Leaver,west.learner@north.example,West,learner\n"   # 10 deactivated
            "Pat Pending,new.west@example.org,West,learner\n"        # 11 already invited
            "No Team,noteam@example.org,,org_admin\n"                # 12 invite, no team
            ).encode()


def test_preview_reports_every_row_and_writes_nothing(app, browser, staff, mixed_file):
    browser.login("admin@north.example")
    before = _counts()
    response = _upload(browser, staff, mixed_file)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _plan_rows(html) == [(2, "invite"), (3, "add"), (4, "unchanged"), (5, "rejected"), (6, "rejected"),
                                (7, "rejected"), (8, "rejected"), (9, "rejected"), (10, "rejected"),
                                (11, "unchanged"), (12, "invite")]
    assert "no team called &#39;Eats&#39;: create it first or fix the spelling" in html
    assert "the same email is also on line 7" in html and "also on line 6" in html
    assert "&#39;bad-email&#39; is not a valid email address" in html
    assert "role &#39;chief&#39; is not one of learner, manager, org_admin" in html
    assert "reactivate them on their page" in html and "already invited on" in html
    assert "<strong>2</strong> new people will be invited" in html
    assert "<strong>1</strong> existing account will be added" in html
    assert "<strong>6</strong> rows rejected" in html
    after = _counts()
    assert after.pop("StaffImport") == before.pop("StaffImport") + 1  # the pending preview only
    assert after == before


def test_confirm_applies_exactly_the_preview_once(app, browser, staff, mixed_file, outbox):
    browser.login("admin@north.example")
    _upload(browser, staff, mixed_file)
    staff_import = session.scalars(select(StaffImport).order_by(StaffImport.id.desc())).first()
    before = _counts()
    confirm = f"/orgs/{staff.org.slug}/people/import/{staff_import.id}/confirm"
    response = browser.post(confirm, {}, form_page="/account")
    assert response.status_code == 303
    after = _counts()
    assert after["Invitation"] == before["Invitation"] + 2
    assert after["Membership"] == before["Membership"] + 1
    assert after["User"] == before["User"]  # invitations don't create accounts
    new = {i.email: i for i in session.scalars(select(Invitation).where(
        Invitation.email.in_(["nia.new@example.org", "noteam@example.org"])))}
    assert new["nia.new@example.org"].team_id == staff.east.id and new["nia.new@example.org"].full_name == "Nia New"
    assert new["noteam@example.org"].role == OrgRole.org_admin and new["noteam@example.org"].team_id is None
    added = session.scalar(select(Membership).join(User).where(User.email == "has.account@example.org"))
    assert added.role == OrgRole.manager and added.team_id == staff.west.id
    for email in ("mo@example.org", "dup@example.org", "ro@example.org"):
        assert session.scalar(select(Invitation).where(Invitation.email == email)) is None
    leaver = session.get(Membership, staff.learner_west.id)
    assert leaver.deactivated_at is not None  # rejected rows change nothing
    assert sorted(m["To"] for m in outbox) == ["has.account@example.org", "nia.new@example.org",
                                               "noteam@example.org"]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "staff_import.apply"))
    assert entry.detail["invite"] == 2 and entry.detail["add"] == 1 and entry.detail["rejected"] == 6

    # Confirming again (a double click, a second tab) shows the first confirm's outcome, the
    # people list, and writes nothing more.
    again = browser.post(confirm, {}, form_page="/account")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/orgs/{staff.org.slug}/people")
    assert "already been applied" in browser.get(again.headers["Location"]).get_data(as_text=True)
    assert _counts()["Invitation"] == after["Invitation"]


def test_confirm_is_refused_if_the_organisation_changed(app, browser, staff, mixed_file):
    """If a row would now have another outcome (here: the team was archived), nothing is applied."""
    from course_engine.orgs import services

    browser.login("admin@north.example")
    _upload(browser, staff, mixed_file)
    staff_import = session.scalars(select(StaffImport).order_by(StaffImport.id.desc())).first()
    services.archive_team(None, session.get(type(staff.east), staff.east.id))
    session.commit()
    before = _counts()
    response = browser.post(f"/orgs/{staff.org.slug}/people/import/{staff_import.id}/confirm", {},
                            form_page="/account")
    assert response.status_code == 409 and "changed since the preview" in response.get_data(as_text=True)
    assert _counts() == before


def test_only_the_uploader_can_confirm(app, browser, staff, make_user, add_member):
    other_admin = make_user(email="admin2@north.example")
    add_member(staff.org, other_admin, "org_admin")
    browser.login("admin2@north.example")
    url = f"/orgs/{staff.org.slug}/people/import/{staff.import_north.id}/confirm"
    assert browser.post(url, {}, form_page="/account").status_code == 404


@pytest.mark.parametrize("data,status,message", [
    (b"", 400, "The file is empty"),
    (b"name,email,team\nAnn,a@example.org,East\n", 400, "missing the column"),
    (b"name,email,team,role,notes\nAnn,a@example.org,East,learner,x\n", 400, "columns we can"),
    ("name,email,team,role\nRené,rene@example.org,East,learner\n".encode("cp1252"), 400, "CSV UTF-8"),
    (b"\x00\x01\x02binary", 400, "binary data"),
])
def test_unusable_upload_writes_nothing(app, browser, staff, data, status, message):
    browser.login("admin@north.example")
    before = _counts()
    response = _upload(browser, staff, data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and "Nothing has been saved" in html
    assert _counts() == before


def test_no_file_chosen(app, browser, staff):
    browser.login("admin@north.example")
    response = browser.post(f"/orgs/{staff.org.slug}/people/import", {})
    assert response.status_code == 400 and "Choose a CSV file" in response.get_data(as_text=True)


def test_oversized_file_is_413_not_500(app, browser, staff):
    """A file over CSV_MAX_BYTES is refused with a 413 and a message; a huge request body is cut
    off before it is read (413 error page), never a 500; nothing is written either way."""
    app.config["CSV_MAX_BYTES"] = 2000
    browser.login("admin@north.example")
    before = _counts()
    row = "Ann Lee,ann@example.org,East,learner\n"
    slightly = (HEADER + row * 60).encode()  # ~2.3 KB
    response = _upload(browser, staff, slightly)
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    huge = (HEADER + row * 5000).encode()  # ~190 KB, over the request limit
    response = _upload(browser, staff, huge)
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    assert _counts() == before


def test_row_cap_is_enforced(app, browser, staff):
    app.config["CSV_MAX_ROWS"] = 2
    browser.login("admin@north.example")
    data = (HEADER + "".join(f"P{i},p{i}@example.org,East,learner\n" for i in range(3))).encode()
    response = _upload(browser, staff, data)
    assert response.status_code == 400 and "more than 2 people" in response.get_data(as_text=True)


def test_old_previews_expire_and_are_deleted(app, browser, staff):
    """A preview older than STAFF_IMPORT_MAX_AGE can't be applied, and is deleted at the next upload."""
    from datetime import timedelta

    north_id, south_id = staff.import_north.id, staff.import_south.id
    preview = session.get(StaffImport, north_id)
    preview.created_at -= timedelta(seconds=app.config["STAFF_IMPORT_MAX_AGE"] + 1)
    session.commit()
    browser.login("admin@north.example")
    url = f"/orgs/{staff.org.slug}/people/import/{north_id}/confirm"
    response = browser.post(url, {}, form_page="/account")
    assert response.status_code == 409 and "too old" in response.get_data(as_text=True)
    _upload(browser, staff, (HEADER + "Ann,ann@example.org,East,learner\n").encode())
    session.expire_all()
    assert session.get(StaffImport, north_id) is None
    assert session.get(StaffImport, south_id) is not None  # other organisations untouched
