"""Turnout over the API: PUT one report, POST a batch; rules, windows, closure, bad input."""

from __future__ import annotations

import json

from sqlalchemy import select

from data.models import AuditEvent, Election, TurnoutReport
from data.services.entry import close_entry
from tests.db.services_support import at
from tests.http.test_api_support import codes, count_rows, fields

pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures

PA = "00004-01"  # 1,000 registered: 480 men, 520 women


def url(web, area: str = PA, window: str = "0900") -> str:  # type: ignore[no-untyped-def]
    return f"/elections/{web.eid}/turnout/{area}/{window}"


def data_version(web) -> int:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return s.get(Election, web.eid).data_version


def test_created_then_unchanged_then_updated(web, api_as):
    client = api_as("xa_badinh")
    created = client.put(
        url(web), json={"voted_total": 300, "voted_male": 140, "voted_female": 160}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["version"] == 1 and body["status"] == "created" and created.headers["ETag"] == '"1"'
    assert (body["polling_area"], body["window"], body["voted_total"]) == (PA, "0900", 300)
    assert (body["voted_male"], body["voted_female"], body["on_behalf"]) == (140, 160, False)
    assert body["updated_at"] == "2026-03-15T09:05:00+07:00" and body["data_version"] == 1
    audits = count_rows(web, AuditEvent)

    again = client.put(url(web), json={"voted_total": 300, "voted_male": 140, "voted_female": 160})
    assert again.status_code == 200
    assert again.get_json()["status"] == "unchanged" and again.get_json()["version"] == 1
    assert count_rows(web, TurnoutReport) == 1 and count_rows(web, AuditEvent) == audits
    assert data_version(web) == 1

    updated = client.put(url(web), json={"voted_total": 320})
    assert updated.status_code == 200
    assert updated.get_json()["status"] == "updated" and updated.get_json()["version"] == 2
    assert updated.get_json()["voted_male"] is None
    stored = client.get(url(web))
    assert stored.status_code == 200 and stored.get_json()["voted_total"] == 320
    assert stored.headers["ETag"] == '"2"' and stored.get_json()["status"] == "stored"
    assert client.get(url(web, window="1100")).status_code == 404


def test_if_match_is_optional_for_turnout_but_checked_when_sent(web, api_as):
    client = api_as("xa_badinh")
    client.put(url(web), json={"voted_total": 300})
    stale = client.put(url(web), json={"voted_total": 310}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and codes(stale) == ["E_STALE"]
    assert stale.headers["ETag"] == '"1"'
    garbage = client.put(url(web), json={"voted_total": 310}, headers={"If-Match": "abc"})
    assert garbage.status_code == 412
    fresh = client.put(url(web), json={"voted_total": 310}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.get_json()["version"] == 2


def test_rule_errors_are_422_in_vietnamese_or_english_and_write_nothing(web, api_as):
    over = api_as("xa_badinh").put(url(web), json={"voted_total": 1001})
    assert over.status_code == 422
    (error,) = over.get_json()["errors"]
    assert error["code"] == "T01" and error["severity"] == "error"
    assert error["field"] == "voted_total"
    assert "lớn hơn tổng số cử tri" in error["message"] and "1.001" in error["message"]
    split = api_as("xa_badinh", lang="en").put(
        url(web), json={"voted_total": 300, "voted_male": 100, "voted_female": 100}
    )
    assert split.status_code == 422 and codes(split) == ["T02"]
    assert "does not match the total" in split.get_json()["errors"][0]["message"]
    assert count_rows(web, TurnoutReport) == 0


def test_warnings_need_confirm_and_reason(web, api_as):
    client = api_as("xa_badinh")
    everyone = {"voted_total": 1000}  # 100 % at 09:00: T06
    warned = client.put(url(web), json=everyone)
    assert warned.status_code == 422
    assert warned.get_json()["errors"][0] | {"message": ""} == {
        "code": "T06",
        "severity": "warning",
        "field": "voted_total",
        "message": "",
    }
    no_reason = client.put(url(web), json={**everyone, "confirm": ["T06"]})
    assert no_reason.status_code == 422 and codes(no_reason) == ["E_REASON_REQUIRED"]
    wrong_code = client.put(url(web), json={**everyone, "confirm": ["T01"], "reason": "x"})
    assert wrong_code.status_code == 422 and set(codes(wrong_code)) == {"T06"}
    assert count_rows(web, TurnoutReport) == 0
    confirmed = client.put(
        url(web), json={**everyone, "confirm": ["T06"], "reason": "Khu vực nhỏ, đã gọi xác nhận"}
    )
    assert confirmed.status_code == 201
    body = confirmed.get_json()
    assert body["confirmed_warnings"] == ["T06"] and set(codes_of(body["warnings"])) == {"T06"}
    assert body["reason"] == "Khu vực nhỏ, đã gọi xác nhận"


def codes_of(errors: list[dict]) -> list[str]:
    return [e["code"] for e in errors]


def test_409_when_the_window_or_the_unit_is_closed(web, api_as):
    client = api_as("xa_badinh")
    web.clock.set(at("09:20"))
    late = client.put(url(web), json={"voted_total": 300})
    assert late.status_code == 409 and codes(late) == ["T05"]
    web.clock.set(at("11:05"))
    close_entry(web.db, web.commune_a, web.eid, "00004", clock=web.clock)
    closed = client.put(url(web, window="1100"), json={"voted_total": 300})
    assert closed.status_code == 409 and codes(closed) == ["E_CLOSED"]
    assert count_rows(web, TurnoutReport) == 0


def test_bad_input_is_422_field_by_field_and_writes_nothing(web, api_as):
    client = api_as("xa_badinh", lang="en")
    cases = {
        "wrong type": ({"voted_total": "300"}, ["voted_total"]),
        "float": ({"voted_total": 300.5}, ["voted_total"]),
        "boolean": ({"voted_total": True}, ["voted_total"]),
        "missing": ({"voted_male": 3}, ["voted_total"]),
        "huge": ({"voted_total": 10**9 + 1}, ["voted_total"]),
        "huger": ({"voted_total": 10**30}, ["voted_total"]),
        "negative": ({"voted_total": -1, "voted_female": -2}, ["voted_total", "voted_female"]),
        "unknown": ({"voted_total": 3, "note": "x"}, ["note"]),
        "confirm type": ({"voted_total": 3, "confirm": "T06"}, ["confirm"]),
        "not an object": ([300], [""]),
    }
    for name, (payload, expected) in cases.items():
        response = client.put(url(web), json=payload)
        assert response.status_code == 422, name
        assert sorted(fields(response)) == sorted(expected), name
    negative = client.put(url(web), json={"voted_total": -1}).get_json()["errors"][0]
    assert negative["code"] == "R01" and "cannot be negative" in negative["message"]
    huge = client.put(url(web), json={"voted_total": 10**9 + 1}).get_json()["errors"][0]
    assert huge["message"] == "Voters who voted (voted_total) is too large: at most 1,000,000,000."
    for raw in ("{", "", "NaN", '{"voted_total": Infinity}', "[" * 5000, b"\xff\xfe"):
        response = client.put(url(web), data=raw, content_type="application/json")
        assert response.status_code == 422 and codes(response) == ["E_INVALID"], raw[:10]
    vietnamese = api_as("xa_badinh").put(url(web), json={"voted_total": "ba trăm"})
    assert vietnamese.get_json()["errors"][0]["message"] == (
        "Số cử tri đã đi bầu (voted_total) phải là một số nguyên."
    )
    assert count_rows(web, TurnoutReport) == 0


def test_a_body_too_large_is_413(web, api_server, api_as):
    api_server.config["BAUCU_API_MAX_BODY"] = 100
    response = api_as("xa_badinh").put(
        url(web), data=json.dumps({"voted_total": 1, "reason": "x" * 200})
    )
    assert response.status_code == 413 and codes(response) == ["E_TOO_LARGE"]


def test_who_may_enter(web, api_as):
    for username in ("quantri", "lanhdao", "hdbcqg"):
        refused = api_as(username).put(url(web), json={"voted_total": 300})
        assert refused.status_code == 403, username
    on_behalf = api_as("tinh_hanoi").put(url(web), json={"voted_total": 300})
    assert on_behalf.status_code == 201 and on_behalf.get_json()["on_behalf"] is True
    commune = api_as("xa_badinh")
    assert commune.put(url(web, window="opening"), json={"voted_total": 3}).status_code == 404
    assert commune.put(url(web, window="2300"), json={"voted_total": 3}).status_code == 404


def test_a_batch_stores_each_item_on_its_own(web, api_as):
    client = api_as("xa_badinh")
    client.put(url(web, "00004-03"), json={"voted_total": 50})
    items = [
        {"polling_area": "00004-01", "window": "0900", "voted_total": 300},
        {"polling_area": "00004-02", "window": "0900", "voted_total": 900},  # T01
        {"polling_area": "00004-03", "window": "0900", "voted_total": 50},  # the same again
        {"polling_area": "00008-01", "window": "0900", "voted_total": 10},  # other commune
        {"polling_area": "99999-01", "window": "0900", "voted_total": 10},  # unknown
        {"polling_area": "00004-02", "window": "2300", "voted_total": 10},  # no such window
        {"polling_area": "00004-02", "window": "0900", "voted_total": 800},  # T06 warning
        {
            "polling_area": "00004-02",
            "window": "0900",
            "voted_total": 200,
            "voted_male": 100,
            "voted_female": 100,
        },
    ]
    response = client.post(f"/elections/{web.eid}/turnout:batch", json=items)
    assert response.status_code == 200
    body = response.get_json()
    statuses = [(r["index"], r["status"], r["outcome"]) for r in body["results"]]
    assert statuses == [
        (0, 201, "created"),
        (1, 422, "refused"),
        (2, 200, "unchanged"),
        (3, 403, "refused"),
        (4, 403, "refused"),
        (5, 404, "refused"),
        (6, 422, "refused"),
        (7, 201, "created"),
    ]
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 1, "refused": 5}
    assert codes_of(body["results"][1]["errors"]) == ["T01"]
    assert {e["severity"] for e in body["results"][6]["errors"]} == {"warning"}
    assert body["results"][0]["version"] == 1 and body["results"][3]["polling_area"] == "00008-01"
    with web.db.read() as s:
        stored = s.scalars(select(TurnoutReport.voted_total).order_by(TurnoutReport.id)).all()
    assert stored == [50, 300, 200]
    again = client.post(f"/elections/{web.eid}/turnout:batch", json=items[:1])
    assert again.get_json()["results"][0]["outcome"] == "unchanged"
    confirmed = {**items[6], "confirm": ["T06"], "reason": "đã xác minh"}
    warned = client.post(f"/elections/{web.eid}/turnout:batch", json=[confirmed])
    assert warned.get_json()["results"][0]["status"] == 200  # 00004-02 updated 200 → 800


def test_a_malformed_batch_is_refused_whole_with_field_paths(web, api_as):
    client = api_as("xa_badinh", lang="en")
    good = {"polling_area": "00004-01", "window": "0900", "voted_total": 300}
    items = [
        good,
        {"polling_area": "00004-02", "window": "0900", "voted_total": -5, "x": 1},
        "not an object",
        {"polling_area": "00004-03", "voted_total": "7"},
    ]
    response = client.post(f"/elections/{web.eid}/turnout:batch", json=items)
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.get_json()["errors"]}
    assert set(errors) == {"1.voted_total", "1.x", "2", "3.window", "3.voted_total"}
    assert errors["1.voted_total"]["code"] == "R01"
    assert errors["1.voted_total"]["message"] == (
        "Voters who voted cannot be negative (entered -5). (1.voted_total)"
    )
    assert errors["3.voted_total"]["message"] == (
        "Voters who voted (3.voted_total) must be an integer."
    )
    assert count_rows(web, TurnoutReport) == 0


def test_a_batch_envelope_must_be_a_list_of_1_to_1000(web, api_as):
    client = api_as("xa_badinh")
    path = f"/elections/{web.eid}/turnout:batch"
    assert client.post(path, json={"polling_area": PA}).status_code == 422
    assert client.post(path, json=[]).status_code == 422
    item = {"polling_area": PA, "window": "0900", "voted_total": 1}
    too_many = client.post(path, json=[item] * 1001)
    assert too_many.status_code == 422 and "1000" in too_many.get_json()["errors"][0]["message"]
    assert api_as("quantri").post(path, json=[item]).status_code == 403
    assert count_rows(web, TurnoutReport) == 0
