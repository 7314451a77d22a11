"""Every Dash callback and every API route, called as anyone with anything (DESIGN §7).

The lists are read from the running app, so a callback or route added later is
covered without touching this file:

(a) anonymous: refused;
(b) the operator of commune 00008, sending commune 00004's ids and any other
    value: no data of 00004 in the answer, and nothing written;
(c) the right user: works (answers without a refusal).
"""

from __future__ import annotations

import json
import re
from itertools import product
from typing import Any

import pytest
from dash.dependencies import Output, Wildcard
from sqlalchemy import func, select

from data.enums import Level
from data.models import (
    AuditEvent,
    Election,
    EntryClosure,
    OpeningReport,
    TallySheet,
    TurnoutReport,
    User,
    WindowException,
)
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import at
from tests.http.conftest import csrf_of, login

# Figures only commune 00004 has: none of them may reach the operator of 00008.
SECRET_VOTED = 777
SECRETS = ("Ba Đình", "00004-0", "X-00004", "777")


def foreign_values(eid: int) -> list[Any]:
    return [
        "00004",
        "00004-01",
        "X-00004",
        "QH-01",
        "0900",
        Level.QH.value,
        "VN",
        "01",
        eid,
        eid + 1000,
        -1,
        10**12,
        "' OR 1=1 --",
        {"code": "00004"},
        ["00004-01"],
        None,
    ]


def seed_secrets(web) -> None:  # type: ignore[no-untyped-def]
    submit_turnout(
        web.db,
        web.commune_a,
        web.eid,
        TurnoutInput("00004-01", "0900", SECRET_VOTED),
        clock=web.clock,
        confirm=["T06"],
        reason="thử",
    )
    web.clock.set(at("19:30"))
    a, b, c = web.e.candidate_ids["X-00004"]
    save_tally_sheet(
        web.db,
        web.commune_a,
        web.eid,
        TallyInput(
            "00004-01", Level.HDND_XA, 1000, 900, 900, 900, 880, 20, {a: 777, b: 600, c: 300}
        ),
        clock=web.clock,
        confirm=["K12"],
        reason="thử",
    )
    web.clock.set(at("09:05"))


def snapshot(web) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything a write could change (the audit log may only gain refusals)."""
    with web.db.read() as s:
        counts = {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (TurnoutReport, TallySheet, OpeningReport, EntryClosure, WindowException)
        }
        counts["data_version"] = s.scalar(select(Election.data_version))
        counts["users"] = sorted(
            (u.username, u.is_active, u.role, u.scope_code, u.session_epoch, u.password_hash)
            for u in s.scalars(select(User))
        )
        counts["non_refusal_audit"] = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action.not_in(
                    ["permission.refused", "login.success", "login.failed", "logout"]
                )
            )
        )
    return counts


WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def _pattern(spec_id: Any) -> dict[str, Any] | None:
    """A pattern-matching id as a dict (the callback map keeps it as JSON text)."""
    if isinstance(spec_id, dict):
        return spec_id
    if isinstance(spec_id, str) and spec_id.startswith("{"):
        return json.loads(spec_id)
    return None


def _concrete(spec_id: Any, value: Any) -> Any:
    pattern = _pattern(spec_id)
    if pattern is None:
        return spec_id
    return {
        k: (value if v in WILDCARDS or isinstance(v, Wildcard) else v) for k, v in pattern.items()
    }


def _slot(spec: dict[str, Any], value: Any) -> Any:
    pattern = _pattern(spec["id"])
    item = {"id": _concrete(spec["id"], "00004-01"), "property": spec["property"], "value": value}
    if pattern is not None and any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values()):
        return [item]
    return item


def bodies(app, eid: int, values: list[Any]) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """For each callback, one request per (input slot, value), the other slots left empty."""
    out = []
    for key, cb in app.callback_map.items():
        if "callback" not in cb:  # clientside: runs in the browser, no server function
            continue
        outputs = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
        outs = [
            {"id": _concrete(o.component_id, "00004-01"), "property": o.component_property}
            for o in outputs
            if isinstance(o, Output)
        ]
        slots = cb["inputs"] + cb["state"]

        def default(spec: dict[str, Any]) -> Any:
            return eid if "election" in json.dumps(spec["id"]) else None

        for index, value in product(range(len(slots)), values):
            args = [_slot(s, value if i == index else default(s)) for i, s in enumerate(slots)]
            out.append(
                (
                    key,
                    {
                        "output": key,
                        "outputs": outs if len(outs) != 1 or key.startswith("..") else outs[0],
                        "inputs": args[: len(cb["inputs"])],
                        "state": args[len(cb["inputs"]) :],
                        "changedPropIds": [
                            f"{json.dumps(s['id']) if isinstance(s['id'], dict) else s['id']}."
                            f"{s['property']}"
                            for s in cb["inputs"][:1]
                        ],
                    },
                )
            )
    return out


def answered(response) -> str:  # type: ignore[no-untyped-def]
    """What the server said, less the output ids it echoes from the request."""
    payload = response.get_json(silent=True)
    if isinstance(payload, dict) and isinstance(payload.get("response"), dict):
        return json.dumps(list(payload["response"].values()), ensure_ascii=False)
    return response.get_data(as_text=True)


def call(client, body):  # type: ignore[no-untyped-def]
    return client.post(
        "/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(client)}
    )


def test_every_callback_refuses_anonymous_callers(web, app):
    client = app.server.test_client()
    csrf = csrf_of(client)
    assert app.callback_map, "the app registers callbacks"
    for key, body in bodies(app, web.eid, [None, "00004-01"]):
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf})
        assert response.status_code == 401, key
        assert "Ba Đình" not in response.get_data(as_text=True)


def test_no_callback_leaks_or_writes_another_communes_data(web, app):
    seed_secrets(web)
    before = snapshot(web)
    client = app.server.test_client()
    assert login(client, "xa_ngocha").status_code == 302
    checked = 0
    for key, body in bodies(app, web.eid, foreign_values(web.eid)):
        response = call(client, body)
        text = answered(response)
        assert response.status_code != 500, (key, body, text[:500])
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, (key, body["inputs"], leaked, text[:500])
        checked += 1
    assert checked > 0
    assert snapshot(web) == before


def test_every_callback_works_for_some_rightful_user(web, app):
    users = ["xa_badinh", "tinh_hanoi", "quantri", "hdbcqg"]
    clients = {}
    for username in users:
        clients[username] = app.server.test_client()
        assert login(clients[username], username).status_code == 302
    own = ["00004-01", "00004", "/", web.eid, None]
    by_key: dict[str, set[int]] = {}
    for key, body in bodies(app, web.eid, own):
        for username in users:
            status = call(clients[username], body).status_code
            by_key.setdefault(key, set()).add(status)
    refused_everywhere = [k for k, statuses in by_key.items() if statuses <= {401, 403}]
    assert not refused_everywhere


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies"])
def test_pages_and_dash_metadata_need_a_login(web, app, path):
    response = app.server.test_client().get(path)
    assert response.status_code in (302, 401)
    assert "Ba Đình" not in response.get_data(as_text=True)


# --- the JSON API: every route of the url map -----------------------------------

API_PUBLIC = {"/api/v1/token", "/api/v1/openapi.json"}


FILL = {
    "pa": "00004-01",
    "unit": "00004",
    "window": "0900",
    "level": "HDND_XA",
    "code": "X-00004",
    "rest": "khong-co",
}


def api_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path template) for every API rule; ``{eid}`` is left to fill per call."""
    routes = []
    for rule in app.server.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in API_PUBLIC:
            continue
        path = re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", rule.rule)
        path = path.format(**FILL, eid="{eid}")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    assert routes, "the API registers routes"
    return routes


