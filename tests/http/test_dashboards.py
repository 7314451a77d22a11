"""The dashboards over HTTP: figures equal the read models, scope is the user's, leaders see
results only once confirmed, and an unchanged version sends nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from data.enums import Level
from data.read_models.cache import default_cache
from data.read_models.progress import children_progress, unit_progress
from data.services.entry import close_entry
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import at
from tests.http.conftest import dash_post

CC_OUT = [
    ("cc-headline", "children"),
    ("cc-turnout", "figure"),
    ("cc-map", "figure"),
    ("cc-bars", "figure"),
    ("cc-late", "children"),
    ("cc-crumbs", "children"),
    ("cc-asof", "children"),
    ("cc-seen", "data"),
]
LD_OUT = [("ld-body", "children"), ("ld-seen", "data")]
RS_OUT = [
    ("rs-summary", "children"),
    ("rs-detail", "children"),
    ("rs-level", "options"),
    ("rs-level", "value"),
    ("rs-pick", "options"),
    ("rs-asof", "children"),
    ("rs-seen", "data"),
]
SC_OUT = [
    ("sc-title", "children"),
    ("sc-headline", "children"),
    ("sc-turnout", "figure"),
    ("sc-map", "figure"),
    ("sc-bars", "figure"),
    ("sc-late", "children"),
    ("sc-asof", "children"),
    ("sc-seen", "data"),
]


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Every test builds a new database whose election 1 restarts at version 0: the
    per-process cache (keyed by election id and version) must not carry over."""
    default_cache().invalidate()
    yield
    default_cache().invalidate()


def call(client, outputs, inputs, state=(), changed=None):  # type: ignore[no-untyped-def]
    def slot(i: str, p: str, v: Any) -> dict[str, Any]:
        return {"id": i, "property": p, "value": v}

    single = len(outputs) == 1
    return dash_post(
        client,
        {
            "output": f"{outputs[0][0]}.{outputs[0][1]}"
            if single
            else ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
            "outputs": {"id": outputs[0][0], "property": outputs[0][1]}
            if single
            else [{"id": i, "property": p} for i, p in outputs],
            "inputs": [slot(*x) for x in inputs],
            "state": [slot(*x) for x in state],
            "changedPropIds": [changed or f"{inputs[0][0]}.{inputs[0][1]}"],
        },
    )


def command_centre(client, eid, focus=None, seen=None, colour="report"):  # type: ignore[no-untyped-def]
    return call(
        client,
        CC_OUT,
        [
            ("cc-election", "value", eid),
            ("cc-tick", "n_intervals", 1),
            ("cc-focus", "data", focus),
            ("cc-colour", "value", colour),
        ],
        [("cc-seen", "data", seen)],
        changed="cc-tick.n_intervals",
    )


def leader(client, eid, seen=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        LD_OUT,
        [("ld-election", "value", eid), ("ld-tick", "n_intervals", 1)],
        [("ld-seen", "data", seen)],
    )


def results(client, eid, level=None, pick=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        RS_OUT,
        [
            ("rs-election", "value", eid),
            ("rs-level", "value", level),
            ("rs-pick", "value", pick),
            ("rs-tick", "n_intervals", 1),
        ],
        [("rs-seen", "data", None)],
    )


