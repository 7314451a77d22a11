"""The province committee's desk: late-entry exceptions and closure confirmations, given
through the real end-of-entry page, one at a time (a commune phones and waits)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from dashboard.simulator.pages import DESK_CALLBACKS, DeskPages, check_callbacks
from dashboard.simulator.session import BrowserSession
from dashboard.simulator.shared import Shared, Window
from data.clock import LOCAL_TZ


class ProvinceDesk:
    """The province committee's account on the end-of-entry page; one call at a time."""

    def __init__(self, shared: Shared, province: str, username: str) -> None:
        self.shared, self.province, self.username = shared, province, username
        self.lock = threading.Lock()
        self.browser = BrowserSession(shared.base_url, shared.recorder)
        self.pages = DeskPages(self.browser, shared.election_id)

    def start(self) -> None:
        self.browser.login(self.username, self.shared.settings.password)
        check_callbacks(self.browser.load_app(), DESK_CALLBACKS)
        self.pages.open()

    def grant(self, commune: str, window: Window) -> bool:
        clock = self.shared.clock
        # At least 8 real seconds to enter, however fast the server's clock runs.
        grace = timedelta(minutes=max(self.shared.settings.grace_minutes, clock.speed * 8 / 60))
        with self.lock:
            now = clock.now()
            until = max(now, window.closes_at) + grace
            until = min(until, window.closes_at.replace(hour=23, minute=59))
            until = _ceil_minute(until.astimezone(LOCAL_TZ))
            self.pages.late_communes(window.key)  # what the desk looks at before granting
            reply = self.pages.grant(
                window.key, commune, f"{until:%H:%M}", "Xã báo cáo muộn do mất kết nối"
            )
        if _success(reply.get("ec-exc-msg", "children")):
            self.shared.recorder.count("exception.granted")
            return True
        self.shared.recorder.judged(
            reply.status, f"{self.username}: không gia hạn được cho {commune}/{window.key}"
        )
        return False

    def confirm(self, commune: str) -> bool:
        with self.lock:
            request_id = self.pages.pending_request(commune)
            if request_id is None:
                self.shared.recorder.unexpected(
                    0, f"{self.username}: không thấy đề nghị của {commune}"
                )
                return False
            reply = self.pages.confirm(request_id, "Đã đối chiếu đủ biên bản")
        if _success(reply.get("ec-req-msg", "children")):
            return True
        self.shared.recorder.judged(reply.status, f"{self.username}: không xác nhận được {commune}")
        return False

    def close(self) -> None:
        self.browser.close()


def _success(component: object) -> bool:
    return isinstance(component, dict) and component.get("props", {}).get("color") == "success"


def _ceil_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)
