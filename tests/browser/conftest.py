"""End-to-end fixtures: the app under gunicorn on 127.0.0.1 with a fresh database, and
Debian's chromium driven by Playwright, with axe-core checks and screenshots.

Everything here is skipped with a clear message when chromium or Playwright is missing
(scripts/test installs both when it can).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.parallel import WORKER

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CE_BROWSER") or next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
SCREENSHOTS = Path(os.environ.get("CE_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
#: Set CE_SCREENSHOTS_ALWAYS=1 to keep desktop and 320 px pictures of every checked page.
ALWAYS_SCREENSHOT = os.environ.get("CE_SCREENSHOTS_ALWAYS") == "1"
DEMO_PASSWORD = "demo password for browser tests"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - scripts/test installs it
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "Playwright is not installed: run scripts/test, which installs it"
    elif CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium as root; scripts/test does it)"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # In two pytest-xdist groups of about equal time, a file's tests always together:
            # a worker has one live server and one chromium for all the browser tests it
            # runs, and one of each module's journey fixtures.
            item.add_marker(pytest.mark.xdist_group(browser_group(Path(str(item.fspath)).name)))
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


#: The browser files of the second group, chosen from the files' times in a whole run (113 s
#: against the first group's 115 s; docs/performance.md); every other file, and any new one,
#: is in the first.
SECOND_GROUP = {"test_scorm_player.py", "test_manager_journey.py", "test_learner_journey.py",
                "test_leaders_journey.py", "test_look_and_menu.py", "test_wallet_offer.py",
                "test_sso_journey.py", "test_scorm_pages.py"}


def browser_group(filename: str) -> str:
    """The xdist group of a browser test file: "browser" or "browser-2"."""
    return "browser-2" if filename in SECOND_GROUP else "browser"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under gunicorn with its own instance folder, database, content and outbox."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbox = workdir / "outbox"
        self.modules = workdir / "modules"
        self.quizzes = workdir / "quizzes"
        shutil.copytree(ROOT / "modules", self.modules)
        shutil.copytree(ROOT / "quizzes", self.quizzes)
        self.env = dict(
            os.environ, FLASK_APP="course_engine", PYTHONPATH=str(ROOT), SECRET_KEY="browser-test-secret",
            COURSE_ENGINE_DATABASE_URL=f"sqlite:///{workdir / 'e2e.db'}",
            COURSE_ENGINE_MODULES_DIR=str(self.modules), COURSE_ENGINE_QUIZZES_DIR=str(self.quizzes),
            COURSE_ENGINE_MAIL_OUTBOX_DIR=str(self.outbox), COURSE_ENGINE_BASE_URL=self.url,
            COURSE_ENGINE_CPD_EVIDENCE_DIR=str(workdir / "evidence"),
            # The cheapest Argon2id parameters: the browser tests log in many times (production
            # strength is proved in tests/auth/test_passwords.py).
            COURSE_ENGINE_PASSWORD_HASH_TIME_COST="1", COURSE_ENGINE_PASSWORD_HASH_MEMORY_KIB="8",
            COURSE_ENGINE_PASSWORD_HASH_PARALLELISM="1",
            # The SSO journey's identity provider runs on loopback over plain HTTP.
            COURSE_ENGINE_INTEGRATIONS_ALLOW_HTTP="true",
            DEMO_PASSWORD=DEMO_PASSWORD)
        self.process = None

    def flask(self, *commands: tuple[str, ...]) -> str:
        """Run `flask` commands in order with the server's settings, in one process
        (tests/browser/flask_steps.py: one interpreter start-up instead of one per command)."""
        result = subprocess.run([sys.executable, str(Path(__file__).with_name("flask_steps.py")), json.dumps(commands)],
                                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"flask {commands} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout + result.stderr

    def start(self) -> None:
        self.flask(("db", "upgrade"), ("content", "sync"), ("seed-demo",))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "course_engine:create_app()"], cwd=ROOT, env=self.env)
        for _ in range(150):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def last_email(self, to: str) -> str:
        """The newest message in the outbox addressed to ``to``."""
        for path in sorted(self.outbox.glob("*.eml"), reverse=True):
            text = path.read_text(errors="replace")
            if f"To: {to}" in text:
                return text
        raise AssertionError(f"no email to {to}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


#: The innermost elements that stick out past the right edge (not counting scrolling tables).
OVERFLOWING = """() => { const w = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > w + 1 && !el.closest('.table-wrap > *'))
    .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > w + 1))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ' ' + (el.innerText || '').slice(0, 40) + ' (right ' + Math.round(el.getBoundingClientRect().right) + ')'); }"""


class A11y:
    """Runs axe on a page and checks reflow at 320 px; screenshots (320 px and desktop) of a
    page that fails either, of the pages a test asks to look at (``look=True``), or of every
    page with ``CE_SCREENSHOTS_ALWAYS=1``."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.results: dict[str, int] = {}

    def check(self, page, name: str, look: bool = False) -> None:
        # A click on a link returns once the navigation has started, not when the page and its
        # style sheet have loaded: axe run on a half-loaded page judged unstyled links (a CI
        # failure on the insights page: the skip link "overlapping" the brand).
        page.wait_for_load_state("load")
        report = self.axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = report.response["violations"]
        self.results[name] = len(violations)
        viewport = page.viewport_size
        page.set_viewport_size({"width": 320, "height": 700})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        culprits = page.evaluate(OVERFLOWING) if overflow > 0 else []
        if look or violations or overflow > 0 or ALWAYS_SCREENSHOT:
            # Pictures to look at: only when something is wrong (or asked for), as they cost seconds each.
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-320px.png"), full_page=True)
            page.set_viewport_size(viewport)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
        page.set_viewport_size(viewport)
        details = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} at "
                            + ", ".join(str(n['target']) for n in v['nodes'][:3]) for v in violations)
        assert not violations, f"axe found {len(violations)} violation(s) on {name}:\n{details}"
        assert overflow <= 0, f"{name} scrolls horizontally by {overflow}px at 320 CSS px wide: {culprits}"


@pytest.fixture(scope="session")
def a11y():
    checker = A11y()
    yield checker
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # One file per xdist worker (axe-results-gw0.json, …): each worker checks its own pages.
    name = f"axe-results-{WORKER}.json" if WORKER else "axe-results.json"
    (SCREENSHOTS / name).write_text(json.dumps(checker.results, indent=2, sort_keys=True))


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    # Learners land on My learning, managers and admins on their organisation (main.home).
    page.wait_for_url(lambda url: "/login" not in url)
