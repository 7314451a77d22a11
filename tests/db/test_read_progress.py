"""Progress read models on real figures, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, update

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import ElectionKind, Gender, Level, UnitKind
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    EntryClosure,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TurnoutReport,
    Unit,
)
from data.read_models.cache import current_version
from data.read_models.progress import (
    NotFound,
    children_progress,
    commune_completeness,
    late_units,
    unit_progress,
)
from data.schedule import DEFAULT_WINDOWS
from tests.factories import ELECTION_DAY, SmallElection, make_small_election

NOW = datetime(2026, 3, 15, 9, 20, tzinfo=LOCAL_TZ)


# --------------------------------------------------------------------------- helpers


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


def add_opening(db: Database, e: SmallElection, areas: list[str]) -> None:
    with db.write() as s:
        for area in areas:
            s.add(
                OpeningReport(
                    election_id=e.election_id,
                    polling_area_id=e.area_ids[area],
                    opened_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


def add_sheets(db: Database, e: SmallElection, level: Level, constituency: str, areas: list[str]):
    """Bare sheets (counts only) — enough for completeness."""
    with db.write() as s:
        for area in areas:
            s.add(
                TallySheet(
                    election_id=e.election_id,
                    polling_area_id=e.area_ids[area],
                    constituency_id=e.constituency_ids[constituency],
                    level=level,
                    voters_total=100,
                    voters_voted=90,
                    ballots_issued=90,
                    ballots_received=90,
                    ballots_valid=90,
                    ballots_invalid=0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


def close_entry(db: Database, e: SmallElection, unit_code: str) -> None:
    with db.write() as s:
        s.add(EntryClosure(election_id=e.election_id, unit_id=e.unit_ids[unit_code], closed_at=NOW))


def add_branch(db: Database, e: SmallElection) -> None:
    """Province 010 → district 001 → commune 00100 with two areas (1200 + 300 voters).

    Its code starts like province 01's, so a prefix match without the trailing
    slash would leak it into 01's figures. It has its own HĐND xã constituency
    and no QH constituency: QH counting there expects nothing.
    """
    with db.write() as s:
        parent = s.get(Unit, e.unit_ids["VN"])
        assert parent is not None
        for code, kind in (
            ("010", UnitKind.PROVINCE),
            ("001", UnitKind.DISTRICT),
            ("00100", UnitKind.COMMUNE),
        ):
            unit = Unit(
                election_id=e.election_id,
                code=code,
                name=f"Đơn vị {code}",
                kind=kind,
                parent_id=parent.id,
                depth=parent.depth + 1,
                path=parent.path + code + "/",
            )
            s.add(unit)
            s.flush()
            e.unit_ids[code] = unit.id
            parent = unit
        x = Constituency(
            election_id=e.election_id,
            level=Level.HDND_XA,
            code="X-00100",
            name="Đơn vị bầu cử số 1",
            seats=1,
            unit_id=parent.id,
        )
        s.add(x)
        s.flush()
        e.constituency_ids["X-00100"] = x.id
        for code, total in (("00100-01", 1200), ("00100-02", 300)):
            pa = PollingArea(
                election_id=e.election_id,
                unit_id=parent.id,
                code=code,
                name=code,
                registered_total=total,
                registered_male=total // 2,
                registered_female=total - total // 2,
            )
            s.add(pa)
            s.flush()
            e.area_ids[code] = pa.id
            s.add(
                ConstituencyArea(constituency_id=x.id, polling_area_id=pa.id, level=Level.HDND_XA)
            )


@pytest.fixture
def election(db: Database) -> SmallElection:
    return make_small_election(db)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# ----------------------------------------------------------------------------- tests


def test_turnout_three_of_six_areas_at_nine(db: Database, election: SmallElection) -> None:
    e = election
    add_opening(db, e, ["00004-01", "00004-02", "00008-01", "00008-03"])
    add_turnout(db, e, "0900", {"00004-01": 300, "00004-03": 200, "00008-02": 350})
    add_turnout(db, e, "1100", {"00004-01": 450})
    with db.read() as s:
        p = unit_progress(s, e.election_id, "01", now=NOW)

    assert [w.key for w in p.windows] == [spec.key for spec in DEFAULT_WINDOWS]
    assert (p.polling_areas, p.registered, p.as_of) == (6, 4550, NOW)
    opening = p.window("opening")
    assert (opening.reported_areas, opening.expected_areas, opening.voted) == (4, 6, 0)
    assert opening.turnout_pct == Decimal("0.00")
    nine = p.window("0900")
    assert (nine.reported_areas, nine.expected_areas, nine.voted, nine.registered) == (
        3,
        6,
        850,
        4550,
    )
    assert nine.turnout_pct == Decimal("18.68")  # 850 / 4550 = 18.681…
    eleven = p.window("1100")
    assert (eleven.reported_areas, eleven.voted, eleven.turnout_pct) == (1, 450, Decimal("9.89"))
    assert p.window("1300").reported_areas == 0
    assert p.window("0900").due_at == datetime(2026, 3, 15, 9, 0, tzinfo=LOCAL_TZ)


def test_nation_scope_equals_province_scope(db: Database, election: SmallElection) -> None:
    add_turnout(db, election, "0900", {"00004-01": 300, "00008-02": 350})
    with db.read() as s:
        nation = unit_progress(s, election.election_id, "VN", now=NOW)
        province = unit_progress(s, election.election_id, "01", now=NOW)
    assert nation.windows == province.windows
    assert nation.counting == province.counting
    assert nation.unit_kind == UnitKind.NATION


def test_commune_scope_sees_only_its_own_areas(db: Database, election: SmallElection) -> None:
    e = election
    add_turnout(db, e, "0900", {"00004-01": 300, "00004-03": 200, "00008-02": 350})
    with db.read() as s:
        ba_dinh = unit_progress(s, e.election_id, "00004")
        ngoc_ha = unit_progress(s, e.election_id, "00008")
    nine = ba_dinh.window("0900")
    assert (nine.reported_areas, nine.expected_areas, nine.voted, nine.registered) == (
        2,
        3,
        500,
        2450,
    )
    assert nine.turnout_pct == Decimal("20.41")  # 500 / 2450 = 20.408…
    nine = ngoc_ha.window("0900")
    assert (nine.reported_areas, nine.expected_areas, nine.voted, nine.registered) == (
        1,
        3,
        350,
        2100,
    )
    assert nine.turnout_pct == Decimal("16.67")
    assert ba_dinh.as_of is None


def test_prefix_does_not_leak_into_a_similar_code_and_any_depth_works(
    db: Database, election: SmallElection
) -> None:
    e = election
    add_branch(db, e)
    add_turnout(db, e, "0900", {"00004-01": 300, "00100-01": 600})
    with db.read() as s:
        province = unit_progress(s, e.election_id, "01")
        other = unit_progress(s, e.election_id, "010")
        district = unit_progress(s, e.election_id, "001")
        nation = unit_progress(s, e.election_id, "VN")
    assert (province.registered, province.window("0900").voted) == (4550, 300)
    assert (other.registered, other.window("0900").voted) == (1500, 600)
    assert other.window("0900").turnout_pct == Decimal("40.00")
    assert district.windows == other.windows
    assert (nation.polling_areas, nation.registered, nation.window("0900").voted) == (8, 6050, 900)
    # QH is not held in province 010: only HĐND xã is counted there.
    assert [c.level for c in other.counting] == [Level.HDND_XA]
    assert nation.level(Level.QH) is not None
    assert nation.level(Level.QH).sheets_expected == 6  # type: ignore[union-attr]
    assert nation.level(Level.HDND_XA).sheets_expected == 8  # type: ignore[union-attr]


def test_other_elections_never_mix(db: Database, election: SmallElection) -> None:
    drill = make_small_election(db, name="Diễn tập")
    add_turnout(db, drill, "0900", {"00004-01": 999})
    add_sheets(db, drill, Level.QH, "QH-01", ["00004-01"])
    add_turnout(db, election, "0900", {"00004-01": 100})
    with db.read() as s:
        real = unit_progress(s, election.election_id, "01")
        rehearsal = unit_progress(s, drill.election_id, "01")
    assert real.window("0900").voted == 100
    assert real.level(Level.QH).sheets_in == 0  # type: ignore[union-attr]
    assert rehearsal.window("0900").voted == 999
    assert rehearsal.level(Level.QH).sheets_in == 1  # type: ignore[union-attr]


def test_counting_completeness_per_level(db: Database, election: SmallElection) -> None:
    e = election
    add_sheets(db, e, Level.QH, "QH-01", ["00004-01", "00004-02", "00008-01"])
    add_sheets(db, e, Level.HDND_XA, "X-00004", ["00004-01", "00004-02", "00004-03"])
    with db.read() as s:
        province = unit_progress(s, e.election_id, "01")
        ba_dinh = unit_progress(s, e.election_id, "00004")
    assert [(c.level, c.sheets_in, c.sheets_expected) for c in province.counting] == [
        (Level.QH, 3, 6),
        (Level.HDND_TINH, 0, 6),
        (Level.HDND_XA, 3, 6),
    ]
    assert [(c.level, c.sheets_in, c.sheets_expected, c.complete) for c in ba_dinh.counting] == [
        (Level.QH, 2, 3, False),
        (Level.HDND_TINH, 0, 3, False),
        (Level.HDND_XA, 3, 3, True),
    ]


def test_children_sum_to_the_parent(db: Database, election: SmallElection) -> None:
    e = election
    add_branch(db, e)
    add_opening(db, e, ["00004-01", "00100-02"])
    add_turnout(db, e, "0900", {"00004-01": 300, "00004-03": 200, "00008-02": 350})
    add_turnout(db, e, "0900", {"00100-01": 500})
    add_turnout(db, e, "1100", {"00008-01": 400})
    add_sheets(db, e, Level.QH, "QH-01", ["00004-01", "00008-03"])
    add_sheets(db, e, Level.HDND_XA, "X-00100", ["00100-01"])
    with db.read() as s:
        for scope in ("VN", "01", "010", "001", "00004"):
            parent = unit_progress(s, e.election_id, scope)
            children = children_progress(s, e.election_id, scope)
            assert children, scope
            assert sum(c.polling_areas for c in children) == parent.polling_areas
            assert sum(c.registered for c in children) == parent.registered
            for i, w in enumerate(parent.windows):
                assert [c.windows[i].key for c in children] == [w.key] * len(children)
                assert sum(c.windows[i].reported_areas for c in children) == w.reported_areas
                assert sum(c.windows[i].expected_areas for c in children) == w.expected_areas
                assert sum(c.windows[i].voted for c in children) == w.voted
            for level_counting in parent.counting:
                child_levels = [c.level(level_counting.level) for c in children]
                assert all(cl is not None for cl in child_levels)
                assert sum(cl.sheets_in for cl in child_levels) == level_counting.sheets_in  # type: ignore[union-attr]
                assert (
                    sum(cl.sheets_expected for cl in child_levels)  # type: ignore[union-attr]
                    == level_counting.sheets_expected
                )

        nation_children = children_progress(s, e.election_id, "VN")
        provinces = children_progress(s, e.election_id, "01")
        areas = children_progress(s, e.election_id, "00004")
    assert [(c.code, c.kind) for c in nation_children] == [("01", "province"), ("010", "province")]
    assert [(c.code, c.kind, c.registered) for c in provinces] == [
        ("00004", "commune", 2450),
        ("00008", "commune", 2100),
    ]
    nine = provinces[0].window("0900")
    assert (nine.reported_areas, nine.voted, nine.turnout_pct) == (2, 500, Decimal("20.41"))
    assert [(a.code, a.kind, a.registered, a.window("0900").voted) for a in areas] == [
        ("00004-01", "polling_area", 1000, 300),
        ("00004-02", "polling_area", 800, 0),
        ("00004-03", "polling_area", 650, 200),
    ]
    assert areas[0].window("0900").turnout_pct == Decimal("30.00")
    assert areas[0].window("opening").reported_areas == 1
    assert areas[0].level(Level.QH).sheets_in == 1  # type: ignore[union-attr]
    assert areas[1].level(Level.QH).sheets_in == 0  # type: ignore[union-attr]


def test_commune_completeness(db: Database, election: SmallElection) -> None:
    e = election
    add_branch(db, e)
    add_opening(db, e, ["00004-01", "00004-02", "00004-03"])
    add_turnout(db, e, "0900", {"00004-01": 300, "00008-02": 350, "00100-01": 10})
    add_sheets(db, e, Level.HDND_XA, "X-00008", ["00008-01", "00008-02", "00008-03"])
    close_entry(db, e, "00008")
    close_entry(db, e, "010")
    with db.read() as s:
        rows = commune_completeness(s, e.election_id, "VN")
        province_rows = commune_completeness(s, e.election_id, "01")
        own = commune_completeness(s, e.election_id, "00004")
    assert [(r.code, r.polling_areas, r.closed) for r in rows] == [
        ("00004", 3, False),
        ("00008", 3, True),  # closed itself
        ("00100", 2, True),  # closed through its province
    ]
    ba_dinh, ngoc_ha, far = rows
    assert ba_dinh.reported_for("opening") == 3
    assert [(w.key, w.reported, w.expected) for w in ba_dinh.reported][:3] == [
        ("opening", 3, 3),
        ("0900", 1, 3),
        ("1100", 0, 3),
    ]
    assert ngoc_ha.reported_for("0900") == 1
    assert far.reported_for("0900") == 1
    xa = {r.code: r.counting for r in rows}
    assert [(c.level, c.sheets_in, c.sheets_expected) for c in xa["00008"]] == [
        (Level.QH, 0, 3),
        (Level.HDND_TINH, 0, 3),
        (Level.HDND_XA, 3, 3),
    ]
    assert [(c.level, c.sheets_expected) for c in xa["00100"]] == [
        (Level.QH, 0),
        (Level.HDND_TINH, 0),
        (Level.HDND_XA, 2),
    ]
    assert [r.code for r in province_rows] == ["00004", "00008"]
    assert province_rows == rows[:2]
    assert [r.code for r in own] == ["00004"]
    assert own[0].reported == ba_dinh.reported


def test_late_units(db: Database, election: SmallElection) -> None:
    e = election
    add_branch(db, e)
    add_turnout(db, e, "0900", {"00004-01": 300, "00004-02": 1, "00004-03": 2, "00008-02": 350})
    add_opening(db, e, ["00008-01", "00008-02", "00008-03"])
    close_entry(db, e, "001")
    with db.read() as s:
        late = late_units(s, e.election_id, "VN", "0900")
        late_province = late_units(s, e.election_id, "01", "0900")
        late_opening = late_units(s, e.election_id, "01", "opening")
        own = late_units(s, e.election_id, "00004", "1100")
        done = late_units(s, e.election_id, "00004", "0900")
        with pytest.raises(NotFound):
            late_units(s, e.election_id, "VN", "2300")
    assert [
        (u.code, u.expected_areas, u.reported_areas, u.missing_areas, u.closed) for u in late
    ] == [
        ("00008", 3, 1, 2, False),
        ("00100", 2, 0, 2, True),
    ]
    assert [u.code for u in late_province] == ["00008"]
    assert [(u.code, u.missing_areas) for u in late_opening] == [("00004", 3)]
    assert [(u.code, u.missing_areas) for u in own] == [("00004", 3)]
    assert done == []


def test_unknown_unit_and_data_version(db: Database, election: SmallElection) -> None:
    with db.write() as s:
        s.execute(
            update(Election).where(Election.id == election.election_id).values(data_version=41)
        )
    with db.read() as s:
        with pytest.raises(NotFound):
            unit_progress(s, election.election_id, "99999")
        with pytest.raises(LookupError):
            children_progress(s, election.election_id + 1000, "VN")
        assert current_version(s, election.election_id) == 41
        assert unit_progress(s, election.election_id, "01").data_version == 41
        with pytest.raises(LookupError):
            current_version(s, election.election_id + 1000)


# ------------------------------------------------------------- statement counting


def make_big_election(db: Database, communes: int = 20, areas: int = 10) -> SmallElection:
    """VN → province 01 → ``communes`` communes × ``areas`` polling areas, with reports."""
    stamp = NOW
    with db.write() as s:
        election = Election(
            name=f"Lớn {communes}x{areas}", date=ELECTION_DAY, kind=ElectionKind.DRILL
        )
        s.add(election)
        s.flush()
        e = SmallElection(election.id)
        nation = Unit(
            election_id=election.id, code="VN", name="VN", kind=UnitKind.NATION, depth=0, path="VN/"
        )
        s.add(nation)
        s.flush()
        province = Unit(
            election_id=election.id,
            code="01",
            name="01",
            kind=UnitKind.PROVINCE,
            parent_id=nation.id,
            depth=1,
            path="VN/01/",
        )
        s.add(province)
        s.flush()
        e.unit_ids.update(VN=nation.id, **{"01": province.id})
        windows = []
        for position, spec in enumerate(DEFAULT_WINDOWS):
            due, opens, closes = spec.on(ELECTION_DAY)
            w = ReportingWindow(
                election_id=election.id,
                key=spec.key,
                kind=spec.kind,
                due_at=due,
                opens_at=opens,
                closes_at=closes,
                position=position,
            )
            s.add(w)
            windows.append(w)
        qh = Constituency(
            election_id=election.id,
            level=Level.QH,
            code="QH-01",
            name="QH",
            seats=1,
            unit_id=province.id,
        )
        s.add(qh)
        s.flush()
        for order in (1, 2, 3):
            s.add(
                Candidate(
                    constituency_id=qh.id,
                    full_name=f"QH {order}",
                    ballot_order=order,
                    date_of_birth=date(1970, 1, order),
                    gender=Gender.MALE,
                )
            )
        turnout_window = windows[1]
        for c in range(communes):
            code = f"{c + 1:05d}"
            commune = Unit(
                election_id=election.id,
                code=code,
                name=code,
                kind=UnitKind.COMMUNE,
                parent_id=province.id,
                depth=2,
                path=f"VN/01/{code}/",
            )
            s.add(commune)
            s.flush()
            e.unit_ids[code] = commune.id
            x = Constituency(
                election_id=election.id,
                level=Level.HDND_XA,
                code=f"X-{code}",
                name=code,
                seats=1,
                unit_id=commune.id,
            )
            s.add(x)
            s.flush()
            for order in (1, 2):
                s.add(
                    Candidate(
                        constituency_id=x.id,
                        full_name=f"X {order}",
                        ballot_order=order,
                        date_of_birth=date(1980, 1, order),
                        gender=Gender.FEMALE,
                    )
                )
            for a in range(areas):
                pa = PollingArea(
                    election_id=election.id,
                    unit_id=commune.id,
                    code=f"{code}-{a}",
                    name=str(a),
                    registered_total=100,
                    registered_male=50,
                    registered_female=50,
                )
                s.add(pa)
                s.flush()
                s.add(
                    ConstituencyArea(constituency_id=qh.id, polling_area_id=pa.id, level=Level.QH)
                )
                s.add(
                    ConstituencyArea(
                        constituency_id=x.id, polling_area_id=pa.id, level=Level.HDND_XA
                    )
                )
                if a % 2:
                    s.add(
                        TurnoutReport(
                            election_id=election.id,
                            polling_area_id=pa.id,
                            window_id=turnout_window.id,
                            voted_total=40,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
                    s.add(
                        TallySheet(
                            election_id=election.id,
                            polling_area_id=pa.id,
                            constituency_id=qh.id,
                            level=Level.QH,
                            voters_total=100,
                            voters_voted=80,
                            ballots_issued=80,
                            ballots_received=80,
                            ballots_valid=80,
                            ballots_invalid=0,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
    return e


def _count(db: Database, fn: Callable[[Any], object]) -> int:
    with db.read() as s, statements(db) as seen:
        fn(s)
    return len([q for q in seen if not q.strip().upper().startswith(("BEGIN", "ROLLBACK"))])


def test_statement_count_does_not_grow_with_the_tree(db: Database) -> None:
    from data.read_models.results import constituency_results

    small = make_small_election(db)
    big = make_big_election(db, communes=20, areas=10)
    with db.read() as s:
        assert unit_progress(s, big.election_id, "VN").polling_areas == 200
        assert unit_progress(s, big.election_id, "01").window("0900").voted == 100 * 40
        assert len(children_progress(s, big.election_id, "01")) == 20
        assert len(constituency_results(s, big.election_id, "VN")) == 21

    calls: dict[str, Callable[[int], Callable[[Any], object]]] = {
        "unit_progress VN": lambda eid: lambda s: unit_progress(s, eid, "VN"),
        "unit_progress 01": lambda eid: lambda s: unit_progress(s, eid, "01"),
        "children_progress VN": lambda eid: lambda s: children_progress(s, eid, "VN"),
        "children_progress 01": lambda eid: lambda s: children_progress(s, eid, "01"),
        "commune_completeness": lambda eid: lambda s: commune_completeness(s, eid, "VN"),
        "late_units": lambda eid: lambda s: late_units(s, eid, "01", "0900"),
        "constituency_results": lambda eid: lambda s: constituency_results(s, eid, "VN"),
    }
    for name, call in calls.items():
        n_small = _count(db, call(small.election_id))
        n_big = _count(db, call(big.election_id))
        assert n_small == n_big, name
        assert n_big <= 8, (name, n_big)


def test_cached_progress_follows_the_data_version(db: Database, election: SmallElection) -> None:
    from data.read_models.cache import ReadCache, cached

    cache = ReadCache()
    eid = election.election_id
    computed: list[int] = []

    def progress(s: Any) -> Any:
        def compute() -> Any:
            p = unit_progress(s, eid, "01")
            computed.append(p.data_version)
            return p

        return cached(s, eid, "01", "progress", compute, cache=cache)

    with db.read() as s:
        first = progress(s)
        assert progress(s) is first
    add_turnout(db, election, "0900", {"00004-01": 300})
    with db.read() as s:  # a write without a version bump is not seen (by design)
        assert progress(s) is first
    with db.write() as s:
        s.execute(update(Election).where(Election.id == eid).values(data_version=1))
    with db.read() as s:
        second = progress(s)
    assert computed == [0, 1]
    assert (first.window("0900").voted, second.window("0900").voted) == (0, 300)