def api_body(method: str, path: str, candidate_ids: list[int]) -> Any:
    if method == "GET":
        return None
    if path.endswith("turnout:batch"):
        return [{"polling_area": "00004-01", "window": "0900", "voted_total": 5}]
    if "/turnout/" in path:
        return {"voted_total": 5}
    return {
        "voters_total": 1000,
        "voters_voted": 900,
        "ballots_issued": 900,
        "ballots_received": 900,
        "ballots_valid": 880,
        "ballots_invalid": 20,
        "votes": {str(c): 100 for c in candidate_ids},
    }


def api_call(client, method: str, path: str, token: str | None, body: Any):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(path, method=method, json=body, headers=headers)


def test_every_api_route_refuses_anonymous_callers(web, app):
    client = app.server.test_client()
    for method, path in api_routes(app):
        url = path.format(eid=web.eid)
        response = api_call(client, method, url, None, api_body(method, url, []))
        assert response.status_code == 401, (method, url)
        assert "Ba Đình" not in response.get_data(as_text=True)


def test_no_api_route_leaks_or_writes_another_communes_data(web, app):
    from tests.http.test_api_support import token_for

    seed_secrets(web)
    before = snapshot(web)
    client = app.server.test_client()
    token = token_for(app.server, "xa_ngocha")
    candidates = web.e.candidate_ids["X-00004"]
    for method, path in api_routes(app):
        for eid in (web.eid, "current"):
            url = path.format(eid=eid)
            response = api_call(client, method, url, token, api_body(method, url, candidates))
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 403, 404), (method, url, text[:300])
            for sent in FILL.values():  # the caller's own ids echoed back are no leak
                text = text.replace(sent, "")
            leaked = [s for s in SECRETS if s in text]
            assert not leaked, (method, url, leaked, text[:300])
    assert snapshot(web) == before


def test_every_api_route_answers_its_rightful_user(web, app):
    from tests.http.test_api_support import token_for

    client = app.server.test_client()
    token = token_for(app.server, "xa_badinh")
    web.clock.set(at("09:05"))
    for method, path in api_routes(app):
        url = path.format(eid=web.eid)
        body = api_body(method, url, web.e.candidate_ids["X-00004"])
        response = api_call(client, method, url, token, body)
        assert response.status_code not in (401, 403, 500), (method, url, response.get_data()[:300])
