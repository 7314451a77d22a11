"""A real server on the demo election for the simulator: the app served from a thread on a
free port (as tests/browser does), on the test database (SQLite file, then PostgreSQL).

The server's clock is held at a start moment while the simulator prepares (logins, reads),
then released to run many times faster, so the compressed day does not depend on how long
the preparation took on a loaded machine.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from data.clock import LOCAL_TZ
from data.db import Database
from data.generators.demo import demo_package
from data.loader import load_package
from data.read_models.cache import default_cache

ELECTION = "Bầu cử demo 2026 (mô phỏng)"
PASSWORD = "mật khẩu mô phỏng 2026"


class HeldClock:
    """Frozen at ``start`` until :meth:`release`, then ``speed`` times faster than real time."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self.released: float | None = None

    def release(self) -> None:
        self.released = time.monotonic()

    def now(self) -> datetime:
        if self.released is None:
            return self.start
        elapsed = (time.monotonic() - self.released) * self.speed
        return self.start + timedelta(seconds=elapsed)


@dataclass
class DemoServer:
    url: str
    db: Database
    election_id: int
    clock: HeldClock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def demo_server(db: Database) -> Iterator[DemoServer]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    default_cache().invalidate()  # ids repeat across test databases
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    eid = load_package(db, demo_package(election_name=ELECTION)).election_id
    clock = HeldClock(datetime(2026, 3, 15, 16, 40, tzinfo=LOCAL_TZ), speed=900)
    app = create_app(db, clock=clock)
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DemoServer(f"http://127.0.0.1:{port}", db, eid, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        default_cache().invalidate()
