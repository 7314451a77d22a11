"""The end-of-entry page over HTTP: every callback is an endpoint anyone can call.

The commune asks, the province confirms and the forms refuse with E_CLOSED; the commune
cannot reopen; the province reopens only with a reason; commune 00008 sending commune
00004's codes is refused and writes nothing; a late commune saves once the province grants
an exception.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from data.models import (
    AuditEvent,
    ClosureRequest,
    ClosureRequestState,
    Election,
    EntryClosure,
    TurnoutReport,
    WindowException,
)
from tests.db.services_support import at
from tests.http.conftest import dash_post
from tests.http.test_entry_pages import call, save_row, text_of


def ask(client, eid, *, confirm=("ok",), reason="Đã đối chiếu", withdraw=False):  # type: ignore[no-untyped-def]
    """Press "ask" or "withdraw" (the inputs keep the callback's order)."""
    pressed = "ec-withdraw-btn" if withdraw else "ec-ask-btn"
    body = {
        "output": "..ec-ask-msg.children...ec-ask-done.data..",
        "outputs": [
            {"id": "ec-ask-msg", "property": "children"},
            {"id": "ec-ask-done", "property": "data"},
        ],
        "inputs": [
            {"id": "ec-ask-btn", "property": "n_clicks", "value": None if withdraw else 1},
            {"id": "ec-withdraw-btn", "property": "n_clicks", "value": 1 if withdraw else None},
        ],
        "state": [
            {"id": "ec-election", "property": "value", "value": eid},
            {"id": "ec-ask-reason", "property": "value", "value": reason},
            {"id": "ec-ask-confirm", "property": "value", "value": list(confirm)},
        ],
        "changedPropIds": [f"{pressed}.n_clicks"],
    }
    return dash_post(client, body)


def decide(client, eid, request_id, *, decline=False, reason=""):  # type: ignore[no-untyped-def]
    """Press confirm or decline (the inputs keep the callback's order)."""
    pressed = "ec-req-decline" if decline else "ec-req-confirm"
    body = {
        "output": "..ec-req-msg.children...ec-decide-done.data..",
        "outputs": [
            {"id": "ec-req-msg", "property": "children"},
            {"id": "ec-decide-done", "property": "data"},
        ],
        "inputs": [
            {"id": "ec-req-confirm", "property": "n_clicks", "value": None if decline else 1},
            {"id": "ec-req-decline", "property": "n_clicks", "value": 1 if decline else None},
        ],
        "state": [
            {"id": "ec-election", "property": "value", "value": eid},
            {"id": "ec-req", "property": "value", "value": request_id},
            {"id": "ec-req-reason", "property": "value", "value": reason},
        ],
        "changedPropIds": [f"{pressed}.n_clicks"],
    }
    return dash_post(client, body)


def close(client, eid, unit, reason=""):  # type: ignore[no-untyped-def]
    return call(
        client,
        [("ec-close-msg", "children"), ("ec-close-done", "data")],
        [("ec-close-btn", "n_clicks", 1)],
        [
            ("ec-election", "value", eid),
            ("ec-close-unit", "value", unit),
            ("ec-close-reason", "value", reason),
            ("ec-close-confirm", "value", ["ok"]),
        ],
    )


def reopen(client, eid, unit, reason=""):  # type: ignore[no-untyped-def]
    return call(
        client,
        [("ec-reopen-msg", "children"), ("ec-reopen-done", "data")],
        [("ec-reopen-btn", "n_clicks", 1)],
        [
            ("ec-election", "value", eid),
            ("ec-reopen-unit", "value", unit),
            ("ec-reopen-reason", "value", reason),
        ],
    )


def grant(client, eid, unit, until, reason="Mất điện", window="0900"):  # type: ignore[no-untyped-def]
    return call(
        client,
        [("ec-exc-msg", "children"), ("ec-grant-done", "data")],
        [("ec-exc-btn", "n_clicks", 1)],
        [
            ("ec-election", "value", eid),
            ("ec-window", "value", window),
            ("ec-late", "value", unit),
            ("ec-until", "value", until),
            ("ec-exc-reason", "value", reason),
        ],
    )


def refresh(client, eid):  # type: ignore[no-untyped-def]
    stores = [(s, "data", None) for s in STORES]
    return call(
        client,
        [("ec-status", "children"), ("ec-requests", "children")],
        [("ec-election", "value", eid), ("ec-tick", "n_intervals", 1), *stores],
    )


def upper_options(client, eid):  # type: ignore[no-untyped-def]
    stores = [(s, "data", None) for s in STORES]
    return call(
        client,
        [
            ("ec-req", "options"),
            ("ec-close-unit", "options"),
            ("ec-reopen-unit", "options"),
            ("ec-exc-list", "children"),
        ],
        [("ec-election", "value", eid), *stores],
    )


def late_options(client, eid, window="0900"):  # type: ignore[no-untyped-def]
    stores = [(s, "data", None) for s in STORES]
    return call(
        client,
        [("ec-late", "options")],
        [("ec-election", "value", eid), ("ec-window", "value", window), *stores],
    )


STORES = ("ec-ask-done", "ec-decide-done", "ec-close-done", "ec-reopen-done", "ec-grant-done")


def closed_units(web) -> list[int]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return list(s.scalars(select(EntryClosure.unit_id)))


def the_request(web) -> ClosureRequest:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return s.scalar(select(ClosureRequest))


def test_the_page_is_listed_for_communes_and_provinces(web, client_for):
    for user in ("xa_badinh", "tinh_hanoi"):
        page = call(client_for(user), [("page", "children")], [("url", "pathname", "/entry/close")])
        assert page.status_code == 200
        assert "Kết thúc nhập liệu" in text_of(page)
    province_page = call(
        client_for("tinh_hanoi"), [("page", "children")], [("url", "pathname", "/entry/close")]
    )
    assert "ec-req-confirm" in text_of(province_page)


def test_commune_asks_province_confirms_and_the_forms_refuse(web, client_for):
    commune, province = client_for("xa_badinh"), client_for("tinh_hanoi")
    status = refresh(commune, web.eid)
    assert status.status_code == 200
    assert "Phường Ba Đình" in text_of(status) and "Đang nhập liệu" in text_of(status)
    assert "chưa nhập" in text_of(status)  # the windows still missing

    unticked = ask(commune, web.eid, confirm=())
    assert "ô xác nhận" in text_of(unticked) and the_request(web) is None
    asked = ask(commune, web.eid)
    assert asked.status_code == 200 and "chờ cấp trên" in text_of(asked)
    request = the_request(web)
    assert request.state is ClosureRequestState.REQUESTED
    assert "chờ xác nhận" in text_of(refresh(commune, web.eid))

    options = upper_options(province, web.eid)
    assert options.status_code == 200 and "xa_badinh" in text_of(options)
    done = decide(province, web.eid, request.id)
    assert done.status_code == 200 and "Đã kết thúc nhập liệu" in text_of(done)
    assert closed_units(web) == [web.e.unit_ids["00004"]]
    assert the_request(web).state is ClosureRequestState.CONFIRMED

    shown = text_of(refresh(commune, web.eid))
    assert "tinh_hanoi" in shown and "Đã kết thúc nhập liệu" in shown

    refused = save_row(commune, web.eid, "00004-01", "300")
    assert refused.status_code == 200 and "E_CLOSED" in text_of(refused)
    with web.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TurnoutReport)) == 0


