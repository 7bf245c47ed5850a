"""What the server benchmarks share: a prepared site (migrated, content loaded, learners who
can sign in) and gunicorn started and stopped around a run (bench/worker_memory.py,
bench/two_hosts.py). Nothing here is imported by the app."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 123"
sys.path.insert(0, str(ROOT))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def prepare_site(database_url: str, learners: int, *, org_name: str = "Bench Borough Council") -> list[str]:
    """Migrate, load the library, and add ``learners`` confirmed learners of one organisation
    with every module assigned; returns their email addresses (all with PASSWORD)."""
    os.environ["COURSE_ENGINE_DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-secret")
    from alembic import command
    from sqlalchemy import insert, select

    from course_engine import create_app
    from course_engine.auth.models import User
    from course_engine.auth.passwords import hash_password
    from course_engine.authoring.models import ContentModule
    from course_engine.authoring.services import sync_content
    from course_engine.db import dispose_engines, session, utcnow
    from course_engine.migrate import alembic_config
    from course_engine.employers.models import Assignment, TargetKind
    from course_engine.orgs import services as orgs
    from course_engine.orgs.models import Membership, OrgRole

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        sync_content(ROOT / "modules", ROOT / "quizzes")
        org = orgs.create_organisation(org_name)
        team = orgs.create_team(None, org, "Team 1")
        session.flush()
        hashed = hash_password(PASSWORD)  # one hash for all: each login still verifies it in full
        now = utcnow()
        emails = [f"learner{i}@bench.example" for i in range(learners)]
        session.execute(insert(User), [dict(email=e, full_name=f"Bench Learner {i}", password_hash=hashed,
                                            email_confirmed_at=now) for i, e in enumerate(emails)])
        ids = session.scalars(select(User.id).where(User.email.in_(emails))).all()
        session.execute(insert(Membership), [dict(organisation_id=org.id, user_id=uid, role=OrgRole.learner,
                                                  team_id=team.id, joined_at=now) for uid in ids])
        for module_id in session.scalars(select(ContentModule.id)).all():
            session.add(Assignment(organisation_id=org.id, module_id=module_id, target_kind=TargetKind.organisation,
                                   created_at=now))
        session.flush()
        from course_engine.employers import cells

        cells.refresh(org.id)  # written in bulk, behind the services: the report cells follow
        session.commit()
        dispose_engines(app)
    return emails


def start_gunicorn(bind: str, env: dict, *, workers: int = 2, worker_class: str = "sync", threads: int = 1,
                   config: str | None = None, netns: str | None = None, log=None) -> subprocess.Popen:
    """gunicorn serving the app at ``bind`` (inside network namespace ``netns`` when given)."""
    command = [GUNICORN, "--bind", bind, "--workers", str(workers), "--worker-class", worker_class,
               "--threads", str(threads), "--timeout", "60", "--log-level", "warning",
               "--no-control-socket"]  # gunicorn 27's control socket is one path per machine
    if config:
        command += ["-c", config]
    command.append("course_engine:create_app()")
    if netns:
        command = ["ip", "netns", "exec", netns] + command
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log or subprocess.DEVNULL,
                            stderr=log or subprocess.DEVNULL, start_new_session=True)


def wait_ready(url: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not answer /healthz in {timeout} s")
        time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    """Stop the server this benchmark started (its own process group only)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's worker processes: the children of the master (found through /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry.name))
    return sorted(pids)
