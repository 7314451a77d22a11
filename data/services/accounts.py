"""Accounts (the CLI and the admin pages): create, change, deactivate, reset. One transaction each.

Every change is audited with what it was before and after (never a password or
its hash). A change of access — role, scope, deactivation, reactivation — or of
the password raises ``User.session_epoch``, which ends every session and token
of that user at their next request (auth.principal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from data.db import Database
from data.enums import Role, UnitKind
from data.models import Election, LoginThrottle, Unit, User
from data.passwords import hash_password, one_time_password, policy_problems
from data.permissions import Action, Reach, reach
from data.services import audit
from data.services.actor import SYSTEM, Actor
from data.services.common import for_update
from data.services.errors import Forbidden, NotFound, ServiceError

NATION = "VN"
_PHONE = re.compile(r"[0-9+(). -]{0,32}")


class Problem(NamedTuple):
    vi: str
    en: str
    field: str = ""


class AccountError(ServiceError):
    """The account change was refused; nothing was written."""

    code = "E_ACCOUNT"
    http_status = 422

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.items = [p if isinstance(p, Problem) else Problem(p, p) for p in problems]
        self.field = self.items[0].field if self.items else ""
        self.params = {}
        Exception.__init__(self, "; ".join(self.problems))  # Vietnamese, as the CLI shows it

    @property
    def problems(self) -> list[str]:
        """The Vietnamese messages (what the CLI prints)."""
        return [p.vi for p in self.items]

    def message(self, lang: str = "vi") -> str:
        return " ".join(p.en if lang == "en" else p.vi for p in self.items)

    def errors(self, lang: str = "vi") -> list[dict[str, str]]:
        return [
            {
                "code": self.code,
                "severity": "error",
                "field": p.field,
                "message": p.en if lang == "en" else p.vi,
            }
            for p in self.items
        ]


@dataclass(frozen=True)
class CreatedUser:
    id: int
    one_time_password: str | None  # shown once; None when the caller set the password


@dataclass(frozen=True)
class AccountChange:
    changed: bool  # False: it already was so (a retry); nothing was written


# --------------------------------------------------------------------------- create


def create_user(
    db: Database,
    *,
    username: str,
    role: Role,
    scope_code: str,
    full_name: str = "",
    phone: str | None = None,
    password: str | None = None,
    actor: Actor = SYSTEM,
) -> CreatedUser:
    """A new account. Without ``password`` a one-time one is made and must be changed."""
    username = (username or "").strip()
    problems: list[Problem] = []
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        problems.append(
            Problem(
                "Tên đăng nhập chỉ gồm chữ, số, dấu chấm và gạch dưới (tối đa 64 ký tự).",
                "A username has only letters, digits, dots and underscores (at most 64).",
                "username",
            )
        )
    if password is not None:
        problems += [
            Problem(vi, en, "password")
            for vi, en in zip(
                policy_problems(password, username, "vi"),
                policy_problems(password, username, "en"),
                strict=True,
            )
        ]
    generated = None if password is not None else one_time_password()
    with db.write() as session:
        _authorize(session, actor)
        name_taken = exists().where(func.lower(User.username) == username.lower())
        if username and session.scalar(select(name_taken)):
            problems.append(
                Problem(
                    f"Tên đăng nhập {username} đã tồn tại.",
                    f"The username {username} is taken.",
                    "username",
                )
            )
        role_value, role_problems = _role(role)
        problems += role_problems
        if role_value is not None:
            problems += _scope_problems(session, role_value, scope_code)
        full_name, phone, detail_problems = _details(full_name, phone)
        problems += detail_problems
        if problems:
            raise AccountError(problems)
        assert role_value is not None
        now = datetime.now(UTC)
        user = User(
            username=username,
            full_name=full_name or "",
            phone=phone,
            role=role_value,
            scope_code=scope_code,
            password_hash=hash_password(password if password is not None else generated),
            must_change_password=password is None,
            password_changed_at=now,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor,
            "user.create",
            at=now,
            object_type="user",
            object_key=username,
            after={**_snapshot(user), "one_time": password is None},
        )
        return CreatedUser(user.id, generated)


# --------------------------------------------------------------------------- change


def deactivate_user(
    db: Database, actor: Actor, user_id: int, *, reason: str | None = None
) -> AccountChange:
    """Lock an account out: it can no longer log in, and its sessions end now."""
    with db.write() as session:
        _authorize(session, actor)
        user = _load(session, user_id)
        if user.id == actor.user_id:
            raise AccountError(
                [
                    Problem(
                        "Bạn không thể tự khóa tài khoản của chính mình.",
                        "You cannot deactivate your own account.",
                    )
                ]
            )
        if not user.is_active:
            return AccountChange(changed=False)
        if user.role is Role.ADMIN:
            _keep_an_admin(session, user)
        return _apply(session, actor, user, "user.deactivate", {"is_active": False}, reason)


def reactivate_user(
    db: Database, actor: Actor, user_id: int, *, reason: str | None = None
) -> AccountChange:
    """Let a deactivated account log in again (its old sessions stay ended)."""
    with db.write() as session:
        _authorize(session, actor)
        user = _load(session, user_id)
        if user.is_active:
            return AccountChange(changed=False)
        _clear_lockout(session, user)
        return _apply(session, actor, user, "user.reactivate", {"is_active": True}, reason)


def reset_password(db: Database, actor: Actor, user_id: int) -> str:
    """A new one-time password (returned once) that must be changed at the next login."""
    generated = one_time_password()
    with db.write() as session:
        _authorize(session, actor)
        user = _load(session, user_id)
        if user.id == actor.user_id:
            raise AccountError(
                [
                    Problem(
                        "Hãy dùng trang Đổi mật khẩu để đổi mật khẩu của chính bạn.",
                        "Use the Change password page for your own password.",
                    )
                ]
            )
        before = {"must_change_password": user.must_change_password}
        now = datetime.now(UTC)
        user.password_hash = hash_password(generated)
        user.must_change_password = True
        user.password_changed_at = now
        user.session_epoch += 1
        _clear_lockout(session, user)
        audit.record(
            session,
            actor,
            "user.reset_password",
            at=now,
            object_type="user",
            object_key=user.username,
            before=before,
            after={"must_change_password": True, "one_time": True},
        )
        return generated


def update_user(
    db: Database,
    actor: Actor,
    user_id: int,
    *,
    role: Role | str | None = None,
    scope_code: str | None = None,
    full_name: str | None = None,
    phone: str | None = None,
) -> AccountChange:
    """Change an account's role, scope, name or phone (``None``: leave as is; phone ``""``
    clears it). A new role or scope ends the user's sessions."""
    with db.write() as session:
        _authorize(session, actor)
        user = _load(session, user_id)
        problems: list[Problem] = []
        new_role: Role | None = user.role
        if role is not None:
            new_role, role_problems = _role(role)
            problems += role_problems
        new_scope = user.scope_code if scope_code is None else (scope_code or "").strip()
        if new_role is not None and (new_role != user.role or new_scope != user.scope_code):
            problems += _scope_problems(session, new_role, new_scope)
        name, new_phone, detail_problems = _details(full_name, phone)
        problems += detail_problems
        if problems:
            raise AccountError(problems)
        assert new_role is not None
        if user.id == actor.user_id and (new_role != user.role or new_scope != user.scope_code):
            raise AccountError(
                [
                    Problem(
                        "Bạn không thể tự thay đổi vai trò hoặc phạm vi của chính mình.",
                        "You cannot change your own role or scope.",
                        "role",
                    )
                ]
            )
        if user.role is Role.ADMIN and new_role is not Role.ADMIN and user.is_active:
            _keep_an_admin(session, user)
        changes: dict[str, Any] = {}
        if new_role != user.role:
            changes["role"] = new_role
        if new_scope != user.scope_code:
            changes["scope_code"] = new_scope
        if full_name is not None and name != user.full_name:
            changes["full_name"] = name
        if phone is not None and new_phone != user.phone:
            changes["phone"] = new_phone
        if not changes:
            return AccountChange(changed=False)
        return _apply(session, actor, user, "user.update", changes, None)


