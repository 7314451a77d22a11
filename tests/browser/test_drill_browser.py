"""The DRILL banner in headless Chromium: it appears as soon as a drill is picked, leaves
with it (also when moving to another page), and fits a laptop and a phone
(BAUCU_SCREENSHOTS=dir keeps the screenshots)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from data.clock import LOCAL_TZ
from data.drills import create_drill
from tests.browser.conftest import LiveApp
from tests.browser.test_dashboards_browser import open_as

pytestmark = pytest.mark.browser

BANNER = "DIỄN TẬP — dữ liệu không có giá trị"
DRILL = "Diễn tập 20/3"


def pick(page: Any, picker: str, label: str) -> None:
    page.click(f"#{picker}")
    page.click(f"[role=option]:has-text('{label}')")


@pytest.mark.parametrize(
    ("user", "path", "picker", "ready", "size", "shot"),
    [
        ("tinh_hanoi", "/", "cc-election", "#cc-map .main-svg", (1366, 768), "drill_1366.png"),
        ("xa_badinh", "/entry", "eh-election", "#eh-commune", (390, 844), "drill_390.png"),
    ],
)
def test_the_banner_follows_the_picked_election(
    live_app: LiveApp, browser: Any, user, path, picker, ready, size, shot
):
    w = live_app.world
    start = datetime(2026, 3, 20, 8, 0, tzinfo=LOCAL_TZ)  # newer than the real election
    create_drill(w.db, w.admin, w.eid, DRILL, start, clock=w.clock)
    page, problems = open_as(browser, live_app, user, path, size)
    page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_timeout(300)
    assert page.locator(".drill-banner").count() == 0  # the real election comes first

    pick(page, picker, f"DIỄN TẬP · {DRILL}")
    banner = page.wait_for_selector(".drill-banner", timeout=10_000)
    assert BANNER in banner.inner_text()
    box = banner.bounding_box()
    assert box is not None and box["width"] <= size[0] and box["y"] < size[1] / 2
    page.wait_for_timeout(500)
    page.screenshot(path=str(live_app.shots / shot))

    pick(page, picker, "Bầu cử thử 2026")
    page.wait_for_selector(".drill-banner", state="detached", timeout=10_000)

    if size[0] >= 1200:  # the links show without the toggler: move to another page
        pick(page, picker, f"DIỄN TẬP · {DRILL}")
        page.wait_for_selector(".drill-banner", timeout=10_000)
        page.click("nav a[href='/results']")
        page.wait_for_selector("#rs-election", timeout=10_000)
        page.wait_for_timeout(1_000)
        assert page.locator(".drill-banner").count() == 0  # its picker starts on the real one
        pick(page, "rs-election", f"DIỄN TẬP · {DRILL}")
        page.wait_for_selector(".drill-banner", timeout=10_000)
    assert not problems, problems
    page.close()
