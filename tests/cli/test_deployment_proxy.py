"""Behind nginx (docs/deployment.md): ``BAUCU_PROXY_HOPS`` makes the app see the client.

Without it the forwarding headers are ignored: every request seems to come from the
proxy over plain HTTP, so a browser's HTTPS login is refused as cross-site and all
clients would share one address for the lockout. With it the client's address reaches
the audit log and the lockout, and a client cannot forge it.
"""

from __future__ import annotations

import gc

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dashboard.app import create_app, create_server
from dashboard.proxies import proxy_hops, trust_proxies
from data.models import AuditEvent, LoginThrottle
from tests.db.services_support import World, make_world
from tests.http.conftest import give_passwords

CLIENT = "203.0.113.7"


@pytest.fixture
def world(sqlite_db) -> World:
    world = make_world(sqlite_db)
    give_passwords(world)
    return world


def wrong_login(client: FlaskClient, forwarded_for: str, *, https: bool = True) -> int:
    """A failed login from a browser: the status (401 refused password, 403 refused as CSRF)."""
    proto = {"X-Forwarded-Proto": "https"} if https else {}
    client.get("/login", headers=proto)
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    response = client.post(
        "/login",
        data={"username": "xa_badinh", "password": "sai", "csrf_token": cookie.value},
        headers={
            **proto,
            "Origin": "https://localhost" if https else "http://localhost",
            "X-Forwarded-For": forwarded_for,
        },
    )
    return response.status_code


def last_address(world: World) -> str | None:
    with world.db.read() as s:
        return s.scalar(select(AuditEvent.address).order_by(AuditEvent.id.desc()).limit(1))


def test_without_the_setting_forwarding_headers_are_not_believed(world):
    server = create_app(world.db, clock=world.clock).server
    client = server.test_client()
    assert wrong_login(client, CLIENT) == 403  # an https Origin, but the request looks like http
    assert wrong_login(client, CLIENT, https=False) == 401
    assert last_address(world) == "127.0.0.1"  # the peer (the proxy), not the header


def test_one_proxy_hop_gives_the_client_address_and_https(world):
    server = create_app(world.db, clock=world.clock).server
    trust_proxies(server, "1")
    client = server.test_client()
    # A client-written entry before nginx's own is ignored.
    assert wrong_login(client, f"198.51.100.9, {CLIENT}") == 401  # refused password, not CSRF
    assert last_address(world) == CLIENT
    with world.db.read() as s:
        keys = set(s.scalars(select(LoginThrottle.key)))
    assert LoginThrottle.address_key(CLIENT) in keys
    assert LoginThrottle.address_key("198.51.100.9") not in keys
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_create_server_reads_the_setting(world, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", str(world.db.engine.url))
    monkeypatch.setenv("BAUCU_PROXY_HOPS", "1")
    try:
        server = create_server()
    finally:
        gc.unfreeze()
    assert wrong_login(server.test_client(), CLIENT) == 401
    assert last_address(world) == CLIENT


@pytest.mark.parametrize(("value", "hops"), [(None, 0), ("", 0), ("0", 0), ("2", 2)])
def test_proxy_hops_values(value, hops):
    assert proxy_hops(value) == hops


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_bad_setting_is_refused_with_its_name(value):
    with pytest.raises(ValueError, match="BAUCU_PROXY_HOPS"):
        proxy_hops(value)
