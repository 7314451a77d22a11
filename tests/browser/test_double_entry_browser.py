"""Double entry in a real browser: the second operator types the sheet blind by keyboard,
a difference is shown side by side, and the committee resolves it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from data.enums import DoubleCheck, Level, Role
from data.models import Election, TallySheet
from data.services.tally import TallyInput, save_tally_sheet
from tests.browser.conftest import LiveApp, log_in
from tests.browser.test_entry_browser import pid, shoot, type_row
from tests.db.services_support import at
from tests.factories import make_user
from tests.http.conftest import give_passwords

pytestmark = pytest.mark.browser


def test_a_blind_second_entry_that_differs_is_resolved(live_app: LiveApp, browser: Any):
    app, w = live_app, live_app.world
    with w.db.write() as s:
        s.get(Election, w.eid).settings = {"double_entry": True}
    make_user(w.db, "xa_badinh_2", Role.COMMUNE, "00004")
    give_passwords(w)
    w.clock.set(at("19:30"))
    a, b, c, d = w.e.candidate_ids["QH-01"]
    counts = dict(
        voters_total=1000,
        voters_voted=600,
        ballots_issued=600,
        ballots_received=600,
        ballots_valid=590,
        ballots_invalid=10,
    )
    save_tally_sheet(
        w.db,
        w.commune_a,
        w.eid,
        TallyInput("00004-01", Level.QH, **counts, votes={a: 400, b: 350, c: 200, d: 150}),
        clock=w.clock,
        confirm=["K12"],
        reason="khớp bản giấy",
    )

    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, app.url, "xa_badinh_2")
    page.goto(f"{app.url}/entry/tally?kv=00004-01&cap=QH")
    page.wait_for_selector(".double-second")
    count = lambda f: pid(f=f, type="tl-count")  # noqa: E731
    page.wait_for_selector(count("voters_total"))
    assert page.input_value(count("ballots_valid")) == ""  # blind: nothing of the first
    page.focus(count("voters_total"))
    type_row(page, ["1000", "600", "600", "600", "590", "10", "400", "305", "200"])
    page.keyboard.type("150")
    page.keyboard.press("Enter")  # Enter in the last box saves
    page.wait_for_selector("#tl-status .double-differs")
    with w.db.read() as s:
        assert s.scalar(select(TallySheet.double_check)) is DoubleCheck.DIFFERS

    page.reload()
    page.wait_for_selector(".double-differences")
    table = page.inner_text(".double-differences")
    assert "350" in table and "305" in table and "xa_badinh_2" in table
    assert page.input_value(pid(cand=b, type="tl-vote")) == ""  # typed from the paper
    assert page.input_value(pid(cand=a, type="tl-vote")) == "400"  # both agree
    shoot(page, app, "10-double-entry-differences")
    page.fill(pid(cand=b, type="tl-vote"), "350")
    page.fill("#tl-resolve-reason", "Bản giấy ghi 350")
    page.click("#tl-save")
    page.wait_for_selector("#tl-status .double-resolved")
    with w.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        assert (sheet.double_check, sheet.counted) == (DoubleCheck.RESOLVED, True)
    assert not errors
