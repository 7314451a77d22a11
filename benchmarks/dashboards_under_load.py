"""1,000 command-centre screens polling while turnout reports come in (DESIGN §10, issue #8).

    python benchmarks/dashboards_under_load.py --database-url postgresql+psycopg://... \\
        [--screens 1000] [--writers 8] [--duration 60] [--workers 2] [--poll 3.0]

On the national election (benchmarks/seed_national.py; its earlier windows reported, e.g.
by benchmarks/command_centre.py), starts gunicorn with ``--workers`` sync workers serving
``dashboard.app:create_server()`` (as the Procfile does) with the clock pinned inside the
entry period of ``--window`` (default 19:00, the one with areas still to report), and:

- screens: one browser login per province account (scope = the province) and one national
  account; ``--screens`` simulated command-centre screens share those sessions' cookies
  (one requests.Session per screen), spread evenly over the accounts, each showing its
  account's scope. A screen calls the page's ``refresh`` callback every ``--poll`` seconds
  with the ``cc-seen`` key it got last, as the renderer does (an unchanged key answers 204,
  no update). ``--client-threads`` threads run the polls on a timetable with staggered
  starts; a poll that finishes late makes the screen's next poll start at once, never two
  at a time. First ``--idle`` seconds with no writes (every tick unchanged), then
  ``--duration`` seconds of ingest;
- ingest: ``--writers`` client threads ``PUT /api/v1/elections/{eid}/turnout/{pa}/{window}``
  reports of areas not reported at that window yet (figures above the area's earlier
  window, so every T-rule passes), as province accounts entering on behalf of communes,
  as fast as they are answered (or at ``--rate`` reports/s);
- save to screen: a probe thread PUTs one report every ``--probe-every`` seconds in one
  province, watched by one more screen of that province polling every ``--poll`` seconds
  on its own thread; the delay is from sending the PUT to the first poll answered with a
  data version at least the one the save produced.

Then, with the server stopped, the floor: the same reports by raw ``INSERT … ON CONFLICT``
through psycopg (one statement and commit each, from ``--writers`` threads), and the raw
version query an unchanged tick needs. Reports the benchmark stored are deleted before
and after (it reruns on the same database). Exits 1 on any 5xx, transport failure or
refused report. ``--profile DIR`` runs each worker under cProfile (per request kind) and
prints where the server's time goes (slower: use it for a separate run).

The client threads, gunicorn and PostgreSQL share the machine's cores: on a small box the
client's own CPU is printed with the server's so the figures can be read for what they are.
The server's CPU per poll (gunicorn + its PostgreSQL sessions) is what the cores would
sustain. At most ``--client-threads`` polls are in flight (real browsers: one per screen),
so when the server is overloaded its queue — and what a PUT waits behind — is shorter here
than it would be with real screens.
"""

from __future__ import annotations

import argparse
import cProfile
import heapq
import io
import math
import os
import pstats
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Role, UnitKind, WindowKind
from data.models import Election as ElectionRow
from data.models import PollingArea, ReportingWindow, TurnoutReport, Unit, User
from data.passwords import hash_password

sys.path.insert(0, str(Path(__file__).resolve().parent))  # serving.py beside it

from serving import (
    cpu_spent,
    free_port,
    percentile,
    server_ticks,
    start_gunicorn,
    stop_server,
    wait_until_up,
)

ELECTION = "Bầu cử toàn quốc 2026"
PASSWORD = "benchmark-dashboards-2026"
USER_PREFIX = "bench_dash_"
APP_NAME = "baucu-bench-dashboards"  # the server's PostgreSQL sessions, to read their CPU
PROFILE_ENV = "BAUCU_BENCH_PROFILE"  # set by --profile for the gunicorn workers only
REFRESH = ("cc-headline", "children")  # the command centre's refresh callback, by an output
REQUIRED_SCREENS_PER_S = 1000 / 3.0


# ------------------------------------------------------------------ gunicorn entry point


