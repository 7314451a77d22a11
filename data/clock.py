"""The one clock every time check goes through (API.md §3, ``BAUCU_CLOCK``)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware, in Asia/Ho_Chi_Minh."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(LOCAL_TZ)


@dataclass
class FixedClock:
    """A frozen moment; tests move it with :meth:`set` or :meth:`advance`."""

    moment: datetime

    def __post_init__(self) -> None:
        self.moment = _aware(self.moment)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = _aware(moment)

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.moment = self.moment + timedelta(**delta)


@dataclass
class ScaledClock:
    """Starts at ``start`` when created and runs ``speed`` times faster than real time.

    Several processes that read the same ``BAUCU_CLOCK`` agree on the moment
    because the anchor is the real start time recorded in the variable's epoch
    (``BAUCU_CLOCK_EPOCH``) when present, otherwise process start.
    """

    start: datetime
    speed: float
    epoch: float = field(default_factory=time.time)

    def now(self) -> datetime:
        from datetime import timedelta

        elapsed = (time.time() - self.epoch) * self.speed
        return (_aware(self.start) + timedelta(seconds=elapsed)).astimezone(LOCAL_TZ)


def parse_clock(spec: str | None, epoch: float | None = None) -> Clock:
    """``None``/empty → real time; ``ISO`` → frozen; ``"ISO xN"`` → running N× faster."""
    if not spec or not spec.strip():
        return SystemClock()
    parts = spec.split()
    try:
        start = datetime.fromisoformat(parts[0])
    except ValueError as exc:
        raise ValueError(f"BAUCU_CLOCK: not an ISO date-time: {parts[0]!r}") from exc
    if len(parts) == 1:
        return FixedClock(start)
    if len(parts) != 2 or not parts[1].startswith("x"):
        raise ValueError(f"BAUCU_CLOCK: expected 'ISO' or 'ISO xN', got {spec!r}")
    try:
        speed = float(parts[1][1:])
    except ValueError as exc:
        raise ValueError(f"BAUCU_CLOCK: bad speed {parts[1]!r}") from exc
    if speed <= 0:
        raise ValueError("BAUCU_CLOCK: speed must be positive")
    return ScaledClock(start, speed, epoch if epoch is not None else time.time())


def clock_from_env() -> Clock:
    epoch = os.environ.get("BAUCU_CLOCK_EPOCH")
    return parse_clock(os.environ.get("BAUCU_CLOCK"), float(epoch) if epoch else None)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL_TZ)
    return moment
