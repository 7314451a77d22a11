"""gunicorn serving the app, as production does, with its worker processes within reach."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import requests

from tests.faults.cluster import free_port

WORKERS = 2


class Gunicorn:
    """``gunicorn --workers 2 'dashboard.app:create_server()'`` on ``database_url``."""

    def __init__(self, database_url: str, clock: datetime, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BAUCU_CLOCK": clock.isoformat(),
            # The faults, not the rate limit, are under test.
            "BAUCU_API_RATE_PER_ACCOUNT": "1000000",
            "BAUCU_API_RATE_PER_ADDRESS": "1000000",
        }
        env.pop("BAUCU_SECRET_KEY", None)  # the signing key comes from the database, shared
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
                "--error-logfile",
                str(log),
                "dashboard.app:create_server()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def master(self) -> int:
        return self.process.pid

    def wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()}")
            try:
                if requests.get(f"{self.base}/api/v1/openapi.json", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s:\n{self.log_text()}")

    def workers(self) -> set[int]:
        """Live worker pids: the master's children (read from /proc)."""
        children = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid …": comm may hold spaces, so split after its ")".
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == self.master and fields[0] != "Z":
                children.add(int(entry.name))
        return children

    def live_workers(self, excluding: set[int], seconds: float = 30) -> set[int]:
        """Workers not in ``excluding``, waiting for the master to fork one if need be."""
        deadline = time.monotonic() + seconds
        while not (live := self.workers() - excluding):
            assert time.monotonic() < deadline, "gunicorn runs no worker"
            time.sleep(0.1)
        return live

    def wait_for_workers(self, excluding: set[int], seconds: float = 60) -> set[int]:
        """Wait until the master runs its full set of workers again, none of ``excluding``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            current = self.workers()
            if len(current) == WORKERS and not current & excluding:
                return current
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not replace workers {excluding}: {self.workers()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        # Nothing is left to finish, and a worker takes seconds to exit on its own.
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
