"""Turnout and opening reports through the write service, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.models import AuditEvent, Election, OpeningReport, TurnoutReport
from data.services.entry import close_entry, grant_window_exception, reopen_entry
from data.services.errors import (
    EntryClosed,
    Forbidden,
    NotFound,
    ReasonRequired,
    RuleErrors,
    StaleVersion,
    WarningsNotConfirmed,
    WindowClosed,
)
from data.services.turnout import TurnoutInput, submit_opening, submit_turnout
from tests.db.services_support import World, at, make_world


@pytest.fixture
def w(db) -> World:
    return make_world(db)


def state(w: World) -> tuple[int, int, int]:
    """(turnout reports, audit events, data version) — what a refusal must not change."""
    with w.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TurnoutReport)),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            s.scalar(select(Election.data_version).where(Election.id == w.eid)),
        )


def submit(w: World, actor=None, area="00004-01", window="0900", total=300, **kw):
    male = kw.pop("male", None)
    female = kw.pop("female", None)
    return submit_turnout(
        w.db,
        actor or w.commune_a,
        w.eid,
        TurnoutInput(area, window, total, male, female),
        clock=w.clock,
        **kw,
    )


def test_first_report_is_created_audited_and_bumps_the_version(w: World):
    saved = submit(w, total=300, male=140, female=160)
    assert (saved.created, saved.changed, saved.version) == (True, True, 1)
    assert state(w) == (1, 1, 1)
    with w.db.read() as s:
        row = s.scalar(select(TurnoutReport))
        event = s.scalar(select(AuditEvent))
    assert (row.voted_total, row.voted_male, row.voted_female) == (300, 140, 160)
    assert row.on_behalf is False
    assert event.action == "turnout.create"
    assert event.username == "xa_badinh"
    assert event.object_key == "00004-01/0900"
    assert event.before is None and event.after["voted_total"] == 300
    assert event.unit_path == "VN/01/00004/"


def test_resending_the_same_figures_stores_nothing_twice(w: World):
    first = submit(w, total=300)
    again = submit(w, total=300)
    assert (again.id, again.version, again.created, again.changed) == (first.id, 1, False, False)
    assert state(w) == (1, 1, 1)


def test_update_with_the_version_seen_succeeds_and_audits_before_and_after(w: World):
    submit(w, total=300)
    saved = submit(w, total=320, expected_version=1)
    assert (saved.version, saved.created) == (2, False)
    with w.db.read() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["turnout.create", "turnout.update"]
    assert (events[1].before["voted_total"], events[1].after["voted_total"]) == (300, 320)


def test_a_stale_save_is_refused_with_both_figures_and_changes_nothing(w: World):
    submit(w, total=300)
    submit(w, total=320, expected_version=1)
    before = state(w)
    with pytest.raises(StaleVersion) as refused:
        submit(w, total=333, expected_version=1)
    assert (refused.value.current, refused.value.submitted) == (2, 1)
    assert refused.value.stored["voted_total"] == 320
    assert refused.value.sent["voted_total"] == 333
    assert "phiên bản 2" in refused.value.message("vi")
    assert "version 2" in refused.value.message("en")
    assert state(w) == before


def test_creating_over_a_report_the_client_never_saw_is_stale(w: World):
    submit(w, total=300)
    with pytest.raises(StaleVersion):
        submit(w, total=310, expected_version=None)


@pytest.mark.parametrize(
    ("total", "male", "female", "code"),
    [
        (1001, None, None, "T01"),  # registered total of 00004-01 is 1000
        (300, 100, 150, "T02"),
        (600, 481, 119, "T03"),  # registered male is 480
        (-1, None, None, "R01"),
    ],
)
def test_rule_errors_refuse_the_save(w: World, total, male, female, code):
    before = state(w)
    with pytest.raises(RuleErrors) as refused:
        submit(w, total=total, male=male, female=female)
    assert code in refused.value.codes
    assert refused.value.http_status == 422
    assert refused.value.errors("vi")[0]["message"]
    assert state(w) == before


def test_a_lower_figure_than_an_earlier_window_is_refused(w: World):
    submit(w, window="0900", total=400)
    w.clock.set(at("11:00"))
    with pytest.raises(RuleErrors) as refused:
        submit(w, window="1100", total=399)
    assert refused.value.codes == ["T04"]
    assert submit(w, window="1100", total=400).created


def test_a_warning_needs_confirmation_and_a_reason_which_are_stored(w: World):
    # 600 of 1000 by 09:00 is a 60-point jump: T06.
    with pytest.raises(WarningsNotConfirmed) as refused:
        submit(w, total=600)
    assert refused.value.codes == ["T06"]
    assert refused.value.errors()[0]["severity"] == "warning"
    with pytest.raises(ReasonRequired):
        submit(w, total=600, confirm=["T06"], reason="  ")
    saved = submit(w, total=600, confirm=["T06"], reason="Tổ bầu cử xác nhận qua điện thoại")
    assert [f.code for f in saved.warnings] == ["T06"]
    with w.db.read() as s:
        row = s.scalar(select(TurnoutReport))
        event = s.scalar(select(AuditEvent))
    assert row.confirmed_warnings == ["T06"]
    assert row.reason == "Tổ bầu cử xác nhận qua điện thoại"
    assert event.reason == "Tổ bầu cử xác nhận qua điện thoại"


def test_outside_the_window_is_refused_until_a_province_grants_an_exception(w: World):
    w.clock.set(at("09:20"))  # the 09:00 window closed at 09:15
    with pytest.raises(WindowClosed) as refused:
        submit(w)
    assert refused.value.codes == ["T05"] and refused.value.http_status == 409
    w.clock.set(at("08:30"))  # before it opens
    with pytest.raises(WindowClosed):
        submit(w)
    w.clock.set(at("09:20"))
    with pytest.raises(Forbidden):  # a commune cannot grant itself time
        grant_window_exception(
            w.db, w.commune_a, w.eid, "00004", "0900", at("09:40"), clock=w.clock, reason="x"
        )
    grant_window_exception(
        w.db, w.province, w.eid, "00004", "0900", at("09:40"), clock=w.clock, reason="Mất điện"
    )
    assert submit(w).created
    with pytest.raises(WindowClosed):  # the exception is for 00004 only
        submit(w, actor=w.commune_b, area="00008-01")
    w.clock.set(at("09:41"))
    with pytest.raises(WindowClosed):
        submit(w, total=310, expected_version=1)


@pytest.mark.parametrize("who", ["commune_b", "admin", "leader", "national"])
def test_only_the_commune_and_its_upper_levels_may_enter(w: World, who):
    before = state(w)
    with pytest.raises(Forbidden):
        submit(w, actor=getattr(w, who))
    assert state(w) == before


def test_a_province_enters_on_behalf_of_a_commune_and_it_is_marked(w: World):
    submit(w, actor=w.province)
    with w.db.read() as s:
        assert s.scalar(select(TurnoutReport.on_behalf)) is True


def test_a_deactivated_user_can_no_longer_write(w: World):
    from data.models import User

    with w.db.write() as s:
        s.get(User, w.commune_a.user_id).is_active = False
    with pytest.raises(Forbidden):
        submit(w)


def test_unknown_codes_are_not_found(w: World):
    with pytest.raises(NotFound):
        submit(w, area="99999-01")
    with pytest.raises(NotFound):
        submit(w, window="2300")
    with pytest.raises(NotFound):  # the opening window takes an opening time, not a count
        submit(w, window="opening")


def test_closed_entry_blocks_writes_until_an_upper_level_reopens_with_a_reason(w: World):
    submit(w, total=300)
    assert close_entry(w.db, w.commune_a, w.eid, "00004", clock=w.clock).changed
    assert not close_entry(w.db, w.commune_a, w.eid, "00004", clock=w.clock).changed
    with pytest.raises(EntryClosed) as refused:
        submit(w, total=310, expected_version=1)
    assert refused.value.http_status == 409
    assert "xa_badinh" in refused.value.message("vi")
    with pytest.raises(Forbidden):  # the commune cannot reopen itself
        reopen_entry(w.db, w.commune_a, w.eid, "00004", clock=w.clock, reason="sửa số")
    with pytest.raises(ReasonRequired):
        reopen_entry(w.db, w.province, w.eid, "00004", clock=w.clock, reason="")
    assert reopen_entry(w.db, w.province, w.eid, "00004", clock=w.clock, reason="Sửa số liệu")
    assert submit(w, total=310, expected_version=1).version == 2
    with w.db.read() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["turnout.create", "entry.close", "entry.reopen", "turnout.update"]


def test_closing_a_province_closes_every_commune_below_it(w: World):
    close_entry(w.db, w.province, w.eid, "01", clock=w.clock)
    with pytest.raises(EntryClosed):
        submit(w, actor=w.commune_b, area="00008-01")
    with pytest.raises(Forbidden):  # nobody in the province sits above it
        reopen_entry(w.db, w.province, w.eid, "01", clock=w.clock, reason="x")


def test_opening_report_is_stored_once_and_checked(w: World):
    w.clock.set(at("07:05"))
    saved = submit_opening(w.db, w.commune_a, w.eid, "00004-01", at("07:00"), clock=w.clock)
    again = submit_opening(w.db, w.commune_a, w.eid, "00004-01", at("07:00"), clock=w.clock)
    assert saved.created and not again.changed
    with w.db.read() as s:
        assert s.scalar(select(func.count()).select_from(OpeningReport)) == 1
    from data.services.errors import InvalidRequest

    with pytest.raises(InvalidRequest):  # in the future
        submit_opening(w.db, w.commune_a, w.eid, "00004-02", at("07:10"), clock=w.clock)
