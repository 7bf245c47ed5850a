"""The dashboard summary, the matrix (filters, sort, pages), a person, and exports that match the screen."""
import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from course_engine.employers import routes
from course_engine.learner.models import AttemptStatus
from tests.employers.conftest import TODAY, assign, at, attempt


class TableCells(HTMLParser):
    """Cells of the body rows of the table with this id: each a (text, date) pair, ignoring
    icons hidden from screen readers, with a cell's date kept apart as the export keeps it."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.in_body = table_id, False, False
        self.rows, self.cell, self.hidden, self.in_date = [], None, 0, False
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self.in_body:
            self.cell = ["", None]
        elif tag == "span" and self.cell is not None:
            if self.hidden or attrs.get("aria-hidden") == "true":
                self.hidden += 1
            elif "cell-date" in (attrs.get("class") or ""):
                self.in_date, self.cell[1] = True, ""

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "span" and self.hidden:
            self.hidden -= 1
        elif tag == "span" and self.in_date:
            self.in_date = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append((" ".join(self.cell[0].split()), self.cell[1] and self.cell[1].strip()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.cell is None or self.hidden:
            return
        if self.in_date:
            self.cell[1] += data
        else:
            self.cell[0] += data


def matrix_screen_rows(html):
    parser = TableCells("matrix")
    parser.feed(html)
    rows = []
    for cells in parser.rows:
        values = [text for text, _ in cells[:3]]
        for text, day in cells[3:]:
            values += [text, day or ""]
        rows.append(values)
    return rows


def table_rows(html, table_id):
    parser = TableCells(table_id)
    parser.feed(html)
    return [[text for text, _ in cells] for cells in parser.rows]


def csv_rows(response):
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    return rows[0], rows[1:]


@pytest.fixture
def populated(world, module, make_user, add_member):
    """Team A: learner_a completed; Team B: learner_b in progress; extra people overdue, expired, due soon."""
    assign(world.org, module, team=world.team_a, due_date=TODAY + timedelta(days=60), recert_months=12)
    assign(world.org, module, team=world.team_b, due_date=TODAY - timedelta(days=1))
    attempt(world.learner_a, module, completed=at(TODAY - timedelta(days=10)), quiz={"q1": True, "q2": True})
    attempt(world.learner_b, module, status=AttemptStatus.in_progress)
    people = {}
    for name, team in [("Cara Overdue", world.team_b), ("Dev Expired", world.team_a), ("Eve Window", world.team_a),
                       ("=Formula Person", world.team_a)]:
        user = make_user(email=name.split()[0].strip("=").lower() + "@example.org", full_name=name)
        add_member(world.org, user, "learner", team=team)
        people[name] = user
    attempt(people["Dev Expired"], module, completed=at(TODAY - timedelta(days=400)))
    attempt(people["Eve Window"], module, completed=at(TODAY - timedelta(days=350)))
    return people


def test_summary_counts_per_team_and_module(world, populated, login):
    """The summary counts each person's status once per assigned module, per team and per module."""
    html = login(world.admin).get(f"/orgs/{world.org.slug}/dashboard").get_data(as_text=True)
    assert "How statuses are decided" in html
    rows = _summary_rows(html)
    # Columns: assigned, completed, in progress, not started, overdue, expired, due soon.
    assert rows["Team A"] == ["4", "1", "0", "1", "0", "1", "1"]
    assert rows["Team B"] == ["2", "0", "0", "0", "2", "0", "0"]
    assert rows["First visit"] == ["6", "1", "0", "1", "2", "1", "1"]


def _summary_rows(html):
    import re

    found = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)]
        if cells and cells[0] not in found:
            found[cells[0]] = cells[1:]
    return found


def test_manager_summary_covers_only_their_teams(world, populated, login):
    """A manager's figures count only their teams' people."""
    html = login(world.manager_b).get(f"/orgs/{world.org.slug}/dashboard").get_data(as_text=True)
    rows = _summary_rows(html)
    assert "Team A" not in rows and rows["Team B"][0] == "2"
    matrix = login(world.manager_b).get(f"/orgs/{world.org.slug}/dashboard/matrix").get_data(as_text=True)
    assert "Ben Learner" in matrix and "Amy Learner" not in matrix


@pytest.mark.parametrize("query", ["", "?status=overdue", "?team={team_a}", "?sort=team", "?sort=status:{module}",
                                   "?status=due_soon&team={team_a}", "?module={module}&status=completed"])
