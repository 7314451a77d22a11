"""The entry pages over HTTP: each callback is an endpoint anyone can call with anything.

A commune operator saves a window row and a tally sheet through the callbacks; an
impossible figure is refused with its rule code and nothing is stored; a user of commune
B cannot read or write commune A through any of them; a province user saving on behalf
is marked so; a stale version is refused with both figures; a retry stores nothing twice.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from data.enums import Level
from data.models import AuditEvent, Election, TallySheet, TurnoutReport
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import at
from tests.http.conftest import dash_post

# --- payload builders ---------------------------------------------------------


def _key(i: Any) -> str:
    return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else i


def _pattern(i: Any, wild: str) -> Any:
    """The callback's declared id: area (or f / cand) replaced by MATCH or ALL."""
    if not isinstance(i, dict):
        return i
    return {k: ([wild] if k in ("area", "f", "cand") else v) for k, v in i.items()}


def call(client, outputs, inputs, state=(), wild="MATCH"):  # type: ignore[no-untyped-def]
    """POST one callback: ``outputs`` [(id, prop)], ``inputs``/``state`` [(id, prop, value)]
    where a value may be a list of (id, value) for an ALL pattern."""

    def item(i, p, v):  # type: ignore[no-untyped-def]
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            return [{"id": cid, "property": p, "value": val} for cid, val in v]
        return {"id": i, "property": p, "value": v}

    declared = [(_pattern(i, wild), p) for i, p in outputs]
    listed = [{"id": i, "property": p} for i, p in outputs]
    single = len(outputs) == 1
    body = {
        "output": f"{_key(declared[0][0])}.{declared[0][1]}"
        if single
        else ".." + "...".join(f"{_key(i)}.{p}" for i, p in declared) + "..",
        "outputs": listed[0] if single else listed,
        "inputs": [item(i, p, v) for i, p, v in inputs],
        "state": [item(i, p, v) for i, p, v in state],
        "changedPropIds": [f"{_key(inputs[0][0])}.{inputs[0][1]}"] if inputs else [],
    }
    return dash_post(client, body)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(response.get_json(), ensure_ascii=False)


def row_id(kind: str, area: str) -> dict[str, str]:
    return {"type": f"to-{kind}", "area": area}


def field_id(area: str, f: str) -> dict[str, str]:
    return {"type": "to-f", "area": area, "f": f}


def ctx_data(eid: int, commune: str = "00004", window: str = "0900") -> dict[str, Any]:
    return {"eid": eid, "commune": commune, "window": window, "opening": False, "editable": True}


def save_row(client, eid, area, total, male="", female="", version=None, **kw):  # type: ignore[no-untyped-def]
    data = kw.pop("data", None) or ctx_data(eid, kw.pop("commune", "00004"))
    return call(
        client,
        [
            (row_id("status", area), "children"),
            (row_id("version", area), "data"),
            (row_id("row", area), "className"),
        ],
        [(row_id("save", area), "n_clicks", kw.pop("clicks", 1))],
        [
            (field_id(area, "total"), "value", total),
            (field_id(area, "male"), "value", male),
            (field_id(area, "female"), "value", female),
            (row_id("confirm", area), "value", kw.pop("confirm", [])),
            (row_id("reason", area), "value", kw.pop("reason", "")),
            (row_id("warn", area), "data", kw.pop("warn", [])),
            (row_id("version", area), "data", version),
            ("to-ctx", "data", data),
        ],
    )


def live_row(client, eid, area, total, male="", female="", commune="00004"):  # type: ignore[no-untyped-def]
    return call(
        client,
        [
            (row_id("findings", area), "children"),
            (row_id("cbox", area), "style"),
            (row_id("warn", area), "data"),
        ],
        [
            (field_id(area, "total"), "value", total),
            (field_id(area, "male"), "value", male),
            (field_id(area, "female"), "value", female),
        ],
        [("to-ctx", "data", ctx_data(eid, commune))],
    )


