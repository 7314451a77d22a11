"""Tally sheets through the write service, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.enums import Level
from data.models import AuditEvent, BallotTypeCount, Election, TallySheet, TallyVote
from data.services.errors import (
    CountNotStarted,
    Forbidden,
    NotFound,
    RuleErrors,
    StaleVersion,
    WarningsNotConfirmed,
)
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import World, at, make_world


@pytest.fixture
def w(db) -> World:
    return make_world(db, "19:30")


def qh_sheet(w: World, **changes) -> TallyInput:
    """A valid QH sheet for 00004-01 (1000 registered, 2 seats, 4 candidates)."""
    a, b, c, d = w.e.candidate_ids["QH-01"]
    values = dict(
        polling_area="00004-01",
        level=Level.QH,
        voters_total=1000,
        voters_voted=900,
        ballots_issued=900,
        ballots_received=900,
        ballots_valid=880,
        ballots_invalid=20,
        votes={a: 700, b: 650, c: 300, d: 100},
    )
    values.update(changes)
    return TallyInput(**values)


def save(w: World, sheet: TallyInput, actor=None, **kw):
    return save_tally_sheet(w.db, actor or w.commune_a, w.eid, sheet, clock=w.clock, **kw)


def counts(w: World) -> tuple[int, int, int, int]:
    with w.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TallySheet)),
            s.scalar(select(func.count()).select_from(TallyVote)),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            s.scalar(select(Election.data_version).where(Election.id == w.eid)),
        )


def test_a_valid_sheet_is_stored_with_its_votes(w: World):
    saved = save(w, qh_sheet(w))
    assert (saved.created, saved.version, saved.warnings) == (True, 1, [])
    assert counts(w) == (1, 4, 1, 1)
    with w.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        votes = {v.candidate_id: v.votes for v in sheet.votes}
    assert sheet.constituency_id == w.e.constituency_ids["QH-01"]
    assert sorted(votes.values()) == [100, 300, 650, 700]


def test_before_the_count_starts_no_sheet_is_accepted(w: World):
    w.clock.set(at("18:59"))
    with pytest.raises(CountNotStarted) as refused:
        save(w, qh_sheet(w))
    assert "19:00" in refused.value.message("vi")
    assert counts(w) == (0, 0, 0, 0)


def test_a_repeat_is_idempotent_and_an_update_replaces_the_votes(w: World):
    first = save(w, qh_sheet(w))
    assert not save(w, qh_sheet(w)).changed
    a, b, c, d = w.e.candidate_ids["QH-01"]
    second = save(w, qh_sheet(w, votes={a: 701, b: 649, c: 300, d: 100}), expected_version=1)
    assert (second.id, second.version) == (first.id, 2)
    assert counts(w) == (1, 4, 2, 2)
    with w.db.read() as s:
        assert s.scalar(select(TallyVote.votes).where(TallyVote.candidate_id == a)) == 701


def test_a_stale_version_shows_both_sheets(w: World):
    save(w, qh_sheet(w))
    save(
        w,
        qh_sheet(w, ballots_invalid=19, ballots_received=899, voters_voted=899, ballots_issued=899),
        expected_version=1,
    )
    with pytest.raises(StaleVersion) as refused:
        save(w, qh_sheet(w, ballots_invalid=21, ballots_valid=879), expected_version=1)
    assert refused.value.stored["ballots_invalid"] == 19
    assert refused.value.sent["ballots_invalid"] == 21


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ballots_invalid": 21}, "K03"),
        ({"voters_voted": 1001, "ballots_issued": 1001}, "K01"),
        ({"ballots_received": 901, "ballots_invalid": 21}, "K02"),
    ],
)
def test_impossible_minutes_are_refused_and_nothing_is_stored(w: World, changes, code):
    with pytest.raises(RuleErrors) as refused:
        save(w, qh_sheet(w, **changes))
    assert code in refused.value.codes
    assert counts(w) == (0, 0, 0, 0)


def test_a_candidate_missing_from_the_sheet_is_k08(w: World):
    a, b, c, _ = w.e.candidate_ids["QH-01"]
    with pytest.raises(RuleErrors) as refused:
        save(w, qh_sheet(w, votes={a: 700, b: 650, c: 400}))
    assert "K08" in refused.value.codes


def test_a_candidate_of_another_constituency_is_k08(w: World):
    a, b, c, d = w.e.candidate_ids["QH-01"]
    stranger = w.e.candidate_ids["T-01"][0]
    with pytest.raises(RuleErrors) as refused:
        save(w, qh_sheet(w, votes={a: 700, b: 650, c: 300, d: 100, stranger: 1}))
    assert "K08" in refused.value.codes


def test_warnings_k09_and_k12_need_confirmation(w: World):
    w.clock.set(at("19:10"))
    submit_turnout(  # first report of the day: a big jump, confirmed (T06)
        w.db,
        w.commune_a,
        w.eid,
        TurnoutInput("00004-01", "1900", 890),
        clock=w.clock,
        confirm=["T06"],
        reason="Báo cáo muộn",
    )
    w.clock.set(at("19:30"))
    sheet = qh_sheet(w, ballots_issued=905)  # issued ≠ voted (K09); voted 900 ≠ 890 (K12)
    with pytest.raises(WarningsNotConfirmed) as refused:
        save(w, sheet)
    assert sorted(refused.value.codes) == ["K09", "K12"]
    saved = save(w, sheet, confirm=["K09", "K12"], reason="Đã đối chiếu biên bản giấy")
    assert sorted(f.code for f in saved.warnings) == ["K09", "K12"]


def test_the_ballot_type_breakdown_is_checked_and_stored(w: World):
    a, b, c, d = w.e.candidate_ids["QH-01"]
    # 880 valid: 130 ballots keep 1 name, 750 keep 2 → 1630 names = 700+650+180+100
    sheet = qh_sheet(w, votes={a: 700, b: 650, c: 180, d: 100}, ballot_types={1: 130, 2: 750})
    save(w, sheet)
    with w.db.read() as s:
        assert s.scalar(select(func.sum(BallotTypeCount.ballots))) == 880
    with pytest.raises(RuleErrors) as refused:
        save(w, qh_sheet(w, ballot_types={1: 130, 2: 751}), expected_version=1)
    assert "K13" in refused.value.codes


def test_scope_and_level_are_enforced(w: World):
    with pytest.raises(Forbidden):
        save(w, qh_sheet(w), actor=w.commune_b)
    with pytest.raises(Forbidden):
        save(w, qh_sheet(w), actor=w.admin)
    with pytest.raises(NotFound):
        save(w, qh_sheet(w, level=Level.HDND_HUYEN))
    assert save(w, qh_sheet(w), actor=w.province).created
    with w.db.read() as s:
        assert s.scalar(select(TallySheet.on_behalf)) is True
