"""API reads: elections, windows, polling areas, ballots, progress and results."""

from __future__ import annotations

from datetime import date

from data.enums import ElectionKind
from data.models import AuditEvent, Election
from data.services.entry import close_entry
from data.services.tally import save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from tests.http.test_api_support import at_count_time, codes, count_rows, good_sheet, sheet_input


def test_elections_and_current(web, api_as):
    with web.db.write() as s:
        s.add(Election(name="Diễn tập", date=date(2026, 3, 20), kind=ElectionKind.DRILL))
        s.add(Election(name="Bầu cử cũ", date=date(2021, 5, 23), kind=ElectionKind.REAL))
    client = api_as("tinh_hanoi")
    # Only elections whose tree holds the user's scope (01) are listed.
    listed = client.get("/elections").get_json()
    assert [(e["id"], e["kind"], e["current"]) for e in listed] == [(web.eid, "real", True)]
    assert listed[0]["date"] == "2026-03-15" and listed[0]["status"] == "preparing"
    # `current` is the latest real election, not the later drill.
    windows = client.get("/elections/current/windows")
    assert windows.status_code == 200
    assert windows.get_json() == client.get(f"/elections/{web.eid}/windows").get_json()
    first, nine = windows.get_json()[:2]
    assert first["key"] == "opening" and first["kind"] == "opening"
    assert nine == {
        "key": "0900",
        "kind": "turnout",
        "due_at": "2026-03-15T09:00:00+07:00",
        "opens_at": "2026-03-15T08:45:00+07:00",
        "closes_at": "2026-03-15T09:15:00+07:00",
    }


pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures


def test_unknown_or_malformed_elections_are_refused_alike_and_audited(web, api_as):
    client = api_as("tinh_hanoi")
    before = count_rows(web, AuditEvent)
    for eid in ("999", "abc", "-1", "0"):
        response = client.get(f"/elections/{eid}/windows")
        assert response.status_code == 403, eid
        assert codes(response) == ["E_FORBIDDEN"]
    assert count_rows(web, AuditEvent) == before + 4


def test_current_is_404_when_there_is_no_real_election(web, api_as):
    with web.db.write() as s:
        s.get(Election, web.eid).kind = ElectionKind.DRILL
    response = api_as("tinh_hanoi", lang="en").get("/elections/current/windows")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["message"] == "The current election not found."


def test_polling_areas_in_scope(web, api_as):
    commune = api_as("xa_badinh")
    own = commune.get(f"/elections/{web.eid}/polling-areas")
    assert own.status_code == 200
    assert own.get_json()[0] == {
        "code": "00004-01",
        "name": "Khu vực bỏ phiếu số 1",
        "unit_code": "00004",
        "registered": {"total": 1000, "male": 480, "female": 520},
    }
    assert [a["code"] for a in own.get_json()] == ["00004-01", "00004-02", "00004-03"]
    province = api_as("tinh_hanoi")
    assert len(province.get(f"/elections/{web.eid}/polling-areas").get_json()) == 6
    other = province.get(f"/elections/{web.eid}/polling-areas?unit=00008").get_json()
    assert [a["code"] for a in other] == ["00008-01", "00008-02", "00008-03"]
    assert commune.get(f"/elections/{web.eid}/polling-areas?unit=00008").status_code == 403
    assert commune.get(f"/elections/{web.eid}/polling-areas?unit=01").status_code == 403
    bad = commune.get(f"/elections/{web.eid}/polling-areas?unit=../01")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "unit"


