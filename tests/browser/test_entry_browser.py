"""An operator's election day in a real browser: keyboard entry of a window, an impossible
figure refused and fixed, a tally sheet saved, a reload mid-edit that loses nothing, and no
way into another commune. Screenshots at 1366×768 and 390×844 go under a temp dir (or
``BAUCU_SCREENSHOTS``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from data.models import TallySheet, TurnoutReport
from tests.browser.conftest import LiveApp, log_in
from tests.db.services_support import at

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def pid(**parts: str) -> str:
    """CSS selector of a pattern-matching Dash id (rendered as sorted, compact JSON)."""
    return f"[id='{json.dumps(parts, sort_keys=True, separators=(',', ':'))}']"


def field(area: str, f: str) -> str:
    return pid(area=area, f=f, type="to-f")


def shoot(page: Any, app: LiveApp, name: str) -> None:
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(250)
        page.screenshot(path=str(app.shots / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def type_row(page: Any, values: list[str]) -> None:
    """Type into the focused box and the next ones, Enter after each (keyboard only)."""
    for value in values:
        page.keyboard.type(value)
        page.keyboard.press("Enter")


def reports(app: LiveApp) -> dict[int, int]:
    with app.world.db.read() as s:
        return {r.polling_area_id: r.voted_total for r in s.scalars(select(TurnoutReport))}


def test_an_operator_enters_a_window_and_a_sheet_by_keyboard(live_app: LiveApp, browser: Any):
    app = live_app
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, app.url, "xa_badinh")

    # the operator home: the grid, the current window and its countdown
    page.goto(f"{app.url}/entry")
    page.wait_for_selector(".entry-grid")
    page.wait_for_function(
        "() => /\\d\\d:\\d\\d/.test("
        "(document.querySelector('.entry-countdown') || {}).textContent || '')"
    )
    assert "00004-01" in page.inner_text(".entry-grid")
    shoot(page, app, "01-home")

    # the 09:00 window, keyboard only: Enter moves on, Enter in the last box saves the row
    page.click("text=Nhập ngay")
    page.wait_for_selector(field("00004-01", "total"))
    # the first box has the focus: typing can start at once
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('.entry-field')"
    )
    assert page.evaluate("() => document.activeElement.id") == json.dumps(
        {"area": "00004-01", "f": "total", "type": "to-f"}, separators=(",", ":")
    )
    type_row(page, ["300", "140", "160"])
    page.wait_for_selector(f"{pid(area='00004-01', type='to-status')} .saved-mark")
    # focus went on to the next row: an impossible figure (900 of 800 registered)
    page.keyboard.type("900")
    page.wait_for_selector(f"{pid(area='00004-02', type='to-findings')} .finding-error")
    assert "T01" in page.inner_text(pid(area="00004-02", type="to-findings"))
    type_row(page, ["", "", ""])  # Enter ×3: the save is refused
    page.wait_for_selector(f"{pid(area='00004-02', type='to-status')} .refusal")
    assert "T01" in page.inner_text(pid(area="00004-02", type="to-status"))
    shoot(page, app, "02-turnout-refused")
    assert len(reports(app)) == 1
    # fix it and carry on with the third area
    page.fill(field("00004-02", "total"), "")
    page.focus(field("00004-02", "total"))
    type_row(page, ["400", "200", "200"])
    page.wait_for_selector(f"{pid(area='00004-02', type='to-status')} .saved-mark")
    type_row(page, ["310", "150", "160"])
    page.wait_for_selector(f"{pid(area='00004-03', type='to-status')} .saved-mark")
    assert sorted(reports(app).values()) == [300, 310, 400]
    shoot(page, app, "03-turnout-saved")

    # the count: a tally sheet, a reload in the middle of typing loses nothing
    app.world.clock.set(at("19:30"))
    page.goto(f"{app.url}/entry/tally?kv=00004-01&cap=QH")
    count = lambda f: pid(f=f, type="tl-count")  # noqa: E731
    page.wait_for_selector(count("voters_total"))
    page.focus(count("voters_total"))
    type_row(page, ["1000", "600", "600"])
    page.wait_for_timeout(500)  # the draft is written as you type
    page.reload()
    page.wait_for_selector(".draft-mark")
    assert page.input_value(count("voters_total")) == "1000"
    assert page.input_value(count("ballots_issued")) == "600"
    assert page.input_value(count("ballots_received")) == ""
    page.focus(count("ballots_received"))
    type_row(page, ["600", "590", "10"])
    cands = app.world.e.candidate_ids["QH-01"]
    assert page.evaluate("() => document.activeElement.id") == json.dumps(
        {"cand": cands[0], "type": "tl-vote"}, separators=(",", ":")
    )
    type_row(page, ["400", "350", "200"])
    page.wait_for_selector("#tl-findings .finding")  # K06 is held back until the last box
    page.keyboard.type("150")
    # 600 voted but the last turnout report said 300: K12 warns, the sums check out
    page.wait_for_selector("#tl-findings .finding-warning")
    assert "K12" in page.inner_text("#tl-findings")
    assert "finding-error" not in page.inner_html("#tl-findings")
    shoot(page, app, "04-tally-typed")
    page.keyboard.press("Enter")  # Enter in the last box saves: refused until confirmed
    page.wait_for_selector("#tl-status .refusal")
    assert not page.is_checked("#tl-confirm input")
    assert "K12" in page.inner_text("#tl-status")
    page.keyboard.press("Enter")  # the focus is on the confirm box: Enter ticks it
    assert page.is_checked("#tl-confirm input")
    page.keyboard.type("Tổ bầu cử báo cáo mốc 09:00, chưa báo cáo các mốc sau")
    page.keyboard.press("Enter")  # Enter in the reason saves
    page.wait_for_selector("#tl-status .saved-mark")
    with app.world.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        assert sheet is not None and sheet.ballots_valid == 590 and len(sheet.votes) == 4
    page.reload()  # a saved sheet comes back as saved, not as a draft
    page.wait_for_selector(count("voters_total"))
    page.wait_for_timeout(500)
    assert page.query_selector(".draft-mark") is None
    assert page.input_value(count("ballots_valid")) == "590"
    shoot(page, app, "05-tally-saved")

    # another commune cannot be opened, whatever the address says
    app.world.clock.set(at("11:05"))
    page.goto(f"{app.url}/entry/turnout?xa=00008&moc=1100")
    page.wait_for_selector("text=không có quyền")
    page.wait_for_selector(field("00004-01", "total"))
    assert page.query_selector(field("00008-01", "total")) is None
    assert "Ngọc Hà" not in page.inner_text("#to-table")
    shoot(page, app, "06-other-commune")
    page.goto(f"{app.url}/entry")
    page.wait_for_selector(".entry-grid")
    shoot(page, app, "07-home-later")
    assert not errors, errors
