"""The logged-in user: flask-login over the whole server, with idle and absolute timeouts.

The session cookie holds the user id, the user's ``session_epoch`` at login and
two timestamps. Raising the epoch (password change, deactivation, admin reset)
ends every session of that user on every worker at its next request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_login import LoginManager, UserMixin, login_user, logout_user

from data.db import Database
from data.enums import Role
from data.models import User
from data.services.actor import Actor

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600


@dataclass
class Principal(UserMixin):
    user_id: int
    username: str
    full_name: str
    role: Role
    scope_code: str
    must_change_password: bool
    session_epoch: int

    def get_id(self) -> str:
        return str(self.user_id)

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.role, self.scope_code, request.remote_addr)


def principal_of(user: User) -> Principal:
    return Principal(
        user.id,
        user.username,
        user.full_name,
        Role(user.role),
        user.scope_code,
        user.must_change_password,
        user.session_epoch,
    )


def init_login(app: Flask, db: Database) -> LoginManager:
    manager = LoginManager()
    manager.init_app(app)
    manager.session_protection = "basic"
    app.config.setdefault("BAUCU_IDLE_SECONDS", IDLE_SECONDS)
    app.config.setdefault("BAUCU_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS)

    @manager.user_loader
    def load(user_id: str) -> Principal | None:
        if not _session_fresh():
            return None
        with db.read() as s:
            user = s.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.is_active or session.get("epoch") != user.session_epoch:
            return None
        session["seen"] = int(time.time())
        return principal_of(user)

    return manager


def _session_fresh() -> bool:
    now = int(time.time())
    started, seen = session.get("started", 0), session.get("seen", 0)
    config = current_app.config
    if (
        now - seen > config["BAUCU_IDLE_SECONDS"]
        or now - started > config["BAUCU_ABSOLUTE_SECONDS"]
    ):
        session.clear()
        return False
    return True


def start_session(user: User) -> None:
    session.clear()
    now = int(time.time())
    session["started"] = now
    session["seen"] = now
    session["epoch"] = user.session_epoch
    login_user(principal_of(user))


def end_session() -> None:
    logout_user()
    session.clear()
