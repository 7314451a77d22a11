"""The dashboards in headless Chromium: every role's page renders without console errors,
a report saved through the service shows on the open command centre within 5 s (no reload),
and screenshots at projector, laptop and phone sizes (BAUCU_SCREENSHOTS=dir keeps them).

The fixtures live here (not in conftest.py): the app is served from a thread on a free port
against a temporary SQLite file with the small election and every user's password.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from data.db import Database
from data.read_models.cache import default_cache
from data.schema import create_all
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import World, make_world
from tests.http.conftest import PASSWORD, give_passwords

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Served:
    url: str
    world: World
    shots: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    default_cache().invalidate()
    db = Database(f"sqlite:///{tmp_path / 'dash.sqlite3'}")
    create_all(db.engine)
    world = make_world(db)
    give_passwords(world)
    app = create_app(db, clock=world.clock)
    server = make_server("127.0.0.1", _free_port(), app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = Path(os.environ.get("BAUCU_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Served(f"http://127.0.0.1:{server.port}", world, shots)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        db.dispose()
        default_cache().invalidate()


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_as(chromium: Any, served: Served, user: str, path: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{served.url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{served.url}{path}")
    return page, problems


def report(served: Served, area: str, voted: int) -> None:
    w = served.world
    actor = w.commune_a if area.startswith("00004") else w.commune_b
    submit_turnout(w.db, actor, w.eid, TurnoutInput(area, "0900", voted), clock=w.clock)


@pytest.mark.parametrize(
    ("user", "path", "size", "marker", "shot", "expected"),
    [
        ("hdbcqg", "/", (1920, 1080), "#cc-map .main-svg", "command_centre_1920.png", "Ba Đình"),
        ("tinh_hanoi", "/", (1366, 768), "#cc-map .main-svg", "province_1366.png", "Ba Đình"),
        ("hdbcqg", "/screen", (1920, 1080), "#sc-turnout .main-svg", "screen_1920.png", "6,59 %"),
        ("lanhdao", "/leader", (390, 844), ".bc-big", "leader_390.png", "6,59 %"),
        ("xa_badinh", "/", (1366, 768), "#cc-map .main-svg", "commune_1366.png", "Phường Ba Đình"),
        ("tinh_hanoi", "/results", (1366, 768), ".bc-result-card", "results_1366.png", "QH-01"),
    ],
)
def test_each_roles_page_renders_without_console_errors(
    served, chromium, user, path, size, marker, shot, expected
):
    report(served, "00004-01", 300)
    page, problems = open_as(chromium, served, user, path, size)
    page.wait_for_selector(marker, timeout=15_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(served.shots / shot), full_page=path != "/screen")
    assert not problems, problems
    body = page.inner_text("body")
    assert expected in body
    if user == "xa_badinh":
        assert "Ngọc Hà" not in body
    page.close()


def test_a_saved_report_shows_on_the_open_command_centre_within_5_seconds(served, chromium):
    page, problems = open_as(chromium, served, "tinh_hanoi", "/", (1920, 1080))
    page.wait_for_selector("#cc-headline .bc-kpi-value", timeout=15_000)
    assert "0 / 6" in page.inner_text("#cc-headline")
    report(served, "00008-01", 450)  # through the real write service, another "office"
    started = time.monotonic()
    page.wait_for_function(
        "() => document.querySelector('#cc-headline').innerText.includes('1 / 6')",
        timeout=5_000,
    )
    elapsed = time.monotonic() - started
    assert "9,89 %" in page.inner_text("#cc-headline")  # 450 of 4.550
    assert elapsed < 5
    assert "Phường Ba Đình" in page.inner_text("#cc-late")
    assert not problems, problems
    page.close()
