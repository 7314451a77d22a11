"""A throwaway PostgreSQL cluster of the fault tests' own, which they may stop and restart.

The shared cluster serves every other test, so restarting it is not an option:
``initdb`` into a temporary directory, a free port, the unix socket inside that
directory, trust authentication on 127.0.0.1 only. PostgreSQL refuses to run as
root, so under root (CI) every server command runs as the ``postgres`` OS user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "baucu"
DATABASE = "baucu_faults"
# fsync off: a stopped server is not a crashed OS, the kernel keeps what was written.
# synchronous_commit stays on, so an acknowledged commit survives an immediate stop.
SERVER_SETTINGS = (
    "-c fsync=off -c full_page_writes=off -c max_connections=60 -c listen_addresses=127.0.0.1"
)


def postgres_bin() -> Path | None:
    """The newest installed server binaries (Debian layout), else whatever is on PATH."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)
    for candidate in reversed(found):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayCluster:
    """``start()``, ``stop_immediate()`` (a crash, for the server) and ``remove()``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        # Not pytest's tmp_path: its parents are private to root, and the server runs as
        # the postgres user under root.
        self.root = Path(tempfile.mkdtemp(prefix="baucu-faults-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"
        self.socket_dir.mkdir()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:1])} failed ({done.returncode}): {done.stderr or done.stdout}"
                f"\n{self.log.read_text() if self.log.exists() else ''}"
            )

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        self.start()
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} {SERVER_SETTINGS}"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop_immediate(self) -> None:
        """Kill the server as a crash would: no checkpoint, clients cut off; recovery on start."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
