"""Server-wide protection: login required everywhere, CSRF, security headers, cookies.

Every request except the login page, the language switch and static files
needs a logged-in user — the Dash endpoints (``/_dash-layout``,
``/_dash-dependencies``, ``/_dash-update-component``) and the API included.
State-changing requests must carry the session's CSRF token (Dash's renderer
sends the ``_csrf_token`` cookie back as ``X-CSRFToken``; forms post it as a
field) and must not come from another site.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable, Iterable

from flask import Flask, Response, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy import select

from auth.i18n import current_lang
from data.db import Database
from data.models import ServerSetting
from data.services.common import insert_or_none
from data.services.errors import ServiceError

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC_PREFIXES = ("/login", "/lang/", "/assets/", "/_dash-component-suites/", "/_favicon.ico")
PASSWORD_PATHS = ("/password", "/logout")


class CsrfRefused(ServiceError):
    code = "E_CSRF"
    http_status = 403
    message_vi = "Yêu cầu bị từ chối: thiếu mã bảo vệ hoặc gửi từ trang khác. Hãy tải lại trang."
    message_en = "Request refused: missing protection token or sent from another site. Reload."


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        # Secure under HTTPS (directly or behind a proxy that says so).
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def shared_secret(db: Database) -> str:
    """The signing key every app server shares: ``BAUCU_SECRET_KEY`` or one kept in the DB."""
    if os.environ.get("BAUCU_SECRET_KEY"):
        return os.environ["BAUCU_SECRET_KEY"]
    with db.write() as s:
        row = s.scalar(select(ServerSetting).where(ServerSetting.key == "secret_key"))
        if row is None:
            row = insert_or_none(s, ServerSetting(key="secret_key", value=secrets.token_hex(32)))
        if row is None:  # another worker made it first
            row = s.scalar(select(ServerSetting).where(ServerSetting.key == "secret_key"))
        return row.value


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def install_security(app: Flask, db: Database, script_hashes: Callable[[], Iterable[str]]) -> None:
    app.secret_key = shared_secret(db)
    app.session_interface = _SessionInterface()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="baucu_session",
        SESSION_COOKIE_SECURE=os.environ.get("BAUCU_HTTPS") == "1",
    )
    hashes: list[str] = []

    @app.before_request
    def protect() -> Response | None:
        path = request.path
        api = path.startswith("/api/")
        if request.method not in SAFE_METHODS and not (api and _bearer()):
            # An API client without a logged-in session carries no ambient credential:
            # only the cross-site checks apply to it.
            _check_csrf(token_required=not api or current_user.is_authenticated)
        if path.startswith(PUBLIC_PREFIXES) or _api_public(path):
            return None
        if path.startswith("/api/") and _bearer():
            return None  # the API resolves the token itself (through the guard)
        if not current_user.is_authenticated:
            if _wants_json(path):
                return _json_error(401, "E_LOGIN", "Bạn cần đăng nhập.", "Please log in.")
            return redirect(url_for("auth.login", next=_local(request.full_path)))
        if current_user.must_change_password and not path.startswith(PASSWORD_PATHS):
            if _wants_json(path):
                return _json_error(
                    403, "E_PASSWORD", "Bạn cần đổi mật khẩu trước.", "Change your password first."
                )
            return redirect(url_for("auth.password"))
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        if not hashes:
            hashes.extend(script_hashes())
        script_src = " ".join(["'self'", *hashes])
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/api/"):
            return response  # machine clients get no cookies
        if request.cookies.get(CSRF_COOKIE) != session.get("csrf") or not session.get("csrf"):
            response.set_cookie(
                CSRF_COOKIE,
                csrf_token(),
                samesite="Strict",
                secure=app.session_interface.get_cookie_secure(app),
                httponly=False,  # Dash's renderer reads it to send X-CSRFToken
            )
        return response

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):  # type: ignore[no-untyped-def]
        lang = current_lang()
        if _wants_json(request.path) or request.is_json:
            return jsonify({"errors": error.errors(lang)}), error.http_status
        return Response(error.message(lang), status=error.http_status, mimetype="text/plain")


def _check_csrf(*, token_required: bool = True) -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfRefused()
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise CsrfRefused()
    if not token_required:
        return
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused()


def _bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _api_public(path: str) -> bool:
    return path in ("/api/v1/token", "/api/v1/openapi.json")


def _wants_json(path: str) -> bool:
    return path.startswith(("/api/", "/_dash-"))


def _json_error(status: int, code: str, vi: str, en: str) -> Response:
    message = en if current_lang() == "en" else vi
    response = jsonify(
        {"errors": [{"code": code, "severity": "error", "field": "", "message": message}]}
    )
    response.status_code = status
    return response


def _local(path: str) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    path = path.rstrip("?")
    return path if path.startswith("/") and not path.startswith("//") else "/"
