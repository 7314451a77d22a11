"""The app served for a benchmark: gunicorn on a free port with the clock pinned, and the
CPU time that it and its PostgreSQL sessions spend (read from /proc)."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from data.db import Database

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    app: str,
    url: str,
    port: int,
    workers: int,
    clock: datetime,
    app_name: str,
    *,
    threads: int = 1,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """``app`` is a gunicorn app spec in this folder (``module:make_wsgi()``); the server's
    PostgreSQL sessions are named ``app_name`` so their CPU can be read; API rate limits off."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "BAUCU_CLOCK": clock.isoformat(),
        "BAUCU_API_RATE_PER_ACCOUNT": "1000000",
        "BAUCU_API_RATE_PER_ADDRESS": "1000000",
        "PGAPPNAME": app_name,  # libpq names the server's sessions
        "PYTHONPATH": os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        *(["--threads", str(threads)] if threads > 1 else []),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "4096",
        "--timeout",
        "300",
        "--chdir",
        str(HERE),
        "--log-level",
        "warning",
        app,
    ]
    return subprocess.Popen(command, env=environment, start_new_session=True)


def wait_until_up(
    base: str, process: subprocess.Popen, path: str = "/login", seconds: float = 180
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def process_ticks(pid: int) -> int:
    """CPU time (user + system, clock ticks) a process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def server_ticks(db: Database, master: int, app_name: str) -> tuple[dict[int, int], dict[int, int]]:
    """CPU ticks by pid: gunicorn (master and workers), and its PostgreSQL sessions."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    with db.engine.connect() as conn:
        sessions = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": app_name},
        ).scalars()
        return {p: process_ticks(p) for p in pids}, {p: process_ticks(p) for p in sessions}


def cpu_spent(before: Mapping[int, int], after: Mapping[int, int]) -> float:
    """CPU seconds spent between two readings (sessions opened meanwhile count whole)."""
    spent = sum(ticks - before.get(pid, 0) for pid, ticks in after.items())
    return spent / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