class _Profiled:
    """WSGI middleware: each request kind under its own cProfile.Profile, dumped to
    ``DIR/<kind>-<pid>.prof`` every few seconds (workers are killed, not asked)."""

    def __init__(self, app: Callable[..., Any], folder: str) -> None:
        self.app, self.folder = app, Path(folder)
        self.profiles: dict[str, cProfile.Profile] = defaultdict(cProfile.Profile)
        self.dumped = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        kind = (
            "screen"
            if path == "/_dash-update-component"
            else "entry"
            if path.startswith("/api/v1/elections/")
            else "other"
        )
        profile = self.profiles[kind]
        profile.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            profile.disable()
            if time.monotonic() - self.dumped > 3:
                self.dumped = time.monotonic()
                for name, p in self.profiles.items():
                    p.dump_stats(self.folder / f"{name}-{os.getpid()}.prof")


def make_wsgi():  # type: ignore[no-untyped-def]
    """gunicorn entry point: the production one (``dashboard.app:create_server()``) on
    ``DATABASE_URL``; under cProfile when ``BAUCU_BENCH_PROFILE`` names a folder."""
    from dashboard.app import create_server

    server = create_server()
    folder = os.environ.get(PROFILE_ENV)
    if folder:
        server.wsgi_app = _Profiled(server.wsgi_app, folder)  # type: ignore[method-assign]
    return server


# -------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Account:
    username: str
    scope: str  # unit code; "VN" for the national account


@dataclass(frozen=True)
class Row:
    """One new turnout report: the area has none at the window yet."""

    province: str
    area_id: int
    area_code: str
    voted_total: int


@dataclass(frozen=True)
class Target:
    """What the load runs against: a served app, an election and its window."""

    base: str
    election_id: int
    window: str
    password: str
    accounts: tuple[Account, ...]  # each screen account (province accounts also enter)


@dataclass(frozen=True)
class Settings:
    screens: int = 1000
    writers: int = 8
    idle: float = 15.0
    duration: float = 60.0
    poll: float = 3.0
    client_threads: int = 64
    rate: float = 0.0  # reports/s over all writers; 0: as fast as answered
    probe_every: float = 2.0
    seed: int = 2026


@dataclass
class Screen:
    number: int
    account: Account
    browser: Any  # BrowserSession
    seen: Any = None
    tick: int = 0

    def version(self) -> int | None:
        """The data version of what the screen shows (``cc-seen``: election, unit, colour,
        version, …)."""
        return int(self.seen[3]) if isinstance(self.seen, list) and len(self.seen) > 3 else None


@dataclass
class Poll:
    phase: str  # "idle" or "ingest"
    lag: float  # how late it started against the screen's timetable
    seconds: float
    status: int
    changed: bool  # new outputs; an unchanged tick answers no update (Dash 4: 200, empty)

    @property
    def ok(self) -> bool:
        return self.status in (200, 204)


@dataclass
class LoadResult:
    polls: list[Poll] = field(default_factory=list)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    first_loads: list[tuple[str, float]] = field(default_factory=list)  # (scope, seconds)
    entries: list[tuple[float, int]] = field(default_factory=list)  # (seconds, status)
    stored: list[Row] = field(default_factory=list)
    saves: list[tuple[float, float, int]] = field(default_factory=list)  # sent, back, version
    seen_by_probe: list[tuple[float, int]] = field(default_factory=list)  # received, version
    errors: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def delays(self) -> tuple[list[float], int]:
        """Save-to-screen delays, and how many saves the probe screen never showed."""
        found, missing = [], 0
        for sent, _back, version in self.saves:
            shown = next((at for at, v in self.seen_by_probe if at > sent and v >= version), None)
            if shown is None:
                missing += 1
            else:
                found.append(shown - sent)
        return found, missing


# ----------------------------------------------------------------------- the timetable


class Timetable:
    """Screens due at given moments, run by a pool of threads: each thread takes the
    earliest due screen, waits for its moment, polls, and books its next poll one
    period later (at once if that moment has passed: never two polls of one screen)."""

    def __init__(self, period: float, until: float) -> None:
        self.period, self.until = period, until
        self._heap: list[tuple[float, int, Screen]] = []
        self._cond = threading.Condition()

    def book(self, due: float, screen: Screen) -> None:
        with self._cond:
            heapq.heappush(self._heap, (due, screen.number, screen))
            self._cond.notify()

    def _next(self) -> tuple[float, Screen] | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if now >= self.until:
                    return None
                if self._heap and self._heap[0][0] <= now:
                    due, _, screen = heapq.heappop(self._heap)
                    return due, screen
                wait = self._heap[0][0] - now if self._heap else 0.5
                self._cond.wait(min(wait, self.until - now, 0.5))

    def work(self, poll: Callable[[Screen, float], None]) -> None:
        while (job := self._next()) is not None:
            due, screen = job
            poll(screen, due)
            self.book(max(due + self.period, time.monotonic()), screen)


