"""Accounts for the admin pages: the user list and the units an account can be scoped to.

A user's scope is a unit code resolved inside each election's tree; names are
shown from the newest election (the one being prepared or run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data.enums import Role, UnitKind
from data.models import Election, Unit, User


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    phone: str | None
    role: Role
    scope_code: str
    scope_name: str | None  # None when the newest election has no such unit
    is_active: bool
    must_change_password: bool
    created_at: datetime | None


@dataclass(frozen=True)
class ScopeChoice:
    code: str
    name: str
    kind: UnitKind


def newest_election_id(session: Session) -> int | None:
    return session.scalar(
        select(Election.id).order_by(Election.date.desc(), Election.id.desc()).limit(1)
    )


def list_users(
    session: Session,
    *,
    search: str | None = None,
    role: Role | str | None = None,
    active: bool | None = None,
    limit: int | None = None,
) -> list[UserRow]:
    """Users ordered by username; ``search`` matches username, full name or scope code."""
    eid = newest_election_id(session)
    stmt = select(User, Unit.name).outerjoin(
        Unit, and_(Unit.election_id == eid, Unit.code == User.scope_code)
    )
    text = (search or "").strip()
    if text:
        stmt = stmt.where(
            or_(
                User.username.icontains(text, autoescape=True),
                User.full_name.icontains(text, autoescape=True),
                User.scope_code.icontains(text, autoescape=True),
                Unit.name.icontains(text, autoescape=True),
            )
        )
    if role:
        stmt = stmt.where(User.role == Role(role))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    stmt = stmt.order_by(User.username)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_row(user, unit_name) for user, unit_name in session.execute(stmt)]


def get_user(session: Session, user_id: int) -> UserRow | None:
    eid = newest_election_id(session)
    row = session.execute(
        select(User, Unit.name)
        .outerjoin(Unit, and_(Unit.election_id == eid, Unit.code == User.scope_code))
        .where(User.id == user_id)
    ).first()
    if row is None:
        return None
    return _row(row[0], row[1])


def _row(user: User, unit_name: str | None) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        phone=user.phone,
        role=Role(user.role),
        scope_code=user.scope_code,
        scope_name=unit_name,
        is_active=user.is_active,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
    )


def scope_choices(session: Session, kinds: tuple[UnitKind, ...] | None = None) -> list[ScopeChoice]:
    """Units of the newest election (tree order), optionally only of some kinds."""
    eid = newest_election_id(session)
    if eid is None:
        return []
    stmt = select(Unit.code, Unit.name, Unit.kind).where(Unit.election_id == eid)
    if kinds:
        stmt = stmt.where(Unit.kind.in_(kinds))
    return [
        ScopeChoice(code, name, UnitKind(kind))
        for code, name, kind in session.execute(stmt.order_by(Unit.path))
    ]
