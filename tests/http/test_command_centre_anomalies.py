"""The command centre's anomalies panel and the late list's contacts over HTTP: the scope's
anomalies only, refreshed with the data version, contacts for the late communes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import update

from data.models import TurnoutReport, User
from data.read_models.cache import default_cache
from data.services.turnout import TurnoutInput, submit_turnout
from tests.http.test_dashboards import call, command_centre, out, unchanged

AN_OUT = [("cc-anomalies", "children"), ("cc-anomalies-seen", "data")]


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    default_cache().invalidate()
    yield
    default_cache().invalidate()


def panel(client, eid, focus=None, seen=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        AN_OUT,
        [
            ("cc-election", "value", eid),
            ("cc-tick", "n_intervals", 1),
            ("cc-focus", "data", focus),
        ],
        [("cc-anomalies-seen", "data", seen)],
        changed="cc-tick.n_intervals",
    )


def body(response) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(out(response)["cc-anomalies"]["children"], ensure_ascii=False)


def seed(web) -> None:  # type: ignore[no-untyped-def]
    """Ba Đình: a confirmed T06 warning (00004-01) and a drop (00004-02, by correction);
    Ngọc Hà: 100 % turnout (00008-03), confirmed."""
    with web.db.write() as s:
        s.execute(update(User).where(User.username == "xa_ngocha").values(phone="0912000008"))
    submit_turnout(
        web.db,
        web.commune_a,
        web.eid,
        TurnoutInput("00004-01", "0900", 777),
        clock=web.clock,
        confirm=["T06"],
        reason="Tổ đã xác nhận",
    )
    submit_turnout(
        web.db, web.commune_a, web.eid, TurnoutInput("00004-02", "0900", 300), clock=web.clock
    )
    submit_turnout(
        web.db,
        web.commune_b,
        web.eid,
        TurnoutInput("00008-03", "0900", 500),
        clock=web.clock,
        confirm=["T06"],
        reason="Đủ cử tri",
    )
    with web.db.write() as s:  # a correction straight in the database
        s.add(
            TurnoutReport(
                election_id=web.eid,
                polling_area_id=web.e.area_ids["00004-02"],
                window_id=web.e.window_ids["1100"],
                voted_total=250,
                created_at=web.clock.now(),
                updated_at=web.clock.now(),
            )
        )


def test_the_province_sees_every_anomaly_of_its_scope(web, client_for):
    seed(web)
    text = body(panel(client_for("tinh_hanoi"), web.eid))
    assert "00004-01" in text and "T06" in text and "Tổ đã xác nhận" in text
    assert "xa_badinh" in text  # who confirmed
    assert "00004-02" in text and "Số lũy kế giảm từ 300 xuống 250" in text
    assert "00008-03" in text and "Đạt 100 % cử tri đi bầu (500 / 500)" in text
    for badge in ("Cảnh báo đã xác nhận", "Số liệu giảm", "100 % đi bầu"):
        assert badge in text


def test_a_commune_sees_none_of_the_other_communes_anomalies(web, client_for):
    seed(web)
    ngoc_ha = body(panel(client_for("xa_ngocha"), web.eid))
    assert "00008-03" in ngoc_ha
    assert "00004" not in ngoc_ha and "Ba Đình" not in ngoc_ha
    assert "777" not in ngoc_ha and "Tổ đã xác nhận" not in ngoc_ha and "xa_badinh" not in ngoc_ha
    ba_dinh = body(panel(client_for("xa_badinh"), web.eid))
    assert "00004-01" in ba_dinh and "00004-02" in ba_dinh
    assert "00008" not in ba_dinh and "Ngọc Hà" not in ba_dinh
    client = client_for("xa_ngocha")
    for foreign in ("00004", "01", "VN", "00004-01", {"code": "00004"}, ["00004"]):
        assert panel(client, web.eid, focus=foreign).status_code == 403
    assert panel(client, web.eid + 1000).status_code == 403
    assert panel(client, "1").status_code == 403


def test_the_panel_follows_the_data_version(web, client_for):
    client = client_for("tinh_hanoi")
    first = out(panel(client, web.eid))
    assert "Không có bất thường" in json.dumps(first, ensure_ascii=False)
    seen = first["cc-anomalies-seen"]["data"]
    assert unchanged(panel(client, web.eid, seen=seen))
    seed(web)  # the direct correction does not bump the version; the services do
    got = out(panel(client, web.eid, seen=seen))
    assert got["cc-anomalies-seen"]["data"][2] > seen[2]
    assert "00008-03" in json.dumps(got["cc-anomalies"]["children"], ensure_ascii=False)


def test_a_drill_down_shows_the_communes_anomalies_only(web, client_for):
    seed(web)
    text = body(panel(client_for("tinh_hanoi"), web.eid, focus="00008"))
    assert "00008-03" in text and "00004" not in text


def test_the_late_list_shows_contacts_and_last_write(web, client_for):
    seed(web)
    got: Any = out(command_centre(client_for("tinh_hanoi"), web.eid))
    late = json.dumps(got["cc-late"]["children"], ensure_ascii=False)
    assert "Liên hệ" in late and "Nhập lần cuối" in late
    assert "xa_ngocha" in late and "tel:0912000008" in late  # Ngọc Hà: 2 of 3 missing
    assert "09:05" in late  # the last write under each late commune (the frozen clock)
    own: Any = out(command_centre(client_for("xa_ngocha"), web.eid))
    mine = json.dumps(own["cc-late"]["children"], ensure_ascii=False)
    assert "Liên hệ" not in mine and "xa_badinh" not in mine
