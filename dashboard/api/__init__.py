"""The JSON API v1 (API.md §2) under ``/api/v1``: ``install_api(server, ctx)`` does it all.

Tokens from ``POST /api/v1/token``, then ``Authorization: Bearer …``; every view
asks the guard first; errors are ``{"errors":[…]}``; the OpenAPI document at
``/api/v1/openapi.json`` is built from the registered operations, and request
bodies are validated against the same schemas.

Settings (``server.config``, defaults from the environment variable of the same name):
``BAUCU_API_TOKEN_SECONDS`` (token lifetime, 43200), ``BAUCU_API_RATE_PER_ACCOUNT`` and
``BAUCU_API_RATE_PER_ADDRESS`` (requests per minute, 1200 and 6000),
``BAUCU_API_MAX_BODY`` (bytes, 4 MiB), ``BAUCU_API_FAILURE_FLOOR`` (seconds a failed
token request takes at least, 0.5).
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from auth.security import shared_secret
from auth.tokens import DEFAULT_TTL_SECONDS, FAILURE_FLOOR_SECONDS, TokenSigner
from dashboard.api.access import install_access
from dashboard.api.core import ApiState, reply
from dashboard.api.entry_views import register_entry
from dashboard.api.errors import (
    MethodNotAllowed,
    NotFoundHere,
    Unavailable,
    error_response,
    http_error_response,
    unexpected_response,
)
from dashboard.api.read_views import register_reads
from dashboard.api.spec import PREFIX, ApiSpec
from dashboard.context import AppContext
from data.services.errors import ServiceError

BLUEPRINT = "api_v1"
DESCRIPTION = """\
JSON API of Bầu cử Live (API.md §2) for machine clients and integrations.

* Authenticate with `POST /api/v1/token`, then send `Authorization: Bearer <token>`.
  Roles and scopes are those of the web application: outside your scope is 403
  (unknown objects are refused alike), never data.
* `{eid}` is an election id or `current` — the latest *real* (not drill) election
  by date, the newest on a tie.
* Errors: `{"errors":[{"code","severity","field","message"}]}`; messages in
  Vietnamese, in English with `Accept-Language: en`.
* Both PUTs are idempotent: the same body again changes nothing (200, `unchanged`).
  Warnings (severity `warning`) refuse the save (422) unless their codes are listed
  in `confirm` together with a `reason`.
* Tally sheets: creating needs no `If-Match`; changing an existing sheet needs
  `If-Match: <version>` — **428** without it, **412** when the version is stale.
* Rate limit per account and per address (fixed one-minute windows shared by every
  server): 429 with `Retry-After`.
"""
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _setting(server: Flask, name: str, default: float, kind: type = int) -> None:
    server.config.setdefault(name, kind(os.environ.get(name, default)))


def create_api_blueprint(state: ApiState) -> Blueprint:
    bp = Blueprint(BLUEPRINT, __name__, url_prefix=PREFIX)
    spec = ApiSpec(bp, "Bầu cử Live API", "1.0.0", DESCRIPTION)
    install_access(bp, spec, state)
    register_reads(spec, state)
    register_entry(spec, state)
    document: dict[str, object] = {}

    @spec.operation(
        "GET",
        "/openapi.json",
        summary="This document (OpenAPI 3.1)",
        responses={200: {"type": "object"}},
        public=True,
        tag="meta",
    )
    def openapi():  # type: ignore[no-untyped-def]
        if not document:
            document.update(spec.document())
        return reply(document)

    @bp.route("/", defaults={"rest": ""}, methods=list(_METHODS))
    @bp.route("/<path:rest>", methods=list(_METHODS))
    def unknown(rest: str) -> Response:
        allowed = _allowed_methods()
        if allowed:
            raise MethodNotAllowed(method=request.method, allowed=allowed)
        raise NotFoundHere(path=request.path[:200])

    @bp.after_request
    def no_store(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    bp.register_error_handler(ServiceError, error_response)
    bp.register_error_handler(HTTPException, http_error_response)
    bp.register_error_handler(DBAPIError, lambda _e: error_response(Unavailable()))
    bp.register_error_handler(Exception, unexpected_response)
    return bp


def _allowed_methods() -> list[str]:
    """Methods another API route accepts at this path (for 405 instead of 404)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            rule, _ = adapter.match(request.path, method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != f"{BLUEPRINT}.unknown":
            allowed.append(method)
    return allowed


def install_api(server: Flask, ctx: AppContext) -> Blueprint:
    """Register the API on ``server`` (once; a second call returns the same blueprint)."""
    if BLUEPRINT in server.blueprints:
        return server.blueprints[BLUEPRINT]
    _setting(server, "BAUCU_API_TOKEN_SECONDS", DEFAULT_TTL_SECONDS)
    _setting(server, "BAUCU_API_RATE_PER_ACCOUNT", 1200)
    _setting(server, "BAUCU_API_RATE_PER_ADDRESS", 6000)
    _setting(server, "BAUCU_API_MAX_BODY", 4 * 1024 * 1024)
    _setting(server, "BAUCU_API_FAILURE_FLOOR", FAILURE_FLOOR_SECONDS, float)
    signer = TokenSigner(shared_secret(ctx.db), server.config["BAUCU_API_TOKEN_SECONDS"])
    state = ApiState(ctx, signer)
    bp = create_api_blueprint(state)
    server.register_blueprint(bp)
    server.extensions["baucu_api"] = state
    return bp