def build_turnout(client, eid, commune="00004", window="0900", drafts=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        [("to-banner", "children"), ("to-table", "children"), ("to-ctx", "data")],
        [
            ("to-election", "value", eid),
            ("to-commune", "value", commune),
            ("to-window", "value", window),
        ],
        [("to-drafts", "data", drafts)],
    )


GOOD_COUNTS = {
    "voters_total": 1000,
    "voters_voted": 600,
    "ballots_issued": 600,
    "ballots_received": 600,
    "ballots_valid": 590,
    "ballots_invalid": 10,
}


def save_sheet(
    client,
    web,
    area="00004-01",
    level="QH",
    counts=None,
    votes=None,
    version=None,
    mode="single",
    resolution="",
    types=None,
):  # type: ignore[no-untyped-def]
    counts = {**GOOD_COUNTS, **(counts or {})}
    cands = web.e.candidate_ids["QH-01"]
    votes = votes if votes is not None else dict(zip(cands, [400, 350, 200, 150], strict=True))
    return call(
        client,
        [("tl-status", "children"), ("tl-version", "data")],
        [("tl-save", "n_clicks", 1)],
        [
            (
                {"type": "tl-count", "f": ["ALL"]},
                "value",
                [({"type": "tl-count", "f": k}, str(v)) for k, v in counts.items()],
            ),
            (
                {"type": "tl-vote", "cand": ["ALL"]},
                "value",
                [({"type": "tl-vote", "cand": c}, str(n)) for c, n in votes.items()],
            ),
            (
                {"type": "tl-btype", "k": ["ALL"]},
                "value",
                [({"type": "tl-btype", "k": k}, v) for k, v in (types or {1: "", 2: ""}).items()],
            ),
            ("tl-confirm", "value", []),
            ("tl-reason", "value", ""),
            ("tl-warn", "data", []),
            ("tl-version", "data", version),
            (
                "tl-ctx",
                "data",
                {"eid": web.eid, "area": area, "level": level, "editable": True, "mode": mode},
            ),
            ("tl-resolve-reason", "value", resolution),
        ],
        wild="ALL",
    )


def counts_of(web) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    """(turnout reports, tally sheets, audit events that are writes, data version)."""
    with web.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TurnoutReport)),
            s.scalar(select(func.count()).select_from(TallySheet)),
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action != "permission.refused")
            ),
            s.scalar(select(Election.data_version).where(Election.id == web.eid)),
        )


# --- tests --------------------------------------------------------------------


def test_the_entry_pages_are_routed_for_an_operator(web, client_for):
    client = client_for("xa_badinh")
    for path, title in [
        ("/entry", "Nhập liệu"),
        ("/entry/turnout", "Nhập tiến độ cử tri"),
        ("/entry/tally", "biên bản kết quả kiểm phiếu"),
    ]:
        response = call(client, [("page", "children")], [("url", "pathname", path)], wild="")
        assert response.status_code == 200, path
        assert title in text_of(response)


def test_the_operator_home_grid_shows_missing_saved_and_the_countdown(web, client_for):
    submit_turnout(
        web.db, web.commune_a, web.eid, TurnoutInput("00004-01", "0900", 300), clock=web.clock
    )
    client = client_for("xa_badinh")
    response = call(
        client,
        [("eh-current", "children"), ("eh-grid", "children")],
        [
            ("eh-election", "value", web.eid),
            ("eh-commune", "value", "00004"),
            ("eh-tick", "n_intervals", 1),
        ],
    )
    text = text_of(response)
    assert response.status_code == 200
    assert "00004-01" in text and "00004-03" in text and "00008" not in text
    assert "cell-saved" in text and "cell-missing" in text and "cell-pending" in text
    assert "cell-late" in text  # the opening window (06:45–07:15) was never reported
    assert '"data-countdown": "600"' in text  # 09:05 → closes 09:15
    assert "✓ 300" in text


