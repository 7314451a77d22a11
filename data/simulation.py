"""A simulated election day played through the real write services (the demo's engine).

Commune operators report turnout window by window along a realistic curve, a
few communes are late and get an exception from the province, some tally
sheets are first typed with an impossible figure (refused, then corrected),
and each commune closes entry once its sheets are in.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from data.clock import Clock
from data.db import Database
from data.enums import Level, Role, WindowKind
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    PollingArea,
    ReportingWindow,
    Unit,
    User,
)
from data.services.actor import Actor
from data.services.entry import close_entry, grant_window_exception
from data.services.errors import ServiceError
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_opening, submit_turnout

# Share of the day's final turnout reached by each window (cumulative).
CURVE = {"0900": 0.36, "1100": 0.63, "1300": 0.79, "1500": 0.89, "1700": 0.96, "1900": 1.0}


@dataclass
class _Area:
    code: str
    commune: str
    registered: int
    male_share: float
    final: int  # voters who will have voted by 19:00
    ballots: dict[Level, tuple[int, list[int]]] = field(default_factory=dict)  # seats, ids


@dataclass
class SimulationStats:
    turnout_saved: int = 0
    sheets_saved: int = 0
    refused: int = 0
    exceptions: int = 0
    closed: int = 0


class DaySimulator:
    def __init__(
        self, db: Database, election_id: int, clock: Clock, *, seed: int = 7, late_share=0.12
    ) -> None:
        self.db, self.election_id, self.clock = db, election_id, clock
        self.rng = random.Random(seed)
        self.stats = SimulationStats()
        self._load()
        communes = sorted({a.commune for a in self.areas})
        self.late = set(self.rng.sample(communes, max(1, int(len(communes) * late_share))))
        self.done: set[tuple[str, str]] = set()  # (area, window or level)
        self.typo_pending: set[tuple[str, str]] = set()
        self.closed: set[str] = set()

    def _load(self) -> None:
        with self.db.read() as s:
            rows = s.execute(
                select(PollingArea, Unit.code)
                .join(Unit, PollingArea.unit_id == Unit.id)
                .where(PollingArea.election_id == self.election_id)
                .order_by(PollingArea.code)
            ).all()
            self.areas = [
                _Area(
                    pa.code,
                    commune,
                    pa.registered_total,
                    pa.registered_male / max(pa.registered_total, 1),
                    int(pa.registered_total * self.rng.uniform(0.93, 0.995)),
                )
                for pa, commune in rows
            ]
            by_code = {a.code: a for a in self.areas}
            candidates: dict[int, list[int]] = {}
            for cid, constituency_id in s.execute(
                select(Candidate.id, Candidate.constituency_id).order_by(Candidate.ballot_order)
            ):
                candidates.setdefault(constituency_id, []).append(cid)
            for code, level, seats, constituency_id in s.execute(
                select(
                    PollingArea.code, ConstituencyArea.level, Constituency.seats, Constituency.id
                )
                .join(ConstituencyArea, ConstituencyArea.polling_area_id == PollingArea.id)
                .join(Constituency, Constituency.id == ConstituencyArea.constituency_id)
                .where(PollingArea.election_id == self.election_id)
            ):
                by_code[code].ballots[level] = (seats, candidates.get(constituency_id, []))
            self.windows = s.scalars(
                select(ReportingWindow)
                .where(ReportingWindow.election_id == self.election_id)
                .order_by(ReportingWindow.position)
            ).all()
            self.actors = {
                u.scope_code: Actor(u.id, u.username, u.role, u.scope_code)
                for u in s.scalars(select(User).where(User.role == Role.COMMUNE))
            }
            province = s.scalar(select(User).where(User.role == Role.PROVINCE))
            self.province = (
                Actor(province.id, province.username, province.role, province.scope_code)
                if province
                else None
            )

    def step(self) -> None:
        now = self.clock.now()
        for window in self.windows:
            if window.opens_at <= now:
                self._report_window(window, now)
        count_from = max(w.due_at for w in self.windows if w.kind is WindowKind.TURNOUT)
        if now >= count_from:
            self._count(now - count_from)

    def _report_window(self, window: ReportingWindow, now) -> None:  # type: ignore[no-untyped-def]
        progress = (now - window.opens_at) / max(window.closes_at - window.opens_at, timedelta(1))
        for area in self.areas:
            key = (area.code, window.key)
            if key in self.done or area.commune not in self.actors:
                continue
            late = area.commune in self.late
            if now > window.closes_at and not late:
                continue
            if late and now <= window.closes_at:
                continue  # late communes miss the window…
            if late and now > window.closes_at:
                self._grant(area.commune, window, now)  # …and the province gives them time
            elif self.rng.random() > min(1.0, 0.25 + progress):
                continue
            self._save_report(area, window, now)

    def _grant(self, commune: str, window: ReportingWindow, now) -> None:  # type: ignore[no-untyped-def]
        if self.province is None or (commune, window.key) in self.done:
            return
        self.done.add((commune, window.key))
        self._call(
            grant_window_exception,
            self.province,
            commune,
            window.key,
            now + timedelta(minutes=20),
            reason="Xã báo cáo muộn do mất kết nối",
        )
        self.stats.exceptions += 1

    def _save_report(self, area: _Area, window: ReportingWindow, now) -> None:  # type: ignore[no-untyped-def]
        actor = self.actors[area.commune]
        if window.kind is WindowKind.OPENING:
            opened = window.due_at - timedelta(minutes=self.rng.randint(0, 10))
            if self._call(submit_opening, actor, area.code, min(opened, now)):
                self.done.add((area.code, window.key))
            return
        voted = int(area.final * CURVE.get(window.key, 1.0))
        male = round(voted * area.male_share)
        report = TurnoutInput(area.code, window.key, voted, male, voted - male)
        if self._call(submit_turnout, actor, report, confirm=["T06"], reason="Mô phỏng"):
            self.done.add((area.code, window.key))
            self.stats.turnout_saved += 1

    def _count(self, since) -> None:  # type: ignore[no-untyped-def]
        share = min(1.0, since / timedelta(minutes=90))
        for area in self.areas:
            if area.commune not in self.actors:
                continue
            for level, (seats, ids) in area.ballots.items():
                key = (area.code, str(level))
                if key in self.done or self.rng.random() > share * 0.3 + 0.02:
                    continue
                typo = key not in self.typo_pending and self.rng.random() < 0.05
                sheet = self._sheet(area, level, seats, ids, typo)
                if typo:
                    self.typo_pending.add(key)
                if self._call(save_tally_sheet, self.actors[area.commune], sheet):
                    self.done.add(key)
                    self.stats.sheets_saved += 1
        self._close_finished()

    def _sheet(self, area: _Area, level: Level, seats: int, ids: list[int], typo: bool):  # type: ignore[no-untyped-def]
        rng = random.Random(f"{area.code}/{level}")
        voted = area.final
        invalid = int(voted * rng.uniform(0.005, 0.025))
        valid = voted - invalid
        weights = [rng.uniform(0.2, 1.0) for _ in ids]
        if seats == 1:
            votes = _split(valid, weights, rng)
        else:
            scale = seats * 0.85 / sum(weights)
            votes = [min(int(valid * w * scale), int(valid * 0.97)) for w in weights]
        return TallyInput(
            polling_area=area.code,
            level=level,
            voters_total=area.registered,
            voters_voted=voted,
            ballots_issued=voted,
            ballots_received=voted,
            ballots_valid=valid,
            ballots_invalid=invalid + (7 if typo else 0),  # a typo breaks valid + invalid
            votes=dict(zip(ids, votes, strict=True)),
        )

    def _close_finished(self) -> None:
        communes: dict[str, bool] = {}
        for area in self.areas:
            finished = all((area.code, str(level)) in self.done for level in area.ballots)
            communes[area.commune] = communes.get(area.commune, True) and finished
        for commune, finished in communes.items():
            if (
                finished
                and commune not in self.closed
                and commune in self.actors
                and self._call(close_entry, self.actors[commune], commune, reason="Đủ biên bản")
            ):
                self.closed.add(commune)
                self.stats.closed += 1

    def _call(self, service, actor: Actor, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
        try:
            service(self.db, actor, self.election_id, *args, clock=self.clock, **kwargs)
        except ServiceError:
            self.stats.refused += 1
            return False
        return True

    def run(self, stop: threading.Event, tick_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # the demo must keep going; the next tick retries
                import logging

                logging.getLogger(__name__).exception("simulation step failed")
            stop.wait(tick_seconds)


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """``total`` whole votes shared by weight (single-seat ballots keep exactly one name)."""
    shares = [int(total * w / sum(weights)) for w in weights]
    shares[rng.randrange(len(shares))] += total - sum(shares)
    return shares
