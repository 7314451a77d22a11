"""Schemathesis against a live ``baucu serve``: no 5xx, every response as documented.

Starts the real server (``baucu serve`` in a subprocess, on a free port, on a
temporary SQLite database holding the small election and two accounts), takes
a bearer token, then lets schemathesis generate requests for every operation
of /api/v1/openapi.json — valid and invalid ones, a bounded number each.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.db import Database
from data.migrate import upgrade
from data.models import User
from data.passwords import hash_password
from tests.factories import make_small_election

pytestmark = pytest.mark.slow

PASSWORD = "mật khẩu thử nghiệm 2026"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
# `baucu serve`, with the API installed whether or not dashboard/app.py does it yet
# (install_api is idempotent).
LAUNCHER = """
import sys
import dashboard.app as app_module
from dashboard.api import install_api

_create_app = app_module.create_app

def create_app(*args, **kwargs):
    app = _create_app(*args, **kwargs)
    install_api(app.server, app.server.extensions["baucu"])
    return app

app_module.create_app = create_app
from dashboard.cli import main
main(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> None:
    upgrade(url)
    db = Database(url)
    make_small_election(db)
    with db.write() as s:
        for username, role, scope in (
            ("xa_badinh", "commune", "00004"),
            ("tinh_hanoi", "province", "01"),
        ):
            s.add(
                User(
                    username=username,
                    full_name=username,
                    role=role,
                    scope_code=scope,
                    password_hash=hash_password(PASSWORD),
                    must_change_password=False,
                )
            )
    db.dispose()


def wait_until_up(base: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-5000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the server did not come up")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    seed(url)
    port = free_port()
    env = {
        **os.environ,
        "BAUCU_HOME": str(tmp_path),
        "BAUCU_CLOCK": "2026-03-15T09:05+07:00",  # the 09:00 window is open
        "BAUCU_API_RATE_PER_ACCOUNT": "1000000",
        "BAUCU_API_RATE_PER_ADDRESS": "1000000",
        "BAUCU_API_FAILURE_FLOOR": "0",
    }
    env.pop("DATABASE_URL", None)
    args = ["serve", "--port", str(port), "--no-browser", "--database-url", url]
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:  # a file, never a pipe nobody reads (it would fill up)
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token(base: str, username: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/token",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def schemathesis_command() -> list[str]:
    pytest.importorskip("schemathesis")
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.skip("the schemathesis command is not installed")
    return [st]


@pytest.mark.parametrize("username", ["xa_badinh"])
def test_schemathesis_finds_no_server_error_and_no_undocumented_response(
    live_server: str, tmp_path: Path, username: str
) -> None:
    command = schemathesis_command()
    bearer = token(live_server, username)
    result = subprocess.run(
        [
            *command,
            "run",
            f"{live_server}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {bearer}",
            "--checks",
            CHECKS,
            "--max-examples",
            "5",
            "--seed",
            "2026",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--max-time",
            "30",
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
