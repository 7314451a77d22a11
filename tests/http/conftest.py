"""HTTP fixtures: the app on a test database, users with passwords, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from dashboard.app import create_app
from data.models import User
from data.passwords import hash_password
from tests.db.services_support import World, make_world

PASSWORD = "mật khẩu thử nghiệm 2026"
_HASH = hash_password(PASSWORD)


def give_passwords(world: World) -> None:
    with world.db.write() as s:
        s.execute(update(User).values(password_hash=_HASH, must_change_password=False))


def csrf_of(client: FlaskClient) -> str:
    cookie = client.get_cookie("_csrf_token")
    if cookie is None:
        client.get("/login")
        cookie = client.get_cookie("_csrf_token")
    return cookie.value


def login(client: FlaskClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
    )


@pytest.fixture
def web(db) -> World:
    """The small election with every test user given PASSWORD."""
    world = make_world(db)
    give_passwords(world)
    return world


@pytest.fixture
def app(web: World):  # type: ignore[no-untyped-def]
    return create_app(web.db, clock=web.clock)


@pytest.fixture
def client_for(app) -> Callable[[str], FlaskClient]:  # type: ignore[no-untyped-def]
    """``client_for("xa_badinh")``: a test client logged in as that user."""

    def make(username: str) -> FlaskClient:
        client = app.server.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


def dash_post(client: FlaskClient, body: dict):  # type: ignore[no-untyped-def]
    return client.post(
        "/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(client)}
    )