def test_an_operator_saves_a_row_and_a_retry_stores_nothing_twice(web, client_for):
    client = client_for("xa_badinh")
    first = save_row(client, web.eid, "00004-01", "300", "140", "160")
    assert first.status_code == 200
    assert "Đã lưu" in text_of(first)
    assert '"data": 1' in text_of(first).replace('"data":1', '"data": 1')  # the new version
    assert counts_of(web)[:2] == (1, 0)
    version = counts_of(web)[3]
    again = save_row(client, web.eid, "00004-01", "300", "140", "160")  # a retried request
    assert "Không có gì thay đổi" in text_of(again)
    assert counts_of(web)[0] == 1 and counts_of(web)[3] == version
    with web.db.read() as s:
        row = s.scalar(select(TurnoutReport))
    assert (row.voted_total, row.voted_male, row.voted_female, row.on_behalf) == (
        300,
        140,
        160,
        False,
    )


def test_an_impossible_figure_is_refused_with_its_code_and_nothing_is_stored(web, client_for):
    client = client_for("xa_badinh")
    before = counts_of(web)
    live = live_row(client, web.eid, "00004-01", "1.200")
    assert live.status_code == 200 and "T01" in text_of(live)
    refused = save_row(client, web.eid, "00004-01", "1.200")
    assert refused.status_code == 200
    assert "T01" in text_of(refused) and "row-refused" in text_of(refused)
    split = save_row(client, web.eid, "00004-01", "300", "100", "100")
    assert "T02" in text_of(split)
    junk = save_row(client, web.eid, "00004-01", "3OO")
    assert "E_NUMBER" in text_of(junk)
    assert counts_of(web) == before


def test_a_warning_needs_the_confirm_box_and_a_reason(web, client_for):
    client = client_for("xa_badinh")
    live = live_row(client, web.eid, "00004-03", "600")  # 92 % at 09:00: T06
    assert "T06" in text_of(live) and '"T06"' in text_of(live)
    unconfirmed = save_row(client, web.eid, "00004-03", "600")
    assert "T06" in text_of(unconfirmed) and counts_of(web)[0] == 0
    no_reason = save_row(client, web.eid, "00004-03", "600", confirm=["ok"], warn=["T06"])
    assert "E_REASON_REQUIRED" in text_of(no_reason) and counts_of(web)[0] == 0
    ok = save_row(
        client,
        web.eid,
        "00004-03",
        "600",
        confirm=["ok"],
        warn=["T06"],
        reason="Khu công nghiệp đi bầu sớm",
    )
    assert "Đã lưu" in text_of(ok)
    with web.db.read() as s:
        assert s.scalar(select(TurnoutReport.confirmed_warnings)) == ["T06"]


def test_a_stale_save_is_refused_with_both_figures(web, client_for):
    submit_turnout(
        web.db, web.commune_a, web.eid, TurnoutInput("00004-02", "0900", 250), clock=web.clock
    )
    client = client_for("xa_badinh")
    stale = save_row(client, web.eid, "00004-02", "260", version=None)  # form saw no record
    text = text_of(stale)
    assert "E_STALE" in text and "stale-stored" in text
    assert '"250"' in text and '"260"' in text
    with web.db.read() as s:
        assert s.scalar(select(TurnoutReport.voted_total)) == 250


def test_outside_the_window_the_form_is_read_only_with_the_reason(web, client_for):
    web.clock.set(at("10:00"))
    client = client_for("xa_badinh")
    text = text_of(build_turnout(client, web.eid, window="0900"))
    assert "T05" in text and "Chỉ xem" in text and "Thành phố Hà Nội" in text
    assert '"disabled": true' in text
    refused = save_row(client, web.eid, "00004-01", "300")
    assert "T05" in text_of(refused) and counts_of(web)[0] == 0


def test_a_draft_typed_before_a_reload_is_put_back(web, client_for):
    client = client_for("xa_badinh")
    user_id = web.commune_a.user_id
    prefix = f"{user_id}|{web.eid}|turnout|0900"
    drafts = {f"{prefix}|00004-02": {"v": ["123", "", ""], "version": None}}
    text = text_of(build_turnout(client, web.eid, drafts=drafts))
    assert '"123"' in text and "Bản nháp chưa lưu" in text
    assert prefix in text  # the key the browser keeps the next drafts under


