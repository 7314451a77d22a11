"""The orchestration of one simulated day against a running server.

1. (``--provision``) the province and commune accounts are made in the database;
2. each province account takes an API token: the election, its windows and the polling
   areas of the province are read through the API, and ``--operators`` communes are
   picked across the provinces;
3. the server's clock is read (and its speed measured) through the API;
4. every operator runs in its own thread on its own HTTP session — half through the entry
   forms, half through the API — and a province desk per province answers late communes
   and closure requests; a running summary is printed every few seconds;
5. each operator reads back what it saved; the final report follows.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dashboard.simulator import PATHS
from dashboard.simulator.api import ApiClient
from dashboard.simulator.clock import ServerClock
from dashboard.simulator.desk import ProvinceDesk
from dashboard.simulator.figures import AreaPlan, Registered
from dashboard.simulator.ledger import Ledger
from dashboard.simulator.operators import Operator
from dashboard.simulator.shared import CommunePlan, Settings, Shared, Window
from dashboard.simulator.stats import Recorder
from data.clock import LOCAL_TZ
from data.db import Database

if TYPE_CHECKING:
    from dashboard.simulator.provision import Account


class SimulationError(Exception):
    """The day cannot start; the message says why (Vietnamese)."""


@dataclass
class DayConfig:
    url: str
    election: str
    operators: int
    password: str
    path: str = "both"
    speed: float | None = None  # the server clock's speed; None: measured
    duration: float | None = None  # real seconds at most
    seed: int = 2026
    provinces: tuple[str, ...] = ()
    database_url: str | None = None
    provision: bool = False
    commune_user: str = "simop_{code}"
    province_user: str = "simtinh_{code}"
    late_share: float = 0.1
    impossible_share: float = 0.04
    retry_share: float = 0.02
    live_checks: bool = True
    count_minutes: float = 120.0
    verify: bool = True
    every: float = 5.0  # seconds between running summaries (0: none)


@dataclass
class DayResult:
    recorder: Recorder
    ledger: Ledger
    plans: list[CommunePlan]
    seconds: float
    completed: int  # operators that did every planned step
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.recorder.failed else 0


def pick_communes(
    by_province: dict[str, list[str]], n: int, rng: random.Random
) -> list[tuple[str, str]]:
    """``n`` (province, commune) pairs spread round-robin over the provinces."""
    pools = []
    for province in sorted(by_province):
        communes = sorted(by_province[province])
        rng.shuffle(communes)
        pools.append([(province, c) for c in communes])
    picked: list[tuple[str, str]] = []
    while len(picked) < n and any(pools):
        for pool in pools:
            if pool and len(picked) < n:
                picked.append(pool.pop(0))
    return picked


def _windows(rows: list[dict]) -> list[Window]:
    turnout = [r for r in rows if r.get("kind") == "turnout"]
    out = []
    for row in rows:
        kind = str(row.get("kind"))
        out.append(
            Window(
                key=str(row["key"]),
                kind=kind,
                due_at=datetime.fromisoformat(row["due_at"]),
                opens_at=datetime.fromisoformat(row["opens_at"]),
                closes_at=datetime.fromisoformat(row["closes_at"]),
                index=turnout.index(row) if kind == "turnout" else 0,
                count=len(turnout),
            )
        )
    return sorted(out, key=lambda w: w.due_at)


def _resolve_election(api: ApiClient, wanted: str) -> int:
    answer = api.get("read.api", "/elections")
    if answer.status != 200 or not isinstance(answer.body, list):
        raise SimulationError(f"không đọc được danh sách cuộc bầu cử ({answer.status})")
    for row in answer.body:
        if str(row["id"]) == wanted or row["name"] == wanted:
            return int(row["id"])
    names = ", ".join(f"{r['id']}: {r['name']}" for r in answer.body)
    raise SimulationError(f"không có cuộc bầu cử “{wanted}” (có: {names})")


class Day:
    def __init__(self, config: DayConfig, echo: Callable[[str], None] = print) -> None:
        if config.path not in PATHS:
            raise SimulationError(f"--path phải là một trong {', '.join(PATHS)}")
        if config.operators < 1:
            raise SimulationError("--operators phải ít nhất là 1")
        self.config, self.echo = config, echo
        self.recorder = Recorder()
        self.stop = threading.Event()
        self.rng = random.Random(config.seed)
        self.clients: dict[str, ApiClient] = {}
        self._frozen = False  # the server's clock is pinned (BAUCU_CLOCK without a speed)
        self._database: Database | None = None  # only to provision and to list provinces
        self.plans: list[CommunePlan] = []

    # --- preparation ------------------------------------------------------------
    def _provinces(self) -> list[str]:
        c = self.config
        if c.provinces:
            return list(c.provinces)
        if not c.database_url:
            raise SimulationError("cần --province MÃ (một hoặc nhiều) hoặc --database-url")
        from dashboard.simulator.provision import election_in_db, province_codes

        db = self._db()
        return province_codes(db, election_in_db(db, c.election))

    def _db(self) -> Database:
        if self._database is None:
            self._database = Database(self.config.database_url)
        return self._database

    def _provision(self, accounts: list[Account]) -> None:
        from dashboard.simulator.provision import ensure_accounts

        created, there = ensure_accounts(self._db(), accounts, self.config.password)
        self.echo(f"Tài khoản mô phỏng: tạo mới {created}, đã có {there}.")

    def prepare(self) -> Shared:
        from dashboard.simulator.provision import Account
        from data.enums import Role

        c = self.config
        provinces = self._provinces()
        if c.provision:
            if not c.database_url:
                raise SimulationError("--provision cần --database-url")
            self._provision(
                [Account(c.province_user.format(code=p), Role.PROVINCE, p) for p in provinces]
            )
        for code in provinces:
            client = ApiClient(c.url, self.recorder)
            client.authenticate(c.province_user.format(code=code), c.password)
            self.clients[code] = client
        first = self.clients[provinces[0]]
        eid = _resolve_election(first, c.election)
        answer = first.get("read.api", f"/elections/{eid}/windows")
        if answer.status != 200:
            raise SimulationError(f"không đọc được các mốc báo cáo ({answer.status})")
        windows = _windows(answer.body)
        if not any(w.kind == "turnout" for w in windows):
            raise SimulationError("cuộc bầu cử không có mốc báo cáo tiến độ nào")
        areas: dict[str, list[dict]] = {}
        by_province: dict[str, list[str]] = {}
        for code, client in self.clients.items():
            listed = client.get("read.api", f"/elections/{eid}/polling-areas")
            if listed.status != 200:
                raise SimulationError(f"{code}: không đọc được khu vực bỏ phiếu ({listed.status})")
            for row in listed.body:
                areas.setdefault(row["unit_code"], []).append(row)
            by_province[code] = sorted({row["unit_code"] for row in listed.body})
        picked = pick_communes(by_province, c.operators, self.rng)
        if not picked:
            raise SimulationError("không có xã nào có khu vực bỏ phiếu trong các tỉnh đã chọn")
        if c.provision:
            self._provision(
                [Account(c.commune_user.format(code=m), Role.COMMUNE, m) for _, m in picked]
            )
        clock = ServerClock(first, eid, picked[0][1], c.speed)
        self._frozen = clock.speed <= 0
        shared = Shared(
            base_url=c.url,
            election_id=eid,
            windows=windows,
            clock=clock,
            recorder=self.recorder,
            settings=Settings(
                password=c.password,
                live_checks=c.live_checks,
                impossible_share=c.impossible_share,
                retry_share=c.retry_share,
                count_minutes=c.count_minutes,
                verify=c.verify,
            ),
            stop=self.stop,
        )
        self.plans = self._plans(picked, areas, windows, clock.now())
        for province in sorted({p.province for p in self.plans}):
            desk = ProvinceDesk(shared, province, c.province_user.format(code=province))
            desk.start()
            shared.desks[province] = desk
        return shared

    def _plans(
        self,
        picked: list[tuple[str, str]],
        areas: dict[str, list[dict]],
        windows: list[Window],
        now: datetime,
    ) -> list[CommunePlan]:
        c = self.config
        plans = []
        for i, (province, commune) in enumerate(picked):
            rng = random.Random(f"{c.seed}/{commune}/plan")
            path = c.path if c.path != "both" else ("form" if i % 2 == 0 else "api")
            plans.append(
                CommunePlan(
                    commune=commune,
                    province=province,
                    username=c.commune_user.format(code=commune),
                    path=path,
                    areas=[
                        AreaPlan.make(
                            a["code"],
                            commune,
                            Registered(
                                a["registered"]["total"],
                                a["registered"]["male"],
                                a["registered"]["female"],
                            ),
                            rng,
                        )
                        for a in sorted(areas[commune], key=lambda a: a["code"])
                    ],
                )
            )
        # Late communes miss one window still ahead (with time to spare before it closes).
        ahead = [
            w.key
            for w in windows
            if w.kind == "turnout" and w.closes_at > now + timedelta(minutes=10)
        ]
        if self._frozen:
            ahead = []  # a pinned clock never reaches a late commune's moment
        late = round(len(plans) * c.late_share) if ahead else 0
        if c.late_share > 0 and ahead and len(plans) >= 2:
            late = max(late, 1)
        for plan in self.rng.sample(plans, min(late, len(plans))):
            plan.late_window = self.rng.choice(ahead)
        return plans

    # --- the day ------------------------------------------------------------------
    def run(self) -> DayResult:
        return self.play(self.prepare())

    def play(self, shared: Shared) -> DayResult:
        """Run the operators until their day is over (or ``duration`` has passed)."""
        started = time.monotonic()
        c, clock = self.config, shared.clock
        clock.sync()
        shared.day_starts = clock.now()
        n_form = sum(p.path == "form" for p in self.plans)
        speed = "dừng (ghim)" if clock.speed == 0 else f"x{clock.speed:g}"
        self.echo(
            f"Cuộc bầu cử #{shared.election_id}; đồng hồ máy chủ {clock.now():%H:%M} ({speed});"
            f" {len(self.plans)} người nhập liệu ({n_form} qua biểu mẫu, "
            f"{len(self.plans) - n_form} qua API), "
            f"{sum(len(p.areas) for p in self.plans)} khu vực bỏ phiếu; xã muộn: "
            + (
                ", ".join(f"{p.commune}@{p.late_window}" for p in self.plans if p.late_window)
                or "không"
            )
        )
        operators = [Operator(shared, plan, c.seed) for plan in self.plans]
        day_started = time.monotonic()
        for op in operators:
            op.thread.start()
        deadline = day_started + c.duration if c.duration else None
        last = (day_started, 0)
        while any(op.thread.is_alive() for op in operators):
            time.sleep(0.1)
            if deadline is not None and time.monotonic() >= deadline and not self.stop.is_set():
                self.echo(f"Hết thời gian ({c.duration:g} s): dừng các người nhập liệu.")
                self.stop.set()
            if c.every > 0 and time.monotonic() - last[0] >= c.every:
                last = self._summary(clock, day_started, last)
        seconds = time.monotonic() - day_started
        for desk in shared.desks.values():
            desk.close()
        for client in self.clients.values():
            client.close()
        if self._database is not None:
            self._database.dispose()
        lines = self.recorder.report(seconds)
        completed = sum(op.done for op in operators)
        lines.insert(
            1,
            f"  {'operators':<18} {'người nhập liệu làm xong cả ngày':<50}"
            f" {completed:>8,} / {len(operators)}",
        )
        for line in lines:
            self.echo(line)
        self.echo(f"Tổng thời gian (sau chuẩn bị): {time.monotonic() - started:,.1f} s.")
        return DayResult(self.recorder, shared.ledger, self.plans, seconds, completed, lines)

    def _summary(
        self, clock: ServerClock, day_started: float, last: tuple[float, int]
    ) -> tuple[float, int]:
        now = time.monotonic()
        total, outcomes, problems = self.recorder.snapshot()
        rate = (total - last[1]) / max(now - last[0], 1e-9)
        self.echo(
            f"[{clock.now().astimezone(LOCAL_TZ):%H:%M} máy chủ] {now - day_started:6.1f} s:"
            f" {total:,} yêu cầu ({rate:,.0f}/s) · tiến độ {outcomes['turnout.saved']:,}"
            f" · biên bản {outcomes['sheet.saved']:,} · sửa lại"
            f" {outcomes['turnout.corrected'] + outcomes['sheet.corrected']:,}"
            f" · muộn {outcomes['turnout.late']:,} · lỗi {problems:,}"
        )
        return now, total


def run_day(config: DayConfig, echo: Callable[[str], None] = print) -> DayResult:
    return Day(config, echo).run()
