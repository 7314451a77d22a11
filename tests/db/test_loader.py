"""validate_package (pure) and load_package (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import ElectionKind, Gender, Level, UnitKind
from data.loader import (
    LoadResult,
    PackageRejected,
    ballot_orders,
    load_package,
    validate_package,
)
from data.models import (
    AuditEvent,
    Base,
    Candidate,
    Constituency,
    ConstituencyArea,
    Contest,
    Election,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TallyVote,
    TurnoutReport,
    Unit,
)
from data.package import (
    CandidateRow,
    ConstituencyRow,
    ElectionPackage,
    ElectionRow,
    MembershipRow,
    PollingAreaRow,
    UnitRow,
    WindowRow,
)

DAY = date(2026, 3, 15)
NAME = "Bầu cử thử 2026"
BEFORE_FREEZE = datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL_TZ)
QH_NAMES = ["Phạm Đức", "Nguyễn Văn Bình", "Lê Thị Ánh", "Trần Văn An"]

P, D, C = UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE
M, F = Gender.MALE, Gender.FEMALE


def small_package() -> ElectionPackage:
    """Province 01 with communes 00004 and 00008 (two areas each); QH over the
    province (2 seats, 4 candidates), HĐND xã per commune (1 seat, 2 candidates)."""
    units = [
        UnitRow("01", "Thành phố Hà Nội", P, None),
        UnitRow("00004", "Phường Ba Đình", C, "01"),
        UnitRow("00008", "Phường Ngọc Hà", C, "01"),
    ]
    areas = [
        PollingAreaRow(f"{c}-{k}", c, f"Khu vực bỏ phiếu số {k}", 1000 + k, 500, 500 + k)
        for c in ("00004", "00008")
        for k in (1, 2)
    ]
    constituencies = [
        ConstituencyRow("QH-1", Level.QH, "Đơn vị bầu cử số 1", 2, "01"),
        ConstituencyRow("X-00004", Level.HDND_XA, "Đơn vị bầu cử số 1", 1, "00004"),
        ConstituencyRow("X-00008", Level.HDND_XA, "Đơn vị bầu cử số 1", 1, "00008"),
    ]
    memberships = [MembershipRow("QH-1", a.code) for a in areas] + [
        MembershipRow(f"X-{a.unit_code}", a.code) for a in areas
    ]
    candidates = [
        CandidateRow("QH-1", name, date(1970 + i, 1 + i, 1), M if i % 2 else F)
        for i, name in enumerate(QH_NAMES)
    ] + [
        CandidateRow("X-00004", "Vũ Văn Phúc", date(1970, 3, 3), M),
        CandidateRow("X-00004", "Đinh Thị Quyên", date(1992, 9, 9), F),
        CandidateRow("X-00008", "Mai Thị Thu", date(1987, 7, 7), F),
        CandidateRow("X-00008", "Cao Văn Tùng", date(1978, 2, 2), M),
    ]
    return ElectionPackage(
        ElectionRow(NAME, DAY), units, areas, constituencies, memberships, candidates
    )


def found(pkg: ElectionPackage) -> set[tuple[str, int | None, str]]:
    """(file, row, code or reason) of every problem."""
    return {(p.file, p.row, p.code or p.reason) for p in validate_package(pkg)}


def has(got: set[tuple[str, int | None, str]], file: str, row: int | None, fragment: str) -> bool:
    return any(f == file and r == row and fragment in text for f, r, text in got)


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def election(db: Database, name: str = NAME) -> Election:
    with db.read() as s:
        return s.scalars(select(Election).where(Election.name == name)).one()


def load(db: Database, pkg: ElectionPackage, **kwargs: object) -> LoadResult:
    kwargs.setdefault("now", BEFORE_FREEZE)
    return load_package(db, pkg, **kwargs)  # type: ignore[arg-type]


# --- validation (pure) ------------------------------------------------------


def test_small_package_is_valid() -> None:
    assert validate_package(small_package()) == []


def _with(pkg: ElectionPackage, **changes: object) -> ElectionPackage:
    return dataclasses.replace(pkg, **changes)  # type: ignore[arg-type]


def _unit(index: int, **changes: object) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        units = list(pkg.units)
        units[index] = dataclasses.replace(units[index], **changes)  # type: ignore[arg-type]
        return _with(pkg, units=units)

    return change


def _area(index: int, **changes: object) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        areas = list(pkg.polling_areas)
        areas[index] = dataclasses.replace(areas[index], **changes)  # type: ignore[arg-type]
        return _with(pkg, polling_areas=areas)

    return change


def _constituency(index: int, **changes: object) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        rows = list(pkg.constituencies)
        rows[index] = dataclasses.replace(rows[index], **changes)  # type: ignore[arg-type]
        return _with(pkg, constituencies=rows)

    return change


def _candidate(index: int, **changes: object) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        rows = list(pkg.candidates)
        rows[index] = dataclasses.replace(rows[index], **changes)  # type: ignore[arg-type]
        return _with(pkg, candidates=rows)

    return change


def _add(**extra: list[object]) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        return _with(pkg, **{k: [*getattr(pkg, k), *v] for k, v in extra.items()})

    return change


def _drop(attr: str, index: int) -> Callable[[ElectionPackage], ElectionPackage]:
    def change(pkg: ElectionPackage) -> ElectionPackage:
        rows = list(getattr(pkg, attr))
        del rows[index]
        return _with(pkg, **{attr: rows})

    return change


WINDOW = WindowRow("0900", time(9), time(8, 45), time(9, 15))

CASES: dict[str, tuple[Callable[[ElectionPackage], ElectionPackage], list[tuple]]] = {
    "province with a parent": (
        _unit(0, parent_code="00004"),
        [("units.csv", 2, "không có đơn vị cha"), ("units.csv", 2, "vòng lặp")],
    ),
    "commune without parent": (_unit(1, parent_code=None), [("units.csv", 3, "thiếu parent")]),
    "commune under a commune": (
        _unit(2, parent_code="00004"),
        [("units.csv", 4, "phải thuộc một tỉnh/thành phố hoặc huyện/quận")],
    ),
    "unknown parent": (_unit(2, parent_code="77"), [("units.csv", 4, "“77” không có")]),
    "duplicate unit": (
        _add(units=[UnitRow("00004", "Trùng", C, "01")]),
        [("units.csv", 5, "bị trùng (đã có ở dòng 3)")],
    ),
    "nation in the file": (
        _add(units=[UnitRow("VN", "Việt Nam", P, None)]),
        [("units.csv", 5, "mã VN")],
    ),
    "district loop": (
        _add(
            units=[UnitRow("D1", "Huyện 1", D, "D2"), UnitRow("D2", "Huyện 2", D, "D1")],
        ),
        [
            ("units.csv", 5, "vòng lặp đơn vị cha"),
            ("units.csv", 6, "vòng lặp đơn vị cha"),
            ("units.csv", 5, "phải thuộc một tỉnh/thành phố"),
        ],
    ),
    "self parent": (_unit(1, parent_code="00004"), [("units.csv", 3, "chính nó")]),
    "area under a province": (
        _area(0, unit_code="01"),
        [("polling_areas.csv", 2, "phải thuộc một xã")],
    ),
    "area of unknown unit": (
        _area(0, unit_code="99999"),
        [("polling_areas.csv", 2, "“99999” không có trong units.csv")],
    ),
    "M04": (_area(1, registered_male=1), [("polling_areas.csv", 3, "M04")]),
    "R01": (_area(1, registered_female=-1), [("polling_areas.csv", 3, "R01")]),
    "duplicate area": (
        _add(polling_areas=[PollingAreaRow("00004-1", "00004", "KV", 10, 5, 5)]),
        [("polling_areas.csv", 6, "bị trùng")],
    ),
    "M02": (_constituency(0, seats=4), [("constituencies.csv", 2, "M02")]),
    "M01": (_drop("candidates", 0), [("constituencies.csv", 2, "M01")]),
    "QH run by a commune": (
        _constituency(0, unit_code="00004"),
        [("constituencies.csv", 2, "do Ủy ban bầu cử tỉnh/thành phố phụ trách")],
    ),
    "constituency of unknown unit": (
        _constituency(1, unit_code="12345"),
        [("constituencies.csv", 3, "“12345” không có")],
    ),
    "constituency without areas": (
        _add(
            constituencies=[ConstituencyRow("X-2", Level.HDND_XA, "ĐV 2", 1, "00004")],
            candidates=[
                CandidateRow("X-2", "A B", date(1980, 1, 1), M),
                CandidateRow("X-2", "C D", date(1980, 1, 1), M),
            ],
        ),
        [("constituencies.csv", 5, "chưa có khu vực bỏ phiếu")],
    ),
    "M03 none": (_drop("memberships", 0), [("polling_areas.csv", 2, "M03")]),
    "M03 two + outside the committee's commune": (
        _add(memberships=[MembershipRow("X-00004", "00008-1")]),
        [
            ("constituency_areas.csv", 10, "M03"),
            ("constituency_areas.csv", 10, "không nằm trong địa bàn “00004”"),
        ],
    ),
    "membership of unknown codes": (
        _add(memberships=[MembershipRow("QH-9", "00004-9")]),
        [
            ("constituency_areas.csv", 10, "“QH-9” không có"),
            ("constituency_areas.csv", 10, "“00004-9” không có"),
        ],
    ),
    "duplicate membership": (
        _add(memberships=[MembershipRow("QH-1", "00004-1")]),
        [("constituency_areas.csv", 10, "dòng trùng với dòng 2")],
    ),
    "candidate of unknown constituency": (
        _candidate(7, constituency_code="X-1"),
        [("candidates.csv", 9, "“X-1” không có"), ("constituencies.csv", 4, "M01")],
    ),
    "duplicate ballot order": (
        lambda p: _candidate(5, ballot_order=1)(_candidate(4, ballot_order=1)(p)),
        [("candidates.csv", 7, "thứ tự trên phiếu 1 bị trùng")],
    ),
    "ballot order for some only": (
        _candidate(4, ballot_order=1),
        [("candidates.csv", 7, "ghi ballot_order cho tất cả")],
    ),
    "ballot order zero": (
        lambda p: _candidate(5, ballot_order=2)(_candidate(4, ballot_order=0)(p)),
        [("candidates.csv", 6, "từ 1 trở lên")],
    ),
    "same person twice": (
        _add(candidates=[CandidateRow("X-00004", "Vũ  Văn Phúc", date(1970, 3, 3), M)]),
        [("candidates.csv", 10, "ghi hai lần")],
    ),
    "too young": (
        _candidate(0, date_of_birth=date(2005, 3, 16)),
        [("candidates.csv", 2, "chưa đủ 21 tuổi")],
    ),
    "window opens after it closes": (
        lambda p: _with(p, windows=[WindowRow("0900", time(9), time(9, 15), time(8, 45))]),
        [("windows.csv", 2, "phải trước giờ kết thúc")],
    ),
    "window due outside entry": (
        lambda p: _with(p, windows=[WindowRow("0900", time(10), time(8, 45), time(9, 15))]),
        [("windows.csv", 2, "phải nằm trong thời gian nhập")],
    ),
    "duplicate window": (
        lambda p: _with(p, windows=[WINDOW, WINDOW]),
        [("windows.csv", 3, "bị trùng")],
    ),
    "no windows": (lambda p: _with(p, windows=[]), [("windows.csv", None, "không có mốc")]),
    "no election name": (
        lambda p: _with(p, election=ElectionRow("", DAY)),
        [("election.csv", 2, "thiếu tên")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validation_finds(case: str) -> None:
    change, expected = CASES[case]
    got = found(change(small_package()))
    for file, row, fragment in expected:
        assert has(got, file, row, fragment), (file, row, fragment, got)


def test_validation_lists_every_problem_at_once() -> None:
    pkg = _candidate(0, date_of_birth=date(2010, 1, 1))(
        _area(1, registered_male=1)(_unit(2, parent_code="77")(small_package()))
    )
    got = found(pkg)
    assert {(f, r) for f, r, _ in got} >= {
        ("units.csv", 4),
        ("polling_areas.csv", 3),
        ("candidates.csv", 2),
    }


def test_default_ballot_order_is_vietnamese_alphabetical() -> None:
    rows = [CandidateRow("QH-1", n, date(1970, 1, 1), M) for n in QH_NAMES]
    assert ballot_orders(rows) == [4, 3, 2, 1]
    # Same name: the older candidate first.
    twins = [
        CandidateRow("QH-1", "Lê An", date(1980, 1, 1), M),
        CandidateRow("QH-1", "Lê An", date(1970, 1, 1), M),
    ]
    assert ballot_orders(twins) == [2, 1]
    given = [dataclasses.replace(r, ballot_order=i) for i, r in enumerate(rows, 1)]
    assert ballot_orders(given) == [1, 2, 3, 4]


# --- loading ----------------------------------------------------------------


def test_load_creates_the_election(db: Database) -> None:
    result = load(db, small_package())
    assert result.created
    assert result.data_version == 1
    assert result.counts == {
        "units": 3,
        "polling_areas": 4,
        "constituencies": 3,
        "memberships": 8,
        "candidates": 8,
        "windows": 7,
    }
    with db.read() as s:
        units = {u.code: u for u in s.scalars(select(Unit))}
        assert units["VN"].kind is UnitKind.NATION and units["VN"].parent_id is None
        assert units["VN"].path == "VN/" and units["VN"].depth == 0
        assert units["01"].path == "VN/01/" and units["01"].parent_id == units["VN"].id
        assert units["00004"].path == "VN/01/00004/" and units["00004"].depth == 2
        assert units["00004"].parent_id == units["01"].id
        qh = s.scalars(select(Constituency).where(Constituency.code == "QH-1")).one()
        assert [c.full_name for c in qh.candidates] == [
            "Trần Văn An",
            "Lê Thị Ánh",
            "Nguyễn Văn Bình",
            "Phạm Đức",
        ]
        levels = {c.level for c in s.scalars(select(Contest))}
        assert levels == {Level.QH, Level.HDND_XA}
        windows = s.scalars(select(ReportingWindow).order_by(ReportingWindow.position)).all()
        assert [w.key for w in windows] == [
            "opening",
            "0900",
            "1100",
            "1300",
            "1500",
            "1700",
            "1900",
        ]
        assert windows[1].due_at == datetime(2026, 3, 15, 9, 0, tzinfo=LOCAL_TZ)
        audit = s.scalars(select(AuditEvent)).one()
        assert audit.action == "master_data.import"
        assert audit.election_id == result.election_id
        assert audit.after is not None and audit.after["polling_areas"] == 4
        e = s.get(Election, result.election_id)
        assert e is not None and e.data_version == 1 and e.kind is ElectionKind.REAL


def test_reload_is_idempotent(db: Database) -> None:
    first = load(db, small_package())
    with db.read() as s:
        ids = dict(s.execute(select(Candidate.full_name, Candidate.id)).all())
    counts = table_counts(db)
    second = load(db, small_package())
    assert not second.created
    assert second.election_id == first.election_id
    assert second.counts == first.counts
    assert second.data_version == 2
    assert all(
        change == {"inserted": 0, "updated": 0, "deleted": 0} for change in second.changes.values()
    )
    after = table_counts(db)
    assert after == {**counts, "audit_event": counts["audit_event"] + 1}
    with db.read() as s:
        assert dict(s.execute(select(Candidate.full_name, Candidate.id)).all()) == ids


def test_update_upserts_replaces_and_deletes(db: Database) -> None:
    load(db, small_package())
    pkg = small_package()
    pkg.units[1] = dataclasses.replace(pkg.units[1], name="Phường Ba Đình mới")
    pkg.polling_areas[0] = dataclasses.replace(
        pkg.polling_areas[0], registered_total=2000, registered_male=1000, registered_female=1000
    )
    # Drop polling area 00008-2 (and its memberships), add a QH candidate.
    pkg.polling_areas = [a for a in pkg.polling_areas if a.code != "00008-2"]
    pkg.memberships = [m for m in pkg.memberships if m.polling_area_code != "00008-2"]
    pkg.candidates.append(CandidateRow("QH-1", "Hồ Thị Bảo", date(1977, 7, 7), F))
    result = load(db, pkg)
    assert result.counts["polling_areas"] == 3
    assert result.counts["memberships"] == 6
    assert result.counts["candidates"] == 9
    assert result.changes["units"]["updated"] == 1
    assert result.changes["polling_areas"] == {"inserted": 0, "updated": 1, "deleted": 1}
    assert result.changes["candidates"]["inserted"] == 1
    with db.read() as s:
        assert s.scalar(select(Unit.name).where(Unit.code == "00004")) == "Phường Ba Đình mới"
        assert (
            s.scalar(select(PollingArea.registered_total).where(PollingArea.code == "00004-1"))
            == 2000
        )
        qh = s.scalars(select(Constituency).where(Constituency.code == "QH-1")).one()
        # Bảo slots in between Ánh and Bình.
        assert [c.full_name for c in qh.candidates][:4] == [
            "Trần Văn An",
            "Lê Thị Ánh",
            "Hồ Thị Bảo",
            "Nguyễn Văn Bình",
        ]


def test_orders_swap_and_areas_move(db: Database) -> None:
    load(db, small_package())
    pkg = small_package()
    # Explicit orders reversing the alphabetical ones: every candidate moves.
    pkg.candidates = [
        dataclasses.replace(c, ballot_order=i) if c.constituency_code == "QH-1" else c
        for i, c in enumerate(pkg.candidates, 1)
    ]
    # A second HĐND xã constituency in 00004 takes area 00004-2.
    pkg.constituencies.append(ConstituencyRow("X-00004-2", Level.HDND_XA, "ĐV 2", 1, "00004"))
    pkg.memberships = [
        MembershipRow("X-00004-2", m.polling_area_code)
        if m.polling_area_code == "00004-2" and m.constituency_code == "X-00004"
        else m
        for m in pkg.memberships
    ]
    pkg.candidates += [
        CandidateRow("X-00004-2", "Lê Văn Minh", date(1980, 1, 1), M),
        CandidateRow("X-00004-2", "Lê Thị Ngọc", date(1981, 1, 1), F),
    ]
    load(db, pkg)
    with db.read() as s:
        qh = s.scalars(select(Constituency).where(Constituency.code == "QH-1")).one()
        assert [c.full_name for c in qh.candidates] == QH_NAMES
        member = s.execute(
            select(Constituency.code)
            .join(ConstituencyArea, ConstituencyArea.constituency_id == Constituency.id)
            .join(PollingArea, PollingArea.id == ConstituencyArea.polling_area_id)
            .where(PollingArea.code == "00004-2", ConstituencyArea.level == Level.HDND_XA)
        ).scalar_one()
        assert member == "X-00004-2"


def test_invalid_package_writes_nothing(db: Database) -> None:
    load(db, small_package())
    counts = table_counts(db)
    broken = _area(0, registered_male=0)(small_package())
    with pytest.raises(PackageRejected) as info:
        load(db, broken)
    assert [(p.file, p.row, p.code) for p in info.value.problems] == [
        ("polling_areas.csv", 2, "M04")
    ]
    assert table_counts(db) == counts
    assert election(db).data_version == 1


def test_new_election_is_not_created_when_invalid(db: Database) -> None:
    with pytest.raises(PackageRejected):
        load(db, _constituency(0, seats=9)(small_package()))
    assert table_counts(db)["election"] == 0


def _report_turnout(db: Database, area_code: str) -> None:
    with db.write() as s:
        area = s.scalars(select(PollingArea).where(PollingArea.code == area_code)).one()
        window = s.scalars(select(ReportingWindow).where(ReportingWindow.key == "0900")).first()
        assert window is not None
        s.add(
            TurnoutReport(
                election_id=area.election_id,
                polling_area_id=area.id,
                window_id=window.id,
                voted_total=10,
                created_at=BEFORE_FREEZE,
                updated_at=BEFORE_FREEZE,
            )
        )


def _tally(db: Database, area_code: str, constituency_code: str) -> None:
    with db.write() as s:
        area = s.scalars(select(PollingArea).where(PollingArea.code == area_code)).one()
        con = s.scalars(select(Constituency).where(Constituency.code == constituency_code)).one()
        sheet = TallySheet(
            election_id=area.election_id,
            polling_area_id=area.id,
            constituency_id=con.id,
            level=con.level,
            voters_total=1000,
            voters_voted=900,
            ballots_issued=900,
            ballots_received=900,
            ballots_valid=900,
            ballots_invalid=0,
            created_at=BEFORE_FREEZE,
            updated_at=BEFORE_FREEZE,
        )
        s.add(sheet)
        s.flush()
        for cand in con.candidates:
            s.add(TallyVote(sheet_id=sheet.id, candidate_id=cand.id, votes=500))


def test_refuses_to_delete_a_polling_area_with_reports(db: Database) -> None:
    load(db, small_package())
    _report_turnout(db, "00008-2")
    counts = table_counts(db)
    pkg = small_package()
    pkg.polling_areas = [a for a in pkg.polling_areas if a.code != "00008-2"]
    pkg.memberships = [m for m in pkg.memberships if m.polling_area_code != "00008-2"]
    with pytest.raises(PackageRejected) as info:
        load(db, pkg)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.file == "polling_areas.csv"
    assert "00008-2" in problem.reason and "báo cáo tiến độ" in problem.reason
    assert table_counts(db) == counts
    assert election(db).data_version == 1


def test_refuses_to_delete_a_candidate_with_votes(db: Database) -> None:
    load(db, small_package())
    _tally(db, "00004-1", "X-00004")
    counts = table_counts(db)
    pkg = small_package()
    pkg.candidates = [c for c in pkg.candidates if c.full_name != "Vũ Văn Phúc"]
    pkg.candidates.append(CandidateRow("X-00004", "Người Mới", date(1980, 1, 1), M))
    with pytest.raises(PackageRejected) as info:
        load(db, pkg)
    assert [p.file for p in info.value.problems] == ["candidates.csv"]
    assert "Vũ Văn Phúc" in info.value.problems[0].reason
    assert table_counts(db) == counts
    # Unchanged candidates keep their ids, so the same package still loads.
    load(db, small_package())


def test_freeze(db: Database) -> None:
    load(db, small_package())
    freeze_at = datetime(2026, 3, 14, 19, 0, tzinfo=LOCAL_TZ)
    with db.write() as s:
        s.scalars(select(Election)).one().freeze_at = freeze_at
    counts = table_counts(db)
    with pytest.raises(PackageRejected) as info:
        load(db, small_package(), now=freeze_at)
    assert "đã khóa" in info.value.problems[0].reason
    with pytest.raises(PackageRejected):
        load(db, small_package(), now=freeze_at + timedelta(days=1))
    assert table_counts(db) == counts
    result = load(db, small_package(), now=freeze_at - timedelta(minutes=1))
    assert result.data_version == 2


def test_windows_from_the_package_and_a_new_date(db: Database) -> None:
    pkg = small_package()
    pkg.windows = [
        WindowRow("1200", time(12), time(11, 45), time(12, 15)),
        WindowRow("opening", time(7), time(6, 45), time(7, 15)),
    ]
    load(db, pkg)
    with db.read() as s:
        rows = s.scalars(select(ReportingWindow).order_by(ReportingWindow.position)).all()
        assert [(w.key, w.position) for w in rows] == [("opening", 0), ("1200", 1)]
        assert rows[0].kind.value == "opening" and rows[1].kind.value == "turnout"
    # No windows in the package: the stored ones stay, moved to the new date.
    moved = small_package()
    moved.election = ElectionRow(NAME, DAY + timedelta(days=7))
    load(db, moved)
    with db.read() as s:
        rows = s.scalars(select(ReportingWindow).order_by(ReportingWindow.position)).all()
        assert [w.key for w in rows] == ["opening", "1200"]
        assert rows[1].due_at == datetime(2026, 3, 22, 12, 0, tzinfo=LOCAL_TZ)
        assert s.scalars(select(Election)).one().date == date(2026, 3, 22)


def test_district_level_and_election_name_override(db: Database) -> None:
    pkg = small_package()
    pkg.units = [
        UnitRow("01", "Thành phố Hà Nội", P, None),
        UnitRow("001", "Quận Ba Đình", D, "01"),
        UnitRow("00004", "Phường Ba Đình", C, "001"),
        UnitRow("00008", "Phường Ngọc Hà", C, "001"),
    ]
    pkg.constituencies.append(ConstituencyRow("H-1", Level.HDND_HUYEN, "ĐV 1", 2, "001"))
    pkg.memberships += [MembershipRow("H-1", a.code) for a in pkg.polling_areas]
    pkg.candidates += [
        CandidateRow("H-1", f"Người Số {i}", date(1980, 1, i), M) for i in range(1, 4)
    ]
    result = load(db, pkg, election_name="Bầu cử 2021 (có cấp huyện)")
    assert result.counts["units"] == 4
    with db.read() as s:
        unit = s.scalars(select(Unit).where(Unit.code == "00008")).one()
        assert unit.path == "VN/01/001/00008/" and unit.depth == 3
        assert s.scalar(select(Election.name)) == "Bầu cử 2021 (có cấp huyện)"
        assert Level.HDND_HUYEN in set(s.scalars(select(Contest.level)))