def test_only_the_upper_level_reopens_and_only_with_a_reason(web, client_for):
    commune, province = client_for("xa_badinh"), client_for("tinh_hanoi")
    assert close(province, web.eid, "00004", "Đủ số liệu").status_code == 200
    assert closed_units(web) == [web.e.unit_ids["00004"]]

    assert reopen(commune, web.eid, "00004", "Sửa").status_code == 403
    assert decide(commune, web.eid, 1).status_code == 403
    assert closed_units(web) == [web.e.unit_ids["00004"]]

    assert "00004" in text_of(upper_options(province, web.eid))
    no_reason = reopen(province, web.eid, "00004", "  ")
    assert no_reason.status_code == 200 and "E_REASON_REQUIRED" in text_of(no_reason)
    assert closed_units(web) == [web.e.unit_ids["00004"]]
    done = reopen(province, web.eid, "00004", "Sai số mốc 09:00")
    assert done.status_code == 200 and "Đã mở lại" in text_of(done)
    assert closed_units(web) == []
    with web.db.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "entry.reopen"))
    assert event.reason == "Sai số mốc 09:00" and event.username == "tinh_hanoi"


def test_province_declines_with_a_reason(web, client_for):
    commune, province = client_for("xa_badinh"), client_for("tinh_hanoi")
    ask(commune, web.eid)
    request = the_request(web)
    assert "E_REASON_REQUIRED" in text_of(decide(province, web.eid, request.id, decline=True))
    done = decide(province, web.eid, request.id, decline=True, reason="Thiếu mốc 11:00")
    assert done.status_code == 200
    assert the_request(web).state is ClosureRequestState.DECLINED
    assert closed_units(web) == []
    assert "Bị từ chối" in text_of(refresh(commune, web.eid))


