"""Fixtures and helpers for the JSON API tests (no tests here).

``api_server`` is the app of the ``web`` world with the API installed;
``api_as("xa_badinh")`` is a client sending that user's bearer token (signed
directly: the token endpoint itself is tested in test_api_auth.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from dashboard.api import install_api
from data.models import User
from data.services.actor import Actor
from data.services.tally import TallyInput
from tests.db.services_support import World, at

BASE = "/api/v1"


@pytest.fixture
def api_server(app) -> Flask:  # type: ignore[no-untyped-def]
    server = app.server
    install_api(server, server.extensions["baucu"])
    return server


class ApiClient:
    def __init__(self, server: Flask, token: str | None, lang: str | None = None) -> None:
        self.server = server
        self.http = server.test_client(use_cookies=False)  # a machine client
        self.token = token
        self.lang = lang

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.lang:
            headers["Accept-Language"] = self.lang
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        url = path if path.startswith(BASE) else BASE + path
        return self.http.open(url, method=method, headers=self.headers(headers), **kw)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("GET", path, **kw)

    def put(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("PUT", path, **kw)

    def post(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("POST", path, **kw)


def token_for(server: Flask, username: str) -> str:
    state = server.extensions["baucu_api"]
    with state.ctx.db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
    return state.signer.sign(user).access_token


@pytest.fixture
def api_as(api_server: Flask) -> Callable[..., ApiClient]:
    def make(username: str | None, lang: str | None = None) -> ApiClient:
        token = token_for(api_server, username) if username else None
        return ApiClient(api_server, token, lang)

    return make


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["code"] for e in response.get_json()["errors"]]


def fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["field"] for e in response.get_json()["errors"]]


def count_rows(world: World, model: type) -> int:
    with world.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def at_count_time(world: World) -> None:
    world.clock.set(at("19:30"))


def good_sheet(world: World, area: str = "00004-01", level: str = "QH") -> dict[str, Any]:
    """A tally sheet passing every rule (K01–K13) for that area and level."""
    constituency = {"QH": "QH-01", "HDND_TINH": "T-01"}.get(level, f"X-{area[:5]}")
    ids = world.e.candidate_ids[constituency]
    votes = [300, 250, 150, 50, 20][: len(ids)]
    return {
        "voters_total": world.e.registered[area][0],
        "voters_voted": 400,
        "ballots_issued": 400,
        "ballots_received": 400,
        "ballots_valid": 390,
        "ballots_invalid": 10,
        "votes": {str(cid): n for cid, n in zip(ids, votes, strict=True)},
    }


def sheet_input(data: dict[str, Any], area: str, level: str) -> TallyInput:
    from data.enums import Level

    return TallyInput(
        polling_area=area,
        level=Level(level),
        **{k: v for k, v in data.items() if k != "votes"},
        votes={int(k): v for k, v in data["votes"].items()},
    )


def actor_of(world: World, username: str) -> Actor:
    return next(
        a
        for a in (world.commune_a, world.commune_b, world.province, world.admin, world.leader)
        if a.username == username
    )
