"""Anomalies and late-commune contacts on real figures, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from math import sqrt

import pytest
from sqlalchemy import select, update

from data.db import Database
from data.enums import Level, Role
from data.models import AuditEvent, PollingArea, ReportingWindow, TallySheet, TurnoutReport, User
from data.numbers import round_half_up
from data.read_models.anomalies import (
    AnomalyKind,
    Operator,
    anomalies,
    late_contacts,
)
from tests.db.services_support import at
from tests.db.test_read_progress import _count, make_big_election
from tests.factories import SmallElection, make_small_election, make_user


@pytest.fixture
def election(db: Database) -> SmallElection:
    return make_small_election(db)


def turnout(
    db: Database,
    e: SmallElection,
    area: str,
    window: str,
    voted: int,
    *,
    warnings: list[str] | None = None,
    reason: str | None = None,
    by: int | None = None,
    when: str = "09:05",
) -> None:
    with db.write() as s:
        s.add(
            TurnoutReport(
                election_id=e.election_id,
                polling_area_id=e.area_ids[area],
                window_id=e.window_ids[window],
                voted_total=voted,
                confirmed_warnings=warnings or [],
                reason=reason,
                entered_by_id=by,
                created_at=at(when),
                updated_at=at(when),
            )
        )


def sheet(
    db: Database, e: SmallElection, area: str, warnings: list[str], reason: str, by: int
) -> None:
    commune = area.split("-")[0]
    with db.write() as s:
        s.add(
            TallySheet(
                election_id=e.election_id,
                polling_area_id=e.area_ids[area],
                constituency_id=e.constituency_ids[f"X-{commune}"],
                level=Level.HDND_XA,
                voters_total=700,
                voters_voted=650,
                ballots_issued=640,
                ballots_received=640,
                ballots_valid=600,
                ballots_invalid=40,
                confirmed_warnings=warnings,
                reason=reason,
                entered_by_id=by,
                on_behalf=True,
                created_at=at("19:40"),
                updated_at=at("19:40"),
            )
        )


def person(db: Database, username: str, scope: str, full_name: str, phone: str | None) -> int:
    uid = make_user(db, username, Role.COMMUNE, scope)
    with db.write() as s:
        s.execute(update(User).where(User.id == uid).values(full_name=full_name, phone=phone))
    return uid


def found(db: Database, e: SmallElection, unit: str, window: str | None = None):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return anomalies(s, e.election_id, unit, window)


# ------------------------------------------------------------------------- kinds


def test_confirmed_warnings_with_codes_reason_and_who(db: Database, election: SmallElection):
    e = election
    op = person(db, "xa_badinh", "00004", "Nguyễn Thị Nhập", "0912000004")
    prov = person(db, "tinh_hanoi", "01", "Trần Văn Tỉnh", None)
    turnout(db, e, "00004-01", "0900", 300, warnings=["T06"], reason="Đã gọi tổ", by=op)
    turnout(db, e, "00004-02", "0900", 240, by=op)  # no warning: not listed
    sheet(db, e, "00008-02", ["K09", "K11"], "Phiếu hỏng nhiều", prov)

    every = found(db, e, "VN")
    assert [a.kind for a in every] == [AnomalyKind.CONFIRMED_WARNING] * 2
    newest, older = every  # the sheet (19:40) first
    assert (newest.area_code, newest.commune_name, newest.level) == (
        "00008-02",
        "Phường Ngọc Hà",
        Level.HDND_XA,
    )
    assert newest.codes == ("K09", "K11") and newest.reason == "Phiếu hỏng nhiều"
    assert newest.by == "Trần Văn Tỉnh" and newest.on_behalf
    assert (newest.value, newest.registered) == (650, 700)
    assert older.area_code == "00004-01" and older.window_key == "0900"
    assert older.codes == ("T06",) and older.reason == "Đã gọi tổ"
    assert older.by == "Nguyễn Thị Nhập" and (older.value, older.registered) == (300, 1000)
    assert older.pct == Decimal("30.00")
    assert "T06" in older.message("vi") and "Nguyễn Thị Nhập" in older.message("vi")
    assert "confirmed by" in older.message("en")

    assert [a.area_code for a in found(db, e, "00004")] == ["00004-01"]
    assert [a.area_code for a in found(db, e, "00008")] == ["00008-02"]
    assert found(db, e, "VN", "1100") == [newest]  # sheets whatever the window


def test_drops_between_windows(db: Database, election: SmallElection) -> None:
    e = election
    turnout(db, e, "00004-02", "0900", 500, when="09:05")
    turnout(db, e, "00004-02", "1100", 400, when="11:05")  # below 500
    turnout(db, e, "00004-02", "1300", 450, when="13:05")  # still below 500
    turnout(db, e, "00004-03", "0900", 100)
    turnout(db, e, "00004-03", "1100", 100)  # equal: no drop

    got = found(db, e, "01")
    assert [(a.kind, a.area_code, a.window_key, a.previous, a.value) for a in got] == [
        (AnomalyKind.DROP, "00004-02", "1300", 500, 450),
        (AnomalyKind.DROP, "00004-02", "1100", 500, 400),
    ]
    assert got[0].message("vi") == "Số lũy kế giảm từ 500 xuống 450"
    assert got[1].message("en") == "Cumulative figure dropped from 500 to 400"
    assert [a.window_key for a in found(db, e, "00004", "1100")] == ["1100"]
    assert found(db, e, "00008") == []


def test_full_turnout_is_reported_once_at_the_first_window(db: Database, election: SmallElection):
    e = election
    turnout(db, e, "00008-03", "1300", 480, when="13:05")
    turnout(db, e, "00008-03", "1500", 500, when="15:05")
    turnout(db, e, "00008-03", "1700", 500, when="17:05")

    got = found(db, e, "00008")
    assert [(a.kind, a.area_code, a.window_key, a.value, a.registered) for a in got] == [
        (AnomalyKind.FULL_TURNOUT, "00008-03", "1500", 500, 500)
    ]
    assert got[0].pct == Decimal("100.00")
    assert got[0].message("vi") == "Đạt 100 % cử tri đi bầu (500 / 500)"
    assert found(db, e, "00004") == []


def test_outlier_more_than_25_points_from_the_province_mean(db: Database, election: SmallElection):
    e = election
    for area, voted in {
        "00004-01": 300,  # 30 %
        "00004-02": 240,
        "00004-03": 195,
        "00008-01": 270,
        "00008-02": 210,
        "00008-03": 450,  # 90 %: 50 points above the mean of 40 %
    }.items():
        turnout(db, e, area, "0900", voted)

    got = found(db, e, "VN")
    assert [(a.kind, a.area_code, a.window_key) for a in got] == [
        (AnomalyKind.OUTLIER, "00008-03", "0900")
    ]
    (outlier,) = got
    assert (outlier.value, outlier.registered, outlier.pct) == (450, 500, Decimal("90.00"))
    assert outlier.mean_pct == Decimal("40.00")
    assert outlier.stddev_pct == Decimal("22.36")  # sqrt(500)
    assert "90,00 %" in outlier.message("vi") and "40,00 %" in outlier.message("vi")
    assert found(db, e, "00008") == got
    assert found(db, e, "00004") == []  # compared with the province, shown in its commune only


def test_outlier_beyond_three_standard_deviations(db: Database) -> None:
    big = make_big_election(db, communes=20, areas=10)  # 100 areas at 40 % for 09:00
    with db.write() as s:
        window_id = s.scalar(
            select(ReportingWindow.id).where(
                ReportingWindow.election_id == big.election_id, ReportingWindow.key == "0900"
            )
        )
        area_id = s.scalar(
            select(PollingArea.id).where(
                PollingArea.election_id == big.election_id, PollingArea.code == "00001-0"
            )
        )
        stamp = at("09:06")
        s.add(
            TurnoutReport(
                election_id=big.election_id,
                polling_area_id=area_id,
                window_id=window_id,
                voted_total=55,  # 15 points above: under 25, but many standard deviations
                created_at=stamp,
                updated_at=stamp,
            )
        )
    with db.read() as s:
        got = anomalies(s, big.election_id, "VN")
    mean = (100 * 40 + 55) / 101
    sd = sqrt((100 * 40**2 + 55**2) / 101 - mean**2)
    assert [(a.kind, a.area_code) for a in got] == [(AnomalyKind.OUTLIER, "00001-0")]
    assert got[0].mean_pct == round_half_up(mean) == Decimal("40.15")
    assert got[0].stddev_pct == round_half_up(sd)


# ------------------------------------------------------------------ late contacts


def test_late_contacts_with_operators_and_last_write(db: Database, election: SmallElection):
    e = election
    person(db, "xa_ngocha", "00008", "Lê Thị Hà", "0912000008")
    person(db, "xa_ngocha2", "00008", "Phạm Văn Dự", None)
    gone = person(db, "xa_ngocha_cu", "00008", "Đã nghỉ", "0900000000")
    person(db, "xa_badinh", "00004", "Nguyễn Thị Nhập", "0912000004")
    with db.write() as s:
        s.execute(update(User).where(User.id == gone).values(is_active=False))
    for area in ("00004-01", "00004-02", "00004-03"):
        turnout(db, e, area, "0900", 100)
    turnout(db, e, "00008-01", "0900", 100)
    other = make_small_election(db, name="Diễn tập")

    def event(eid: int, path: str | None, when: str) -> AuditEvent:
        return AuditEvent(election_id=eid, at=at(when), action="turnout.submit", unit_path=path)

    with db.write() as s:
        s.add_all(
            [
                event(e.election_id, "VN/01/00008/", "08:50"),
                event(e.election_id, "VN/01/00008/", "09:01"),
                event(e.election_id, "VN/01/00004/", "09:10"),  # another commune
                event(e.election_id, "VN/01/", "09:20"),  # above the commune
                event(other.election_id, "VN/01/00008/", "09:30"),  # another election
                event(e.election_id, None, "09:40"),
            ]
        )
    with db.read() as s:
        got = late_contacts(s, e.election_id, "01", "0900")
        own = late_contacts(s, e.election_id, "00004", "0900")
        itself = late_contacts(s, e.election_id, "00008", "0900")
        nobody = late_contacts(s, e.election_id, "01", "1100")
    assert [c.code for c in got] == ["00008"]
    (late,) = got
    assert (late.unit.expected_areas, late.unit.reported_areas) == (3, 1)
    assert late.operators == (
        Operator("xa_ngocha", "Lê Thị Hà", "0912000008"),
        Operator("xa_ngocha2", "Phạm Văn Dự", None),
    )
    assert late.last_activity == at("09:01")
    assert late.last_activity.astimezone(UTC) == datetime(2026, 3, 15, 2, 1, tzinfo=UTC)
    assert own == []
    assert itself == got
    assert [c.code for c in nobody] == ["00004", "00008"]
    assert nobody[0].last_activity == at("09:10")


# ------------------------------------------------------------- statement counting


def _with_anomalies(db: Database, e: SmallElection) -> None:
    turnout(db, e, "00004-01", "0900", 300, warnings=["T06"], reason="r")
    turnout(db, e, "00004-01", "1100", 200)
    turnout(db, e, "00008-03", "0900", 500)


def test_statement_count_does_not_grow_with_the_tree(db: Database) -> None:
    small = make_small_election(db)
    _with_anomalies(db, small)
    big = make_big_election(db, communes=20, areas=10)
    with db.write() as s:  # warnings on every reported area of the big tree
        s.execute(
            update(TurnoutReport)
            .where(TurnoutReport.election_id == big.election_id)
            .values(confirmed_warnings=["T06"], reason="r")
        )
    with db.read() as s:
        assert len(anomalies(s, big.election_id, "VN")) == 100
        assert len(late_contacts(s, big.election_id, "01", "0900")) == 20
    for unit in ("VN", "01"):
        n_small = _count(db, lambda s, u=unit: anomalies(s, small.election_id, u))
        n_big = _count(db, lambda s, u=unit: anomalies(s, big.election_id, u))
        assert n_small == n_big <= 6, unit
        n_small = _count(db, lambda s, u=unit: late_contacts(s, small.election_id, u, "0900"))
        n_big = _count(db, lambda s, u=unit: late_contacts(s, big.election_id, u, "0900"))
        assert n_small == n_big <= 5, unit
