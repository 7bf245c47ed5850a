"""Ralph's learning record store (ralph-malph, the LRS of France Université Numérique), run for
real on loopback by the tests: its FastAPI app under uvicorn in a subprocess, the file-system
backend in a temporary folder (appending: see ralph_server.py), HTTP basic authentication from
its own credentials file.

``stop()`` ends the process (connections refused: the store is really away); ``start()``
brings it back on the same port with the same folder, so what it stored is still there.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import bcrypt
import requests

KEY = "course-engine-test"
SECRET = "a secret only the LRS and the test know"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphLRS:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        auth = [{"username": KEY, "hash": bcrypt.hashpw(SECRET.encode(), bcrypt.gensalt(4)).decode(),
                 "scopes": ["all"], "agent": {"mbox": "mailto:lrs-admin@example.org"}}]
        (self.folder / "auth.json").write_text(json.dumps(auth))
        self.port = _free_port()
        self.process = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        env = {**os.environ, "RALPH_APP_DIR": str(self.folder), "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
               "RALPH_RUNSERVER_BACKEND": "fs",
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
               "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data")}
        self.log = open(self.folder / "ralph.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("ralph_server.py")), str(self.port)],
            env=env, cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph stopped: see {self.folder / 'ralph.log'}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("Ralph did not start within 60 seconds")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None
            self.log.close()

    def statements(self) -> list[dict]:
        """Every statement the store holds, read back through its xAPI GET (following ``more``)."""
        found, url = [], f"http://127.0.0.1:{self.port}/xAPI/statements?limit=100"
        while url:
            answer = requests.get(url, auth=(KEY, SECRET), headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
            answer.raise_for_status()
            body = answer.json()
            found += body["statements"]
            more = body.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return found
