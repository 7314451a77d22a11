"""The server's clock as the simulator sees it.

Windows open and close on the server's clock (``BAUCU_CLOCK`` may pin it or run it
faster), so the simulator reads it: ``as_of`` of ``GET /progress/{unit}`` is the server's
"now". Two readings a moment apart give its speed; later readings keep the offset right.
Between readings the moment is extrapolated from the local monotonic clock.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta

from dashboard.simulator.api import ApiClient

RESYNC_SECONDS = 5.0
FROZEN_BELOW = 0.05  # a measured speed under this is a pinned clock


class ClockUnavailable(Exception):
    pass


class ServerClock:
    def __init__(
        self, api: ApiClient, election_id: int, unit_code: str, speed: float | None = None
    ) -> None:
        self.api, self.path = api, f"/elections/{election_id}/progress/{unit_code}"
        self._lock = threading.Lock()
        first_local, first_server = self._read()
        if speed is None:
            time.sleep(1.5)
            local, server = self._read()
            measured = (server - first_server).total_seconds() / max(local - first_local, 1e-6)
            speed = 0.0 if measured < FROZEN_BELOW else _snap(measured)
            first_local, first_server = local, server
        self.speed = speed
        self._local, self._server = first_local, first_server

    def _read(self) -> tuple[float, datetime]:
        before = time.monotonic()
        answer = self.api.get("clock", self.path)
        after = time.monotonic()
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise ClockUnavailable(f"không đọc được đồng hồ máy chủ ({answer.status})")
        return (before + after) / 2, datetime.fromisoformat(answer.body["as_of"])

    def sync(self) -> None:
        """Read the server's clock again now (the offset; the speed stays)."""
        with self._lock:
            self._local, self._server = self._read()

    def now(self) -> datetime:
        with self._lock:
            elapsed = time.monotonic() - self._local
            if elapsed > RESYNC_SECONDS and self.speed > 0:
                try:
                    self._local, self._server = self._read()
                    elapsed = time.monotonic() - self._local
                except ClockUnavailable:
                    pass  # keep extrapolating; the next call tries again
            return self._server + timedelta(seconds=elapsed * self.speed)

    def real_seconds(self, server_span: timedelta) -> float:
        """How long ``server_span`` of server time lasts here (inf for a pinned clock)."""
        if self.speed <= 0:
            return float("inf")
        return server_span.total_seconds() / self.speed

    def wait_until(self, moment: datetime, stop: threading.Event) -> bool:
        """Sleep until the server's clock reaches ``moment``; False if stopped first or if
        the clock is pinned before it."""
        while not stop.is_set():
            left = moment - self.now()
            if left <= timedelta(0):
                return True
            if self.speed <= 0:
                return False
            stop.wait(min(self.real_seconds(left), 1.0))
        return False


def _snap(speed: float) -> float:
    """599.3 → 600: ``BAUCU_CLOCK`` speeds are round numbers (two significant figures at
    most); the jitter of two readings over HTTP is not."""
    step = 10 ** (math.floor(math.log10(speed)) - 1)
    nearest = round(speed / step) * step
    return float(nearest) if abs(speed - nearest) / nearest < 0.02 else speed
