"""Login, logout, change password and the language switch (plain server-rendered forms)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from auth.i18n import COOKIE, LANGS, current_lang, tr
from auth.principal import end_session, start_session
from auth.security import _local, csrf_token
from auth.throttle import active_lock, record_failure, record_success
from data.clock import LOCAL_TZ
from data.db import Database
from data.models import User
from data.passwords import hash_password, policy_problems, verify_password
from data.services import audit

# Every failed login takes at least this long, whatever failed (no timing oracle).
FAILURE_FLOOR_SECONDS = 0.5


def _field(name: str, label: str, kind: str = "text", value: str = "", autocomplete: str = ""):  # type: ignore[no-untyped-def]
    return {
        "name": name,
        "label": label,
        "type": kind,
        "value": value,
        "autocomplete": autocomplete,
    }


def _render(title: str, fields: list, submit: str, *, errors=(), notice="", footer="", status=200):  # type: ignore[no-untyped-def]
    body = render_template(
        "auth/page.html",
        lang=current_lang(),
        title=title,
        fields=fields,
        submit=submit,
        errors=list(errors),
        notice=notice,
        footer=footer,
        csrf=csrf_token(),
    )
    return make_response(body, status)


def create_blueprint(db: Database) -> Blueprint:
    bp = Blueprint("auth", __name__, template_folder="templates")

    def login_form(username: str = "", errors=(), status: int = 200):  # type: ignore[no-untyped-def]
        return _render(
            tr("Đăng nhập", "Log in"),
            [
                _field(
                    "username",
                    tr("Tên đăng nhập", "Username"),
                    value=username,
                    autocomplete="username",
                ),
                _field(
                    "password",
                    tr("Mật khẩu", "Password"),
                    "password",
                    autocomplete="current-password",
                ),
            ],
            tr("Đăng nhập", "Log in"),
            errors=errors,
            status=status,
        )

    @bp.get("/login")
    def login() -> Response:
        if current_user.is_authenticated:
            return redirect("/")
        return login_form()

    @bp.post("/login")
    def login_post() -> Response:
        started = time.monotonic()
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        address = request.remote_addr
        now = datetime.now(UTC)
        lock = active_lock(db, username, address, now)
        if lock is not None:
            _audit(None, "login.refused_locked", username, address, {"lock": lock.key})
            until = lock.until.astimezone(LOCAL_TZ)
            return _slow(
                started,
                login_form(
                    username,
                    [
                        tr(
                            f"Đăng nhập tạm bị khóa do sai nhiều lần. Thử lại sau {until:%H:%M}.",
                            f"Login is locked after repeated failures. Retry after {until:%H:%M}.",
                        )
                    ],
                    429,
                ),
            )
        with db.read() as s:
            user = s.scalar(select(User).where(func.lower(User.username) == username.lower()))
        valid = verify_password(user.password_hash if user else None, password)
        if not valid or user is None or not user.is_active:
            locks = record_failure(db, username, address, now)
            _audit(user.id if user else None, "login.failed", username, address, None)
            for started_lock in locks:
                _audit(
                    user.id if user else None,
                    "login.lockout",
                    username,
                    address,
                    {"lock": started_lock.key, "until": started_lock.until.isoformat()},
                )
            return _slow(
                started,
                login_form(
                    username,
                    [tr("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")],
                    401,
                ),
            )
        record_success(db, username)
        start_session(user)
        _audit(user.id, "login.success", user.username, address, None)
        if user.must_change_password:
            return redirect(url_for("auth.password"))
        return redirect(_local(request.args.get("next", "/")))

    @bp.post("/logout")
    def logout() -> Response:
        if current_user.is_authenticated:
            _audit(current_user.user_id, "logout", current_user.username, request.remote_addr, None)
        end_session()
        return redirect(url_for("auth.login"))

    def password_form(errors=(), status: int = 200):  # type: ignore[no-untyped-def]
        forced = current_user.must_change_password
        return _render(
            tr("Đổi mật khẩu", "Change password"),
            [
                _field(
                    "current",
                    tr("Mật khẩu hiện tại", "Current password"),
                    "password",
                    autocomplete="current-password",
                ),
                _field(
                    "new",
                    tr("Mật khẩu mới (ít nhất 12 ký tự)", "New password (at least 12 characters)"),
                    "password",
                    autocomplete="new-password",
                ),
                _field(
                    "repeat",
                    tr("Nhập lại mật khẩu mới", "Repeat the new password"),
                    "password",
                    autocomplete="new-password",
                ),
            ],
            tr("Đổi mật khẩu", "Change password"),
            errors=errors,
            notice=tr(
                "Bạn cần đổi mật khẩu dùng một lần trước khi tiếp tục.",
                "Change your one-time password before you continue.",
            )
            if forced
            else "",
            status=status,
        )

    @bp.get("/password")
    def password() -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return password_form()

    @bp.post("/password")
    def password_post() -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        current = request.form.get("current") or ""
        new = request.form.get("new") or ""
        errors: list[str] = []
        with db.write() as s:
            user = s.get(User, current_user.user_id)
            if user is None or not verify_password(user.password_hash, current):
                errors.append(tr("Mật khẩu hiện tại không đúng.", "The current password is wrong."))
            if new != (request.form.get("repeat") or ""):
                errors.append(
                    tr("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords differ.")
                )
            if new == current:
                errors.append(
                    tr(
                        "Mật khẩu mới phải khác mật khẩu cũ.",
                        "The new password must differ from the old one.",
                    )
                )
            errors += policy_problems(new, current_user.username, current_lang())
            if errors:
                return password_form(errors, 422)
            user.password_hash = hash_password(new)
            user.must_change_password = False
            user.session_epoch += 1  # every other session of this user ends now
            user.password_changed_at = datetime.now(UTC)
            audit.record(
                s,
                current_user.actor(),
                "password.change",
                at=datetime.now(UTC),
                object_type="user",
                object_key=user.username,
            )
            s.flush()
            start_session(user)
        return redirect("/")

    @bp.get("/lang/<code>")
    def lang(code: str) -> Response:
        back = request.referrer or "/"
        host = request.host_url
        response = redirect(back if back.startswith(host) else "/")
        if code in LANGS:
            response.set_cookie(
                COOKIE,
                code,
                max_age=365 * 86400,
                samesite="Lax",
                httponly=True,
                secure=current_app.session_interface.get_cookie_secure(current_app),
            )
        return response

    def _audit(user_id, action, username, address, after):  # type: ignore[no-untyped-def]
        from data.services.actor import Actor

        with db.write() as s:
            audit.record(
                s,
                Actor(user_id, username or "?", _role_of(s, user_id), "", address),
                action,
                at=datetime.now(UTC),
                object_type="user",
                object_key=(username or "")[:128],
                after=after,
            )

    return bp


def _role_of(session, user_id):  # type: ignore[no-untyped-def]
    user = session.get(User, user_id) if user_id else None
    return user.role if user else "anonymous"


def _slow(started: float, response: Response) -> Response:
    remaining = FAILURE_FLOOR_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    return response