def out(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def text(response) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(out(response), ensure_ascii=False)


def unchanged(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 204 or response.get_json().get("response") == {}


def report(web, area: str, voted: int, window: str = "0900") -> None:  # type: ignore[no-untyped-def]
    actor = web.commune_a if area.startswith("00004") else web.commune_b
    submit_turnout(web.db, actor, web.eid, TurnoutInput(area, window, voted), clock=web.clock)


# ------------------------------------------------------------------ command centre


def test_command_centre_figures_equal_the_read_models(web, client_for):
    report(web, "00004-01", 300)
    report(web, "00008-02", 350)
    client = client_for("tinh_hanoi")
    got = out(command_centre(client, web.eid))
    with web.db.read() as s:
        scope = unit_progress(s, web.eid, "01")
        children = children_progress(s, web.eid, "01")
    lines = got["cc-turnout"]["figure"]["data"]
    assert lines[0]["x"][0] == "09:00"  # turnout windows only, the opening one left out
    by_name = {t["name"]: t for t in lines}
    assert by_name["Thành phố Hà Nội"]["y"][0] == float(scope.window("0900").turnout_pct)
    for child in children:
        assert by_name[child.name]["y"][0] == float(child.window("0900").turnout_pct)
        assert by_name[child.name]["y"][1] is None  # 11:00 has not opened at 09:05
    tree = got["cc-map"]["figure"]["data"][0]
    values = dict(zip(tree["ids"], tree["values"], strict=True))
    assert values["01"] == scope.registered == 4550
    assert {c.code: c.registered for c in children} == {k: values[k] for k in ("00004", "00008")}
    colours = dict(zip(tree["ids"], tree["marker"]["colors"], strict=True))
    assert (
        colours["00004"]
        == colours["00008"]
        == float(children[0].window("0900").reported_areas * 100 / 3).__round__(2)
    )
    headline = json.dumps(got["cc-headline"]["children"], ensure_ascii=False)
    assert "2 / 6" in headline  # areas reported for 09:00
    assert "14,29 %" in headline  # 650 of 4.550 voters
    late = json.dumps(got["cc-late"]["children"], ensure_ascii=False)
    assert "Phường Ba Đình" in late and "Phường Ngọc Hà" in late and "2 / 3" in late
    assert "phiên bản 2" in got["cc-asof"]["children"]


def test_unchanged_version_sends_nothing_and_a_new_report_sends_patches(web, client_for):
    report(web, "00004-01", 300)
    client = client_for("tinh_hanoi")
    seen = out(command_centre(client, web.eid))["cc-seen"]["data"]
    assert unchanged(command_centre(client, web.eid, seen=seen))
    report(web, "00004-02", 200)
    got = out(command_centre(client, web.eid, seen=seen))
    assert got["cc-seen"]["data"][3] == seen[3] + 1
    patch = got["cc-turnout"]["figure"]  # only the data arrays travel
    assert patch.get("__dash_patch_update") and "layout" not in json.dumps(patch)
    assert "10,99 %" in json.dumps(got["cc-headline"]["children"], ensure_ascii=False)


def test_a_commune_sees_only_its_commune_and_cannot_drill_elsewhere(web, client_for):
    report(web, "00008-01", 400)
    client = client_for("xa_badinh")
    body = text(command_centre(client, web.eid))
    assert "Phường Ba Đình" in body and "00004-01" in body
    assert "Ngọc Hà" not in body and "00008" not in body and "Hà Nội" not in body
    for foreign in ("00008", "01", "VN", "00008-01", {"code": "01"}):
        assert command_centre(client, web.eid, focus=foreign).status_code == 403
    click = {"points": [{"id": "00008"}]}
    drill = call(
        client,
        [("cc-focus", "data")],
        [
            ("cc-map", "clickData", click),
            ("cc-up", "n_clicks", None),
            ("cc-home", "n_clicks", None),
        ],
        [("cc-focus", "data", None), ("cc-election", "value", web.eid)],
    )
    assert drill.status_code == 403


def test_a_province_drills_down_to_a_commune_and_back_up(web, client_for):
    client = client_for("tinh_hanoi")
    drill_inputs = [("cc-up", "n_clicks", None), ("cc-home", "n_clicks", None)]
    got = out(
        call(
            client,
            [("cc-focus", "data")],
            [("cc-map", "clickData", {"points": [{"id": "00004"}]}), *drill_inputs],
            [("cc-focus", "data", None), ("cc-election", "value", web.eid)],
        )
    )
    assert got["cc-focus"]["data"] == "00004"
    body = text(command_centre(client, web.eid, focus="00004"))
    assert "Phường Ba Đình" in body and "Ngọc Hà" not in body
    up = out(
        call(
            client,
            [("cc-focus", "data")],
            [("cc-map", "clickData", None), ("cc-up", "n_clicks", 1), drill_inputs[1]],
            [("cc-focus", "data", "00004"), ("cc-election", "value", web.eid)],
            changed="cc-up.n_clicks",
        )
    )
    assert up["cc-focus"]["data"] == "01"


def test_the_large_screen_shows_the_users_scope_with_version_and_time(web, client_for):
    report(web, "00004-01", 300)
    client = client_for("tinh_hanoi")
    response = call(
        client,
        SC_OUT,
        [("sc-election", "value", web.eid), ("sc-tick", "n_intervals", 1)],
        [("sc-seen", "data", None)],
    )
    got = out(response)
    assert got["sc-title"]["children"] == "Thành phố Hà Nội"
    assert "phiên bản 1" in got["sc-asof"]["children"] and "09:05" in got["sc-asof"]["children"]


# -------------------------------------------------------------------------- leader


def _confirm_ba_dinh(web) -> None:  # type: ignore[no-untyped-def]
    web.clock.set(at("19:30"))
    a, b, c = web.e.candidate_ids["X-00004"]
    save_tally_sheet(
        web.db,
        web.commune_a,
        web.eid,
        TallyInput(
            "00004-01", Level.HDND_XA, 1000, 900, 900, 900, 880, 20, {a: 700, b: 600, c: 80}
        ),
        clock=web.clock,
        confirm=["K12"],
        reason="thử",
    )
    close_entry(web.db, web.commune_a, web.eid, "00004", clock=web.clock, reason="đã đối chiếu")


def test_the_leader_sees_its_scope_and_results_only_once_confirmed(web, client_for):
    report(web, "00004-01", 300)
    client = client_for("lanhdao")
    first = leader(client, web.eid)
    body = text(first)
    assert "Thành phố Hà Nội" in body and "6,59 %" in body and "1 / 6" in body
    assert "Nguyễn Văn" not in body  # no result confirmed yet
    seen = out(first)["ld-seen"]["data"]
    assert unchanged(leader(client, web.eid, seen=seen))

    web.clock.set(at("19:30"))
    a, b, c = web.e.candidate_ids["X-00004"]
    save_tally_sheet(
        web.db,
        web.commune_a,
        web.eid,
        TallyInput(
            "00004-01", Level.HDND_XA, 1000, 900, 900, 900, 880, 20, {a: 700, b: 600, c: 80}
        ),
        clock=web.clock,
        confirm=["K12"],
        reason="thử",
    )
    assert "Nguyễn Văn" not in text(leader(client, web.eid))  # provisional: still withheld
    close_entry(web.db, web.commune_a, web.eid, "00004", clock=web.clock, reason="đã đối chiếu")
    body = text(leader(client, web.eid))
    assert "Nguyễn Văn A" in body and "Nguyễn Văn B" in body  # the two winners
    assert "Đã xác nhận: 1/4" in body


def test_results_page_flags_status_and_version_and_hides_unconfirmed_from_leaders(web, client_for):
    _confirm_ba_dinh(web)
    province = text(results(client_for("tinh_hanoi"), web.eid, level="HDND_XA"))
    assert "Nguyễn Văn A" in province and "Trúng cử" in province
    assert "Đã xác nhận" in province and "phiên bản 2" in province
    assert "79,55 %" in province  # 700 of 880 valid ballots
    qh = text(results(client_for("tinh_hanoi"), web.eid))
    assert "QH-01" in qh and "Tạm thời" in qh  # QH first, provisional

    leader_xa = text(results(client_for("lanhdao"), web.eid, level="HDND_XA"))
    assert "Nguyễn Văn A" in leader_xa  # Ba Đình: confirmed
    assert "Chưa xác nhận" in leader_xa  # Ngọc Hà: withheld
    leader_qh = text(results(client_for("lanhdao"), web.eid, level="QH"))
    assert "Nguyễn Văn" not in leader_qh and "Chưa xác nhận" in leader_qh


def test_results_are_scoped_and_a_foreign_constituency_is_refused(web, client_for):
    client = client_for("xa_ngocha")
    body = text(results(client, web.eid))
    assert "X-00008" in body and "X-00004" not in body and "QH-01" not in body
    assert results(client, web.eid, pick="X-00004").status_code == 403
    assert results(client, web.eid, pick="QH-01").status_code == 403
    assert results(client_for("quantri"), web.eid).status_code == 403  # admin: no results
