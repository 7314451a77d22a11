"""Reporting windows of election day (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from data.clock import LOCAL_TZ
from data.enums import WindowKind


@dataclass(frozen=True)
class WindowSpec:
    key: str
    kind: WindowKind
    due_at: time
    opens_at: time
    closes_at: time

    def on(self, day: date) -> tuple[datetime, datetime, datetime]:
        """(due, opens, closes) as aware local datetimes on election day."""
        return tuple(  # type: ignore[return-value]
            datetime.combine(day, t, LOCAL_TZ) for t in (self.due_at, self.opens_at, self.closes_at)
        )


OPENING_KEY = "opening"


def _turnout(hour: int, before: int = 15, after: int = 15) -> WindowSpec:
    due = time(hour, 0)
    anchor = datetime.combine(date(2000, 1, 1), due)
    return WindowSpec(
        key=f"{hour:02d}00",
        kind=WindowKind.TURNOUT,
        due_at=due,
        opens_at=(anchor - timedelta(minutes=before)).time(),
        closes_at=(anchor + timedelta(minutes=after)).time(),
    )


DEFAULT_WINDOWS: tuple[WindowSpec, ...] = (
    WindowSpec(OPENING_KEY, WindowKind.OPENING, time(7, 0), time(6, 45), time(7, 15)),
    _turnout(9),
    _turnout(11),
    _turnout(13),
    _turnout(15),
    _turnout(17),
    _turnout(19, before=0, after=60),
)


def parse_hhmm(text: str) -> time:
    """``"09:15"`` → ``time(9, 15)``; raises ValueError with a plain message."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"giờ không hợp lệ (HH:MM): {text!r}") from exc