# --------------------------------------------------------------------------- the load


def _values(election_id: int, screen: Screen) -> dict[tuple[str, str], Any]:
    return {
        ("cc-election", "value"): election_id,
        ("cc-tick", "n_intervals"): screen.tick,
        ("cc-focus", "data"): None,  # the account's own scope
        ("cc-colour", "value"): "report",
        ("cc-seen", "data"): screen.seen,
    }


class Load:
    """The screens, the writers and the probe against one served app."""

    def __init__(self, target: Target, settings: Settings, rows: Sequence[Row]) -> None:
        from dashboard.simulator.stats import Recorder

        self.t, self.s = target, settings
        self.recorder = Recorder()
        self.result = LoadResult()
        self.phase = "idle"
        self.rng = random.Random(settings.seed)
        provinces = [a.scope for a in target.accounts if a.scope != "VN"]
        self.probe_province = provinces[0]
        saves = math.ceil(settings.duration / settings.probe_every) + 10
        self.probe_rows = [r for r in rows if r.province == self.probe_province][:saves]
        taken = {r.area_id for r in self.probe_rows}
        self.rows = iter(_interleave([r for r in rows if r.area_id not in taken], provinces))
        self.rows_lock = threading.Lock()
        self.tokens: dict[str, str] = {}
        self.stop = threading.Event()

    # -- setup

    def prepare(self) -> list[Screen]:
        """Log every account in, take the province accounts' API tokens, open each account's
        page once (its first, full render) and make the screens."""
        import requests

        from dashboard.simulator.session import BrowserSession
        from dashboard.simulator.transport import send

        logged: dict[str, Any] = {}
        for account in self.t.accounts:
            browser = BrowserSession(self.t.base, self.recorder, timeout=120)
            browser.login(account.username, self.t.password)
            app = browser.load_app()
            screen = Screen(-1, account, browser)
            started = time.perf_counter()
            self._call(screen)
            self.result.first_loads.append((account.scope, time.perf_counter() - started))
            if screen.seen is None:
                raise SystemExit(f"{account.username}: the command centre did not render")
            logged[account.username] = (browser, app, screen.seen)
            if account.scope != "VN":
                answer = send(
                    requests.Session(),
                    self.recorder,
                    "token",
                    "POST",
                    f"{self.t.base}/api/v1/token",
                    json={"username": account.username, "password": self.t.password},
                )
                if answer.status != 200:
                    raise SystemExit(f"{account.username}: no API token ({answer.status})")
                self.tokens[account.scope] = answer.body["access_token"]
        screens = []
        for number in range(self.s.screens + 1):  # the last one is the probe's screen
            if number == self.s.screens:
                account = next(a for a in self.t.accounts if a.scope == self.probe_province)
            else:
                account = self.t.accounts[number % len(self.t.accounts)]
            source, app, seen = logged[account.username]
            browser = BrowserSession(self.t.base, self.recorder, timeout=120)
            browser.http.cookies.update(source.http.cookies)
            browser.username, browser.app = account.username, app
            screens.append(Screen(number, account, browser, seen=seen, tick=1))
        return screens

    # -- one poll

    def _call(self, screen: Screen) -> tuple[Any, bool]:
        """One tick: (the reply, whether it brought new outputs)."""
        screen.tick += 1
        reply = screen.browser.call("screen", REFRESH, _values(self.t.election_id, screen))
        seen = reply.get("cc-seen", "data") if reply.status == 200 else None
        if seen is not None:
            screen.seen = seen
        return reply, seen is not None

    def poll(self, screen: Screen, due: float) -> None:
        phase = self.phase
        lag = time.monotonic() - due
        started = time.perf_counter()
        reply, changed = self._call(screen)
        seconds = time.perf_counter() - started
        self.result.polls.append(Poll(phase, lag, seconds, reply.status, changed))
        if reply.status not in (200, 204):
            self._problem(reply.status, f"screen {screen.account.scope}: {str(reply.body)[:200]}")

    def _problem(self, status: int, message: str) -> None:
        self.result.errors[status] += 1
        if len(self.result.problems) < 50:
            self.result.problems.append(f"[{status}] {message}")

    # -- writes

    def _put(self, http: Any, row: Row, kind: str) -> tuple[float, Any]:
        from dashboard.simulator.transport import send

        started = time.perf_counter()
        answer = send(
            http,
            self.recorder,
            kind,
            "PUT",
            f"{self.t.base}/api/v1/elections/{self.t.election_id}/turnout/"
            f"{row.area_code}/{self.t.window}",
            json={"voted_total": row.voted_total},
            headers={"Authorization": f"Bearer {self.tokens[row.province]}"},
            timeout=120,
        )
        seconds = time.perf_counter() - started
        if answer.status in (200, 201):
            self.result.stored.append(row)
        else:
            self._problem(answer.status, f"{kind} {row.area_code}: {str(answer.body)[:200]}")
        return seconds, answer

    def writer(self, number: int, started: float) -> None:
        import requests

        http = requests.Session()
        sent = 0
        while not self.stop.is_set():
            with self.rows_lock:
                row = next(self.rows, None)
            if row is None:
                self._problem(0, "no more areas without a report at this window")
                return
            if self.s.rate > 0:  # writer k sends slots k, k + writers, …
                slot = started + (number + sent * self.s.writers) / self.s.rate
                if self.stop.wait(max(0.0, slot - time.monotonic())):
                    return
            seconds, answer = self._put(http, row, "entry")
            self.result.entries.append((seconds, answer.status))
            sent += 1

    def probe(self) -> None:
        import requests

        http = requests.Session()
        for row in self.probe_rows:
            sent = time.monotonic()
            _seconds, answer = self._put(http, row, "probe")
            if answer.status in (200, 201):
                version = int(answer.body["data_version"])
                self.result.saves.append((sent, time.monotonic(), version))
            if self.stop.wait(max(0.0, sent + self.s.probe_every - time.monotonic())):
                return
        self._problem(0, "the probe ran out of areas")

    def probe_screen(self, screen: Screen, until: Callable[[], bool]) -> None:
        """The dedicated screen: polls every ``poll`` seconds on its own thread."""
        due = time.monotonic()
        while not until():
            reply, _changed = self._call(screen)
            received = time.monotonic()
            if reply.status in (200, 204) and screen.version() is not None:
                self.result.seen_by_probe.append((received, int(screen.version() or 0)))
            due = max(due + self.s.poll, received)
            time.sleep(max(0.0, due - time.monotonic()))

    # -- the run

    def run(self, on_phase: Callable[[str], None] | None = None) -> LoadResult:
        screens = self.prepare()
        probe_screen, screens = screens[-1], screens[:-1]
        mark = on_phase or (lambda _phase: None)
        mark("idle")
        started = time.monotonic()
        until = started + self.s.idle + self.s.duration
        table = Timetable(self.s.poll, until)
        for screen in screens:  # staggered over one period
            table.book(started + self.rng.uniform(0, self.s.poll), screen)
        pollers = [
            threading.Thread(target=table.work, args=(self.poll,), daemon=True)
            for _ in range(self.s.client_threads)
        ]
        for thread in pollers:
            thread.start()
        time.sleep(self.s.idle)
        self.phase = "ingest"
        mark("ingest")
        ingest_started = time.monotonic()
        self.result.phase_seconds["idle"] = ingest_started - started
        saves_done = threading.Event()

        def probe_until() -> bool:
            # keep watching after the writes stop until the last save is shown (≤ 15 s)
            if not saves_done.is_set():
                return False
            last = self.result.saves[-1][2] if self.result.saves else 0
            seen = self.result.seen_by_probe[-1][1] if self.result.seen_by_probe else 0
            return seen >= last or time.monotonic() > until + 15

        with ThreadPoolExecutor(self.s.writers + 2) as pool:
            jobs = [pool.submit(self.writer, k, ingest_started) for k in range(self.s.writers)]
            jobs.append(pool.submit(self.probe))
            watcher = pool.submit(self.probe_screen, probe_screen, probe_until)
            time.sleep(max(0.0, until - time.monotonic()))
            self.stop.set()
            mark("end")
            self.result.phase_seconds["ingest"] = time.monotonic() - ingest_started
            for job in jobs:
                job.result()
            saves_done.set()
            for thread in pollers:
                thread.join()
            watcher.result()
        return self.result


