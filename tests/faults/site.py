"""The fault tests' shared world: the throwaway cluster, gunicorn on it, the demo election."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import func, select

from data.db import Database
from data.models import ReportingWindow, TurnoutReport
from tests.faults.cluster import ThrowawayCluster
from tests.faults.integrity import baseline
from tests.faults.server import Gunicorn
from tests.faults.workload import WINDOW, Area, Client, Stats, Workload


@dataclass
class FaultSite:
    cluster: ThrowawayCluster
    server: Gunicorn
    db: Database
    election_id: int
    province: str
    tokens: dict[str, str]  # area code -> token of an account that may enter it
    province_token: str
    areas: list[Area] = field(default_factory=list)

    def take(self, count: int) -> list[Area]:
        """Polling areas no other test writes to."""
        assert len(self.areas) >= count, "the demo election has no more polling areas to spare"
        taken, self.areas[:] = self.areas[:count], self.areas[count:]
        return taken

    def workload(self, areas: list[Area], seconds: float = 60) -> Workload:
        return Workload(self.server.base, self.election_id, areas, self.tokens, seconds=seconds)

    def client(self, seconds: float = 30) -> Client:
        return Client(self.server.base, Stats(), time.monotonic() + seconds)

    def wait_until_settled(self, quiet: float = 1.0, seconds: float = 30) -> None:
        """Until the data version stays put for ``quiet`` seconds (requests still queued when
        their client hung up are served by then)."""
        deadline = time.monotonic() + seconds
        last, since = baseline(self.db, self.election_id).data_version, time.monotonic()
        while time.monotonic() - since < quiet:
            assert time.monotonic() < deadline, "the data version kept moving"
            time.sleep(0.2)
            now = baseline(self.db, self.election_id).data_version
            if now != last:
                last, since = now, time.monotonic()

    def check_answers(self) -> None:
        """The server still answers, with the stored data version and turnout total."""
        path = f"/api/v1/elections/{self.election_id}/progress/{self.province}"
        response = self.client().get(path, self.province_token)
        assert response.status_code == 200, response.text
        progress = response.json()
        with self.db.read() as s:
            reports, voted = s.execute(
                select(func.count(), func.coalesce(func.sum(TurnoutReport.voted_total), 0))
                .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
                .where(TurnoutReport.election_id == self.election_id, ReportingWindow.key == WINDOW)
            ).one()
        assert progress["data_version"] == baseline(self.db, self.election_id).data_version
        window = next(w for w in progress["windows"] if w["key"] == WINDOW)
        assert (window["reported_areas"], window["voted"]) == (reports, voted)
