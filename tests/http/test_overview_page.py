"""The overview page over HTTP: its callback shows figures and skips unchanged versions."""

from __future__ import annotations

import json

import pytest

from dashboard.app import create_app
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import make_world

OUTPUTS = [
    ("windows", "children"),
    ("counting", "children"),
    ("children", "children"),
    ("as-of", "children"),
    ("seen-version", "data"),
]


def refresh(client, election_id, seen):
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
        "inputs": [
            {"id": "election", "property": "value", "value": election_id},
            {"id": "tick", "property": "n_intervals", "value": 1},
        ],
        "state": [{"id": "seen-version", "property": "data", "value": seen}],
        "changedPropIds": ["tick.n_intervals"],
    }
    return client.post("/_dash-update-component", json=body)


@pytest.fixture
def world(sqlite_db):
    return make_world(sqlite_db)


def test_the_page_and_its_layout_are_served(world):
    client = create_app(world.db, clock=world.clock).server.test_client()
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Bầu cử thử 2026" in layout


def test_the_refresh_shows_vietnamese_figures_and_skips_an_unchanged_version(world):
    submit_turnout(
        world.db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 300),
        clock=world.clock,
    )
    client = create_app(world.db, clock=world.clock).server.test_client()
    first = refresh(client, world.eid, None)
    assert first.status_code == 200
    text = json.dumps(first.get_json(), ensure_ascii=False)
    assert "1 / 6" in text  # one of six polling areas reported at 09:00
    assert "6,59 %" in text  # 300 of 4.550 registered voters
    assert "4.550" in text
    seen = first.get_json()["response"]["seen-version"]["data"]
    assert seen == [world.eid, 1]
    unchanged = refresh(client, world.eid, seen)  # nothing changed: nothing is sent
    assert unchanged.status_code == 204 or unchanged.get_json()["response"] == {}
