"""API authentication: the token endpoint, bearer tokens, rate limits, unknown routes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import select, update

from auth.throttle import ACCOUNT_LIMIT, record_failure
from data.models import AuditEvent, User
from tests.http.conftest import PASSWORD, login
from tests.http.test_api_support import BASE, ApiClient, codes, token_for


def post_token(server, username, password, **headers):  # type: ignore[no-untyped-def]
    return server.test_client(use_cookies=False).post(
        f"{BASE}/token", json={"username": username, "password": password}, headers=headers
    )


def test_a_token_for_good_credentials_opens_the_api(web, api_server):
    response = post_token(api_server, "xa_badinh", PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 12 * 3600
    me = ApiClient(api_server, body["access_token"]).get("/me")
    assert me.status_code == 200
    assert me.get_json() == {
        "username": "xa_badinh",
        "role": "commune",
        "scope": {"code": "00004", "name": "Phường Ba Đình", "kind": "commune"},
    }
    with web.db.read() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert "api.token" in actions


pytest_plugins = ["tests.http.test_api_support"]  # the api_server, api_as fixtures


def test_wrong_password_and_unknown_user_get_the_same_401_in_similar_time(web, api_server):
    timings, bodies = [], []
    api_server.test_client(use_cookies=False).get(
        f"{BASE}/openapi.json"
    )  # the server's first request warms up
    for username in ("xa_badinh", "khong_co_ai"):
        started = time.monotonic()
        response = post_token(api_server, username, "sai mật khẩu rồi")
        timings.append(time.monotonic() - started)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        bodies.append(response.get_json())
    assert bodies[0] == bodies[1]
    assert bodies[0]["errors"][0]["code"] == "E_CREDENTIALS"
    assert bodies[0]["errors"][0]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert min(timings) >= 0.5 and abs(timings[0] - timings[1]) < 0.3
    english = post_token(api_server, "xa_badinh", "wrong", **{"Accept-Language": "en"})
    assert english.get_json()["errors"][0]["message"] == "Wrong username or password."


def test_too_many_failures_lock_the_account_with_429_even_for_the_right_password(web, api_server):
    for _ in range(ACCOUNT_LIMIT):
        record_failure(web.db, "xa_badinh", "10.9.9.9", datetime.now(UTC))
    response = post_token(api_server, "xa_badinh", PASSWORD)
    assert response.status_code == 429
    assert codes(response) == ["E_LOCKED"]
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60 + 1
    assert post_token(api_server, "xa_ngocha", PASSWORD).status_code == 200


def test_a_bad_token_request_is_422_with_fields(web, api_server):
    client = api_server.test_client(use_cookies=False)
    missing = client.post(f"{BASE}/token", json={"username": "xa_badinh"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "password"
    extra = client.post(f"{BASE}/token", json={"username": "a", "password": "b", "admin": True})
    assert extra.status_code == 422 and "admin" in [e["field"] for e in extra.get_json()["errors"]]
    wrong_type = client.post(f"{BASE}/token", json={"username": 5, "password": ["x"]})
    assert wrong_type.status_code == 422 and len(wrong_type.get_json()["errors"]) == 2
    not_json = client.post(f"{BASE}/token", data="{oops", content_type="application/json")
    assert not_json.status_code == 422 and codes(not_json) == ["E_INVALID"]


def test_an_account_with_a_one_time_password_gets_403(web, api_server):
    with web.db.write() as s:
        s.execute(
            update(User).where(User.username == "xa_badinh").values(must_change_password=True)
        )
    response = post_token(api_server, "xa_badinh", PASSWORD)
    assert response.status_code == 403 and codes(response) == ["E_PASSWORD"]


def test_no_token_or_a_bad_token_is_401(web, api_server):
    assert ApiClient(api_server, None).get("/me").status_code == 401
    for bad in ("garbage", "a.b", token_for(api_server, "xa_badinh") + "x", "x" * 600):
        response = ApiClient(api_server, bad).get("/me")
        assert response.status_code == 401, bad
        assert codes(response) == ["E_TOKEN"]
    other_key = ApiClient(api_server, _signed_elsewhere(api_server)).get("/me")
    assert other_key.status_code == 401


def _signed_elsewhere(server) -> str:  # type: ignore[no-untyped-def]
    from auth.tokens import TokenSigner

    with server.extensions["baucu_api"].ctx.db.read() as s:
        user = s.scalar(select(User).where(User.username == "xa_badinh"))
    return TokenSigner("another server's key").sign(user).access_token


def test_a_token_dies_on_expiry_deactivation_and_password_change(web, api_server):
    state = api_server.extensions["baucu_api"]
    with web.db.read() as s:
        user = s.scalar(select(User).where(User.username == "xa_badinh"))
    expired = state.signer.sign(user, now=time.time() - 13 * 3600).access_token
    assert ApiClient(api_server, expired).get("/me").status_code == 401

    token = token_for(api_server, "xa_badinh")
    assert ApiClient(api_server, token).get("/me").status_code == 200
    with web.db.write() as s:
        s.execute(
            update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
        )
    assert ApiClient(api_server, token).get("/me").status_code == 401

    token = token_for(api_server, "xa_badinh")
    with web.db.write() as s:
        s.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert ApiClient(api_server, token).get("/me").status_code == 401
    assert post_token(api_server, "xa_badinh", PASSWORD).status_code == 401


def test_a_bearer_request_is_judged_by_its_token_never_by_a_session_cookie(web, api_server):
    client = api_server.test_client()
    assert login(client, "xa_badinh").status_code == 302
    assert client.get(f"{BASE}/me").status_code == 200  # the session alone works (GET)
    refused = client.put(
        f"{BASE}/elections/{web.eid}/turnout/00004-01/0900",
        json={"voted_total": 10},
        headers={"Authorization": "Bearer forged"},
    )
    assert refused.status_code == 401


def test_the_rate_limit_per_account_answers_429_with_retry_after(web, api_server, api_as):
    api_server.config["BAUCU_API_RATE_PER_ACCOUNT"] = 3
    client = api_as("xa_badinh")
    assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/me")
    assert limited.status_code == 429 and codes(limited) == ["E_RATE_LIMIT"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "giây" in limited.get_json()["errors"][0]["message"]
    # Another token of the same account shares the budget; another account does not.
    assert api_as("xa_badinh").get("/me").status_code == 429
    assert api_as("xa_ngocha").get("/me").status_code == 200


def test_the_rate_limit_per_address_covers_every_account_and_the_token_endpoint(
    web, api_server, api_as
):
    api_server.config["BAUCU_API_RATE_PER_ADDRESS"] = 2
    assert api_as("xa_badinh").get("/me").status_code == 200
    assert api_as("xa_ngocha").get("/me").status_code == 200
    assert api_as("tinh_hanoi").get("/me").status_code == 429
    assert post_token(api_server, "xa_badinh", PASSWORD).status_code == 429
    elsewhere = api_server.test_client(use_cookies=False).get(
        f"{BASE}/me",
        headers={"Authorization": f"Bearer {token_for(api_server, 'tinh_hanoi')}"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert elsewhere.status_code == 200


def test_the_openapi_document_is_public_and_unknown_routes_are_json(web, api_server, api_as):
    document = api_server.test_client(use_cookies=False).get(f"{BASE}/openapi.json")
    assert document.status_code == 200 and document.get_json()["openapi"].startswith("3.")
    client = api_as("xa_badinh")
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404 and codes(missing) == ["E_NOT_FOUND"]
    wrong_method = client.request("DELETE", f"/elections/{web.eid}/windows")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"
    assert document.headers["Cache-Control"] == "no-store"
