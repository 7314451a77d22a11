"""Who is calling: bearer tokens, the token endpoint, and the rate limit.

Before every API request: the address (and the account behind a token or a
session) is counted against the rate limit in the database; then a bearer
token is checked and its user put in ``flask.g.token_principal``, where the
guard finds it. A request that carries a bearer header is judged by that token
alone, never by a session cookie that came with it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask_login import current_user

from auth.ratelimit import hit
from auth.tokens import InvalidToken, TokenClaims, issue_token
from dashboard.api.core import ApiState, body, reply
from dashboard.api.errors import RateLimited
from dashboard.api.schemas import ref
from dashboard.api.spec import ApiSpec

PUBLIC_ENDPOINTS = frozenset({"api_v1.token", "api_v1.openapi"})


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    return header[7:].strip()


def install_access(bp: Blueprint, spec: ApiSpec, state: ApiState) -> None:
    @bp.before_request
    def authenticate() -> None:
        # The public endpoints ignore any bearer header: a client whose token expired
        # must still be able to get a new one.
        public = request.endpoint in PUBLIC_ENDPOINTS
        token = None if public else bearer_token()
        claims: TokenClaims | None = None
        refused: InvalidToken | None = None
        if token is not None:
            try:
                claims = state.signer.claims(token)
            except InvalidToken as error:
                refused = error
        config = current_app.config
        keys = [(f"ip:{request.remote_addr or '?'}", config["BAUCU_API_RATE_PER_ADDRESS"])]
        user_id = claims.user_id if claims else None
        if token is None and not public and current_user.is_authenticated:
            user_id = current_user.user_id
        if user_id is not None:
            keys.append((f"user:{user_id}", config["BAUCU_API_RATE_PER_ACCOUNT"]))
        limited = hit(state.ctx.db, keys)
        if limited is not None:
            raise RateLimited(seconds=limited.retry_after)
        if refused is not None:
            raise refused
        if claims is not None:
            g.token_principal = state.signer.principal(state.ctx.db, claims)

    @spec.operation(
        "POST",
        "/token",
        summary="Get a bearer token",
        description="Exchange a username and password for a bearer token. Wrong credentials"
        " give 401 (the same answer, after the same minimum time, for unknown users and wrong"
        " passwords); repeated failures lock the account or address (429 with Retry-After);"
        " an account that must still change its one-time password gets 403. The token ends"
        " when it expires, when the account is deactivated or when its password changes.",
        body=ref("TokenRequest"),
        responses={200: ref("Token"), 401: ref("Errors"), 403: ref("Errors")},
        public=True,
        tag="auth",
        example={"username": "xa_badinh", "password": "mật khẩu của bạn"},
    )
    def token():  # type: ignore[no-untyped-def]
        data = body("TokenRequest")
        issued = issue_token(
            state.ctx.db,
            state.signer,
            data["username"],
            data["password"],
            request.remote_addr,
            floor_seconds=current_app.config["BAUCU_API_FAILURE_FLOOR"],
        )
        return reply(
            {
                "access_token": issued.access_token,
                "token_type": "bearer",
                "expires_in": issued.expires_in,
            }
        )
