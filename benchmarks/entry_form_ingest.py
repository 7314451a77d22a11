"""Turnout reports through the ENTRY FORM's real HTTP path, at national scale (DESIGN §10).

    python benchmarks/entry_form_ingest.py --database-url postgresql+psycopg://... \\
        [--communes 200] [--concurrency 8] [--workers 2] [--window 1500] [--live]

Seeds the national election when it is missing (as benchmarks/api_batch_ingest.py does),
gives ``--communes`` communes spread over every province a commune account, starts
gunicorn with ``--workers`` workers on a server clock pinned inside the window's entry
period, and has ``--concurrency`` client threads play commune operators with the
simulator's browser client (dashboard/simulator): log in through ``/login``, load the
app, open the turnout page on the window, then save every polling area's row through the
save callback (``POST /_dash-update-component`` with the session cookie and the CSRF
header) — with ``--live`` each row's as-you-type check first, as the page does. Only the
saves are timed. In the same run the same rows are written into another window by raw
inserts (psycopg ``executemany`` and ``COPY``) for the floor. Prints validated reports/s,
p50/p95/p99 per save, the client's own CPU time and the ratios; exits non-zero if any
row is not saved.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from api_batch_ingest import ELECTION, Row, clear, ensure_election, raw_inserts, window_of
from serving import (
    cpu_spent,
    free_port,
    percentile,
    server_ticks,
    start_gunicorn,
    stop_server,
    wait_until_up,
)

from dashboard.simulator.pages import EntryPages
from dashboard.simulator.session import BrowserSession
from dashboard.simulator.stats import Recorder
from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Role, UnitKind
from data.models import PollingArea, Unit, User
from data.passwords import hash_password

APP_NAME = "baucu-bench-entry-form"  # the server's PostgreSQL sessions, to read their CPU
PASSWORD = "benchmark-entry-form-2026"
USER_PREFIX = "bench_form_"
TARGET = 300  # validated turnout reports per second through the entry form (DESIGN §10)


@dataclass
class Commune:
    code: str
    rows: list[Row]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--name", default=ELECTION, help="the election (seeded if missing)")
    parser.add_argument("--communes", type=int, default=200, help="operators (one commune each)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--window", default="1500", help="turnout window key")
    parser.add_argument("--floor-window", default="1700", help="window for the raw floor")
    parser.add_argument("--live", action="store_true", help="each row's live check first")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    return parser.parse_args(argv)


def pick_communes(db: Database, eid: int, n: int) -> list[Commune]:
    """``n`` communes round-robin over the provinces, each with all its polling areas."""
    with db.read() as s:
        areas = s.execute(
            select(
                PollingArea.id,
                PollingArea.code,
                PollingArea.registered_male,
                PollingArea.registered_female,
                Unit.code,
                Unit.path,
            )
            .join(Unit, PollingArea.unit_id == Unit.id)
            .where(PollingArea.election_id == eid, Unit.kind == UnitKind.COMMUNE)
            .order_by(Unit.code, PollingArea.code)
        ).all()
    by_commune: dict[str, list] = defaultdict(list)
    province_of: dict[str, str] = {}
    for area in areas:
        by_commune[area[4]].append(area)
        province_of[area[4]] = area[5].split("/")[1]
    by_province: dict[str, list[str]] = defaultdict(list)
    for code in sorted(by_commune):
        by_province[province_of[code]].append(code)
    pools = [list(v) for _, v in sorted(by_province.items())]
    picked: list[str] = []
    while len(picked) < n and any(pools):
        for pool in pools:
            if pool and len(picked) < n:
                picked.append(pool.pop(0))
    communes = []
    for code in picked:
        rows = []
        for area_id, area_code, male, female, _, path in by_commune[code]:
            m, f = male // 5, female // 5
            rows.append(Row(path.split("/")[1], area_id, area_code, m + f, m, f))
        communes.append(Commune(code, rows))
    return communes


def ensure_users(db: Database, communes: list[Commune]) -> None:
    with db.write() as s:
        have = set(s.scalars(select(User.username).where(User.username.like(USER_PREFIX + "%"))))
        secret = hash_password(PASSWORD)
        for c in communes:
            if USER_PREFIX + c.code not in have:
                s.add(
                    User(
                        username=USER_PREFIX + c.code,
                        full_name=f"Benchmark {c.code}",
                        role=Role.COMMUNE,
                        scope_code=c.code,
                        password_hash=secret,
                        must_change_password=False,
                    )
                )


@dataclass
class Operator:
    commune: Commune
    browser: BrowserSession
    pages: EntryPages
    ctx: dict


def open_sessions(
    base: str, eid: int, window: str, communes: list[Commune], concurrency: int, rec: Recorder
) -> list[Operator]:
    """Log every operator in and open the turnout page on the window (not timed)."""
    todo: queue.Queue[Commune] = queue.Queue()
    for c in communes:
        todo.put(c)
    ready: list[Operator] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                commune = todo.get_nowait()
            except queue.Empty:
                return
            browser = BrowserSession(base, rec)
            browser.login(USER_PREFIX + commune.code, PASSWORD)
            browser.load_app()
            pages = EntryPages(browser, eid, commune.code)
            ctx = pages.open_turnout(window)
            if ctx is None or not ctx.get("editable"):
                raise SystemExit(f"{commune.code}: the turnout table is not editable")
            with lock:
                ready.append(Operator(commune, browser, pages, ctx))

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ready


def ingest(operators: list[Operator], concurrency: int, live: bool, rec: Recorder) -> tuple:
    """Every row saved through the save callback; (seconds, saved, refused)."""
    todo: queue.Queue[Operator] = queue.Queue()
    for op in operators:
        todo.put(op)
    counts = {"saved": 0, "refused": 0}
    problems: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                op = todo.get_nowait()
            except queue.Empty:
                return
            for row in op.commune.rows:
                boxes = (str(row.voted_total), str(row.voted_male), str(row.voted_female))
                warnings = op.pages.check_turnout(op.ctx, row.area_code, boxes) if live else []
                saved = op.pages.save_turnout(
                    op.ctx, row.area_code, boxes, None, clicks=1, warnings=warnings
                )
                with lock:
                    if saved.saved:
                        counts["saved"] += 1
                    else:
                        counts["refused"] += 1
                        if len(problems) < 5:
                            problems.append(f"{row.area_code}: {saved.status} {saved.findings}")

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in problems:
        print(f"  refused: {p}", file=sys.stderr)
    return time.perf_counter() - started, counts["saved"], counts["refused"]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("give --database-url postgresql+psycopg://… (or DATABASE_URL)")
    db = Database(url)
    process = None
    try:
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        eid = ensure_election(db, args.name)
        communes = pick_communes(db, eid, args.communes)
        rows = [r for c in communes for r in c.rows]
        ensure_users(db, communes)
        window_id, due_at = window_of(db, eid, args.window)
        floor_window_id, _ = window_of(db, eid, args.floor_window)
        clear(db, eid, window_id, rows)
        clear(db, eid, floor_window_id, rows)
        clock = (due_at + timedelta(minutes=5)).astimezone(LOCAL_TZ)
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        os.environ["PGAPPNAME"] = APP_NAME  # libpq names the server's sessions
        process = start_gunicorn(
            "api_batch_ingest:make_wsgi()", url, port, args.workers, clock, APP_NAME
        )
        wait_until_up(base, process)
        print(
            f"election #{eid}: {len(rows):,} turnout reports of {len(communes)} communes over"
            f" {len({r.province for r in rows})} provinces, window {args.window}, entry form"
            f" save callback{' + live check' if args.live else ''}, {args.concurrency} client"
            f" threads, gunicorn {args.workers} workers, server clock {clock:%H:%M}"
        )
        setup = Recorder()
        opened = time.perf_counter()
        operators = open_sessions(base, eid, args.window, communes, args.concurrency, setup)
        print(
            f"logged in and opened {len(operators)} turnout pages in"
            f" {time.perf_counter() - opened:.1f} s (not timed below)"
        )
        rec = Recorder()
        for op in operators:
            op.browser.recorder = rec
        cpu, before = time.process_time(), server_ticks(db, process.pid, APP_NAME)
        seconds, saved, refused = ingest(operators, args.concurrency, args.live, rec)
        client_cpu = time.process_time() - cpu
        after = server_ticks(db, process.pid, APP_NAME)
        server_cpu = sum(cpu_spent(a, b) for a, b in zip(before, after, strict=True))
        for op in operators:
            op.browser.close()
        stop_server(process)
        process = None
        executemany, copied = raw_inserts(db, eid, floor_window_id, rows)
        clear(db, eid, window_id, rows)
        clear(db, eid, floor_window_id, rows)
        saves = rec.latencies["turnout.form"]
        rate = saved / seconds
        print(
            f"entry form:  {rate:,.0f} validated reports/s ({saved:,} saved, {refused} refused,"
            f" in {seconds:.2f} s; {len(saves) + len(rec.latencies['live.form']):,} callbacks)"
        )
        print(
            f"per save:    p50 {statistics.median(saves) * 1000:,.1f} ms,"
            f" p95 {percentile(saves, 95) * 1000:,.1f} ms,"
            f" p99 {percentile(saves, 99) * 1000:,.1f} ms, max {max(saves) * 1000:,.0f} ms"
        )
        if args.live:
            checks = rec.latencies["live.form"]
            print(
                f"live check:  p50 {statistics.median(checks) * 1000:,.1f} ms,"
                f" p95 {percentile(checks, 95) * 1000:,.1f} ms"
            )
        print(
            f"client CPU:  {client_cpu:.1f} s of {seconds:.1f} s"
            f" ({client_cpu / seconds:.0%} of one core, on the same machine as the server)"
        )
        per_save = server_cpu / max(saved, 1)
        print(
            f"server CPU:  {server_cpu:.1f} s (gunicorn + its PostgreSQL sessions) ="
            f" {per_save * 1000:.1f} ms per saved report; {os.cpu_count()} cores could do at"
            f" most {(os.cpu_count() or 1) / max(per_save, 1e-9):,.0f} reports/s at that cost"
        )
        print(
            f"raw floor:   executemany {len(rows) / executemany:,.0f} rows/s"
            f" ({executemany:.2f} s), COPY {len(rows) / copied:,.0f} rows/s ({copied:.2f} s)"
        )
        print(
            f"ratio:       the entry form takes {seconds / executemany:,.1f}× executemany,"
            f" {seconds / copied:,.1f}× COPY; {rate / TARGET:.2f}× the target of"
            f" {TARGET} reports/s"
        )
        if refused or saved != len(rows):
            print(f"FAILED: {len(rows) - saved} rows not saved", file=sys.stderr)
            return 1
    finally:
        if process is not None:
            stop_server(process)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
