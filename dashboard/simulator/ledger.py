"""What the simulator saved and the server confirmed, to be checked against what the server
stores at the end: a figure the server acknowledged but does not hold is a lost save."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from dashboard.simulator.api import ApiClient
from dashboard.simulator.figures import Sheet, Turnout
from dashboard.simulator.stats import Recorder

Key = tuple[str, str]  # (polling area, window key or level)


@dataclass
class Ledger:
    turnout: dict[tuple[str, str], tuple[Turnout, int]] = field(default_factory=dict)
    sheets: dict[tuple[str, str], tuple[Sheet, int]] = field(default_factory=dict)
    openings: dict[str, tuple[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def saved_turnout(self, area: str, window: str, figures: Turnout, version: int) -> None:
        with self._lock:
            self.turnout[(area, window)] = (figures, version)

    def saved_sheet(self, area: str, level: str, sheet: Sheet, version: int) -> None:
        with self._lock:
            self.sheets[(area, level)] = (sheet, version)

    def saved_opening(self, area: str, opened: str, version: int) -> None:
        with self._lock:
            self.openings[area] = (opened, version)

    def last_turnout(self, area: str, windows: list[str]) -> int | None:
        """The latest saved cumulative figure of ``area`` (``windows`` in day order)."""
        with self._lock:
            for key in reversed(windows):
                if (area, key) in self.turnout:
                    return self.turnout[(area, key)][0].total
        return None

    def of_areas(
        self, areas: set[str]
    ) -> tuple[dict[Key, tuple[Turnout, int]], dict[Key, tuple[Sheet, int]]]:
        with self._lock:
            return (
                {k: v for k, v in self.turnout.items() if k[0] in areas},
                {k: v for k, v in self.sheets.items() if k[0] in areas},
            )


def verify(api: ApiClient, election_id: int, ledger: Ledger, areas: set[str], rec: Recorder) -> int:
    """Read back every saved report and sheet of ``areas``; returns how many were checked.
    A missing or different one is recorded as unexpected (a lost save)."""
    turnout, sheets = ledger.of_areas(areas)
    for (area, window), (figures, version) in sorted(turnout.items()):
        answer = api.get("verify", f"/elections/{election_id}/turnout/{area}/{window}")
        body = answer.body if isinstance(answer.body, dict) else {}
        stored = (body.get("voted_total"), body.get("voted_male"), body.get("voted_female"))
        if answer.status != 200 or stored != (figures.total, figures.male, figures.female):
            rec.judged(answer.status, f"lưu mất: báo cáo {area}/{window} — máy chủ có {stored}")
        elif body.get("version") != version:
            rec.judged(
                answer.status,
                f"phiên bản khác: báo cáo {area}/{window} v{body.get('version')} ≠ v{version}",
            )
    for (area, level), (sheet, version) in sorted(sheets.items()):
        answer = api.get("verify", f"/elections/{election_id}/tally-sheets/{area}/{level}")
        body = answer.body if isinstance(answer.body, dict) else {}
        counts = {k: body.get(k) for k in sheet.counts()}
        votes = {int(k): v for k, v in (body.get("votes") or {}).items()}
        if answer.status != 200 or counts != sheet.counts() or votes != sheet.votes:
            rec.judged(answer.status, f"lưu mất: biên bản {area}/{level}")
        elif body.get("version") != version:
            rec.judged(
                answer.status,
                f"phiên bản khác: biên bản {area}/{level} v{body.get('version')} ≠ v{version}",
            )
    return len(turnout) + len(sheets)
