"""The OpenAPI document is built from the code: every route is in it, and it is valid."""

from __future__ import annotations

import pytest

from dashboard.api.schemas import COMPONENTS
from dashboard.api.validation import validate
from tests.http.test_api_support import BASE

CONTRACT = {  # API.md §2
    ("post", "/token"),
    ("get", "/me"),
    ("get", "/elections"),
    ("get", "/elections/{eid}/windows"),
    ("get", "/elections/{eid}/polling-areas"),
    ("get", "/elections/{eid}/polling-areas/{pa}/ballot/{level}"),
    ("put", "/elections/{eid}/turnout/{pa}/{window}"),
    ("post", "/elections/{eid}/turnout:batch"),
    ("put", "/elections/{eid}/tally-sheets/{pa}/{level}"),
    ("get", "/elections/{eid}/progress/{unit}"),
    ("get", "/elections/{eid}/constituencies/{code}/result"),
    ("get", "/openapi.json"),
}


pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures


@pytest.fixture
def document(api_server):  # type: ignore[no-untyped-def]
    return api_server.test_client(use_cookies=False).get(f"{BASE}/openapi.json").get_json()


def operations(document: dict) -> set[tuple[str, str]]:
    return {(m, p) for p, ops in document["paths"].items() for m in ops}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_contract_endpoint_and_every_route_is_documented(api_server, document):
    assert operations(document) >= CONTRACT
    routes = set()
    for rule in api_server.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.unknown":
            path = rule.rule.removeprefix(BASE).replace("<", "{").replace(">", "}")
            routes |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == operations(document)
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            statuses = set(op["responses"])
            assert statuses & {"200", "201"}, (method, path)
            assert "429" in statuses, (method, path)
            if op.get("security") != []:
                assert {"401", "403"} <= statuses or path == "/me" or path == "/elections"
            if "requestBody" in op:
                assert "422" in statuses


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_document_is_valid_openapi(document):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
    assert document["components"]["schemas"] == COMPONENTS
    described = document["info"]["description"]
    assert "`current`" in described and "428" in described and "Retry-After" in described


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_request_schemas_accept_what_the_contract_shows(document):
    schemas = document["components"]["schemas"]
    turnout = {"voted_total": 3, "voted_male": 1, "voted_female": 2, "confirm": [], "reason": None}
    assert validate(turnout, schemas["TurnoutInput"], schemas) == []
    batch = [{"polling_area": "00004-01", "window": "0900", "voted_total": 3}]
    assert validate(batch, schemas["TurnoutBatch"], schemas) == []
    tally = {
        "voters_total": 1,
        "voters_voted": 1,
        "ballots_issued": 1,
        "ballots_received": 1,
        "ballots_valid": 1,
        "ballots_invalid": 0,
        "votes": {"17": 1},
        "confirm": ["K09"],
        "reason": "ok",
    }
    assert validate(tally, schemas["TallyInput"], schemas) == []
