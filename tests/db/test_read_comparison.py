"""The earlier election's turnout for the comparison lines, on SQLite and PostgreSQL: which
election is chosen, its figures at the same unit, the viewer's scope, statements, cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, update

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import ElectionKind, UnitKind
from data.models import Election, TurnoutReport, Unit
from data.read_models.cache import ReadCache, current_version
from data.read_models.comparison import (
    comparison,
    earlier_election,
    earlier_turnout,
    forget_choices,
)
from tests.factories import SmallElection, make_small_election

NOW = datetime(2021, 5, 23, 9, 5, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _fresh_choices() -> Iterator[None]:
    forget_choices()
    yield
    forget_choices()


def election_on(
    db: Database, name: str, day: date, kind: ElectionKind = ElectionKind.REAL
) -> SmallElection:
    e = make_small_election(db, name)
    with db.write() as s:
        s.execute(update(Election).where(Election.id == e.election_id).values(date=day, kind=kind))
    return e


def add_turnout(db: Database, e: SmallElection, window: str, voted: dict[str, int]) -> None:
    with db.write() as s:
        for area, n in voted.items():
            s.add(
                TurnoutReport(
                    election_id=e.election_id,
                    polling_area_id=e.area_ids[area],
                    window_id=e.window_ids[window],
                    voted_total=n,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        s.execute(
            update(Election)
            .where(Election.id == e.election_id)
            .values(data_version=Election.data_version + 1)
        )


def set_settings(db: Database, e: SmallElection, settings: dict[str, Any]) -> None:
    with db.write() as s:
        s.execute(update(Election).where(Election.id == e.election_id).values(settings=settings))


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.strip().upper().startswith(("BEGIN", "ROLLBACK")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def three(db: Database) -> dict[str, SmallElection]:
    """2016 and 2021 (real), a 2025 drill, the 2026 election being watched, and 2031."""
    out = {
        "2016": election_on(db, "Bầu cử 2016", date(2016, 5, 22)),
        "2021": election_on(db, "Bầu cử 2021", date(2021, 5, 23)),
        "drill": election_on(db, "Diễn tập 2025", date(2025, 3, 1), ElectionKind.DRILL),
        "2026": election_on(db, "Bầu cử 2026", date(2026, 3, 15)),
        "2031": election_on(db, "Bầu cử 2031", date(2031, 3, 15)),
    }
    add_turnout(db, out["2021"], "0900", {"00004-01": 400, "00004-02": 300, "00008-01": 450})
    add_turnout(db, out["2021"], "1100", {"00004-01": 700, "00004-02": 500, "00004-03": 325})
    add_turnout(db, out["2016"], "0900", {"00004-01": 100})
    return out


def test_the_most_recent_earlier_real_election_is_chosen(db, three) -> None:
    with db.read() as s:
        chosen = earlier_election(s, three["2026"].election_id, "01", "VN")
        assert chosen is not None and chosen.name == "Bầu cử 2021"  # not the later drill
        assert chosen.date == date(2021, 5, 23) and chosen.version == 2
        older = earlier_election(s, three["2021"].election_id, "01", "VN")
        assert older is not None and older.name == "Bầu cử 2016"
        assert earlier_election(s, three["2016"].election_id, "01", "VN") is None


def test_figures_are_the_earlier_elections_at_the_same_unit(db, three) -> None:
    with db.read() as s:
        chosen = earlier_election(s, three["2026"].election_id, "01", "VN")
        assert chosen is not None
        province = earlier_turnout(s, chosen, "01", "VN")
        commune = earlier_turnout(s, chosen, "00004", "VN")
    assert province is not None and commune is not None
    assert (province.unit_name, province.polling_areas, province.registered) == (
        "Thành phố Hà Nội",
        6,
        4550,
    )
    assert [w.key for w in province.windows] == ["0900", "1100", "1300", "1500", "1700", "1900"]
    nine = province.window("0900")
    assert nine is not None and (nine.reported, nine.voted) == (3, 1150)
    assert nine.turnout_pct == Decimal("25.27")  # 1150 / 4550
    assert nine.label == "09:00"
    eleven = commune.window("1100")
    assert eleven is not None and (eleven.voted, eleven.registered) == (1525, 2450)
    assert eleven.turnout_pct == Decimal("62.24")
    assert commune.window("0900").voted == 700  # type: ignore[union-attr]
    assert commune.window("1300").voted == 0  # type: ignore[union-attr]
    assert province.window("opening") is None  # turnout windows only


def test_the_setting_overrides_or_turns_the_comparison_off(db, three) -> None:
    current = three["2026"]

    def chosen(settings: dict[str, Any]) -> str | None:
        set_settings(db, current, settings)
        with db.read() as s:
            found = earlier_election(s, current.election_id, "01", "VN")
        return found.name if found else None

    assert chosen({"compare_with": three["2016"].election_id}) == "Bầu cử 2016"
    assert chosen({"compare_with": three["drill"].election_id}) == "Diễn tập 2025"
    assert chosen({"compare_with": None}) is None  # turned off
    assert chosen({"compare_with": False}) is None
    assert chosen({"compare_with": current.election_id}) is None  # itself
    assert chosen({"compare_with": 10**6}) is None  # no such election
    assert chosen({"compare_with": "2016", "forms": {}}) == "Bầu cử 2021"  # not an id: ignored
    assert chosen({"forms": {}}) == "Bầu cử 2021"


def test_never_a_unit_outside_the_viewers_scope(db, three) -> None:
    current = three["2026"].election_id
    with db.read() as s:
        assert earlier_election(s, current, "00004", "00008") is None
        assert earlier_election(s, current, "01", "00004") is None  # above the viewer
        mine = earlier_election(s, current, "00004", "00004")
        assert mine is not None
        assert earlier_turnout(s, mine, "00004", "00008") is None
        assert earlier_turnout(s, mine, "01", "00004") is None
        assert earlier_turnout(s, mine, "00004", "01") is not None
        assert comparison(s, current, 0, "00004", "00008", cache=ReadCache()) is None


def test_a_unit_moved_elsewhere_in_the_earlier_tree_is_not_shown(db, three) -> None:
    """In 2021 commune 00004 belonged to province 02: province 01's viewer does not get it
    from 2021, and falls back to 2016, where it was theirs."""
    moved = three["2021"]
    with db.write() as s:
        other = Unit(
            election_id=moved.election_id,
            code="02",
            name="Tỉnh Hà Giang",
            kind=UnitKind.PROVINCE,
            parent_id=moved.unit_ids["VN"],
            depth=1,
            path="VN/02/",
        )
        s.add(other)
        s.flush()
        s.execute(
            update(Unit)
            .where(Unit.id == moved.unit_ids["00004"])
            .values(parent_id=other.id, path="VN/02/00004/")
        )
    with db.read() as s:
        current = three["2026"].election_id
        chosen = earlier_election(s, current, "00004", "01")
        assert chosen is not None and chosen.name == "Bầu cử 2016"
        national = earlier_election(s, current, "00004", "VN")
        assert national is not None and national.name == "Bầu cử 2021"
        province = earlier_turnout(s, national, "01", "VN")
        assert province is not None and province.window("0900").voted == 450  # type: ignore[union-attr]


def test_constant_statements_and_cached_by_both_versions(db, three) -> None:
    cache = ReadCache()
    current = three["2026"]
    eid = current.election_id
    with db.read() as s:
        version = current_version(s, eid)
    counts = {}
    for code in ("VN", "01", "00004"):
        forget_choices()
        with db.read() as s, statements(db) as seen:
            got = comparison(s, eid, version, code, "VN", cache=ReadCache())
        assert got is not None and got.unit_code == code
        counts[code] = len(seen)
    assert set(counts.values()) == {2 + 4}, counts  # choice + figures, whatever the scope

    with db.read() as s, statements(db) as seen:
        first = comparison(s, eid, version, "01", "VN", cache=cache)
    assert len(seen) == 6
    with db.read() as s, statements(db) as seen:
        again = comparison(s, eid, version, "01", "VN", cache=cache)
    assert seen == [] and again is first  # an unchanged tick asks nothing

    add_turnout(db, current, "0900", {"00004-01": 10})  # the current election moves on
    with db.read() as s, statements(db) as seen:
        bumped = comparison(s, eid, current_version(s, eid), "01", "VN", cache=cache)
    assert len(seen) == 1 + 2 and bumped is first  # version + choice; figures from the cache

    add_turnout(db, three["2021"], "1300", {"00008-01": 600})  # a late correction in 2021
    with db.read() as s:
        later = comparison(s, eid, current_version(s, eid), "01", "VN", cache=cache, max_age=0)
    assert later is not first and later is not None
    assert later.window("1300").voted == 600  # type: ignore[union-attr]
    assert later.election.version == first.election.version + 1  # type: ignore[union-attr]
