"""Bearer tokens for the JSON API (API.md §2).

A token is the user id, the user's ``session_epoch`` and an expiry, signed with
the key every app server shares (:func:`auth.security.shared_secret`), so any
worker on any machine can check it without a token table. A token dies when it
expires, when the user is deactivated, or when the epoch moves on (password
change, admin reset): the same switch that ends the user's browser sessions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from auth.principal import Principal, principal_of
from auth.throttle import active_lock, record_failure, record_success
from data.db import Database
from data.models import User
from data.passwords import verify_password
from data.services import audit
from data.services.actor import Actor
from data.services.errors import ServiceError

SALT = "baucu.api.token.v1"
DEFAULT_TTL_SECONDS = 12 * 3600
# Every failed attempt takes at least this long, whatever failed (no timing oracle).
FAILURE_FLOOR_SECONDS = 0.5


class BadCredentials(ServiceError):
    code = "E_CREDENTIALS"
    http_status = 401
    message_vi = "Tên đăng nhập hoặc mật khẩu không đúng."
    message_en = "Wrong username or password."


class LoginLocked(ServiceError):
    code = "E_LOCKED"
    http_status = 429
    message_vi = "Đăng nhập tạm bị khóa do sai nhiều lần. Thử lại sau {seconds} giây."
    message_en = "Login is locked after repeated failures. Retry in {seconds} seconds."

    def __init__(self, *, seconds: int) -> None:
        self.retry_after = seconds
        super().__init__(seconds=seconds)


class PasswordChangeRequired(ServiceError):
    code = "E_PASSWORD"
    http_status = 403
    message_vi = "Bạn cần đổi mật khẩu dùng một lần trên trang web trước khi dùng API."
    message_en = "Change your one-time password on the web site before using the API."


class InvalidToken(ServiceError):
    code = "E_TOKEN"
    http_status = 401
    message_vi = "Mã truy cập không hợp lệ hoặc đã hết hạn. Hãy lấy mã mới qua POST /api/v1/token."
    message_en = "The access token is invalid or has expired. Get a new one: POST /api/v1/token."


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    user_id: int


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    epoch: int
    expires_at: int  # unix seconds


class TokenSigner:
    """Signs and checks tokens with the shared secret."""

    def __init__(self, secret: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.ttl_seconds = ttl_seconds

    def sign(self, user: User, now: float | None = None) -> IssuedToken:
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        token = self._serializer.dumps({"u": user.id, "e": user.session_epoch, "x": expires})
        return IssuedToken(token, self.ttl_seconds, user.id)

    def claims(self, token: str, now: float | None = None) -> TokenClaims:
        """The token's claims once its signature and expiry are good (no database)."""
        if not token or len(token) > 512:
            raise InvalidToken()
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            raise InvalidToken() from None
        if not isinstance(data, dict):
            raise InvalidToken()
        user_id, epoch, expires = data.get("u"), data.get("e"), data.get("x")
        if not all(
            isinstance(v, int) and not isinstance(v, bool) for v in (user_id, epoch, expires)
        ):
            raise InvalidToken()
        if expires <= (now if now is not None else time.time()):
            raise InvalidToken()
        return TokenClaims(user_id, epoch, expires)  # type: ignore[arg-type]

    def principal(self, db: Database, claims: TokenClaims) -> Principal:
        """The user behind valid claims, if still active and on the same epoch."""
        with db.read() as s:
            user = s.get(User, claims.user_id)
        if (
            user is None
            or not user.is_active
            or user.session_epoch != claims.epoch
            or user.must_change_password
        ):
            raise InvalidToken()
        return principal_of(user)


def issue_token(
    db: Database,
    signer: TokenSigner,
    username: str,
    password: str,
    address: str | None,
    *,
    floor_seconds: float = FAILURE_FLOOR_SECONDS,
) -> IssuedToken:
    """Check credentials with the login throttle, audit, and sign a token.

    Raises :class:`LoginLocked` (429), :class:`BadCredentials` (401, the same for
    unknown users, wrong passwords and deactivated accounts, after the same
    minimum time) or :class:`PasswordChangeRequired` (403).
    """
    started = time.monotonic()
    username = username.strip()[:64]
    now = datetime.now(UTC)
    lock = active_lock(db, username, address, now)
    if lock is not None:
        _audit(db, None, username, address, "login.refused_locked", {"lock": lock.key})
        seconds = max(1, int((lock.until - now) / timedelta(seconds=1)) + 1)
        _sleep_until(started, floor_seconds)
        raise LoginLocked(seconds=seconds)
    with db.read() as s:
        user = s.scalar(select(User).where(func.lower(User.username) == username.lower()))
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.is_active:
        locks = record_failure(db, username, address, now)
        user_id = user.id if user else None
        _audit(db, user_id, username, address, "login.failed", {"via": "api"})
        for started_lock in locks:
            after = {"lock": started_lock.key, "until": started_lock.until.isoformat()}
            _audit(db, user_id, username, address, "login.lockout", after)
        _sleep_until(started, floor_seconds)
        raise BadCredentials()
    record_success(db, username)
    if user.must_change_password:
        raise PasswordChangeRequired()
    issued = signer.sign(user)
    _audit(db, user.id, user.username, address, "api.token", {"expires_in": issued.expires_in})
    return issued


def _sleep_until(started: float, floor_seconds: float) -> None:
    remaining = floor_seconds - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def _audit(
    db: Database,
    user_id: int | None,
    username: str,
    address: str | None,
    action: str,
    after: dict[str, object] | None,
) -> None:
    with db.write() as s:
        user = s.get(User, user_id) if user_id else None
        role = user.role if user else "anonymous"
        audit.record(
            s,
            Actor(user_id, username or "?", role, "", address),  # type: ignore[arg-type]
            action,
            at=datetime.now(UTC),
            object_type="user",
            object_key=(username or "")[:128],
            after=after,
        )