# --------------------------------------------------------------------------- helpers


_ACCESS = {"role", "scope_code", "is_active"}
_AUDIT_NAMES = {"scope_code": "scope", "is_active": "active"}


def _apply(
    session: Session,
    actor: Actor,
    user: User,
    action: str,
    changes: dict[str, Any],
    reason: str | None,
) -> AccountChange:
    before = {_AUDIT_NAMES.get(k, k): _plain(getattr(user, k)) for k in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    if _ACCESS & changes.keys():
        user.session_epoch += 1  # every session of this user ends at its next request
    audit.record(
        session,
        actor,
        action,
        at=datetime.now(UTC),
        object_type="user",
        object_key=user.username,
        before=before,
        after={_AUDIT_NAMES.get(k, k): _plain(v) for k, v in changes.items()},
        reason=(reason or "").strip() or None,
    )
    return AccountChange(changed=True)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Role) else value


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "role": str(user.role),
        "scope": user.scope_code,
        "full_name": user.full_name,
        "phone": user.phone,
        "active": user.is_active,
    }


def _authorize(session: Session, actor: Actor) -> None:
    """Only a role that manages accounts — judged again from the database for a real user."""
    if reach(actor.role, Action.MANAGE_ACCOUNTS) is Reach.NONE:
        raise Forbidden()
    if actor.user_id is not None:
        me = session.get(User, actor.user_id)
        if me is None or not me.is_active or reach(me.role, Action.MANAGE_ACCOUNTS) is Reach.NONE:
            raise Forbidden()


