"""One simulated commune operator, in its own thread with its own HTTP session.

An operator logs in with the commune's own account and plays the day on the server's
clock: for each reporting window still ahead, it arrives at a random moment of the entry
period and saves every polling area's cumulative figure (a few first typed impossibly,
refused, then corrected; some resent, which must change nothing). A late commune misses
one window, is refused (T05), phones the province, and enters once the exception is
granted. After the count starts, the tally sheets arrive one polling area at a time;
when all are in, the commune asks to end entry and the province confirms.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from dashboard.simulator.api import ApiClient
from dashboard.simulator.channels import ApiChannel, Channel, FormChannel
from dashboard.simulator.figures import (
    IMPOSSIBLE_TURNOUT_CODE,
    AreaPlan,
    Sheet,
    impossible_sheet,
    make_sheet,
)
from dashboard.simulator.ledger import verify
from dashboard.simulator.pages import CLOSE_ASK, ROUTER, EntryPages, Saved, check_callbacks
from dashboard.simulator.session import BrowserSession, LoginFailed
from dashboard.simulator.shared import CommunePlan, Shared, Window
from data.clock import LOCAL_TZ

log = logging.getLogger(__name__)

# One try at saving an item: (warnings to confirm, reason) → what the server answered.
Attempt = Callable[[tuple[str, ...], str], Saved]

TIME_CODES = frozenset({"T05", "E_COUNT_NOT_STARTED", "E_CLOSED"})
ATTEMPTS = 5  # saves of one item before it is given up as an unexpected failure
REASON = "Mô phỏng: tổ bầu cử xác nhận số liệu qua điện thoại"


class Operator:
    def __init__(self, shared: Shared, plan: CommunePlan, seed: int) -> None:
        self.shared, self.plan = shared, plan
        self.rec = shared.recorder
        self.rng = random.Random(f"{seed}/{plan.commune}")
        self.browser: BrowserSession | None = None
        self.api: ApiClient | None = None
        self.channel: Channel | None = None
        self.done = False  # every planned step happened
        self.thread = threading.Thread(target=self.run, name=f"op-{plan.commune}", daemon=True)

    # --- lifecycle --------------------------------------------------------------
    def run(self) -> None:
        try:
            self._login()
            self._day()
        except (LoginFailed, ConnectionError) as error:
            self.rec.unexpected(0, str(error))
        except Exception as error:  # an operator's crash must not hide the others' results
            log.exception("operator %s failed", self.plan.commune)
            self.rec.unexpected(0, f"{self.plan.commune}: {error!r}")
        finally:
            self._verify()
            for client in (self.browser, self.api):
                if client is not None:
                    client.close()

    def _login(self) -> None:
        s = self.shared
        if self.plan.path == "form":
            self.browser = BrowserSession(s.base_url, self.rec)
            self.browser.login(self.plan.username, s.settings.password)
            channel = FormChannel(self.browser, s.election_id, self.plan.commune)
            channel.check_app(self.browser.load_app())
            channel.live_checks = s.settings.live_checks
            self.channel = channel
        else:
            self.api = ApiClient(s.base_url, self.rec)
            self.api.authenticate(self.plan.username, s.settings.password)
            self.channel = ApiChannel(self.api, s.election_id)

    def _day(self) -> None:
        s, clock = self.shared, self.shared.clock
        started = s.day_starts or clock.now()
        for window in s.windows:
            if window.closes_at <= started:
                continue  # over before the day began: not simulated (a late login is late)
            if window.kind == "opening" and self.channel.save_opening is None:
                continue
            if not clock.wait_until(self._arrival(window, started), s.stop):
                return  # stopped, or a pinned clock that never reaches this window
            self._report_window(window)
        sheets_from = s.count_starts
        spread = timedelta(minutes=s.settings.count_minutes)  # the minutes arrive over this
        if clock.speed <= 0:
            spread = timedelta(0)  # a pinned clock: whatever can be entered now, at once
        arrivals = sorted(
            (sheets_from + spread * self.rng.uniform(0.05, 1.0), a.code) for a in self.plan.areas
        )
        by_code = {a.code: a for a in self.plan.areas}
        for moment, code in arrivals:
            if not clock.wait_until(max(moment, sheets_from), s.stop):
                return
            self._enter_sheets(by_code[code])
        if s.stop.is_set():
            return
        self._close()
        self.done = True

    def _arrival(self, window: Window, started: datetime) -> datetime:
        """When the operator sits down to enter ``window``: a random moment in the first
        half of its entry period, or a few minutes after it closed for a late commune."""
        rng = self.rng
        if window.key == self.plan.late_window:
            return window.closes_at + timedelta(minutes=rng.uniform(1, 8))
        start = max(window.opens_at, started)
        if self.shared.clock.speed <= 0:
            rng.random()  # the same draws as a running clock: a run stays repeatable
            return start
        return start + (window.closes_at - start) * rng.uniform(0.0, 0.5)

    # --- turnout ----------------------------------------------------------------
    def _report_window(self, window: Window) -> None:
        listed = self.channel.begin_window(window.key)
        if self.plan.path == "form":
            missing = {a.code for a in self.plan.areas} - set(listed)
            if missing:
                self.rec.unexpected(
                    0, f"{', '.join(sorted(missing))}: không có trong bảng nhập mốc {window.key}"
                )
                return
        for area in self.plan.areas:
            if self.shared.stop.is_set():
                return
            if window.kind == "opening":
                self._report_opening(area, window)
            else:
                self._report_turnout(area, window)

    def _report_opening(self, area: AreaPlan, window: Window) -> None:
        opened = window.due_at - timedelta(minutes=self.rng.randint(0, 10))
        text = f"{opened.astimezone(LOCAL_TZ):%H:%M}"
        save = self.channel.save_opening
        if save is None:  # _day skips the opening window for such channels
            return
        result = self._save(f"{area.code}/khai mạc", window, lambda w, r: save(area.code, text))
        if result is not None:
            self.shared.ledger.saved_opening(area.code, text, result.version or 0)
            self.rec.count("opening.saved")

    def _report_turnout(self, area: AreaPlan, window: Window) -> None:
        figures = area.turnout(window.index, window.count)
        what = f"báo cáo {area.code}/{window.key}"
        corrected = False
        if self.rng.random() < self.shared.settings.impossible_share:
            wrong = area.impossible_turnout(self.rng)
            refused = self.channel.save_turnout(area.code, window.key, wrong, (), "")
            corrected = self._expect_refusal(refused, IMPOSSIBLE_TURNOUT_CODE, what, window)
        result = self._save(
            what,
            window,
            lambda warnings, reason: self.channel.save_turnout(
                area.code, window.key, figures, warnings, reason
            ),
        )
        if result is None:
            return
        self._count("turnout", result, corrected)
        self.shared.ledger.saved_turnout(area.code, window.key, figures, result.version or 0)
        if self.rng.random() < self.shared.settings.retry_share:
            again = self.channel.save_turnout(
                area.code, window.key, figures, result.confirmed, REASON
            )
            self._expect_unchanged(again, result, "turnout", what)

    # --- tally sheets -------------------------------------------------------------
    def _enter_sheets(self, area: AreaPlan) -> None:
        windows = [w.key for w in self.shared.windows if w.kind == "turnout"]
        voted = self.shared.ledger.last_turnout(area.code, windows) or area.final
        contests = self.channel.levels(area.code)
        if not contests:
            self.rec.unexpected(0, f"{area.code}: không có cấp bầu cử nào để nhập biên bản")
        for level, (candidates, seats) in contests.items():
            if self.shared.stop.is_set():
                return
            rng = random.Random(f"{area.code}/{level}")
            sheet = make_sheet(area.registered.total, voted, candidates, seats, rng)
            self._enter_sheet(area, level, sheet)

    def _enter_sheet(self, area: AreaPlan, level: str, sheet: Sheet) -> None:
        what = f"biên bản {area.code}/{level}"
        window = self._count_window()
        corrected = False
        if self.rng.random() < self.shared.settings.impossible_share:
            wrong, code = impossible_sheet(sheet, self.rng)
            refused = self.channel.save_sheet(area.code, level, wrong, (), "")
            corrected = self._expect_refusal(refused, code, what, window)
        result = self._save(
            what,
            window,
            lambda warnings, reason: self.channel.save_sheet(
                area.code, level, sheet, warnings, reason
            ),
        )
        if result is None:
            return
        self._count("sheet", result, corrected)
        self.shared.ledger.saved_sheet(area.code, level, sheet, result.version or 0)
        if self.rng.random() < self.shared.settings.retry_share:
            again = self.channel.save_sheet(area.code, level, sheet, result.confirmed, REASON)
            self._expect_unchanged(again, result, "sheet", what)

    def _count_window(self) -> Window:
        starts = self.shared.count_starts
        return Window("count", "count", starts, starts, datetime.max.replace(tzinfo=LOCAL_TZ))

    # --- one item, whatever the way -------------------------------------------------
    def _save(self, what: str, window: Window, attempt: Attempt) -> Saved | None:
        """Save a good figure: confirm warnings the server raises, ask for an exception
        when the window has closed, wait when it is not open yet. None: given up."""
        warnings: tuple[str, ...] = ()
        late = False
        result: Saved | None = None
        for _ in range(ATTEMPTS):
            result = attempt(warnings, REASON)
            if result.saved:
                if late:
                    self.rec.count("turnout.late")  # a late window (or opening) entered
                return result
            if result.only_warnings and not warnings:
                warnings = tuple(result.warnings)
                continue
            if "T05" in result.codes or "E_COUNT_NOT_STARTED" in result.codes:
                if self.shared.clock.now() < window.opens_at + timedelta(minutes=1):
                    self._pause_for_clock()  # our idea of the server's clock runs early
                    continue
                late = True
                if not self._ask_exception(window):
                    break
                self.channel.begin_window(window.key)
                continue
            break
        assert result is not None
        self.rec.judged(
            result.status,
            f"{self.plan.username}: {what} bị từ chối: {', '.join(sorted(result.codes)) or '?'}",
        )
        return None

    def _expect_refusal(self, refused: Saved, code: str, what: str, window: Window) -> bool:
        """An impossible figure must be refused with ``code``; True when it was."""
        if refused.saved:
            self.rec.judged(refused.status, f"{what}: số không thể có đã được lưu")
            return False
        if code not in refused.codes:
            if refused.codes & TIME_CODES:
                return False  # refused for the time first; the good figure goes on as usual
            self.rec.judged(
                refused.status, f"{what}: không bị từ chối bằng {code} ({sorted(refused.codes)})"
            )
            return False
        return True

    def _expect_unchanged(self, again: Saved, first: Saved, kind: str, what: str) -> None:
        """A resend of what was just saved must change nothing (same version)."""
        if again.saved and again.unchanged and again.version == first.version:
            self.rec.count(f"{kind}.unchanged")
        elif not again.saved and again.codes & TIME_CODES:
            pass  # resent after the window closed: refused for the time, nothing written
        else:
            self.rec.judged(
                again.status,
                f"{what}: gửi lại nhưng không phải 'không đổi' (lưu: {again.saved}, phiên bản"
                f" {first.version}→{again.version}, mã: {sorted(again.codes)})",
            )

    def _count(self, kind: str, result: Saved, corrected: bool) -> None:
        if result.unchanged:
            self.rec.count(f"{kind}.unchanged")
            return
        self.rec.count(f"{kind}.saved")
        if corrected:
            self.rec.count(f"{kind}.corrected")
        if result.confirmed:
            self.rec.count(f"{kind}.warned")

    def _pause_for_clock(self) -> None:
        clock = self.shared.clock
        self.shared.stop.wait(min(max(clock.real_seconds(timedelta(minutes=1)), 0.2), 2.0))

    def _ask_exception(self, window: Window) -> bool:
        desk = self.shared.desks.get(self.plan.province)
        if desk is None or window.kind == "count":
            return False
        return desk.grant(self.plan.commune, window)

    # --- end of entry -------------------------------------------------------------
    def _close(self) -> None:
        if self.browser is None:  # an API operator asks on the web page (no API for it)
            self.browser = BrowserSession(self.shared.base_url, self.rec)
            self.browser.login(self.plan.username, self.shared.settings.password)
            check_callbacks(self.browser.load_app(), (ROUTER, CLOSE_ASK))
        pages = EntryPages(self.browser, self.shared.election_id, self.plan.commune)
        reply = pages.ask_closure("Đã nhập đủ, đã đối chiếu với biên bản giấy")
        if not reply.has("ec-ask-done", "data"):
            self.rec.judged(reply.status, f"{self.plan.commune}: đề nghị kết thúc không gửi được")
            return
        self.rec.count("closure.requested")
        desk = self.shared.desks.get(self.plan.province)
        if desk is not None and desk.confirm(self.plan.commune):
            self.rec.count("closure.confirmed")

    def _verify(self) -> None:
        s = self.shared
        if not s.settings.verify or self.channel is None:
            return
        api = self.api
        if api is None and self.browser is not None:
            api = ApiClient(s.base_url, self.rec)  # the API also accepts the web session
            api.http.cookies = self.browser.http.cookies
        if api is not None:
            verify(api, s.election_id, s.ledger, {a.code for a in self.plan.areas}, self.rec)