def _interleave(rows: Sequence[Row], provinces: Sequence[str]) -> Iterator[Row]:
    """Rows taking each province in turn, so every account enters all along."""
    by_province: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_province[row.province].append(row)
    pools = [iter(by_province[p]) for p in provinces if by_province.get(p)]
    while pools:
        for pool in list(pools):
            row = next(pool, None)
            if row is None:
                pools.remove(pool)
            else:
                yield row


# ---------------------------------------------------------------- database: set-up


@dataclass(frozen=True)
class Window:
    election_id: int
    id: int
    key: str
    position: int
    opens_at: datetime
    closes_at: datetime

    def middle(self) -> datetime:
        """A moment inside the window's entry period, local time: the server's clock."""
        return (self.opens_at + (self.closes_at - self.opens_at) / 2).astimezone(LOCAL_TZ)


def find_window(db: Database, name: str, key: str) -> Window:
    with db.read() as s:
        found = s.execute(
            select(ReportingWindow)
            .join(ElectionRow, ElectionRow.id == ReportingWindow.election_id)
            .where(
                ElectionRow.name == name,
                ReportingWindow.key == key,
                ReportingWindow.kind == WindowKind.TURNOUT,
            )
        ).scalar_one_or_none()
        if found is None:
            raise SystemExit(
                f"no election {name!r} with turnout window {key!r}:"
                " run benchmarks/seed_national.py (and benchmarks/command_centre.py) first"
            )
        return Window(
            found.election_id, found.id, found.key, found.position, found.opens_at, found.closes_at
        )


