"""Batch-ingest turnout reports through the real JSON API, at national scale (DESIGN §10).

    python benchmarks/api_batch_ingest.py --database-url postgresql+psycopg://... \\
        [--rows 20000] [--batch-size 500] [--concurrency 4] [--workers 2]

Seeds the national election when it is missing (data.generators.national), gives
each province a province account (the level that may enter on behalf of its
communes), starts gunicorn with ``--workers`` workers serving the app with the
API, takes one token per province through ``POST /api/v1/token`` and sends
``POST /api/v1/elections/{eid}/turnout:batch`` batches from ``--concurrency``
client threads. The server's clock is pinned inside the chosen window's entry
period. Then, in the same run, the same rows are written by raw inserts
(psycopg ``executemany`` and ``COPY``) into ``turnout_report`` for the floor.
Prints reports/s, p50/p95 latency per batch and the ratios, and — since the
box may be shared — the load average and the CPU the server spent (gunicorn
workers + their PostgreSQL sessions) per report, which says what the cores
could do at that cost. Rows of the chosen window are removed before and after,
so it reruns on the same database. Exits non-zero on any failure (a refused
item counts as one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, inspect, select

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Role, UnitKind, WindowKind
from data.models import Election, PollingArea, ReportingWindow, TurnoutReport, Unit, User
from data.passwords import hash_password
from data.schema import create_all

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

ELECTION = "Bầu cử toàn quốc 2026 (benchmark)"
PASSWORD = "benchmark-api-ingest-2026"
USER_PREFIX = "bench_api_"
APP_NAME = "baucu-bench-api-batch"  # the server's PostgreSQL sessions, to read their CPU


def make_wsgi():  # type: ignore[no-untyped-def]
    """gunicorn entry point: the production one (``dashboard.app:create_server()``) on
    ``DATABASE_URL``."""
    from dashboard.app import create_server

    return create_server()


@dataclass(frozen=True)
class Row:
    province: str
    area_id: int
    area_code: str
    voted_total: int
    voted_male: int
    voted_female: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--name", default=ELECTION, help="the election (seeded if missing)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--window", default="0900", help="turnout window key")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------- setup


def ensure_election(db: Database, name: str) -> int:
    if not inspect(db.engine).has_table(Election.__tablename__):
        create_all(db.engine)
    with db.read() as s:
        eid = s.scalar(select(Election.id).where(Election.name == name))
    if eid is None:
        from data.generators.national import seed_national

        print(f"seeding the national election {name!r} (once)…")
        eid = seed_national(db, election_name=name).result.election_id
    return int(eid)


def ensure_users(db: Database, eid: int) -> list[str]:
    """One province account per province; returns the province codes."""
    with db.write() as s:
        codes = list(
            s.scalars(
                select(Unit.code)
                .where(Unit.election_id == eid, Unit.kind == UnitKind.PROVINCE)
                .order_by(Unit.code)
            )
        )
        have = set(s.scalars(select(User.username).where(User.username.like(USER_PREFIX + "%"))))
        secret = hash_password(PASSWORD)
        for code in codes:
            if USER_PREFIX + code not in have:
                s.add(
                    User(
                        username=USER_PREFIX + code,
                        full_name=f"Benchmark {code}",
                        role=Role.PROVINCE,
                        scope_code=code,
                        password_hash=secret,
                        must_change_password=False,
                    )
                )
    return codes


def pick_rows(db: Database, eid: int, n: int) -> list[Row]:
    """``n`` polling areas spread over every province, with plausible cumulative figures."""
    with db.read() as s:
        areas = s.execute(
            select(
                PollingArea.id,
                PollingArea.code,
                PollingArea.registered_male,
                PollingArea.registered_female,
                Unit.path,
            )
            .join(Unit, PollingArea.unit_id == Unit.id)
            .where(PollingArea.election_id == eid)
            .order_by(PollingArea.id)
        ).all()
    by_province: dict[str, list] = defaultdict(list)
    for area in areas:
        by_province[area.path.split("/")[1]].append(area)
    rows: list[Row] = []
    pools = [iter(v) for _, v in sorted(by_province.items())]
    while len(rows) < n and pools:
        for pool in list(pools):
            area = next(pool, None)
            if area is None:
                pools.remove(pool)
                continue
            male, female = area.registered_male // 5, area.registered_female // 5
            code = area.path.split("/")[1]
            rows.append(Row(code, area.id, area.code, male + female, male, female))
            if len(rows) == n:
                break
    return rows


def window_of(db: Database, eid: int, key: str) -> tuple[int, datetime]:
    with db.read() as s:
        window = s.scalar(
            select(ReportingWindow).where(
                ReportingWindow.election_id == eid,
                ReportingWindow.key == key,
                ReportingWindow.kind == WindowKind.TURNOUT,
            )
        )
    if window is None:
        raise SystemExit(f"no turnout window {key!r} in election {eid}")
    return window.id, window.due_at


def clear(db: Database, eid: int, window_id: int, rows: list[Row]) -> None:
    ids = [r.area_id for r in rows]
    with db.write() as s:
        for start in range(0, len(ids), 5000):
            s.execute(
                delete(TurnoutReport).where(
                    TurnoutReport.election_id == eid,
                    TurnoutReport.window_id == window_id,
                    TurnoutReport.polling_area_id.in_(ids[start : start + 5000]),
                )
            )


# ---------------------------------------------------------------------------- server


def call(base: str, method: str, path: str, body: object, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


# ------------------------------------------------------------------------------- run


def take_tokens(base: str, rows: list[Row]) -> dict[str, str]:
    tokens = {}
    for code in sorted({r.province for r in rows}):
        answer = call(
            base, "POST", "/api/v1/token", {"username": USER_PREFIX + code, "password": PASSWORD}
        )
        tokens[code] = answer["access_token"]
    return tokens


def ingest_over_api(
    base: str,
    eid: int,
    window: str,
    rows: list[Row],
    batch_size: int,
    concurrency: int,
    tokens: dict[str, str],
) -> tuple[float, list[float], dict[str, int]]:
    batches: list[tuple[str, list[dict]]] = []
    by_province: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_province[row.province].append(row)
    for code, items in sorted(by_province.items()):
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            body = [
                {
                    "polling_area": r.area_code,
                    "window": window,
                    "voted_total": r.voted_total,
                    "voted_male": r.voted_male,
                    "voted_female": r.voted_female,
                }
                for r in chunk
            ]
            batches.append((code, body))

    def send(batch: tuple[str, list[dict]]) -> tuple[float, dict[str, int]]:
        code, body = batch
        started = time.perf_counter()
        answer = call(base, "POST", f"/api/v1/elections/{eid}/turnout:batch", body, tokens[code])
        return time.perf_counter() - started, answer["counts"]

    totals: dict[str, int] = defaultdict(int)
    latencies = []
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for latency, counts in pool.map(send, batches):
            latencies.append(latency)
            for key, value in counts.items():
                totals[key] += value
    return time.perf_counter() - started, latencies, dict(totals)


def raw_inserts(db: Database, eid: int, window_id: int, rows: list[Row]) -> tuple[float, float]:
    """(executemany seconds, COPY seconds) for the same rows, each committed, then removed."""
    now = datetime.now(UTC)
    values = [
        (eid, r.area_id, window_id, r.voted_total, r.voted_male, r.voted_female, now, now)
        for r in rows
    ]
    columns = (
        "election_id, polling_area_id, window_id, voted_total, voted_male, voted_female,"
        " version, confirmed_warnings, on_behalf, created_at, updated_at"
    )
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        started = time.perf_counter()
        cur.executemany(
            f"INSERT INTO turnout_report ({columns})"
            " VALUES (%s, %s, %s, %s, %s, %s, 1, '[]', false, %s, %s)",
            values,
        )
        raw.commit()
        executemany = time.perf_counter() - started
        cur.execute(
            "DELETE FROM turnout_report WHERE election_id = %s AND window_id = %s",
            (eid, window_id),
        )
        raw.commit()
        started = time.perf_counter()
        with cur.copy(
            "COPY turnout_report (election_id, polling_area_id, window_id, voted_total,"
            " voted_male, voted_female, version, confirmed_warnings, on_behalf, created_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            for v in values:
                copy.write_row((*v[:6], 1, "[]", False, *v[6:]))
        raw.commit()
        copied = time.perf_counter() - started
        cur.execute(
            "DELETE FROM turnout_report WHERE election_id = %s AND window_id = %s",
            (eid, window_id),
        )
        raw.commit()
    finally:
        raw.close()
    return executemany, copied


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
        provinces = ensure_users(db, eid)
        rows = pick_rows(db, eid, args.rows)
        window_id, due_at = window_of(db, eid, args.window)
        # The raw-insert floor uses another window, so both runs write the same rows anew.
        floor_window_id, _ = window_of(db, eid, "1100" if args.window != "1100" else "1300")
        clear(db, eid, window_id, rows)
        clear(db, eid, floor_window_id, rows)
        clock = (due_at + timedelta(minutes=5)).astimezone(LOCAL_TZ)
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_gunicorn(
            "api_batch_ingest:make_wsgi()", url, port, args.workers, clock, APP_NAME
        )
        wait_until_up(base, process, "/api/v1/openapi.json")
        print(
            f"election #{eid}: {len(rows):,} turnout reports over {len(provinces)} provinces,"
            f" window {args.window}, batches of {args.batch_size}, {args.concurrency} client"
            f" threads, gunicorn {args.workers} workers, server clock {clock:%H:%M}"
        )
        tokens = take_tokens(base, rows)  # not timed; it also opens the workers' sessions
        load_before = os.getloadavg()
        cpu, ticks = time.process_time(), server_ticks(db, process.pid, APP_NAME)
        seconds, latencies, counts = ingest_over_api(
            base, eid, args.window, rows, args.batch_size, args.concurrency, tokens
        )
        client_cpu = time.process_time() - cpu
        ticks_after = server_ticks(db, process.pid, APP_NAME)
        app_cpu, db_cpu = (cpu_spent(a, b) for a, b in zip(ticks, ticks_after, strict=True))
        server_cpu = app_cpu + db_cpu
        load_after = os.getloadavg()
        stop_server(process)
        process = None
        executemany, copied = raw_inserts(db, eid, floor_window_id, rows)
        clear(db, eid, window_id, rows)
        rate = len(rows) / seconds
        print(f"API:         {rate:,.0f} reports/s ({len(rows):,} in {seconds:.2f} s), {counts}")
        print(
            f"per batch:   p50 {statistics.median(latencies) * 1000:,.0f} ms,"
            f" p95 {percentile(latencies, 95) * 1000:,.0f} ms,"
            f" max {max(latencies) * 1000:,.0f} ms ({len(latencies)} batches)"
        )
        per_report = server_cpu / len(rows)
        cores = os.cpu_count() or 1
        print(
            f"server CPU:  {server_cpu:.1f} s (gunicorn {app_cpu:.1f} s + its PostgreSQL sessions"
            f" {db_cpu:.1f} s) = {per_report * 1000:.2f} ms per report; {cores} cores could do"
            f" at most {cores / max(per_report, 1e-9):,.0f} reports/s at that cost"
        )
        print(
            f"conditions:  load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
            f" ({cores} cores); client CPU {client_cpu:.1f} s of {seconds:.1f} s"
        )
        print(
            f"raw floor:   executemany {len(rows) / executemany:,.0f} rows/s"
            f" ({executemany:.2f} s), COPY {len(rows) / copied:,.0f} rows/s ({copied:.2f} s)"
        )
        print(
            f"ratio:       API takes {seconds / executemany:,.1f}× executemany,"
            f" {seconds / copied:,.1f}× COPY (target ≥ 2,000 reports/s through the API)"
        )
        refused = counts.get("refused", 0)
        if refused:
            print(f"FAILED: {refused} items refused", file=sys.stderr)
            return 1
    finally:
        if process is not None:
            stop_server(process)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
