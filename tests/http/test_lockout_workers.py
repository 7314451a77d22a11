"""The lockout holds across gunicorn workers: the counts live in the database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from auth.throttle import ACCOUNT_LIMIT
from data.db import Database
from tests.db.services_support import make_world
from tests.http.conftest import PASSWORD, give_passwords


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attempt(base: str, username: str, password: str) -> int:
    session = requests.Session()  # a fresh client each time, so workers alternate
    session.get(f"{base}/login", timeout=10)
    response = session.post(
        f"{base}/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": session.cookies["_csrf_token"],
        },
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


@pytest.fixture
def two_workers(db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two gunicorn workers on the test database (SQLite file, then PostgreSQL)."""
    give_passwords(make_world(db))
    url = db.engine.url.render_as_string(hide_password=False)
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": url, "BAUCU_SECRET_KEY": "test-secret-two-workers"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(r)s %(s)s",
            "dashboard.app:create_server()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/login", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base, log
    server.terminate()
    server.wait(timeout=20)


def test_lockout_holds_with_two_workers(two_workers):
    base, log = two_workers
    assert attempt(base, "xa_ngocha", PASSWORD) == 302  # the server works
    for _ in range(ACCOUNT_LIMIT):
        assert attempt(base, "xa_badinh", "sai mật khẩu rồi") == 401
    results = {attempt(base, "xa_badinh", PASSWORD) for _ in range(6)}
    assert results == {429}
    pids = {line.split()[0] for line in log.read_text().splitlines() if "POST /login" in line}
    assert len(pids) == 2, "both workers answered logins"
    assert re.search(r"POST /login\S* HTTP/1.1 429", log.read_text())
