"""What one simulated day shares between its operators: the windows, the settings, the
server's clock, the recorder, the ledger and the province desks; and each commune's plan."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from dashboard.simulator.clock import ServerClock
from dashboard.simulator.figures import AreaPlan
from dashboard.simulator.ledger import Ledger
from dashboard.simulator.stats import Recorder

if TYPE_CHECKING:
    from dashboard.simulator.desk import ProvinceDesk


@dataclass(frozen=True)
class Window:
    """A reporting window as the API lists it (server times, +07:00)."""

    key: str
    kind: str  # "opening" or "turnout"
    due_at: datetime
    opens_at: datetime
    closes_at: datetime
    index: int = 0  # among the turnout windows
    count: int = 1


@dataclass
class Settings:
    password: str  # of every simulated account
    live_checks: bool = True  # form: the row's as-you-type check before each save
    impossible_share: float = 0.04  # items first typed with an impossible figure
    retry_share: float = 0.02  # items sent twice (a double Enter, a network retry)
    count_minutes: float = 120.0  # server minutes over which the tally minutes arrive
    grace_minutes: float = 30.0  # a late-entry exception lasts at least this long
    verify: bool = True  # read back every saved item at the end


@dataclass
class Shared:
    """What every operator of one run uses."""

    base_url: str
    election_id: int
    windows: list[Window]
    clock: ServerClock
    recorder: Recorder
    settings: Settings
    stop: threading.Event
    ledger: Ledger = field(default_factory=Ledger)
    desks: dict[str, ProvinceDesk] = field(default_factory=dict)
    day_starts: datetime | None = None  # server time when the operators set off

    @property
    def count_starts(self) -> datetime:
        return max(w.due_at for w in self.windows if w.kind == "turnout")


@dataclass
class CommunePlan:
    commune: str
    province: str
    username: str
    path: str  # "form" or "api"
    areas: list[AreaPlan]
    late_window: str | None = None
