"""Seed a national-scale election (DESIGN §1) and time it.

    python benchmarks/seed_national.py --database-url postgresql+psycopg://... [--name NAME]

Creates the schema when missing, generates the package (34 provinces, 3,321
communes, 72,195 polling areas, ~76.4 M voters, 182 Quốc hội constituencies
with 500 seats …), loads it in one transaction through ``data.loader``, then
prints what the database holds for that election and the wall-clock times.
Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from sqlalchemy import delete, func, inspect, select

from data.db import Database
from data.enums import Level
from data.generators.national import seed_national
from data.models import Candidate, Constituency, ConstituencyArea, Election, PollingArea, Unit
from data.schema import create_all


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, then the SQLite file")
    parser.add_argument("--name", default="Bầu cử toàn quốc 2026 (benchmark)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-commune-councils", action="store_true", help="leave out HĐND xã constituencies"
    )
    parser.add_argument(
        "--replace", action="store_true", help="delete an election of the same name first"
    )
    return parser.parse_args(argv)


def prepare(db: Database, name: str, replace: bool) -> None:
    if not inspect(db.engine).has_table(Election.__tablename__):
        create_all(db.engine)
        print("schema created")
    with db.write() as s:
        existing = s.scalar(select(Election.id).where(Election.name == name))
        if existing is None:
            return
        if not replace:
            raise SystemExit(f"election {name!r} already exists (use --replace or --name)")
        started = time.perf_counter()
        s.execute(delete(Election).where(Election.id == existing))
    print(f"deleted the previous {name!r} in {time.perf_counter() - started:.2f} s")


def database_counts(db: Database, name: str) -> list[str]:
    """What the database holds for election ``name``, one line per figure."""
    with db.read() as s:
        eid = s.scalar(select(Election.id).where(Election.name == name))
        if eid is None:
            raise SystemExit(f"election {name!r} not found after loading")
        units = s.scalar(select(func.count()).where(Unit.election_id == eid))
        areas, voters = s.execute(
            select(func.count(), func.coalesce(func.sum(PollingArea.registered_total), 0)).where(
                PollingArea.election_id == eid
            )
        ).one()
        per_level = s.execute(
            select(Constituency.level, func.count(), func.sum(Constituency.seats))
            .where(Constituency.election_id == eid)
            .group_by(Constituency.level)
        ).all()
        candidates = dict(
            s.execute(
                select(Constituency.level, func.count(Candidate.id))
                .join(Candidate, Candidate.constituency_id == Constituency.id)
                .where(Constituency.election_id == eid)
                .group_by(Constituency.level)
            ).all()
        )
        memberships = s.scalar(
            select(func.count())
            .select_from(ConstituencyArea)
            .join(Constituency, Constituency.id == ConstituencyArea.constituency_id)
            .where(Constituency.election_id == eid)
        )
    lines = [
        f"units: {units:,} (with the nation)",
        f"polling areas: {areas:,}",
        f"registered voters: {voters:,}",
    ]
    for level, n, seats in sorted(per_level, key=lambda row: list(Level).index(row[0])):
        lines.append(
            f"{Level(level).label_vi}: {n:,} constituencies, {seats:,} seats, "
            f"{candidates.get(level, 0):,} candidates"
        )
    lines.append(f"constituency memberships: {memberships:,}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    db = Database(args.database_url)
    try:
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        prepare(db, args.name, args.replace)
        started = time.perf_counter()
        summary = seed_national(
            db,
            seed=args.seed,
            election_name=args.name,
            include_commune_councils=not args.no_commune_councils,
        )
        total = time.perf_counter() - started
        print("in the database:")
        for line in database_counts(db, args.name):
            print(f"  {line}")
        print(
            f"times: generation {summary.generate_seconds:.2f} s, "
            f"load {summary.load_seconds:.2f} s, total {total:.2f} s"
        )
    except SystemExit:
        raise
    except Exception as exc:
        problems = getattr(exc, "problems", None) or []
        print(f"FAILED: {type(exc).__name__}: {exc}"[:2_000], file=sys.stderr)
        for problem in problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