def test_the_ballot_of_a_polling_area(web, api_as):
    client = api_as("xa_badinh")
    ballot = client.get(f"/elections/{web.eid}/polling-areas/00004-02/ballot/HDND_XA")
    assert ballot.status_code == 200
    body = ballot.get_json()
    assert body["constituency"] == {
        "code": "X-00004",
        "name": "Đơn vị bầu cử số 1 (X-00004)",
        "seats": 2,
        "level": "HDND_XA",
    }
    assert [c["id"] for c in body["candidates"]] == web.e.candidate_ids["X-00004"]
    assert body["candidates"][0] == {
        "id": web.e.candidate_ids["X-00004"][0],
        "full_name": "Nguyễn Văn A",
        "date_of_birth": "1971-01-01",
        "ballot_order": 1,
    }
    path = f"/elections/{web.eid}/polling-areas"
    assert client.get(f"{path}/00004-02/ballot/HDND_HUYEN").status_code == 404  # not held
    assert client.get(f"{path}/00004-02/ballot/NOPE").status_code == 404
    assert client.get(f"{path}/00008-01/ballot/QH").status_code == 403
    assert client.get(f"{path}/99999-01/ballot/QH").status_code == 403


def test_progress_of_a_unit(web, api_as):
    submit_turnout(
        web.db, web.commune_a, web.eid, TurnoutInput("00004-01", "0900", 300), clock=web.clock
    )
    client = api_as("tinh_hanoi")
    response = client.get(f"/elections/{web.eid}/progress/01")
    assert response.status_code == 200
    body = response.get_json()
    assert body["unit"] == "01" and body["unit_name"] == "Thành phố Hà Nội"
    assert body["data_version"] == 1 and body["as_of"] == "2026-03-15T09:05:00+07:00"
    nine = next(w for w in body["windows"] if w["key"] == "0900")
    assert nine == {
        "key": "0900",
        "kind": "turnout",
        "reported_areas": 1,
        "expected_areas": 6,
        "voted": 300,
        "registered": 4550,
        "turnout_pct": 6.59,
    }
    assert body["counting"]["QH"] == {"sheets_in": 0, "sheets_expected": 6}
    assert set(body["counting"]) == {"QH", "HDND_TINH", "HDND_XA"}
    commune = api_as("xa_ngocha")
    assert commune.get(f"/elections/{web.eid}/progress/00008").status_code == 200
    assert commune.get(f"/elections/{web.eid}/progress/01").status_code == 403
    assert commune.get(f"/elections/{web.eid}/progress/00004").status_code == 403
    assert commune.get(f"/elections/{web.eid}/progress/NOWHERE").status_code == 403


def test_results_by_role(web, api_as):
    at_count_time(web)
    for area in ("00004-01", "00004-02"):
        save_tally_sheet(
            web.db,
            web.commune_a,
            web.eid,
            sheet_input(good_sheet(web, area, "QH"), area, "QH"),
            clock=web.clock,
        )
    province = api_as("tinh_hanoi")
    response = province.get(f"/elections/{web.eid}/constituencies/QH-01/result")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "provisional" and body["sheets_in"] == 2
    assert body["seats"] == 2 and body["level"] == "QH"
    assert body["ballots_valid"] == 780 and body["voters_voted"] == 800
    top = body["candidates"][0]
    assert top["votes"] == 600 and top["percent"] == 76.92
    # 800 of 1,800 voters on the lists voted: not more than half, so a re-vote.
    assert body["valid_election"] is False and body["revote_needed"] is True
    assert top["elected"] is False
    # The national council sees everything; a commune only its own commune's council.
    assert (
        api_as("hdbcqg").get(f"/elections/{web.eid}/constituencies/QH-01/result").status_code == 200
    )
    commune = api_as("xa_badinh")
    assert commune.get(f"/elections/{web.eid}/constituencies/QH-01/result").status_code == 403
    assert commune.get(f"/elections/{web.eid}/constituencies/X-00004/result").status_code == 200
    assert commune.get(f"/elections/{web.eid}/constituencies/X-00008/result").status_code == 403
    # Technical admins never see results; leaders only once confirmed.
    assert (
        api_as("quantri").get(f"/elections/{web.eid}/constituencies/QH-01/result").status_code
        == 403
    )
    leader = api_as("lanhdao")
    refused = leader.get(f"/elections/{web.eid}/constituencies/QH-01/result")
    assert refused.status_code == 403 and codes(refused) == ["E_NOT_CONFIRMED"]
    close_entry(web.db, web.province, web.eid, "01", clock=web.clock)
    confirmed = leader.get(f"/elections/{web.eid}/constituencies/QH-01/result")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
