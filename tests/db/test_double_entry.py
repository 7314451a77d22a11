"""Double entry of tally sheets (issue #4 item 8), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.enums import DoubleCheck, Role
from data.models import AuditEvent, Election, TallySecondEntry, TallySheet
from data.read_models.results import constituency_result
from data.services.actor import Actor
from data.services.double_check import (
    DoubleEntryOff,
    FirstEntryMissing,
    NothingToResolve,
    SameOperator,
    SecondEntryTaken,
)
from data.services.double_entry import resolve_differences, save_second_entry
from data.services.errors import Forbidden, ReasonRequired, RuleErrors
from data.services.tally import TallyInput, save_tally_sheet
from tests.db.services_support import World, make_world
from tests.db.test_services_tally import qh_sheet as sheet
from tests.factories import make_user


@pytest.fixture
def w(db) -> World:
    world = make_world(db, "19:30")
    with db.write() as s:
        s.get(Election, world.eid).settings = {"double_entry": True}
    return world


@pytest.fixture
def second_operator(w: World) -> Actor:
    name = "xa_badinh_2"
    return Actor(make_user(w.db, name, Role.COMMUNE, "00004"), name, Role.COMMUNE, "00004", "")


def first(w: World, figures: TallyInput, actor: Actor | None = None, **kw):
    return save_tally_sheet(w.db, actor or w.commune_a, w.eid, figures, clock=w.clock, **kw)


def second(w: World, actor: Actor, figures: TallyInput, **kw):
    return save_second_entry(w.db, actor, w.eid, figures, clock=w.clock, **kw)


def state(w: World) -> tuple[DoubleCheck | None, bool]:
    with w.db.read() as s:
        row = s.scalar(select(TallySheet))
        return row.double_check, row.counted


def sheets_in(w: World) -> int:
    with w.db.read() as s:
        return constituency_result(s, w.eid, "QH-01").sheets_in


def test_a_first_entry_waits_for_the_second_and_does_not_count(w: World):
    first(w, sheet(w))
    assert state(w) == (DoubleCheck.AWAITING, False)
    assert sheets_in(w) == 0


def test_a_matching_second_entry_makes_the_sheet_count(w: World, second_operator: Actor):
    first(w, sheet(w))
    saved = second(w, second_operator, sheet(w))
    assert saved.created
    assert state(w) == (DoubleCheck.MATCHED, True)
    assert sheets_in(w) == 1
    with w.db.read() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["tally.create", "tally.second.create"]


def test_a_different_second_entry_is_held_until_the_committee_resolves(
    w: World, second_operator: Actor
):
    a, b, c, d = w.e.candidate_ids["QH-01"]
    first(w, sheet(w))
    typo = sheet(w, votes={a: 700, b: 560, c: 300, d: 100})
    second(w, second_operator, typo)
    assert state(w) == (DoubleCheck.DIFFERS, False)
    assert sheets_in(w) == 0

    with pytest.raises(ReasonRequired):
        resolve_differences(w.db, w.commune_a, w.eid, sheet(w), clock=w.clock, reason=" ")
    saved = resolve_differences(
        w.db, w.commune_a, w.eid, sheet(w), clock=w.clock, reason="Đối chiếu bản giấy: 650"
    )
    assert saved.version == 2
    assert state(w) == (DoubleCheck.RESOLVED, True)
    with w.db.read() as s:
        row = s.scalar(select(TallySheet))
        assert {v.candidate_id: v.votes for v in row.votes}[b] == 650
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "tally.resolve"))
    assert event.before["first"]["votes"][str(b)] == 650
    assert event.before["second"]["votes"][str(b)] == 560
    assert event.reason == "Đối chiếu bản giấy: 650"
    with pytest.raises(NothingToResolve):
        resolve_differences(w.db, w.commune_a, w.eid, sheet(w), clock=w.clock, reason="lại")


def test_correcting_the_first_entry_to_match_the_second_makes_it_count(
    w: World, second_operator: Actor
):
    first(
        w, sheet(w, ballots_invalid=21, ballots_received=901, ballots_issued=901, voters_voted=901)
    )
    second(w, second_operator, sheet(w))
    assert state(w) == (DoubleCheck.DIFFERS, False)
    first(w, sheet(w), expected_version=1)
    assert state(w) == (DoubleCheck.MATCHED, True)


def test_changing_a_matched_sheet_puts_it_back_in_question(w: World, second_operator: Actor):
    first(w, sheet(w))
    second(w, second_operator, sheet(w))
    first(w, sheet(w, ballots_invalid=19, ballots_valid=881), expected_version=1)
    assert state(w) == (DoubleCheck.DIFFERS, False)


def test_the_same_operator_cannot_enter_both_times(w: World, second_operator: Actor):
    first(w, sheet(w))
    with pytest.raises(SameOperator):
        second(w, w.commune_a, sheet(w))
    second(w, second_operator, sheet(w))
    with pytest.raises(SameOperator):  # nor correct the first entry after making the second
        first(w, sheet(w, ballots_invalid=19, ballots_valid=881), actor=second_operator)


def test_a_third_operator_cannot_replace_the_second_entry(w: World, second_operator: Actor):
    first(w, sheet(w))
    second(w, second_operator, sheet(w))
    third = Actor(
        make_user(w.db, "xa_badinh_3", Role.COMMUNE, "00004"),
        "xa_badinh_3",
        Role.COMMUNE,
        "00004",
        "",
    )
    with pytest.raises(SecondEntryTaken) as refused:
        second(w, third, sheet(w))
    assert "xa_badinh_2" in refused.value.message("vi")


def test_the_second_entry_is_idempotent_and_its_author_may_correct_it(
    w: World, second_operator: Actor
):
    a, b, c, d = w.e.candidate_ids["QH-01"]
    first(w, sheet(w))
    second(w, second_operator, sheet(w, votes={a: 700, b: 651, c: 300, d: 100}))
    assert not second(w, second_operator, sheet(w, votes={a: 700, b: 651, c: 300, d: 100})).changed
    fixed = second(w, second_operator, sheet(w))
    assert (fixed.created, fixed.version) == (False, 2)
    assert state(w) == (DoubleCheck.MATCHED, True)
    with w.db.read() as s:
        assert s.scalar(select(TallySecondEntry.version)) == 2


def test_the_second_entry_goes_through_the_rules_and_refusals_change_nothing(
    w: World, second_operator: Actor
):
    first(w, sheet(w))
    with w.db.read() as s:
        version_before = s.scalar(select(Election.data_version))
    with pytest.raises(RuleErrors):
        second(w, second_operator, sheet(w, voters_voted=1200))  # more voted than registered
    with pytest.raises(Forbidden):  # another commune's operator
        second(w, w.commune_b, sheet(w))
    with w.db.read() as s:
        assert s.scalar(select(Election.data_version)) == version_before
        assert s.scalar(select(TallySecondEntry)) is None
    assert state(w) == (DoubleCheck.AWAITING, False)


def test_a_second_entry_needs_a_first(w: World, second_operator: Actor):
    with pytest.raises(FirstEntryMissing):
        second(w, second_operator, sheet(w))


def test_without_the_setting_sheets_count_at_once_and_no_second_entry_is_taken(
    w: World, second_operator: Actor
):
    with w.db.write() as s:
        s.get(Election, w.eid).settings = {}
    first(w, sheet(w))
    assert state(w) == (None, True)
    assert sheets_in(w) == 1
    with pytest.raises(DoubleEntryOff):
        second(w, second_operator, sheet(w))
