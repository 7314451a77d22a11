"""The demo package loads (SQLite and PostgreSQL) and the database holds what it says."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func, select

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Level, UnitKind
from data.generators.demo import demo_package
from data.generators.national import PackageCounts
from data.loader import load_package
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    ReportingWindow,
    Unit,
)
from data.schedule import DEFAULT_WINDOWS

BEFORE_FREEZE = datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL_TZ)


def test_demo_package_loads_and_counts_match(db: Database) -> None:
    pkg = demo_package()
    expected = PackageCounts.of(pkg)
    result = load_package(db, pkg, now=BEFORE_FREEZE)

    with db.read() as s:
        eid = s.scalar(select(Election.id).where(Election.name == "Bầu cử demo 2026"))
        assert eid == result.election_id
        kinds = Counter(
            dict(
                s.execute(
                    select(Unit.kind, func.count())
                    .where(Unit.election_id == eid)
                    .group_by(Unit.kind)
                ).all()
            )
        )
        assert kinds == Counter({UnitKind.NATION: 1, UnitKind.PROVINCE: 1, UnitKind.COMMUNE: 38})
        areas, voters = s.execute(
            select(func.count(), func.sum(PollingArea.registered_total)).where(
                PollingArea.election_id == eid
            )
        ).one()
        assert areas == expected.polling_areas
        assert voters == expected.registered_voters
        per_level = {
            level: (n, seats)
            for level, n, seats in s.execute(
                select(Constituency.level, func.count(), func.sum(Constituency.seats))
                .where(Constituency.election_id == eid)
                .group_by(Constituency.level)
            ).all()
        }
        assert per_level == {
            level: (expected.constituencies[level], expected.seats[level])
            for level in (Level.QH, Level.HDND_TINH, Level.HDND_XA)
        }
        memberships = s.execute(
            select(ConstituencyArea.level, func.count())
            .join(Constituency, Constituency.id == ConstituencyArea.constituency_id)
            .where(Constituency.election_id == eid)
            .group_by(ConstituencyArea.level)
        ).all()
        assert dict(memberships) == dict.fromkeys(
            (Level.QH, Level.HDND_TINH, Level.HDND_XA), expected.polling_areas
        )
        orders: dict[int, list[int]] = defaultdict(list)
        for cid, order in s.execute(
            select(Candidate.constituency_id, Candidate.ballot_order)
            .join(Constituency, Constituency.id == Candidate.constituency_id)
            .where(Constituency.election_id == eid)
        ).all():
            orders[cid].append(order)
        assert sum(len(o) for o in orders.values()) == len(pkg.candidates)
        assert all(sorted(o) == list(range(1, len(o) + 1)) for o in orders.values())
        windows = s.scalar(select(func.count()).where(ReportingWindow.election_id == eid))
        assert windows == len(DEFAULT_WINDOWS)
        names = dict(
            s.execute(
                select(Unit.code, Unit.name).where(
                    Unit.election_id == eid, Unit.kind == UnitKind.COMMUNE
                )
            ).all()
        )
        assert names == {u.code: u.name for u in pkg.units if u.kind is UnitKind.COMMUNE}

    assert result.counts["units"] == len(pkg.units)
    assert result.counts["polling_areas"] == len(pkg.polling_areas)
    assert result.counts["candidates"] == len(pkg.candidates)


def test_loading_the_same_demo_again_changes_nothing(db: Database) -> None:
    load_package(db, demo_package(), now=BEFORE_FREEZE)
    again = load_package(db, demo_package(), now=BEFORE_FREEZE)
    assert not again.created
    for table, changes in again.changes.items():
        assert changes == {"inserted": 0, "updated": 0, "deleted": 0}, table