def _load(session: Session, user_id: object) -> User:
    user = None
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user = session.scalar(for_update(session, select(User).where(User.id == user_id)))
    if user is None:
        raise NotFound(what="tài khoản", what_en="Account")
    return user


def _keep_an_admin(session: Session, leaving: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != leaving.id)
    )
    if not others:
        raise AccountError(
            [
                Problem(
                    "Phải còn ít nhất một tài khoản quản trị đang hoạt động.",
                    "At least one active admin account must remain.",
                    "role",
                )
            ]
        )


def _clear_lockout(session: Session, user: User) -> None:
    # The account's failed-login count: a reset or a
    # reactivation is how an admin lets a locked-out operator back in at once.
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == LoginThrottle.account_key(user.username))
    )


def _role(value: object) -> tuple[Role | None, list[Problem]]:
    try:
        return Role(value), []
    except ValueError:
        return None, [Problem("Vai trò không hợp lệ.", "Unknown role.", "role")]


_ROLE_UNIT = {
    Role.PROVINCE: UnitKind.PROVINCE,
    Role.DISTRICT: UnitKind.DISTRICT,
    Role.COMMUNE: UnitKind.COMMUNE,
}
_ROLE_SCOPE_RULE = {
    Role.ADMIN: Problem(
        "Tài khoản quản trị có phạm vi toàn quốc (VN).",
        "An admin account has the whole nation (VN) as its scope.",
        "scope",
    ),
    Role.NATIONAL: Problem(
        "Tài khoản HĐBCQG có phạm vi toàn quốc (VN).",
        "A national council account has the whole nation (VN) as its scope.",
        "scope",
    ),
    Role.PROVINCE: Problem(
        "Tài khoản cấp tỉnh phải có phạm vi là một tỉnh/thành phố.",
        "A province account must have a province as its scope.",
        "scope",
    ),
    Role.DISTRICT: Problem(
        "Tài khoản cấp huyện phải có phạm vi là một huyện.",
        "A district account must have a district as its scope.",
        "scope",
    ),
    Role.COMMUNE: Problem(
        "Tài khoản cấp xã phải có phạm vi là một xã.",
        "A commune account must have a commune as its scope.",
        "scope",
    ),
}


def _scope_problems(session: Session, role: Role, scope_code: object) -> list[Problem]:
    """The scope must exist (in the newest election that has it) and suit the role."""
    if not isinstance(scope_code, str) or not scope_code.strip():
        return [Problem("Hãy chọn phạm vi.", "Choose a scope.", "scope")]
    if scope_code == NATION:
        ok = role in (Role.ADMIN, Role.NATIONAL, Role.LEADER)
        return [] if ok else [_ROLE_SCOPE_RULE[role]]
    if role in (Role.ADMIN, Role.NATIONAL):
        return [_ROLE_SCOPE_RULE[role]]
    kind = session.scalar(
        select(Unit.kind)
        .join(Election, Election.id == Unit.election_id)
        .where(Unit.code == scope_code)
        .order_by(Election.date.desc(), Election.id.desc())
        .limit(1)
    )
    if kind is None:
        # Before any election is loaded (first set-up from the CLI) codes cannot be checked.
        if session.scalar(select(exists().where(Unit.id.is_not(None)))):
            return [
                Problem(
                    f"Không có đơn vị mã {scope_code}.", f"No unit has code {scope_code}.", "scope"
                )
            ]
        return []
    wanted = _ROLE_UNIT.get(role)
    if wanted is not None and kind != wanted:
        return [_ROLE_SCOPE_RULE[role]]
    return []


def _details(
    full_name: str | None, phone: str | None
) -> tuple[str | None, str | None, list[Problem]]:
    problems: list[Problem] = []
    name = None if full_name is None else " ".join(str(full_name).split())
    if name is not None and len(name) > 200:
        problems.append(
            Problem("Họ tên tối đa 200 ký tự.", "A full name has at most 200 characters.", "name")
        )
    number = None if phone is None else str(phone).strip()
    if number is not None and not _PHONE.fullmatch(number):
        problems.append(
            Problem(
                "Số điện thoại chỉ gồm chữ số, dấu cách, +, -, ., ( ) (tối đa 32 ký tự).",
                "A phone number has only digits, spaces, +, -, ., ( ) (at most 32).",
                "phone",
            )
        )
    return name, number or None, problems
