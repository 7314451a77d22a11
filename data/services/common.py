"""Look-ups and checks shared by the write services (all inside the caller's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import (
    Election,
    EntryClosure,
    PollingArea,
    ReportingWindow,
    Unit,
    User,
    WindowException,
)
from data.permissions import Action, allows
from data.rules.turnout import check_window_time
from data.services.actor import Actor
from data.services.errors import EntryClosed, Forbidden, NotFound, WindowClosed


def path_prefixes(path: str) -> list[str]:
    """``"VN/01/00004/"`` → ``["VN/", "VN/01/", "VN/01/00004/"]`` (the unit and its ancestors)."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def for_update(session: Session, stmt: Select) -> Select:
    # SQLite writers already hold the database write lock (BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update()
    return stmt


def load_election(session: Session, election_id: int) -> Election:
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound(what="cuộc bầu cử", what_en="Election")
    return election


def find_unit(session: Session, election_id: int, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.election_id == election_id, Unit.code == code))
    if unit is None:
        raise NotFound(what=f"đơn vị {code}", what_en=f"Unit {code}")
    return unit


def find_area(session: Session, election_id: int, code: str) -> tuple[PollingArea, Unit]:
    row = session.execute(
        select(PollingArea, Unit)
        .join(Unit, PollingArea.unit_id == Unit.id)
        .where(PollingArea.election_id == election_id, PollingArea.code == code)
    ).first()
    if row is None:
        raise NotFound(what=f"khu vực bỏ phiếu {code}", what_en=f"Polling area {code}")
    return row[0], row[1]


def find_window(session: Session, election_id: int, key: str) -> ReportingWindow:
    window = session.scalar(
        select(ReportingWindow).where(
            ReportingWindow.election_id == election_id, ReportingWindow.key == key
        )
    )
    if window is None:
        raise NotFound(what=f"mốc báo cáo {key}", what_en=f"Reporting window {key}")
    return window


def authorize(
    session: Session, election_id: int, actor: Actor, action: Action, target: Unit
) -> Unit:
    """The actor's scope unit, once ``action`` on ``target`` is allowed; else Forbidden."""
    scope = session.scalar(
        select(Unit).where(Unit.election_id == election_id, Unit.code == actor.scope_code)
    )
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is None or not user.is_active:
            raise Forbidden()
    if scope is None or not allows(actor.role, action, scope.path, target.path):
        raise Forbidden()
    return scope


def username_of(session: Session, user_id: int | None) -> str:
    """The username of ``user_id``; "" for none."""
    if user_id is None:
        return ""
    return session.scalar(select(User.username).where(User.id == user_id)) or ""


def closure_over(session: Session, election_id: int, unit: Unit) -> EntryClosure | None:
    """The closure on ``unit`` or on any unit above it, if entry is closed there."""
    return session.scalar(
        select(EntryClosure)
        .join(Unit, EntryClosure.unit_id == Unit.id)
        .where(EntryClosure.election_id == election_id, Unit.path.in_(path_prefixes(unit.path)))
        .order_by(Unit.depth)
        .limit(1)
    )


def ensure_entry_open(session: Session, election: Election, unit: Unit) -> None:
    closure = closure_over(session, election.id, unit)
    if closure is not None:
        closed_unit = session.get(Unit, closure.unit_id)
        who = session.get(User, closure.closed_by_id) if closure.closed_by_id else None
        raise EntryClosed(
            unit=closed_unit.name if closed_unit else unit.name,
            by=who.username if who else "hệ thống",
        )


def exception_until(
    session: Session, election_id: int, unit: Unit, window_id: int
) -> datetime | None:
    return session.scalar(
        select(WindowException.until)
        .join(Unit, WindowException.unit_id == Unit.id)
        .where(
            WindowException.election_id == election_id,
            WindowException.window_id == window_id,
            Unit.path.in_(path_prefixes(unit.path)),
        )
        .order_by(WindowException.until.desc())
        .limit(1)
    )


def ensure_window_open(
    session: Session, election_id: int, unit: Unit, window: ReportingWindow, now: datetime
) -> None:
    until = exception_until(session, election_id, unit, window.id)
    findings = check_window_time(now, window.opens_at, window.closes_at, until)
    if findings:
        raise WindowClosed(findings)


def bump_version(session: Session, election_id: int) -> int:
    """The per-election data version every committed write increments (DESIGN §3)."""
    return session.execute(
        update(Election)
        .where(Election.id == election_id)
        .values(data_version=Election.data_version + 1)
        .returning(Election.data_version)
    ).scalar_one()


Row = TypeVar("Row")


def insert_or_none(session: Session, row: Row) -> Row | None:
    """Insert in a savepoint; ``None`` when a unique key says a concurrent writer won."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row