def test_matrix_export_equals_screen(world, module, populated, login, monkeypatch, query):
    """For the same filters, the CSV has exactly the rows and values of the screen's pages, in order."""
    monkeypatch.setattr(routes, "PER_PAGE", 2)
    query = query.format(team_a=world.team_a.id, module=module.id)
    browser = login(world.admin)
    screen, page = [], 1
    while True:
        sep = "&" if query else "?"
        html = browser.get(f"/orgs/{world.org.slug}/dashboard/matrix{query}{sep}page={page}").get_data(as_text=True)
        rows = matrix_screen_rows(html)
        screen += rows
        if f"page={page + 1}" not in html:
            break
        page += 1
    header, exported = csv_rows(browser.get(f"/orgs/{world.org.slug}/dashboard/matrix.csv{query}"))
    assert header[:3] == ["Name", "Email", "Team"] and header[3] == "First visit: status"
    assert [[cell.removeprefix("'") for cell in row] for row in exported] == screen
    assert screen, "the filters should match someone"


def test_matrix_filters_and_sorts(world, module, populated, login):
    """Filtering by status keeps people with that status; sorting by a module's status puts the most urgent first."""
    browser = login(world.admin)
    rows = matrix_screen_rows(browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?status=overdue").get_data(as_text=True))
    assert sorted(r[0] for r in rows) == ["Ben Learner", "Cara Overdue"]
    rows = matrix_screen_rows(browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?sort=status:{module.id}").get_data(as_text=True))
    assert [r[3] for r in rows] == ["Expired", "Overdue", "Overdue", "Due soon", "Not started", "Completed"]
    rows = matrix_screen_rows(browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?sort=team").get_data(as_text=True))
    assert [r[2] for r in rows] == ["Team A"] * 4 + ["Team B"] * 2
    assert browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?status=nonsense").status_code == 400
    assert browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?sort=nonsense").status_code == 400
    assert browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?page=0").status_code == 400
    assert browser.get(f"/orgs/{world.org.slug}/dashboard/matrix?module=999999").status_code == 404


def test_status_shown_as_text_and_icon(world, populated, login):
    """Every status cell carries its words (and an icon hidden from screen readers), never colour alone."""
    html = login(world.admin).get(f"/orgs/{world.org.slug}/dashboard/matrix").get_data(as_text=True)
    assert 'class="badge badge--expired"><span aria-hidden="true">!</span> Expired' in html


def test_csv_neutralises_formulas(world, populated, login):
    """A cell a spreadsheet would run as a formula is exported as text."""
    _, rows = csv_rows(login(world.admin).get(f"/orgs/{world.org.slug}/dashboard/matrix.csv"))
    assert ["'=Formula Person"] == [r[0] for r in rows if "Formula" in r[0]]


@pytest.mark.parametrize("query", ["", "?team={team_a}"])
def test_completions_export_equals_screen(world, module, populated, login, query):
    """The completions CSV has exactly the rows and values of the completions page."""
    query = query.format(team_a=world.team_a.id)
    browser = login(world.admin)
    html = browser.get(f"/orgs/{world.org.slug}/dashboard/completions{query}").get_data(as_text=True)
    header, exported = csv_rows(browser.get(f"/orgs/{world.org.slug}/dashboard/completions.csv{query}"))
    assert header[0] == "Name" and exported == table_rows(html, "completions")
    assert len(exported) == 3


def test_person_drill_down(world, module, populated, login):
    """A person's page shows each module's status, dates, attempts and quiz scores."""
    html = login(world.manager_a).get(
        f"/orgs/{world.org.slug}/dashboard/people/{world.m['learner_a'].id}").get_data(as_text=True)
    assert "Amy Learner" in html and "Completed" in html and "100%" in html
    assert (TODAY - timedelta(days=10)).strftime("%-d %B %Y") in html
    assert "Reflections shared with managers" in html


def test_menu_shows_the_dashboard_to_managers_only(world, populated, login):
    """Managers and org admins get 'Manage: <organisation>' in the menu; learners do not."""
    assert "Manage: Test Council" in login(world.manager_a).get("/learning").get_data(as_text=True)
    assert "Manage: Test Council" not in login(world.learner_a).get("/learning").get_data(as_text=True)
