"""The overview page over HTTP: scoped to the user, and cheap when nothing changed."""

from __future__ import annotations

import json

from data.services.turnout import TurnoutInput, submit_turnout
from tests.http.conftest import dash_post

OUTPUTS = [
    ("windows", "children"),
    ("counting", "children"),
    ("children", "children"),
    ("as-of", "children"),
    ("seen-version", "data"),
]


def refresh(client, election_id, seen):  # type: ignore[no-untyped-def]
    return dash_post(
        client,
        {
            "output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
            "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
            "inputs": [
                {"id": "election", "property": "value", "value": election_id},
                {"id": "tick", "property": "n_intervals", "value": 1},
            ],
            "state": [{"id": "seen-version", "property": "data", "value": seen}],
            "changedPropIds": ["tick.n_intervals"],
        },
    )


def test_the_page_and_its_layout_are_served_to_a_logged_in_user(web, client_for):
    client = client_for("tinh_hanoi")
    assert client.get("/").status_code == 200
    assert "Tổng quan" in client.get("/_dash-layout").get_data(as_text=True)


def test_the_province_sees_its_figures_in_vietnamese_and_no_update_when_unchanged(web, client_for):
    submit_turnout(
        web.db, web.commune_a, web.eid, TurnoutInput("00004-01", "0900", 300), clock=web.clock
    )
    client = client_for("tinh_hanoi")
    first = refresh(client, web.eid, None)
    assert first.status_code == 200
    text = json.dumps(first.get_json(), ensure_ascii=False)
    assert "1 / 6" in text  # one of six polling areas reported at 09:00
    assert "6,59 %" in text  # 300 of 4.550 registered voters
    assert "Phường Ngọc Hà" in text and "2.100" in text  # both communes, one level down
    assert "Phường Ba Đình" in text and "2.450" in text
    seen = first.get_json()["response"]["seen-version"]["data"]
    assert seen == [web.eid, 1]
    unchanged = refresh(client, web.eid, seen)  # nothing changed: nothing is sent
    assert unchanged.status_code == 204 or unchanged.get_json()["response"] == {}


def test_a_commune_sees_only_its_own_commune_whatever_it_asks(web, client_for):
    client = client_for("xa_badinh")
    text = json.dumps(refresh(client, web.eid, None).get_json(), ensure_ascii=False)
    assert all(n in text for n in ('"1.000"', '"800"', '"650"'))  # Ba Đình's three areas
    assert "Ngọc Hà" not in text and '"900"' not in text and "00008" not in text
