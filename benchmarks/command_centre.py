"""Time a command-centre refresh at national scale (DESIGN §10) and compare with raw SQL.

    python benchmarks/command_centre.py --database-url postgresql+psycopg://... [--runs 7]

The database must hold a national election (benchmarks/seed_national.py). When it has
no turnout reports yet, synthetic ones are inserted with COPY: every polling area at the
first five turnout windows, 80 % of them at 19:00 (so the late list is not
empty) — about 433,000 reports. Run it against YOUR OWN copy, never a shared database.

Timed, each the median of ``--runs``:

- uncached: the read model (all windows × every province and commune, completeness per
  commune: :func:`data.read_models.dashboard.command_centre`) at national and at one
  province's scope, and the same plus building every figure and table of the page;
- unchanged: what a tick costs when nothing changed — the version query and a cache hit;
- floor: the same reads as raw SQL through psycopg (the same statements' work — on
  PostgreSQL the per-commune figures come from the trigger-kept ``entry_summary`` — no ORM,
  no Python roll-up), and the version query alone; for reference, the same per-commune
  figures grouped from the records from scratch (what the summary saves).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select, update

from data.db import Database
from data.enums import WindowKind
from data.models import Election, PollingArea, ReportingWindow, TurnoutReport, Unit
from data.read_models.cache import ReadCache, current_version
from data.read_models.dashboard import command_centre, command_centre_at

NATIONAL_NAME = "Bầu cử toàn quốc 2026"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--name", default=NATIONAL_NAME, help="the election's name")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--ticks", type=int, default=500, help="unchanged ticks to time")
    return parser.parse_args(argv)


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# ------------------------------------------------------------------ synthetic reports


def ensure_reports(db: Database, eid: int) -> int:
    with db.read() as s:
        have = s.scalar(
            select(func.count()).select_from(TurnoutReport).where(TurnoutReport.election_id == eid)
        )
        if have:
            return int(have)
        windows = s.execute(
            select(ReportingWindow.id, ReportingWindow.kind)
            .where(ReportingWindow.election_id == eid)
            .order_by(ReportingWindow.position)
        ).all()
        areas = s.execute(
            select(PollingArea.id, PollingArea.registered_total)
            .where(PollingArea.election_id == eid)
            .order_by(PollingArea.id)
        ).all()
    turnout = [wid for wid, kind in windows if kind == WindowKind.TURNOUT]
    shares = [0.18, 0.42, 0.63, 0.81, 0.93, 0.99][: len(turnout)]
    buf = io.StringIO()
    n = 0
    for w, (wid, share) in enumerate(zip(turnout, shares, strict=True)):
        last = w == len(turnout) - 1
        for area_id, registered in areas:
            if last and area_id % 5 == 0:
                continue  # 20 % late at the last window
            voted = int(registered * share)
            buf.write(
                f"{eid}\t{area_id}\t{wid}\t{voted}\t1\t[]\tf\t"
                "2026-03-15 02:00:00+00\t2026-03-15 02:00:00+00\n"
            )
            n += 1
    buf.seek(0)
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(
            "COPY turnout_report (election_id, polling_area_id, window_id, voted_total, version,"
            " confirmed_warnings, on_behalf, created_at, updated_at) FROM STDIN"
        ) as copy:
            copy.write(buf.getvalue())
        raw.commit()
    finally:
        raw.close()
    with db.write() as s:
        s.execute(
            update(Election)
            .where(Election.id == eid)
            .values(data_version=Election.data_version + 1)
        )
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE turnout_report")
        conn.commit()
    print(
        f"inserted {n:,} synthetic turnout reports with COPY"
        f" in {time.perf_counter() - started:.1f} s"
    )
    return n


# ------------------------------------------------------------------------ the floor

FLOOR_SQL = [
    "SELECT data_version FROM election WHERE id = %(e)s",
    "SELECT id, key, kind, due_at, opens_at, closes_at FROM reporting_window"
    " WHERE election_id = %(e)s ORDER BY position",
    "SELECT id, code, name, kind, path, parent_id FROM unit"
    " WHERE election_id = %(e)s AND path LIKE %(p)s",
    "SELECT u.path FROM entry_closure c JOIN unit u ON u.id = c.unit_id"
    " WHERE c.election_id = %(e)s",
    "SELECT unit_id, kind, key, n, total FROM entry_summary WHERE election_id = %(e)s",
]
# What the trigger-kept summary saves: the same per-commune figures grouped from scratch.
SCRATCH_SQL = [
    "SELECT unit_id, count(*), sum(registered_total) FROM polling_area"
    " WHERE election_id = %(e)s GROUP BY unit_id",
    "SELECT pa.unit_id, t.window_id, count(*), sum(t.voted_total) FROM turnout_report t"
    " JOIN polling_area pa ON pa.id = t.polling_area_id WHERE t.election_id = %(e)s"
    " GROUP BY pa.unit_id, t.window_id",
    "SELECT pa.unit_id, count(*) FROM opening_report o"
    " JOIN polling_area pa ON pa.id = o.polling_area_id WHERE o.election_id = %(e)s"
    " GROUP BY pa.unit_id",
    "SELECT pa.unit_id, ca.level, count(*) FROM constituency_area ca"
    " JOIN polling_area pa ON pa.id = ca.polling_area_id WHERE pa.election_id = %(e)s"
    " GROUP BY pa.unit_id, ca.level",
    "SELECT pa.unit_id, s.level, count(*) FROM tally_sheet s"
    " JOIN polling_area pa ON pa.id = s.polling_area_id WHERE s.election_id = %(e)s"
    " GROUP BY pa.unit_id, s.level",
]


def floor(db: Database, eid: int, version_only: bool = False, scratch: bool = False) -> None:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        statements = FLOOR_SQL[:4] + SCRATCH_SQL if scratch else FLOOR_SQL
        for sql in FLOOR_SQL[:1] if version_only else statements:
            cur.execute(sql, {"e": eid, "p": "VN/%"})
            cur.fetchall()
        raw.rollback()
    finally:
        raw.close()


# ---------------------------------------------------------------------------- main


def page_work(db: Database, eid: int, code: str) -> None:
    """The read model plus every figure and table the command centre builds from it."""
    from dashboard import figures
    from dashboard.pages.command_centre import headline, late_list
    from data.clock import LOCAL_TZ
    from data.read_models.dashboard import current_window, last_turnout_window

    with db.read() as s:
        cc = command_centre(s, eid, code)
    from datetime import datetime

    now = datetime(2026, 3, 15, 19, 30, tzinfo=LOCAL_TZ)
    cur, ti = current_window(cc.windows, now), last_turnout_window(cc, now)
    figures.turnout_lines(cc, ti)
    figures.progress_map(cc, "report", cur, ti)
    figures.completeness_bars(cc, cur)
    headline(cc, now)
    late_list(cc, now)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    db = Database(args.database_url)
    if not db.is_postgres:
        print("this benchmark runs on PostgreSQL", file=sys.stderr)
        return 2
    with db.read() as s:
        eid = s.scalar(select(Election.id).where(Election.name == args.name))
        if eid is None:
            print(
                f"no election {args.name!r}: run benchmarks/seed_national.py first", file=sys.stderr
            )
            return 2
        areas = s.scalar(select(func.count()).where(PollingArea.election_id == eid))
        communes = s.scalar(
            select(func.count()).where(Unit.election_id == eid, Unit.kind == "commune")
        )
        province = s.scalar(
            select(Unit.code).where(Unit.election_id == eid, Unit.kind == "province").limit(1)
        )
    reports = ensure_reports(db, eid)
    print(f"election {eid}: {areas:,} polling areas, {communes:,} communes, {reports:,} reports")

    # warm the connection pool and the database's caches
    floor(db, eid)
    with db.read() as s:
        national = command_centre(s, eid, "VN")
    assert national.scope.polling_areas == areas, "the snapshot covers every polling area"

    def uncached(code: str) -> Callable[[], Any]:
        def run() -> None:
            with db.read() as s:
                command_centre(s, eid, code)

        return run

    cache = ReadCache()

    def tick() -> None:
        with db.read() as s:
            version = current_version(s, eid)
            command_centre_at(s, eid, "VN", version, cache)

    tick()  # fill the cache
    rows = [
        ("uncached read model, national", median_ms(uncached("VN"), args.runs)),
        (f"uncached read model, province {province}", median_ms(uncached(province), args.runs)),
        (
            "uncached read model + figures, national",
            median_ms(lambda: page_work(db, eid, "VN"), args.runs),
        ),
        ("unchanged tick (version + cache hit)", median_ms(tick, args.ticks)),
    ]
    floor_full = median_ms(lambda: floor(db, eid), args.runs)
    floor_version = median_ms(lambda: floor(db, eid, version_only=True), args.ticks)
    from_scratch = median_ms(lambda: floor(db, eid, scratch=True), args.runs)
    print()
    print(f"{'':44} {'ms':>9} {'× floor':>9}   target")
    targets = {0: 200, 2: 200, 3: 10}
    for i, (label, ms) in enumerate(rows):
        base = floor_version if i == 3 else floor_full
        target = f"≤ {targets[i]} ms" if i in targets else ""
        print(f"{label:44} {ms:9.2f} {ms / base:9.2f}   {target}")
    print(f"{'floor: raw SQL, same aggregates':44} {floor_full:9.2f} {1:9.2f}")
    print(f"{'floor: raw version query':44} {floor_version:9.3f} {1:9.2f}")
    scratch_label = "for reference: raw SQL grouped from scratch"
    print(f"{scratch_label:44} {from_scratch:9.2f} {from_scratch / floor_full:9.2f}")
    print(f"cache: {cache.hits} hits, {cache.misses} misses")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
