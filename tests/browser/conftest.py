"""Browser fixtures: the real app served from a thread on a free port, and headless Chromium.

The app runs against a temporary SQLite file holding the small election (make_world) with
every user given the test password; the world's FixedClock is the app's clock, so a test
moves election-day time with ``world.clock.set(...)``. Chromium is the system one
(/usr/bin/chromium); without it or the playwright package the browser tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from data.db import Database
from data.read_models.cache import default_cache
from data.schema import create_all
from tests.db.services_support import World, make_world
from tests.http.conftest import PASSWORD, give_passwords

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveApp:
    url: str
    world: World
    shots: Path


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app  # warms plotly's numpy import itself

    default_cache().invalidate()  # ids repeat across test databases
    db = Database(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    create_all(db.engine)
    world = make_world(db)
    give_passwords(world)
    app = create_app(db, clock=world.clock)
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = Path(os.environ.get("BAUCU_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", world, shots)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        db.dispose()
        default_cache().invalidate()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
