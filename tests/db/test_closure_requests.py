"""Closure requests: the commune asks, the upper level confirms (closes) or declines.

Each write is one transaction with an audit row and a data-version bump; only an upper
level decides; a confirmed request closes entry so the forms refuse with EntryClosed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.models import AuditEvent, ClosureRequest, ClosureRequestState, Election, EntryClosure
from data.read_models.closure import commune_closures, requests_in_scope
from data.services.closure_requests import (
    confirm_closure_request,
    decline_closure_request,
    request_closure,
    withdraw_closure_request,
)
from data.services.entry import reopen_entry
from data.services.errors import EntryClosed, Forbidden, InvalidRequest, ReasonRequired
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import World, make_world


@pytest.fixture
def w(db) -> World:
    return make_world(db)


def version(w: World) -> int:
    with w.db.read() as s:
        return s.scalar(select(Election.data_version).where(Election.id == w.eid))


def audits(w: World, action: str) -> int:
    with w.db.read() as s:
        return s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def closures(w: World) -> int:
    with w.db.read() as s:
        return s.scalar(select(func.count()).select_from(EntryClosure))


def test_commune_asks_once_and_a_retry_changes_nothing(w):
    before = version(w)
    first = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock, reason="Đã đủ")
    assert first.changed and first.request_id
    assert version(w) == before + 1
    again = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    assert not again.changed and again.request_id == first.request_id
    assert version(w) == before + 1
    assert audits(w, "entry.close_requested") == 1
    with w.db.read() as s:
        pending = requests_in_scope(s, w.eid, "01", only_pending=True)
        rows = {c.code: c for c in commune_closures(s, w.eid, "00004", w.clock.now())}
    assert [p.unit_code for p in pending] == ["00004"]
    assert pending[0].requested_by == "xa_badinh" and pending[0].reason == "Đã đủ"
    assert list(rows) == ["00004"]  # a commune sees only itself
    assert rows["00004"].pending is not None and rows["00004"].closure is None
    assert rows["00004"].missing_windows  # nothing entered yet


def test_another_commune_cannot_ask_for_it(w):
    with pytest.raises(Forbidden):
        request_closure(w.db, w.commune_b, w.eid, "00004", clock=w.clock)
    with w.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ClosureRequest)) == 0


def test_province_confirms_and_the_forms_refuse(w):
    asked = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    before = version(w)
    done = confirm_closure_request(w.db, w.province, w.eid, asked.request_id, clock=w.clock)
    assert done.changed and version(w) == before + 1
    assert closures(w) == 1
    assert audits(w, "entry.close") == 1 and audits(w, "entry.close_request_confirmed") == 1
    with w.db.read() as s:
        row = s.get(ClosureRequest, asked.request_id)
        assert row.state is ClosureRequestState.CONFIRMED
        assert row.decided_by_id == w.province.user_id and row.decided_at is not None
        info = {c.code: c for c in commune_closures(s, w.eid, "01", w.clock.now())}
    assert info["00004"].closure is not None and info["00004"].closure.by == "tinh_hanoi"
    assert info["00004"].pending is None and info["00008"].closure is None
    with pytest.raises(EntryClosed):
        submit_turnout(
            w.db, w.commune_a, w.eid, TurnoutInput("00004-01", "0900", 300), clock=w.clock
        )
    # a retry of the confirmation changes nothing
    again = confirm_closure_request(w.db, w.province, w.eid, asked.request_id, clock=w.clock)
    assert not again.changed and closures(w) == 1
    # the commune cannot reopen; the province can, with a reason
    with pytest.raises(Forbidden):
        reopen_entry(w.db, w.commune_a, w.eid, "00004", clock=w.clock, reason="sai")
    with pytest.raises(ReasonRequired):
        reopen_entry(w.db, w.province, w.eid, "00004", clock=w.clock, reason=" ")
    assert reopen_entry(w.db, w.province, w.eid, "00004", clock=w.clock, reason="Sửa số").changed
    assert closures(w) == 0


def test_only_an_upper_level_decides(w):
    asked = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    for actor in (w.commune_a, w.commune_b, w.leader, w.national, w.admin):
        with pytest.raises(Forbidden):
            confirm_closure_request(w.db, actor, w.eid, asked.request_id, clock=w.clock)
        with pytest.raises(Forbidden):
            decline_closure_request(w.db, actor, w.eid, asked.request_id, clock=w.clock, reason="x")
    for unknown in (asked.request_id + 100, -1):
        with pytest.raises(Forbidden):
            confirm_closure_request(w.db, w.province, w.eid, unknown, clock=w.clock)
    assert closures(w) == 0


def test_decline_needs_a_reason_and_leaves_entry_open(w):
    asked = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    with pytest.raises(ReasonRequired):
        decline_closure_request(w.db, w.province, w.eid, asked.request_id, clock=w.clock, reason="")
    before = version(w)
    done = decline_closure_request(
        w.db, w.province, w.eid, asked.request_id, clock=w.clock, reason="Thiếu mốc 11:00"
    )
    assert done.changed and version(w) == before + 1
    assert closures(w) == 0
    with pytest.raises(InvalidRequest):
        confirm_closure_request(w.db, w.province, w.eid, asked.request_id, clock=w.clock)
    with w.db.read() as s:
        (req,) = requests_in_scope(s, w.eid, "00004")
        event = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "entry.close_request_declined")
        )
    assert req.state is ClosureRequestState.DECLINED and req.decided_by == "tinh_hanoi"
    assert event.reason == "Thiếu mốc 11:00" and event.unit_path.endswith("00004/")
    # the commune may ask again
    assert request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock).changed


def test_no_request_once_closed(w):
    from data.services.entry import close_entry

    close_entry(w.db, w.province, w.eid, "01", clock=w.clock, reason="Cả tỉnh")
    result = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    assert not result.changed and result.request_id is None
    with w.db.read() as s:
        info = {c.code: c for c in commune_closures(s, w.eid, "00004", w.clock.now())}
    assert info["00004"].closure is not None and info["00004"].closure.unit_code == "01"


def test_the_commune_withdraws_a_pending_request_and_may_ask_again(w):
    asked = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    before = version(w)
    taken = withdraw_closure_request(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    assert taken.changed and taken.request_id == asked.request_id
    assert version(w) == before + 1 and audits(w, "entry.close_request_withdrawn") == 1
    assert not withdraw_closure_request(w.db, w.commune_a, w.eid, "00004", clock=w.clock).changed
    with pytest.raises(Forbidden):
        withdraw_closure_request(w.db, w.commune_b, w.eid, "00004", clock=w.clock)
    with pytest.raises(InvalidRequest):  # a withdrawn request can no longer be confirmed
        confirm_closure_request(w.db, w.province, w.eid, asked.request_id, clock=w.clock)
    assert closures(w) == 0
    again = request_closure(w.db, w.commune_a, w.eid, "00004", clock=w.clock)
    assert again.changed and again.request_id != asked.request_id