def ensure_accounts(db: Database, election_id: int, password: str) -> tuple[Account, ...]:
    """The national account, then one province account per province (made once)."""
    with db.write() as s:
        provinces = s.scalars(
            select(Unit.code)
            .where(Unit.election_id == election_id, Unit.kind == UnitKind.PROVINCE)
            .order_by(Unit.code)
        )
        wanted = [(USER_PREFIX + "vn", Role.NATIONAL, "VN")] + [
            (USER_PREFIX + code.lower(), Role.PROVINCE, code) for code in provinces
        ]
        have = set(s.scalars(select(User.username).where(User.username.like(USER_PREFIX + "%"))))
        secret = hash_password(password)
        for username, role, scope in wanted:
            if username not in have:
                s.add(
                    User(
                        username=username,
                        full_name=f"Benchmark {scope}",
                        role=role,
                        scope_code=scope,
                        password_hash=secret,
                        must_change_password=False,
                    )
                )
    return tuple(Account(username, scope) for username, _, scope in wanted)


def bench_user_ids(db: Database) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(User.id).where(User.username.like(USER_PREFIX + "%"))))


def new_rows(db: Database, window: Window) -> list[Row]:
    """Areas with no report at the window: halfway from the area's latest earlier figure to
    its registered voters (never below the earlier figure, never above the register)."""
    earlier = (
        select(func.max(TurnoutReport.voted_total))
        .join(ReportingWindow, ReportingWindow.id == TurnoutReport.window_id)
        .where(
            TurnoutReport.polling_area_id == PollingArea.id,
            ReportingWindow.kind == WindowKind.TURNOUT,
            ReportingWindow.position < window.position,
        )
        .scalar_subquery()
    )
    reported = select(TurnoutReport.id).where(
        TurnoutReport.polling_area_id == PollingArea.id, TurnoutReport.window_id == window.id
    )
    with db.read() as s:
        found = s.execute(
            select(
                PollingArea.id, PollingArea.code, PollingArea.registered_total, Unit.path, earlier
            )
            .join(Unit, Unit.id == PollingArea.unit_id)
            .where(PollingArea.election_id == window.election_id, ~reported.exists())
            .order_by(PollingArea.id)
        ).all()
    rows = []
    for area_id, code, registered, path, before in found:
        before = int(before or 0)
        rows.append(Row(path.split("/")[1], area_id, code, before + (registered - before) // 2))
    return rows


def remove_stored(db: Database, window: Window) -> int:
    """Delete the reports the benchmark's accounts stored at the window; bump the version."""
    ids = bench_user_ids(db)
    if not ids:
        return 0
    with db.write() as s:
        removed = s.execute(
            delete(TurnoutReport).where(
                TurnoutReport.election_id == window.election_id,
                TurnoutReport.window_id == window.id,
                TurnoutReport.entered_by_id.in_(ids),
            )
        ).rowcount
        s.execute(
            update(ElectionRow)
            .where(ElectionRow.id == window.election_id)
            .values(data_version=ElectionRow.data_version + 1)
        )
    return int(removed or 0)


# ------------------------------------------------------------------------- the floor


def raw_insert_floor(
    db: Database, window: Window, rows: Sequence[Row], threads: int, user_id: int
) -> tuple[float, list[float]]:
    """The same reports by one ``INSERT … ON CONFLICT`` and commit each, from ``threads``
    connections: (seconds, latencies)."""
    sql = (
        "INSERT INTO turnout_report (election_id, polling_area_id, window_id, voted_total,"
        " version, confirmed_warnings, entered_by_id, on_behalf, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, 1, '[]', %s, true, %s, %s)"
        " ON CONFLICT (polling_area_id, window_id) DO UPDATE SET"
        " voted_total = EXCLUDED.voted_total, version = turnout_report.version + 1,"
        " updated_at = EXCLUDED.updated_at"
    )
    latencies: list[float] = []

    def insert(part: Sequence[Row]) -> None:
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for row in part:
                now = datetime.now(UTC)
                started = time.perf_counter()
                cur.execute(
                    sql,
                    (
                        window.election_id,
                        row.area_id,
                        window.id,
                        row.voted_total,
                        user_id,
                        now,
                        now,
                    ),
                )
                raw.commit()
                latencies.append(time.perf_counter() - started)
        finally:
            raw.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(insert, [rows[k::threads] for k in range(threads)]))
    return time.perf_counter() - started, latencies


def raw_version_floor(db: Database, election_id: int, n: int = 3000) -> list[float]:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        latencies = []
        for _ in range(n):
            started = time.perf_counter()
            cur.execute("SELECT data_version FROM election WHERE id = %s", (election_id,))
            cur.fetchone()
            latencies.append(time.perf_counter() - started)
        raw.rollback()
    finally:
        raw.close()
    return latencies


# ---------------------------------------------------------------------------- server


# ------------------------------------------------------------------------------ report


def ms(values: Sequence[float]) -> str:
    if not values:
        return "—"
    return (
        f"p50 {percentile(values, 50) * 1000:,.1f}  p95 {percentile(values, 95) * 1000:,.1f}"
        f"  p99 {percentile(values, 99) * 1000:,.1f}  max {max(values) * 1000:,.0f} ms"
        f"  (n={len(values):,})"
    )


def print_polls(result: LoadResult, phase: str, screens: int, poll: float) -> None:
    polls = [p for p in result.polls if p.phase == phase]
    seconds = result.phase_seconds.get(phase, 0.0)
    if not polls or seconds <= 0:
        return
    required = screens / poll
    rate = len(polls) / seconds
    print(
        f"  {phase:7} {len(polls):>7,} polls in {seconds:5.1f} s = {rate:6.1f}/s"
        f" of {required:,.1f}/s required ({rate / required:.0%});"
        f" start lag p50 {percentile([p.lag for p in polls], 50):.2f} s,"
        f" p95 {percentile([p.lag for p in polls], 95):.2f} s"
    )
    unchanged = [p.seconds for p in polls if p.ok and not p.changed]
    changed = [p.seconds for p in polls if p.ok and p.changed]
    print(f"    unchanged {ms(unchanged)}")
    print(f"    changed   {ms(changed)}")


def print_profiles(folder: Path, top: int = 22) -> None:
    for kind in ("screen", "entry"):
        files = sorted(folder.glob(f"{kind}-*.prof"))
        if not files:
            continue
        stats = pstats.Stats(str(files[0]), stream=(out := io.StringIO()))
        for extra in files[1:]:
            stats.add(str(extra))
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
        print(f"\n==== server profile: {kind} requests (all workers) ====")
        print(_trim_profile(out.getvalue()))


@dataclass(frozen=True)
class Mark:
    """CPU and load at a phase boundary."""

    at: float
    load: float
    gunicorn: dict[int, int]
    sessions: dict[int, int]
    client: float

    @classmethod
    def now(cls, db: Database, master: int) -> Mark:
        gunicorn, sessions = server_ticks(db, master, APP_NAME)
        return cls(time.monotonic(), os.getloadavg()[0], gunicorn, sessions, time.process_time())


@dataclass(frozen=True)
class Floor:
    insert_seconds: float
    insert_latencies: list[float]
    version_latencies: list[float]

    @property
    def insert_rate(self) -> float:
        return len(self.insert_latencies) / self.insert_seconds if self.insert_seconds else 0.0


def print_cpu(phase: str, start: Mark, end: Mark, polls: int, puts: int) -> float:
    """The phase's CPU; returns the server's (gunicorn + its PostgreSQL sessions) per poll."""
    cores = os.cpu_count() or 1
    seconds = end.at - start.at
    server = cpu_spent(start.gunicorn, end.gunicorn)
    pg = cpu_spent(start.sessions, end.sessions)
    per_poll = (server + pg) / polls if polls else math.nan
    what = f"{polls:,} polls" + (f" + {puts:,} PUTs" if puts else "")
    print(
        f"  {phase:7} {seconds:4.0f} s × {cores} cores: gunicorn {server:5.1f} s + its PostgreSQL"
        f" sessions {pg:4.1f} s for {what} = {per_poll * 1000:,.1f} ms per poll"
        f"{' (PUTs included)' if puts else ''} → {cores} idle cores: ≤ {cores / per_poll:,.0f}"
        f" polls/s; this client {end.client - start.client:4.1f} s; load average"
        f" {start.load:.1f} → {end.load:.1f}"
    )
    return per_poll


def report(
    args: argparse.Namespace,
    accounts: int,
    result: LoadResult,
    marks: dict[str, Mark],
    floor: Floor,
) -> None:
    print(
        f"\nscreens: {args.screens:,} (+1 probe screen) over {accounts} accounts"
        f" ({accounts - 1} province + 1 national), each polling every {args.poll:g} s"
        f" ({args.screens / args.poll:,.1f} polls/s required); {args.client_threads} client"
        " threads"
    )
    firsts = [s for _, s in result.first_loads]
    national = [s for code, s in result.first_loads if code == "VN"]
    print(
        f"first render per account (full page, nothing cached): {ms(firsts)};"
        f" national {national[0] * 1000:,.0f} ms"
    )
    print("screen ticks (the refresh callback through HTTP):")
    for phase in ("idle", "ingest"):
        print_polls(result, phase, args.screens, args.poll)
    entries = [s for s, status in result.entries if status in (200, 201)]
    ingest = result.phase_seconds.get("ingest", 0.0)
    entry_rate = len(entries) / ingest if ingest else 0.0
    print(
        f"entry PUT ({args.writers} writers{f', {args.rate:g}/s' if args.rate else ''}):"
        f" {entry_rate:,.1f} reports/s ({len(entries):,} stored in {ingest:.1f} s)"
    )
    print(f"    latency {ms(entries)}   target p95 ≤ 250 ms")
    delays, missing = result.delays()
    print(
        f"save to screen ({len(result.saves)} probe saves, one screen polling every"
        f" {args.poll:g} s): p50 {percentile(delays, 50):.2f} s, p95"
        f" {percentile(delays, 95):.2f} s, max {max(delays, default=math.nan):.2f} s"
        f"{f', {missing} never shown' if missing else ''}   target ≤ 5 s"
    )
    print("CPU by phase:")
    polls = Counter(p.phase for p in result.polls)
    idle_cpu = print_cpu("idle", marks["idle"], marks["ingest"], polls["idle"], 0)
    print_cpu("ingest", marks["ingest"], marks["end"], polls["ingest"], len(result.entries))
    print("floor (same run, server stopped):")
    print(
        f"  raw INSERT … ON CONFLICT + commit, {args.writers} threads:"
        f" {floor.insert_rate:,.0f} rows/s, {ms(floor.insert_latencies)}"
    )
    print(f"  raw version query {ms(floor.version_latencies)}")
    unchanged = [p.seconds for p in result.polls if p.ok and not p.changed]
    version = percentile(floor.version_latencies, 50)
    print("ratios to the floor:")
    if unchanged:
        print(
            f"  unchanged tick: p50 latency {percentile(unchanged, 50) / version:,.0f}×,"
            f" server CPU per idle poll {idle_cpu / version:,.0f}× the version query's p50"
        )
    if entries and floor.insert_latencies:
        raw = floor.insert_latencies
        print(
            f"  entry PUT: p50 {percentile(entries, 50) / percentile(raw, 50):,.0f}×,"
            f" p95 {percentile(entries, 95) / percentile(raw, 95):,.0f}× the raw"
            f" insert's; the raw inserts/s are {floor.insert_rate / max(entry_rate, 1e-9):,.0f}×"
            " the PUT rate"
        )
    codes = ", ".join(f"{c or 'no answer'}: {n}" for c, n in sorted(result.errors.items()))
    print(f"errors by status: {codes or 'none'}")
    for problem in result.problems[:10]:
        print(f"    {problem}")
    if args.profile:
        print_profiles(Path(args.profile).resolve())


def _trim_profile(report: str) -> str:
    root = str(Path.cwd()) + "/"
    return "\n".join(
        line.replace(root, "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
        for line in report.splitlines()
        if line.strip()
    )


# -------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--name", default=ELECTION, help="the national election's name")
    parser.add_argument("--window", default="1900", help="turnout window to write")
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=8, help="entry client threads")
    parser.add_argument("--rate", type=float, default=0.0, help="reports/s; 0: unthrottled")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of polls, no writes")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of ingest")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--poll", type=float, default=3.0, help="seconds between a screen's polls")
    parser.add_argument("--client-threads", type=int, default=64)
    parser.add_argument("--probe-every", type=float, default=2.0)
    parser.add_argument("--profile", metavar="DIR", help="cProfile the workers into DIR")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("give --database-url postgresql+psycopg://… (or DATABASE_URL)")
    db = Database(url)
    process = None
    window = find_window(db, args.name, args.window)
    try:
        accounts = ensure_accounts(db, window.election_id, PASSWORD)
        removed = remove_stored(db, window)  # a run that was cut short left some
        rows = new_rows(db, window)
        clock = window.middle()
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        profile = None
        if args.profile:
            folder = Path(args.profile).resolve()
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.prof"):
                old.unlink()
            profile = str(folder)
        process = start_gunicorn(
            "dashboards_under_load:make_wsgi()",
            url,
            port,
            args.workers,
            clock,
            APP_NAME,
            threads=args.server_threads,
            env={PROFILE_ENV: profile} if profile else None,
        )
        wait_until_up(base, process)
        cores = os.cpu_count() or 1
        print(
            f"election #{window.election_id} {args.name!r}, window {window.key}: {len(rows):,}"
            f" areas still to report ({removed:,} left by an earlier run removed); server clock"
            f" {clock:%H:%M} local; gunicorn {args.workers} workers"
            f" ({'sync' if args.server_threads <= 1 else f'gthread ×{args.server_threads}'});"
            f" {cores} cores shared by the server, PostgreSQL and this client"
        )
        settings = Settings(
            screens=args.screens,
            writers=args.writers,
            idle=args.idle,
            duration=args.duration,
            poll=args.poll,
            client_threads=args.client_threads,
            rate=args.rate,
            probe_every=args.probe_every,
        )
        target = Target(base, window.election_id, window.key, PASSWORD, accounts)
        load = Load(target, settings, rows)
        marks: dict[str, Mark] = {}

        def on_phase(phase: str) -> None:
            assert process is not None
            marks[phase] = Mark.now(db, process.pid)

        result = load.run(on_phase)
        stop_server(process)
        process = None

        # the floor, with the server stopped
        stored = list({r.area_id: r for r in result.stored}.values())
        remove_stored(db, window)
        floor = Floor(
            *raw_insert_floor(db, window, stored, args.writers, bench_user_ids(db)[0]),
            raw_version_floor(db, window.election_id),
        )
        remove_stored(db, window)
        report(args, len(accounts), result, marks, floor)
        return 1 if result.errors else 0
    finally:
        if process is not None:
            stop_server(process)
        remove_stored(db, window)
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
