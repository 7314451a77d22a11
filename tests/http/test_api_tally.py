"""Tally sheets over the API: create, idempotent resend, If-Match (428/412), rules, closure."""

from __future__ import annotations

from data.models import TallySheet
from data.services.entry import close_entry
from tests.http.test_api_support import at_count_time, codes, count_rows, good_sheet

PA = "00004-01"


def url(web, area: str = PA, level: str = "QH") -> str:  # type: ignore[no-untyped-def]
    return f"/elections/{web.eid}/tally-sheets/{area}/{level}"


def test_create_resend_and_update_with_if_match(web, api_as):
    at_count_time(web)
    client = api_as("xa_badinh")
    sheet = good_sheet(web)
    created = client.put(url(web), json=sheet)
    assert created.status_code == 201
    assert created.get_json() == {
        "polling_area": PA,
        "level": "QH",
        "constituency": "QH-01",
        "version": 1,
        "status": "created",
        "warnings": [],
        "confirmed_warnings": [],
        "data_version": 1,
    }
    assert created.headers["ETag"] == '"1"'
    # The same body again, with or without If-Match, is a no-op.
    for headers in ({}, {"If-Match": "1"}, {"If-Match": "99"}):
        again = client.put(url(web), json=sheet, headers=headers)
        assert again.status_code == 200 and again.get_json()["status"] == "unchanged"
    changed = {**sheet, "ballots_valid": 395, "ballots_invalid": 5}
    required = client.put(url(web), json=changed)
    assert required.status_code == 428 and codes(required) == ["E_IF_MATCH_REQUIRED"]
    assert "If-Match: 1" in required.get_json()["errors"][0]["message"]
    stale = client.put(url(web), json=changed, headers={"If-Match": "2"})
    assert stale.status_code == 412 and codes(stale) == ["E_STALE"]
    updated = client.put(url(web), json=changed, headers={"If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.get_json()["version"] == 2 and updated.get_json()["status"] == "updated"
    stored = client.get(url(web))
    assert stored.status_code == 200 and stored.headers["ETag"] == '"2"'
    assert stored.get_json()["ballots_valid"] == 395
    assert stored.get_json()["votes"] == sheet["votes"]
    assert count_rows(web, TallySheet) == 1
    assert (
        client.put(
            url(web, "00004-02"), json=good_sheet(web, "00004-02"), headers={"If-Match": "1"}
        ).status_code
        == 412
    )  # no sheet to match


pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures


def test_rule_errors_and_warnings(web, api_as):
    at_count_time(web)
    client = api_as("xa_badinh", lang="en")
    broken = {**good_sheet(web), "ballots_received": 420}  # K03: 390 + 10 ≠ 420; K04
    refused = client.put(url(web), json=broken)
    assert refused.status_code == 422
    assert {"K03", "K04"} <= set(codes(refused))
    assert all(e["severity"] == "error" for e in refused.get_json()["errors"])
    missing = dict(good_sheet(web))
    missing["votes"] = dict(list(missing["votes"].items())[:3])
    assert "K08" in codes(client.put(url(web), json=missing))
    warned = {**good_sheet(web), "ballots_issued": 410}  # K09: issued ≠ voted
    first = client.put(url(web), json=warned)
    assert first.status_code == 422 and codes(first) == ["K09"]
    assert first.get_json()["errors"][0]["severity"] == "warning"
    ok = client.put(url(web), json={**warned, "confirm": ["K09"], "reason": "10 spoiled"})
    assert ok.status_code == 201
    assert ok.get_json()["confirmed_warnings"] == ["K09"]
    assert [w["code"] for w in ok.get_json()["warnings"]] == ["K09"]


def test_bad_input_is_422(web, api_as):
    at_count_time(web)
    client = api_as("xa_badinh")
    sheet = good_sheet(web)
    cases = {
        "missing counts": ({"votes": sheet["votes"]}, 6),
        "votes not an object": ({**sheet, "votes": [1, 2]}, 1),
        "candidate key": ({**sheet, "votes": {"abc": 3}}, 1),
        "vote type": ({**sheet, "votes": {"1": "3"}}, 1),
        "negative vote": ({**sheet, "votes": {"1": -3}}, 1),
        "huge": ({**sheet, "voters_total": 2_000_000_000}, 1),
        "unknown": ({**sheet, "signature": "x"}, 1),
    }
    for name, (payload, n) in cases.items():
        response = client.put(url(web), json=payload)
        assert response.status_code == 422, name
        assert len(response.get_json()["errors"]) == n, (name, response.get_json())
    negative = client.put(url(web), json={**sheet, "votes": {"1": -3}}).get_json()["errors"][0]
    assert negative["code"] == "R01" and negative["field"] == "votes.1"
    assert client.put(url(web, level="XYZ"), json=sheet).status_code == 404
    assert count_rows(web, TallySheet) == 0


def test_409_before_the_count_and_when_closed(web, api_as):
    client = api_as("xa_badinh")
    early = client.put(url(web), json=good_sheet(web))  # 09:05: the count starts at 19:00
    assert early.status_code == 409 and codes(early) == ["E_COUNT_NOT_STARTED"]
    at_count_time(web)
    close_entry(web.db, web.commune_a, web.eid, "00004", clock=web.clock)
    closed = client.put(url(web), json=good_sheet(web))
    assert closed.status_code == 409 and codes(closed) == ["E_CLOSED"]
    assert count_rows(web, TallySheet) == 0


def test_who_may_enter_and_read_sheets(web, api_as):
    at_count_time(web)
    for username in ("quantri", "lanhdao", "hdbcqg"):
        assert api_as(username).put(url(web), json=good_sheet(web)).status_code == 403
        assert api_as(username).get(url(web)).status_code == 403
    on_behalf = api_as("tinh_hanoi").put(
        url(web, level="HDND_XA"), json=good_sheet(web, PA, "HDND_XA")
    )
    assert on_behalf.status_code == 201 and on_behalf.get_json()["constituency"] == "X-00004"
    assert api_as("tinh_hanoi").get(url(web, level="HDND_XA")).get_json()["on_behalf"] is True
    assert api_as("xa_badinh").get(url(web)).status_code == 404  # none yet at QH
