"""DESIGN §7: a commune's token can neither read nor write another commune through the API."""

from __future__ import annotations

import json

from sqlalchemy import select

from data.models import AuditEvent, TallySheet, TurnoutReport
from data.services.tally import save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import at
from tests.http.test_api_support import count_rows, good_sheet, sheet_input

pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures

B_SECRETS = ("Ngọc Hà", "00008-0", "X-00008", "voted_total", "ballots_valid", "Nguyễn")


def b_state(web) -> tuple:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        turnout = s.execute(
            select(TurnoutReport.polling_area_id, TurnoutReport.voted_total, TurnoutReport.version)
        ).all()
        sheets = s.execute(
            select(TallySheet.polling_area_id, TallySheet.ballots_valid, TallySheet.version)
        ).all()
    return sorted(turnout), sorted(sheets)


def test_commune_a_can_neither_read_nor_write_commune_b(web, api_as):
    # Commune B has a turnout report (400 at 19:00) and a tally sheet of its own.
    web.clock.set(at("19:30"))
    submit_turnout(
        web.db, web.commune_b, web.eid, TurnoutInput("00008-01", "1900", 400), clock=web.clock
    )
    sheet = good_sheet(web, "00008-01", "HDND_XA")
    save_tally_sheet(
        web.db, web.commune_b, web.eid, sheet_input(sheet, "00008-01", "HDND_XA"), clock=web.clock
    )
    before = b_state(web)
    audits = count_rows(web, AuditEvent)
    eid = web.eid
    a = api_as("xa_badinh")

    reads = [
        f"/elections/{eid}/polling-areas?unit=00008",
        f"/elections/{eid}/polling-areas?unit=01",
        f"/elections/{eid}/polling-areas?unit=VN",
        f"/elections/{eid}/polling-areas/00008-01/ballot/HDND_XA",
        f"/elections/{eid}/polling-areas/00008-01/ballot/QH",
        f"/elections/{eid}/progress/00008",
        f"/elections/{eid}/progress/01",
        f"/elections/{eid}/progress/VN",
        f"/elections/{eid}/constituencies/X-00008/result",
        f"/elections/{eid}/constituencies/QH-01/result",
        f"/elections/{eid}/turnout/00008-01/1900",
        f"/elections/{eid}/tally-sheets/00008-01/HDND_XA",
        "/elections/current/progress/00008",
    ]
    for path in reads:
        response = a.get(path)
        assert response.status_code in (403, 404), path
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert not any(secret in text for secret in B_SECRETS), (path, text)

    writes = [
        ("PUT", f"/elections/{eid}/turnout/00008-01/1900", {"voted_total": 10}),
        ("PUT", f"/elections/{eid}/turnout/00008-02/1900", {"voted_total": 10}),
        ("PUT", f"/elections/{eid}/tally-sheets/00008-01/HDND_XA", {**sheet, "ballots_valid": 1}),
        ("PUT", f"/elections/{eid}/tally-sheets/00008-02/QH", good_sheet(web, "00008-02")),
    ]
    for method, path, payload in writes:
        for headers in ({}, {"If-Match": "1"}):
            response = a.request(method, path, json=payload, headers=headers)
            assert response.status_code in (403, 404), path
            text = json.dumps(response.get_json(), ensure_ascii=False)
            assert not any(secret in text for secret in B_SECRETS), (path, text)
    batch = a.post(
        f"/elections/{eid}/turnout:batch",
        json=[
            {"polling_area": "00008-01", "window": "1900", "voted_total": 1},
            {"polling_area": "00008-03", "window": "1900", "voted_total": 1},
        ],
    )
    assert batch.status_code == 200
    assert [r["status"] for r in batch.get_json()["results"]] == [403, 403]

    # A's own listings never include B.
    own = json.dumps(a.get(f"/elections/{eid}/polling-areas").get_json(), ensure_ascii=False)
    assert "00008" not in own and "00004-01" in own

    assert b_state(web) == before  # nothing of B changed, nothing was added
    # Every refusal went to the audit log.
    with web.db.read() as s:
        refused = s.scalars(
            select(AuditEvent.object_key).where(AuditEvent.action == "permission.refused")
        ).all()
    assert len(refused) >= len(reads) + 2 * len(writes)
    assert count_rows(web, AuditEvent) > audits
