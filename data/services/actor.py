"""Who is writing: passed to every write service by the web layer or the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from data.enums import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    scope_code: str  # unit code, resolved in each election's tree
    address: str | None = None  # where the request came from


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, scope_code="VN")
