"""Create accounts (the CLI now, the admin pages later): one transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, select

from auth.passwords import hash_password, one_time_password, policy_problems
from data.db import Database
from data.enums import Role
from data.models import Unit, User
from data.services import audit
from data.services.actor import SYSTEM, Actor


class AccountError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class CreatedUser:
    id: int
    one_time_password: str | None  # shown once; None when the caller set the password


def create_user(
    db: Database,
    *,
    username: str,
    role: Role,
    scope_code: str,
    full_name: str = "",
    password: str | None = None,
    actor: Actor = SYSTEM,
) -> CreatedUser:
    """A new account. Without ``password`` a one-time one is made and must be changed."""
    username = username.strip()
    problems = []
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        problems.append("Tên đăng nhập chỉ gồm chữ, số, dấu chấm và gạch dưới (tối đa 64 ký tự).")
    if password is not None:
        problems += policy_problems(password, username)
    generated = None if password is not None else one_time_password()
    with db.write() as session:
        if session.scalar(select(exists().where(User.username == username))):
            problems.append(f"Tên đăng nhập {username} đã tồn tại.")
        known_units = session.scalar(select(exists().where(Unit.id.is_not(None))))
        if (
            scope_code != "VN"
            and known_units
            and not session.scalar(select(exists().where(Unit.code == scope_code)))
        ):
            problems.append(f"Không có đơn vị mã {scope_code}.")
        if role is Role.COMMUNE and scope_code == "VN":
            problems.append("Tài khoản cấp xã phải có phạm vi là một xã.")
        if problems:
            raise AccountError(problems)
        now = datetime.now(UTC)
        user = User(
            username=username,
            full_name=full_name,
            role=role,
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
            after={"role": str(role), "scope": scope_code, "one_time": password is None},
        )
        return CreatedUser(user.id, generated)