def test_a_tally_sheet_is_saved_and_an_impossible_one_refused(web, client_for):
    web.clock.set(at("19:30"))
    client = client_for("xa_badinh")
    bad = save_sheet(client, web, counts={"ballots_invalid": 20})  # 590 + 20 ≠ 600
    assert "K03" in text_of(bad) and counts_of(web)[1] == 0
    empty = save_sheet(client, web, counts={"ballots_invalid": ""})
    assert "E_EMPTY" in text_of(empty) and counts_of(web)[1] == 0
    ok = save_sheet(client, web)
    assert "Đã lưu biên bản" in text_of(ok), text_of(ok)
    again = save_sheet(client, web)
    assert "Không có gì thay đổi" in text_of(again)
    with web.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        assert (sheet.level, sheet.ballots_valid, sheet.on_behalf) == (Level.QH, 590, False)
        assert sorted(v.votes for v in sheet.votes) == [150, 200, 350, 400]
    stale = save_sheet(
        client, web, counts={"ballots_valid": 580, "ballots_invalid": 20}, version=None
    )
    assert "E_STALE" in text_of(stale) and "stale-stored" in text_of(stale)
    assert counts_of(web)[1] == 1


def test_the_optional_ballot_type_breakdown_is_checked_and_stored(web, client_for):
    web.clock.set(at("19:30"))
    client = client_for("xa_badinh")
    # Votes 400+350+200+150 = 1100 from 590 valid ballots of a 2-seat ballot: 80 kept one
    # name, 510 kept two (80 + 2·510 = 1100).
    partial = save_sheet(client, web, types={1: "80", 2: ""})
    assert "E_EMPTY" in text_of(partial) and counts_of(web)[1] == 0
    wrong = save_sheet(client, web, types={1: "100", 2: "500"})  # 600 ≠ 590 valid
    assert "K13" in text_of(wrong) and counts_of(web)[1] == 0
    ok = save_sheet(client, web, types={1: "80", 2: "510"})
    assert "Đã lưu biên bản" in text_of(ok), text_of(ok)
    with web.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        assert {b.names_kept: b.ballots for b in sheet.ballot_types} == {1: 80, 2: 510}
    built = call(
        client,
        [("tl-banner", "children"), ("tl-form", "children"), ("tl-ctx", "data")],
        [
            ("tl-election", "value", web.eid),
            ("tl-area", "value", "00004-01"),
            ("tl-level", "value", "QH"),
        ],
        [("tl-drafts", "data", None)],
    )
    base = built.get_json()["response"]["tl-ctx"]["data"]["base"]
    assert base["types"] == {"1": "80", "2": "510"}


def test_the_tally_form_lists_the_ballot_in_order_with_live_sums(web, client_for):
    web.clock.set(at("19:30"))
    client = client_for("xa_badinh")
    built = call(
        client,
        [("tl-banner", "children"), ("tl-form", "children"), ("tl-ctx", "data")],
        [
            ("tl-election", "value", web.eid),
            ("tl-area", "value", "00004-01"),
            ("tl-level", "value", "QH"),
        ],
        [("tl-drafts", "data", None)],
    )
    text = text_of(built)
    names = ["Nguyễn Văn A", "Nguyễn Văn B", "Nguyễn Văn C", "Nguyễn Văn D"]
    assert all(n in text for n in names)
    assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)
    order = [
        "Tổng số cử tri trong danh sách",
        "Số cử tri đã tham gia bỏ phiếu",
        "Số phiếu phát ra",
        "Số phiếu thu vào",
        "Số phiếu hợp lệ",
        "Số phiếu không hợp lệ",
    ]
    assert [text.index(n) for n in order] == sorted(text.index(n) for n in order)
    cands = web.e.candidate_ids["QH-01"]
    live = call(
        client,
        [
            ("tl-sums", "children"),
            ("tl-findings", "children"),
            ("tl-cbox", "style"),
            ("tl-warn", "data"),
        ],
        [
            (
                {"type": "tl-count", "f": ["ALL"]},
                "value",
                [({"type": "tl-count", "f": k}, str(v)) for k, v in GOOD_COUNTS.items()],
            ),
            (
                {"type": "tl-vote", "cand": ["ALL"]},
                "value",
                [
                    ({"type": "tl-vote", "cand": c}, "700" if i == 0 else "")
                    for i, c in enumerate(cands)
                ],
            ),
            (
                {"type": "tl-btype", "k": ["ALL"]},
                "value",
                [({"type": "tl-btype", "k": k}, "") for k in (1, 2)],
            ),
        ],
        [("tl-ctx", "data", {"eid": web.eid, "area": "00004-01", "level": "QH"})],
        wild="ALL",
    )
    text = text_of(live)
    assert "K05" in text  # 700 votes > 590 valid ballots, caught while typing
    assert "Còn 3 ô chưa nhập" in text and "K06" not in text  # held back until typed


