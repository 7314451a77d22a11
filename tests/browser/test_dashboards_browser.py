"""The dashboards in headless Chromium: every role's page renders without console errors,
a report saved through the service shows on the open command centre within 5 s (no reload),
and screenshots at projector, laptop and phone sizes (BAUCU_SCREENSHOTS=dir keeps them).

The app and Chromium come from tests/browser/conftest.py (live_app, browser).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from data.services.turnout import TurnoutInput, submit_turnout
from tests.browser.conftest import LiveApp
from tests.http.conftest import PASSWORD

pytestmark = pytest.mark.browser


def open_as(chromium: Any, served: LiveApp, user: str, path: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
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


def report(served: LiveApp, area: str, voted: int) -> None:
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
    live_app, browser, user, path, size, marker, shot, expected
):
    served, chromium = live_app, browser
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


def test_a_saved_report_shows_on_the_open_command_centre_within_5_seconds(live_app, browser):
    served, chromium = live_app, browser
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