def snapshot(web) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return {
            "closures": s.scalar(select(func.count()).select_from(EntryClosure)),
            "requests": sorted((r.id, str(r.state)) for r in s.scalars(select(ClosureRequest))),
            "exceptions": s.scalar(select(func.count()).select_from(WindowException)),
            "version": s.scalar(select(Election.data_version)),
        }


def test_another_commune_is_refused_and_writes_nothing(web, client_for):
    ask(client_for("xa_badinh"), web.eid)
    request = the_request(web)
    before = snapshot(web)
    other = client_for("xa_ngocha")
    assert decide(other, web.eid, request.id).status_code == 403
    assert decide(other, web.eid, request.id, decline=True, reason="x").status_code == 403
    assert close(other, web.eid, "00004").status_code == 403
    assert close(other, web.eid, "00008").status_code == 403  # communes ask, not close
    assert reopen(other, web.eid, "00004", "x").status_code == 403
    assert grant(other, web.eid, "00004", "09:40").status_code == 403
    assert upper_options(other, web.eid).status_code == 403
    assert late_options(other, web.eid).status_code == 403
    shown = refresh(other, web.eid)
    assert shown.status_code == 200
    assert "Ba Đình" not in text_of(shown) and "xa_badinh" not in text_of(shown)
    assert "Ngọc Hà" in text_of(shown) or "00008" in text_of(shown)
    assert snapshot(web) == before


def test_a_late_commune_saves_after_the_province_grants_an_exception(web, client_for):
    commune, province = client_for("xa_badinh"), client_for("tinh_hanoi")
    web.clock.set(at("09:20"))  # the 09:00 window closed at 09:15
    late = save_row(commune, web.eid, "00004-01", "300")
    assert "T05" in text_of(late)
    assert "00004" in text_of(late_options(province, web.eid))

    bad_time = grant(province, web.eid, "00004", "9h40")
    assert bad_time.status_code == 200 and "HH:MM" in text_of(bad_time)
    no_reason = grant(province, web.eid, "00004", "09:40", reason="")
    assert "E_REASON_REQUIRED" in text_of(no_reason)
    done = grant(province, web.eid, "00004", "09:40")
    assert done.status_code == 200 and "09:40" in text_of(done)
    listed = text_of(upper_options(province, web.eid))
    assert "Mất điện" in listed and "09:40" in listed

    saved = save_row(commune, web.eid, "00004-01", "300")
    assert saved.status_code == 200 and "Đã lưu" in text_of(saved)
    # 00008 was not granted: still refused
    assert "T05" in text_of(
        save_row(client_for("xa_ngocha"), web.eid, "00008-01", "300", commune="00008")
    )


def test_a_commune_withdraws_its_pending_request(web, client_for):
    commune = client_for("xa_badinh")
    assert ask(commune, web.eid).status_code == 200
    withdrawn = ask(commune, web.eid, withdraw=True)
    assert "Đã rút đề nghị" in text_of(withdrawn)
    with web.db.read() as s:
        states = list(s.scalars(select(ClosureRequest.state)))
    assert states == [ClosureRequestState.WITHDRAWN]
    again = ask(commune, web.eid, withdraw=True)
    assert "Không có đề nghị nào đang chờ" in text_of(again)
    # Another commune's operator has no request of its own to withdraw, and cannot touch ours.
    ask(commune, web.eid)
    other = ask(client_for("xa_ngocha"), web.eid, withdraw=True)
    assert "Không có đề nghị nào đang chờ" in text_of(other)
    with web.db.read() as s:
        pending = s.scalars(
            select(ClosureRequest).where(ClosureRequest.state == ClosureRequestState.REQUESTED)
        ).all()
    assert len(pending) == 1
