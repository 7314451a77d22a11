"""A client that knows only API.md: log in, read its ballot, submit, read the result."""

from __future__ import annotations

from tests.db.services_support import at
from tests.http.conftest import PASSWORD


def test_a_script_following_api_md_does_a_whole_election_day(web, app):
    http = app.server.test_client()
    token = http.post("/api/v1/token", json={"username": "xa_badinh", "password": PASSWORD})
    assert token.status_code == 200 and token.get_json()["token_type"] == "bearer"
    auth = {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    me = http.get("/api/v1/me", headers=auth).get_json()
    assert me["role"] == "commune" and me["scope"]["code"] == "00004"
    elections = http.get("/api/v1/elections", headers=auth).get_json()
    assert [e["kind"] for e in elections] == ["real"]
    windows = http.get("/api/v1/elections/current/windows", headers=auth).get_json()
    assert "0900" in [w["key"] for w in windows]
    areas = http.get("/api/v1/elections/current/polling-areas?unit=00004", headers=auth).get_json()
    assert [a["code"] for a in areas] == ["00004-01", "00004-02", "00004-03"]

    web.clock.set(at("09:05"))
    for area, voted in (("00004-01", 300), ("00004-02", 250), ("00004-03", 200)):
        put = http.put(
            f"/api/v1/elections/current/turnout/{area}/0900",
            json={"voted_total": voted},
            headers=auth,
        )
        assert put.status_code == 201, put.get_json()
    progress = http.get("/api/v1/elections/current/progress/00004", headers=auth).get_json()
    nine = next(w for w in progress["windows"] if w["key"] == "0900")
    assert (nine["reported_areas"], nine["expected_areas"], nine["voted"]) == (3, 3, 750)

    web.clock.set(at("19:30"))
    ballot = http.get(
        "/api/v1/elections/current/polling-areas/00004-01/ballot/HDND_XA", headers=auth
    ).get_json()
    assert ballot["constituency"]["code"] == "X-00004" and ballot["constituency"]["seats"] == 2
    ids = [c["id"] for c in ballot["candidates"]]
    sheet = {
        "voters_total": 1000,
        "voters_voted": 300,
        "ballots_issued": 300,
        "ballots_received": 300,
        "ballots_valid": 295,
        "ballots_invalid": 5,
        "votes": {str(ids[0]): 250, str(ids[1]): 200, str(ids[2]): 100},
    }
    saved = http.put(
        "/api/v1/elections/current/tally-sheets/00004-01/HDND_XA", json=sheet, headers=auth
    )
    assert saved.status_code == 201, saved.get_json()
    again = http.put(
        "/api/v1/elections/current/tally-sheets/00004-01/HDND_XA",
        json=sheet,
        headers={**auth, "If-Match": str(saved.get_json()["version"])},
    )
    assert again.status_code == 200  # idempotent

    result = http.get(
        "/api/v1/elections/current/constituencies/X-00004/result", headers=auth
    ).get_json()
    assert result["status"] == "provisional"  # two areas of the commune have no sheet yet
    assert result["ballots_valid"] == 295
    votes = {c["id"]: c["votes"] for c in result["candidates"]}
    assert votes == {ids[0]: 250, ids[1]: 200, ids[2]: 100}
    assert [c["percent"] for c in result["candidates"]][:1] in (["84.75"], [84.75])
