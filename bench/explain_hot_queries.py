"""EXPLAIN (ANALYZE, BUFFERS) every statement the hot pages run, on the national data set.

    .venv/bin/python bench/explain_hot_queries.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ce_national

The pages are requested through the Flask test client (so the statements are exactly the
app's, with its parameters): a learner's My learning, a scene page and a choice, their CPD
record, the public verification of a certificate, and the national body's admin's
dashboard, matrix page, matrix filtered to overdue and insights. Each distinct statement is
then explained inside a transaction that is rolled back (a choice's INSERT changes nothing).
For each it prints the plan's top node, the execution time, the buffers read, and every
sequential scan of a large table (over ``--large`` rows): the thing to fix by an index.
Exit status 1 if any large table is scanned sequentially.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event, text  # noqa: E402

import employers_data  # noqa: E402

ORG = "national-body"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _login(client, email: str) -> None:
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": employers_data.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, (email, response.status_code)


def _capture(app):
    """(page name, statement, parameters) for every statement the app runs, in order."""
    seen: list[tuple[str, str, object]] = []
    page = {"name": "setup"}

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append((page["name"], statement, parameters))

    engines = {id(e): e for e in (app.extensions["course_engine.db"], app.extensions.get("course_engine.db.autocommit"))
               if e is not None}
    for engine in engines.values():  # read-only and single-write views use the autocommit one
        event.listen(engine, "before_cursor_execute", listen)
    return seen, page


def _walk(plan: dict, large: dict[str, float], found: list) -> None:
    if plan.get("Node Type") == "Seq Scan" and large.get(plan.get("Relation Name"), 0) > 0:
        found.append(f"{plan['Relation Name']} ({large[plan['Relation Name']]:.0f} rows)")
    for child in plan.get("Plans", ()):
        _walk(child, large, found)


def run(database_url: str, large_rows: int, show: tuple[str, ...] = ()) -> int:
    from course_engine.authoring.models import ContentModule
    from course_engine.certificates.models import Certificate
    from course_engine.db import session
    from course_engine.learner.models import ScenarioAttempt
    from course_engine.orgs.models import Membership, Organisation
    from sqlalchemy import select

    app = employers_data.make_app(database_url, Path(tempfile.gettempdir()))
    with app.app_context():
        from course_engine.auth.models import User

        # In-progress attempts (newest first): the first whose page shows a choice is used.
        candidates = session.execute(
            select(User.email, ScenarioAttempt.id).join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .join(ScenarioAttempt, ScenarioAttempt.user_id == User.id)
            .where(Organisation.slug == ORG, Membership.role == "learner", ScenarioAttempt.status == "in_progress")
            .order_by(ScenarioAttempt.id.desc()).limit(30)).all()
        number = session.scalar(select(Certificate.number).order_by(Certificate.id.desc()).limit(1))
        slug = session.scalar(select(ContentModule.slug).order_by(ContentModule.id).limit(1))
        session.remove()
    for email, attempt_id in candidates:
        learner = app.test_client()
        _login(learner, email)
        if 'class="choice-form"' in learner.get(f"/attempts/{attempt_id}").get_data(as_text=True):
            break
    seen, page = _capture(app)
    for name, url in (("my learning", "/learning"), ("scene page", f"/attempts/{attempt_id}"), ("cpd record", "/cpd")):
        learner.get(url)  # warm-up: content specs decoded once per worker
        page["name"] = name
        response = learner.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if name == "scene page":
            html = response.get_data(as_text=True)
        page["name"] = "setup"
    form = html[html.index('class="choice-form"'):]
    step = re.search(r'name="step" value="(\d+)"', form).group(1)
    scene = re.search(r'name="scene" value="([^"]+)"', form).group(1)
    choice = re.search(r'name="choice" value="([^"]+)"', form).group(1)
    page["name"] = "choice"
    response = learner.post(f"/attempts/{attempt_id}/choose",
                            data={"csrf_token": _token(html), "step": step, "scene": scene, "choice": choice})
    assert response.status_code == 303, response.status_code
    page["name"] = "verification"
    assert app.test_client().get(f"/verify?number={number}").status_code == 200
    admin = app.test_client()
    page["name"] = "setup"
    _login(admin, f"admin@{ORG}.example")
    for name, url in (("dashboard", f"/orgs/{ORG}/dashboard"), ("matrix page", f"/orgs/{ORG}/dashboard/matrix"),
                      ("matrix overdue", f"/orgs/{ORG}/dashboard/matrix?status=overdue&page=2"),
                      ("insights", f"/orgs/{ORG}/insights/{slug}")):
        page["name"] = name
        assert admin.get(url).status_code == 200, url
    page["name"] = "setup"

    failures = 0
    engine = app.extensions["course_engine.db"]
    with engine.connect() as connection:
        large = {r[0]: r[1] for r in connection.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND reltuples > :n"), {"n": large_rows})}
        raw = connection.connection.driver_connection
        done = set()
        settings: dict[str, list] = {}
        for name, statement, parameters in seen:
            if "set_config(" in statement:
                settings.setdefault(name, []).append((statement, parameters))
        print(f"{'page':<15} {'top node':<22} {'ms':>8} {'buffers':>9}  statement / sequential scans of large tables")
        for name, statement, parameters in seen:
            if name == "setup" or (name, statement) in done or "set_config(" in statement or not statement.lstrip().upper().startswith(
                    ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")):
                continue
            done.add((name, statement))
            with raw.cursor() as cursor:
                for setting, values in settings.get(name, ()):  # the page's own SET LOCALs first
                    cursor.execute(setting, values)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
                (result,) = cursor.fetchone()
            raw.rollback()
            plan = (result if isinstance(result, list) else json.loads(result))[0]
            top = plan["Plan"]
            buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
            scans: list[str] = []
            _walk(top, large, scans)
            failures += bool(scans)
            head = " ".join(statement.split())[:70]
            print(f"{name:<15} {top['Node Type']:<22} {plan['Execution Time']:>8.1f} {buffers:>9}  {head}")
            for scan in scans:
                print(f"{'':<15} {'':<22} {'':>8} {'':>9}  SEQ SCAN {scan}")
            if name in show:  # the whole plan, as text, where the time goes
                with raw.cursor() as cursor:
                    for setting, values in settings.get(name, ()):
                        cursor.execute(setting, values)
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print("\n".join("    " + r[0] for r in cursor.fetchall()))
                raw.rollback()
    print(f"\n{len(done)} statements explained; {failures} with a sequential scan of a table over {large_rows} rows")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--large", type=int, default=10_000, help="rows from which a table counts as large")
    parser.add_argument("--show", nargs="*", default=(), metavar="PAGE",
                        help="also print the whole text plan of these pages' statements (e.g. dashboard)")
    args = parser.parse_args(argv)
    return run(args.database_url, args.large, tuple(args.show))


if __name__ == "__main__":
    sys.exit(main())