def test_commune_b_can_neither_read_nor_write_commune_a(web, client_for):
    web.clock.set(at("09:05"))
    client = client_for("xa_ngocha")
    before = counts_of(web)
    data = ctx_data(web.eid, "00004")
    responses = [
        save_row(client, web.eid, "00004-01", "300", data=data),
        live_row(client, web.eid, "00004-01", "300"),
        build_turnout(client, web.eid, commune="00004"),
        call(
            client,
            [("eh-current", "children"), ("eh-grid", "children")],
            [
                ("eh-election", "value", web.eid),
                ("eh-commune", "value", "00004"),
                ("eh-tick", "n_intervals", 1),
            ],
        ),
    ]
    web.clock.set(at("19:30"))
    responses.append(save_sheet(client, web, area="00004-01"))
    for response in responses:
        assert response.status_code == 403, text_of(response)
        assert "00004-01" not in response.get_data(as_text=True)
    assert counts_of(web) == before
    # and its own commune works
    assert "Đã lưu" in text_of(
        save_sheet(client, web, area="00008-01", counts={"voters_total": 900})
    )


def test_a_province_user_saves_on_behalf_of_a_commune(web, client_for):
    client = client_for("tinh_hanoi")
    picked = call(
        client,
        [
            ("to-commune", "options"),
            ("to-commune", "value"),
            ("to-commune", "disabled"),
            ("to-note", "children"),
        ],
        [("to-election", "value", web.eid)],
        [("url", "search", "?xa=00008")],
    )
    text = text_of(picked)
    assert "Phường Ba Đình" in text and "Phường Ngọc Hà" in text and "nhập thay" in text
    assert picked.get_json()["response"]["to-commune"]["value"] == "00008"
    response = save_row(client, web.eid, "00008-02", "200", commune="00008")
    assert "Đã lưu" in text_of(response)
    with web.db.read() as s:
        row = s.scalar(select(TurnoutReport))
    assert (row.voted_total, row.on_behalf) == (200, True)


def test_a_commune_operator_cannot_pick_another_commune_by_address(web, client_for):
    client = client_for("xa_badinh")
    picked = call(
        client,
        [
            ("to-commune", "options"),
            ("to-commune", "value"),
            ("to-commune", "disabled"),
            ("to-note", "children"),
        ],
        [("to-election", "value", web.eid)],
        [("url", "search", "?xa=00008")],
    )
    body = picked.get_json()["response"]
    assert body["to-commune"]["value"] == "00004" and body["to-commune"]["disabled"] is True
    assert [o["value"] for o in body["to-commune"]["options"]] == ["00004"]
    assert "không có quyền" in text_of(picked)


@pytest.mark.parametrize("who", ["lanhdao", "quantri", "hdbcqg"])
def test_roles_that_do_not_enter_are_refused(web, client_for, who):
    client = client_for(who)
    assert save_row(client, web.eid, "00004-01", "300").status_code == 403
    assert counts_of(web)[0] == 0
