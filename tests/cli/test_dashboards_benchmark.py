"""Smoke test of benchmarks/dashboards_under_load.py: its load (screens polling the command
centre, writers and the save-to-screen probe) against the demo election on SQLite, served
from a thread, for a few seconds."""

from __future__ import annotations

import importlib.util
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from data.clock import FixedClock
from data.db import Database
from data.generators.demo import demo_package
from data.loader import load_package
from data.read_models.cache import default_cache
from data.schema import create_all

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboards_under_load.py"
ELECTION = "Bầu cử demo 2026 (tải màn hình)"
PASSWORD = "mật khẩu đo tải 2026"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dashboards_under_load", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, bench: ModuleType) -> Iterator[tuple[str, Database, object]]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    default_cache().invalidate()  # ids repeat across test databases
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    db = Database(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    create_all(db.engine)
    load_package(db, demo_package(election_name=ELECTION))
    window = bench.find_window(db, ELECTION, "0900")
    app = create_app(db, clock=FixedClock(window.middle()))
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", db, window
    finally:
        server.shutdown()
        thread.join(timeout=10)
        db.dispose()
        default_cache().invalidate()


def test_screens_writers_and_probe_run_and_are_measured(
    served: tuple[str, Database, object], bench: ModuleType
) -> None:
    base, db, window = served
    accounts = bench.ensure_accounts(db, window.election_id, PASSWORD)
    assert [a.scope for a in accounts] == ["VN", "12"]
    rows = bench.new_rows(db, window)
    assert rows and all(r.voted_total > 0 for r in rows)
    settings = bench.Settings(
        screens=8, writers=2, idle=1.5, duration=3.0, poll=0.5, client_threads=4, probe_every=0.5
    )
    target = bench.Target(base, window.election_id, window.key, PASSWORD, accounts)
    result = bench.Load(target, settings, rows).run()

    assert not result.errors, result.problems
    idle = [p for p in result.polls if p.phase == "idle"]
    ingest = [p for p in result.polls if p.phase == "ingest"]
    # nothing written: every idle tick is unchanged; writes make ingest ticks change
    assert idle and not any(p.changed for p in idle)
    assert ingest and any(p.changed for p in ingest)
    assert result.entries and all(status == 201 for _, status in result.entries)
    delays, missing = result.delays()
    assert delays and missing == 0
    assert all(0 < d < 10 for d in delays)

    stored = len({r.area_id for r in result.stored})
    assert bench.remove_stored(db, window) == stored
    assert len(bench.new_rows(db, window)) == len(rows)
