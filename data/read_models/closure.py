"""What the "end entry" page reads: each commune's completeness and closure state, the
closure requests, the closures and the window exceptions in a scope. Plain values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data.enums import Level, UnitKind
from data.models import (
    ClosureRequest,
    ClosureRequestState,
    EntryClosure,
    ReportingWindow,
    Unit,
    User,
    WindowException,
)
from data.read_models.progress import commune_completeness
from data.services.common import path_prefixes


@dataclass(frozen=True)
class ClosureInfo:
    unit_code: str
    unit_name: str
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class RequestInfo:
    id: int
    unit_code: str
    unit_name: str
    state: ClosureRequestState
    requested_by: str
    requested_at: datetime
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class MissingWindow:
    key: str
    due_at: datetime
    reported: int
    expected: int


@dataclass(frozen=True)
class MissingSheets:
    level: Level
    sheets_in: int
    sheets_expected: int


@dataclass(frozen=True)
class CommuneClosure:
    code: str
    name: str
    polling_areas: int
    missing_windows: tuple[MissingWindow, ...]
    missing_sheets: tuple[MissingSheets, ...]
    closure: ClosureInfo | None  # on the commune or a unit above it
    pending: RequestInfo | None

    @property
    def complete(self) -> bool:
        return not self.missing_windows and not self.missing_sheets


@dataclass(frozen=True)
class ExceptionInfo:
    unit_code: str
    unit_name: str
    window_key: str
    window_due_at: datetime
    until: datetime
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    kind: UnitKind


def _scope(session: Session, election_id: int, scope_code: str) -> Unit | None:
    return session.scalar(
        select(Unit).where(Unit.election_id == election_id, Unit.code == scope_code)
    )


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def closures_over_scope(
    session: Session, election_id: int, scope_code: str
) -> dict[str, ClosureInfo]:
    """Closures on a unit of the scope's subtree or on one of its ancestors, by unit path."""
    scope = _scope(session, election_id, scope_code)
    if scope is None:
        return {}
    rows = session.execute(
        select(EntryClosure, Unit)
        .join(Unit, Unit.id == EntryClosure.unit_id)
        .where(
            EntryClosure.election_id == election_id,
            Unit.path.startswith(scope.path, autoescape=True)
            | Unit.path.in_(path_prefixes(scope.path)),
        )
    ).all()
    users = _names(session, {c.closed_by_id for c, _ in rows})
    return {
        u.path: ClosureInfo(
            u.code, u.name, users.get(c.closed_by_id or -1, "hệ thống"), c.closed_at, c.reason
        )
        for c, u in rows
    }


def closure_for(closures: dict[str, ClosureInfo], path: str) -> ClosureInfo | None:
    """The closure that holds for the unit at ``path`` (the highest one above it)."""
    for prefix in path_prefixes(path):
        if prefix in closures:
            return closures[prefix]
    return None


def requests_in_scope(
    session: Session,
    election_id: int,
    scope_code: str,
    *,
    only_pending: bool = False,
    limit: int = 100,
) -> list[RequestInfo]:
    """Closure requests on units of the scope's subtree, newest first."""
    scope = _scope(session, election_id, scope_code)
    if scope is None:
        return []
    asker, decider = aliased(User), aliased(User)
    query = (
        select(ClosureRequest, Unit.code, Unit.name, asker.username, decider.username)
        .join(Unit, Unit.id == ClosureRequest.unit_id)
        .outerjoin(asker, asker.id == ClosureRequest.requested_by_id)
        .outerjoin(decider, decider.id == ClosureRequest.decided_by_id)
        .where(
            ClosureRequest.election_id == election_id,
            Unit.path.startswith(scope.path, autoescape=True),
        )
        .order_by(ClosureRequest.requested_at.desc(), ClosureRequest.id.desc())
        .limit(limit)
    )
    if only_pending:
        query = query.where(ClosureRequest.state == ClosureRequestState.REQUESTED)
    return [
        RequestInfo(
            r.id,
            code,
            name,
            r.state,
            by or "—",
            r.requested_at,
            r.reason,
            decided,
            r.decided_at,
        )
        for r, code, name, by, decided in session.execute(query)
    ]


def request_unit_code(session: Session, election_id: int, request_id: object) -> str | None:
    """The code of the unit a request is about (None if there is no such request)."""
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        return None
    if not 0 < request_id < 2**31:
        return None
    return session.scalar(
        select(Unit.code)
        .join(ClosureRequest, ClosureRequest.unit_id == Unit.id)
        .where(ClosureRequest.id == request_id, ClosureRequest.election_id == election_id)
    )


def commune_closures(
    session: Session, election_id: int, scope_code: str, now: datetime
) -> list[CommuneClosure]:
    """Per commune in scope: what is still missing, whether closed (by whom), any request."""
    completeness = commune_completeness(session, election_id, scope_code)
    due = dict(
        session.execute(
            select(ReportingWindow.key, ReportingWindow.due_at).where(
                ReportingWindow.election_id == election_id
            )
        ).all()
    )
    closures = closures_over_scope(session, election_id, scope_code)
    pending = {
        r.unit_code: r
        for r in reversed(requests_in_scope(session, election_id, scope_code, only_pending=True))
    }
    out = []
    for c in completeness:
        windows = tuple(
            MissingWindow(w.key, due[w.key], w.reported, w.expected)
            for w in c.reported
            if w.reported < w.expected and w.key in due
        )
        sheets = tuple(
            MissingSheets(lc.level, lc.sheets_in, lc.sheets_expected)
            for lc in c.counting
            if lc.sheets_expected and not lc.complete
        )
        out.append(
            CommuneClosure(
                code=c.code,
                name=c.name,
                polling_areas=c.polling_areas,
                missing_windows=windows,
                missing_sheets=sheets,
                closure=closure_for(closures, c.path),
                pending=pending.get(c.code),
            )
        )
    return out


def closable_units(session: Session, election_id: int, scope_code: str) -> list[UnitChoice]:
    """The scope unit and every unit below it (nation excluded), in tree order."""
    scope = _scope(session, election_id, scope_code)
    if scope is None:
        return []
    rows = session.scalars(
        select(Unit)
        .where(
            Unit.election_id == election_id,
            Unit.path.startswith(scope.path, autoescape=True),
            Unit.kind != UnitKind.NATION,
        )
        .order_by(Unit.path)
    )
    return [UnitChoice(u.code, u.name, u.kind) for u in rows]


def exceptions_in_scope(
    session: Session, election_id: int, scope_code: str, *, limit: int = 200
) -> list[ExceptionInfo]:
    """Window exceptions granted on units of the scope's subtree, latest first."""
    scope = _scope(session, election_id, scope_code)
    if scope is None:
        return []
    rows = session.execute(
        select(WindowException, Unit.code, Unit.name, ReportingWindow.key, ReportingWindow.due_at)
        .join(Unit, Unit.id == WindowException.unit_id)
        .join(ReportingWindow, ReportingWindow.id == WindowException.window_id)
        .where(
            WindowException.election_id == election_id,
            Unit.path.startswith(scope.path, autoescape=True),
        )
        .order_by(WindowException.granted_at.desc(), WindowException.id.desc())
        .limit(limit)
    ).all()
    users = _names(session, {x.granted_by_id for x, *_ in rows})
    return [
        ExceptionInfo(
            code,
            name,
            key,
            due_at,
            x.until,
            users.get(x.granted_by_id or -1, "hệ thống"),
            x.granted_at,
            x.reason,
        )
        for x, code, name, key, due_at in rows
    ]
