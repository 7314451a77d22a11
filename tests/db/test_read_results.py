"""Result read models: totals, winners, status, per-area breakdown; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Level, ResultStatus
from data.models import (
    Candidate,
    Constituency,
    Election,
    EntryClosure,
    TallySheet,
    TallyVote,
)
from data.read_models.progress import NotFound
from data.read_models.results import (
    Counts,
    constituency_result,
    constituency_results,
    result_by_area,
    result_status,
)
from tests.factories import SmallElection, make_small_election

NOW = datetime(2026, 3, 15, 20, 30, tzinfo=LOCAL_TZ)

# HĐND xã of commune 00004 (2 seats; candidates A, B, C):
# area: (voters_total, voters_voted, ballots_valid, ballots_invalid, votes A, B, C)
BA_DINH = {
    "00004-01": (1000, 900, 880, 20, (700, 500, 300)),
    "00004-02": (800, 700, 690, 10, (600, 300, 400)),
    "00004-03": (650, 600, 600, 0, (500, 310, 200)),
}
# HĐND xã of commune 00008: exactly half of the voters voted → not valid.
NGOC_HA = {
    "00008-01": (900, 400, 390, 10, (300, 250, 100)),
    "00008-02": (700, 350, 350, 0, (200, 200, 100)),
    "00008-03": (500, 300, 300, 0, (250, 100, 50)),
}


def add_sheet(
    db: Database,
    e: SmallElection,
    constituency: str,
    level: Level,
    area: str,
    figures: tuple[int, int, int, int, tuple[int, ...]],
) -> None:
    total, voted, valid, invalid, votes = figures
    with db.write() as s:
        sheet = TallySheet(
            election_id=e.election_id,
            polling_area_id=e.area_ids[area],
            constituency_id=e.constituency_ids[constituency],
            level=level,
            voters_total=total,
            voters_voted=voted,
            ballots_issued=voted + 5,
            ballots_received=valid + invalid,
            ballots_valid=valid,
            ballots_invalid=invalid,
            created_at=NOW,
            updated_at=NOW,
        )
        sheet.votes = [
            TallyVote(candidate_id=cid, votes=n)
            for cid, n in zip(e.candidate_ids[constituency], votes, strict=True)
        ]
        s.add(sheet)


def add_all(db: Database, e: SmallElection, constituency: str, level: Level, rows: dict) -> None:
    for area, figures in rows.items():
        add_sheet(db, e, constituency, level, area, figures)


@pytest.fixture
def election(db: Database) -> SmallElection:
    return make_small_election(db)


def test_winners_totals_and_percentages(db: Database, election: SmallElection) -> None:
    e = election
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    with db.read() as s:
        r = constituency_result(s, e.election_id, "X-00004")
    a, b, c = e.candidate_ids["X-00004"]
    assert (r.code, r.level, r.seats, r.unit_code) == ("X-00004", Level.HDND_XA, 2, "00004")
    assert r.counts == Counts(
        voters_total=2450,
        voters_voted=2200,
        ballots_issued=2215,
        ballots_received=2200,
        ballots_valid=2170,
        ballots_invalid=30,
    )
    assert (r.voters_total, r.voters_voted, r.ballots_valid, r.ballots_invalid) == (
        2450,
        2200,
        2170,
        30,
    )
    assert (r.sheets_in, r.sheets_expected, r.status) == (3, 3, ResultStatus.COMPLETE)
    assert r.valid_election and not r.revote_needed and not r.additional_election_needed
    assert r.turnout_percent == Decimal("89.80")
    assert [(x.id, x.votes, x.percent, x.elected, x.rank) for x in r.candidates] == [
        (a, 1800, Decimal("82.95"), True, 1),
        (b, 1110, Decimal("51.15"), True, 2),  # 2 × 1110 > 2170
        (c, 900, Decimal("41.47"), False, 3),
    ]
    assert r.elected_ids == (a, b)
    assert r.candidates[0].ballot_order == 1
    assert r.candidates[0].date_of_birth == date(1971, 1, 1)


def test_revote_when_only_half_voted(db: Database, election: SmallElection) -> None:
    add_all(db, election, "X-00008", Level.HDND_XA, NGOC_HA)
    with db.read() as s:
        r = constituency_result(s, election.election_id, "X-00008")
    assert (r.voters_total, r.voters_voted) == (2100, 1050)
    assert not r.valid_election and r.revote_needed and not r.additional_election_needed
    assert r.elected_ids == ()
    assert not any(c.elected for c in r.candidates)
    assert r.turnout_percent == Decimal("50.00")


def test_tie_for_the_last_seat_goes_to_the_older(db: Database, election: SmallElection) -> None:
    e = election
    a, b, c, d = e.candidate_ids["QH-01"]
    with db.write() as s:  # C is older than B, but later on the ballot and with a higher id
        s.execute(update(Candidate).where(Candidate.id == c).values(date_of_birth=date(1960, 5, 1)))
    for area in e.area_ids:
        add_sheet(db, e, "QH-01", Level.QH, area, (150, 100, 100, 0, (80, 55, 55, 10)))
    with db.read() as s:
        r = constituency_result(s, e.election_id, "QH-01")
    assert [(x.id, x.votes) for x in r.candidates] == [(a, 480), (c, 330), (b, 330), (d, 60)]
    assert r.elected_ids == (a, c)
    assert [x.rank for x in r.candidates] == [1, 2, 3, 4]
    assert r.status == ResultStatus.COMPLETE


def test_additional_election_when_too_few_win(db: Database, election: SmallElection) -> None:
    e = election
    for area in e.area_ids:  # HĐND tỉnh, 3 seats: only A passes half → 1 < 2/3 × 3
        add_sheet(db, e, "T-01", Level.HDND_TINH, area, (150, 100, 100, 0, (60, 40, 40, 30, 30)))
    with db.read() as s:
        r = constituency_result(s, e.election_id, "T-01")
    assert r.valid_election and r.additional_election_needed
    assert r.elected_ids == (e.candidate_ids["T-01"][0],)


def test_no_sheets_yet_counts_zero(db: Database, election: SmallElection) -> None:
    with db.read() as s:
        r = constituency_result(s, election.election_id, "QH-01")
        with pytest.raises(NotFound):
            constituency_result(s, election.election_id, "QH-99")
    assert (r.sheets_in, r.sheets_expected, r.status) == (0, 6, ResultStatus.PROVISIONAL)
    assert r.counts == Counts()
    assert [x.votes for x in r.candidates] == [0, 0, 0, 0]
    assert r.elected_ids == ()


def test_status_provisional_complete_confirmed_official(
    db: Database, election: SmallElection
) -> None:
    e = election
    rows = list(BA_DINH.items())

    def status(code: str = "X-00004") -> tuple[ResultStatus, int, int]:
        with db.read() as s:
            r = constituency_result(s, e.election_id, code)
        return r.status, r.sheets_in, r.data_version

    add_sheet(db, e, "X-00004", Level.HDND_XA, *rows[0])
    add_sheet(db, e, "X-00004", Level.HDND_XA, *rows[1])
    assert status() == (ResultStatus.PROVISIONAL, 2, 0)
    with db.read() as s:
        partial = constituency_result(s, e.election_id, "X-00004")
    a = e.candidate_ids["X-00004"][0]
    assert next(x.votes for x in partial.candidates if x.id == a) == 1300
    add_sheet(db, e, "X-00004", Level.HDND_XA, *rows[2])
    with db.write() as s:
        s.execute(update(Election).where(Election.id == e.election_id).values(data_version=12))
    assert status() == (ResultStatus.COMPLETE, 3, 12)
    with db.write() as s:  # the commune committee closes entry for its commune
        s.add(EntryClosure(election_id=e.election_id, unit_id=e.unit_ids["00004"], closed_at=NOW))
    assert status()[0] == ResultStatus.CONFIRMED
    # Closing a commune confirms nothing above it: QH-01 belongs to the province.
    assert status("QH-01")[0] == ResultStatus.PROVISIONAL
    with db.write() as s:
        s.execute(
            update(Constituency)
            .where(Constituency.id == e.constituency_ids["X-00004"])
            .values(published_at=NOW)
        )
    assert status()[0] == ResultStatus.OFFICIAL
    with db.read() as s:
        assert constituency_result(s, e.election_id, "X-00004").published_at == NOW


def test_closure_on_an_ancestor_confirms(db: Database, election: SmallElection) -> None:
    e = election
    with db.write() as s:
        s.add(EntryClosure(election_id=e.election_id, unit_id=e.unit_ids["VN"], closed_at=NOW))
    with db.read() as s:
        results = constituency_results(s, e.election_id, "VN")
    assert {r.status for r in results} == {ResultStatus.CONFIRMED}


def test_result_status_rules() -> None:
    assert result_status(False, False, 0, 0) == ResultStatus.PROVISIONAL
    assert result_status(False, False, 2, 3) == ResultStatus.PROVISIONAL
    assert result_status(False, False, 3, 3) == ResultStatus.COMPLETE
    assert result_status(False, True, 1, 3) == ResultStatus.CONFIRMED
    assert result_status(True, False, 1, 3) == ResultStatus.OFFICIAL


def test_results_for_a_scope_match_one_by_one(db: Database, election: SmallElection) -> None:
    e = election
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    add_all(db, e, "X-00008", Level.HDND_XA, NGOC_HA)
    for area in list(e.area_ids)[:4]:
        add_sheet(db, e, "QH-01", Level.QH, area, (150, 100, 100, 0, (80, 55, 55, 10)))
    other = make_small_election(db, name="Diễn tập")
    add_all(db, other, "X-00004", Level.HDND_XA, NGOC_HA)
    with db.read() as s:
        nation = constituency_results(s, e.election_id, "VN")
        province = constituency_results(s, e.election_id, "01")
        commune = constituency_results(s, e.election_id, "00004")
        qh_only = constituency_results(s, e.election_id, "VN", level=Level.QH)
        one_by_one = [constituency_result(s, e.election_id, r.code) for r in nation]
    assert [r.code for r in nation] == ["QH-01", "T-01", "X-00004", "X-00008"]
    assert nation == one_by_one
    assert province == nation
    assert [r.code for r in commune] == ["X-00004"]
    assert [r.code for r in qh_only] == ["QH-01"]
    qh = nation[0]
    assert (qh.sheets_in, qh.sheets_expected, qh.voters_voted, qh.status) == (
        4,
        6,
        400,
        ResultStatus.PROVISIONAL,
    )
    assert nation[2].voters_voted == 2200  # the drill's sheets never mix in


def test_result_by_area(db: Database, election: SmallElection) -> None:
    e = election
    rows = list(BA_DINH.items())
    add_sheet(db, e, "X-00004", Level.HDND_XA, *rows[0])
    add_sheet(db, e, "X-00004", Level.HDND_XA, *rows[2])
    for area in ("00004-01", "00008-02", "00008-03"):
        add_sheet(db, e, "QH-01", Level.QH, area, (150, 100, 100, 0, (80, 55, 55, 10)))
    with db.read() as s:
        x = result_by_area(s, e.election_id, "X-00004")
        qh = result_by_area(s, e.election_id, "QH-01")
    assert x.candidate_ids == tuple(e.candidate_ids["X-00004"])
    assert x.candidate_names == ("Nguyễn Văn A", "Nguyễn Văn B", "Nguyễn Văn C")
    assert x.result.sheets_in == 2 and x.result.status == ResultStatus.PROVISIONAL
    assert [c.code for c in x.communes] == ["00004"]
    areas = x.communes[0].areas
    assert [(a.code, a.registered_total, a.has_sheet) for a in areas] == [
        ("00004-01", 1000, True),
        ("00004-02", 800, False),
        ("00004-03", 650, True),
    ]
    assert areas[0].counts == Counts(1000, 900, 905, 900, 880, 20)
    assert areas[0].votes == (700, 500, 300)
    assert areas[1].counts == Counts() and areas[1].votes == (0, 0, 0)
    assert areas[2].votes == (500, 310, 200)
    assert x.communes[0].subtotal == Counts(1650, 1500, 1510, 1500, 1480, 20)
    assert x.communes[0].votes == (1200, 810, 500)
    assert x.communes[0].votes == tuple(
        c.votes for c in sorted(x.result.candidates, key=lambda c: c.ballot_order)
    )

    assert [c.code for c in qh.communes] == ["00004", "00008"]
    assert [len(c.areas) for c in qh.communes] == [3, 3]
    assert qh.communes[0].votes == (80, 55, 55, 10)
    assert qh.communes[1].votes == (160, 110, 110, 20)
    assert qh.communes[1].subtotal.voters_voted == 200
    assert sum(c.subtotal.voters_voted for c in qh.communes) == qh.result.voters_voted == 300
