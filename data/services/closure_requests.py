"""The commune asks to end entry, the upper level confirms (closes) or declines.

One transaction each: authorize, write, audit, bump the data version. Confirming
closes the unit exactly as :func:`data.services.entry.close_entry` does, in the same
transaction as the request's new state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.clock import Clock
from data.db import Database
from data.models import ClosureRequest, ClosureRequestState, Unit
from data.permissions import Action
from data.services import audit
from data.services.actor import Actor
from data.services.common import (
    authorize,
    bump_version,
    closure_over,
    find_unit,
    for_update,
    load_election,
)
from data.services.entry import close_unit
from data.services.errors import Forbidden, InvalidRequest, ReasonRequired


@dataclass(frozen=True)
class RequestChange:
    changed: bool  # False: it already was so (an idempotent retry)
    request_id: int | None = None
    data_version: int | None = None


def _clean(reason: str | None) -> str | None:
    return reason.strip()[:500] if reason and reason.strip() else None


def _lock_unit(session: Session, unit: Unit) -> None:
    """Serialize writers on one unit's requests (SQLite already holds the write lock)."""
    session.scalar(for_update(session, select(Unit.id).where(Unit.id == unit.id)))


def _own_unit(session: Session, actor: Actor, election_id: int, unit_code: str) -> Unit:
    """The commune asking (or withdrawing), locked, once the actor may close its entry."""
    load_election(session, election_id)
    unit = find_unit(session, election_id, unit_code)
    authorize(session, election_id, actor, Action.CLOSE_ENTRY, unit)
    _lock_unit(session, unit)
    return unit


def _pending(session: Session, election_id: int, unit_id: int) -> ClosureRequest | None:
    return session.scalar(
        select(ClosureRequest).where(
            ClosureRequest.election_id == election_id,
            ClosureRequest.unit_id == unit_id,
            ClosureRequest.state == ClosureRequestState.REQUESTED,
        )
    )


def request_closure(
    db: Database,
    actor: Actor,
    election_id: int,
    unit_code: str,
    *,
    clock: Clock,
    reason: str | None = None,
) -> RequestChange:
    """Ask the upper level to close entry for ``unit_code`` (the actor's own commune)."""
    now = clock.now()
    with db.write() as session:
        unit = _own_unit(session, actor, election_id, unit_code)
        if closure_over(session, election_id, unit) is not None:
            return RequestChange(changed=False)
        pending = _pending(session, election_id, unit.id)
        if pending is not None:
            return RequestChange(changed=False, request_id=pending.id)
        why = _clean(reason)
        row = ClosureRequest(
            election_id=election_id,
            unit_id=unit.id,
            requested_by_id=actor.user_id,
            requested_at=now,
            reason=why,
            state=ClosureRequestState.REQUESTED,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "entry.close_requested",
            at=now,
            election_id=election_id,
            object_type="closure_request",
            object_key=f"{unit.code}/{row.id}",
            unit_path=unit.path,
            after={"state": str(ClosureRequestState.REQUESTED)},
            reason=why,
        )
        return RequestChange(
            changed=True, request_id=row.id, data_version=bump_version(session, election_id)
        )


def withdraw_closure_request(
    db: Database,
    actor: Actor,
    election_id: int,
    unit_code: str,
    *,
    clock: Clock,
    reason: str | None = None,
) -> RequestChange:
    """The commune takes back its pending request (e.g. a figure still needs fixing)."""
    now = clock.now()
    with db.write() as session:
        unit = _own_unit(session, actor, election_id, unit_code)
        pending = _pending(session, election_id, unit.id)
        if pending is None:
            return RequestChange(changed=False)
        return _decide(
            session,
            actor,
            election_id,
            pending,
            unit,
            ClosureRequestState.WITHDRAWN,
            now,
            _clean(reason),
        )


def _decidable(
    session: Session, election_id: int, actor: Actor, request_id: int
) -> tuple[ClosureRequest, Unit]:
    """The request, locked, once the actor is an upper level of its unit."""
    row = session.scalar(
        for_update(
            session,
            select(ClosureRequest).where(
                ClosureRequest.id == request_id, ClosureRequest.election_id == election_id
            ),
        )
    )
    unit = session.get(Unit, row.unit_id) if row is not None else None
    if row is None or unit is None:
        raise Forbidden()  # unknown and out-of-scope requests are refused alike
    # Deciding is the upper level's: the levels that may reopen the unit, and close it.
    authorize(session, election_id, actor, Action.REOPEN_ENTRY, unit)
    authorize(session, election_id, actor, Action.CLOSE_ENTRY, unit)
    return row, unit


def _already_decided(row: ClosureRequest) -> InvalidRequest:
    return InvalidRequest(
        field="request",
        detail_vi="Đề nghị này đã được xử lý trước đó.",
        detail_en="This request has already been decided.",
    )


def _decide(
    session: Session,
    actor: Actor,
    election_id: int,
    row: ClosureRequest,
    unit: Unit,
    state: ClosureRequestState,
    now: datetime,
    why: str | None,
) -> RequestChange:
    """Record the decision on a pending request (or the commune's withdrawal), audited."""
    row.state = state
    row.decided_by_id = actor.user_id
    row.decided_at = now
    session.flush()
    audit.record(
        session,
        actor,
        f"entry.close_request_{state.value}",
        at=now,
        election_id=election_id,
        object_type="closure_request",
        object_key=f"{unit.code}/{row.id}",
        unit_path=unit.path,
        before={"state": str(ClosureRequestState.REQUESTED)},
        after={"state": str(state)},
        reason=why,
    )
    return RequestChange(
        changed=True, request_id=row.id, data_version=bump_version(session, election_id)
    )


def confirm_closure_request(
    db: Database,
    actor: Actor,
    election_id: int,
    request_id: int,
    *,
    clock: Clock,
    reason: str | None = None,
) -> RequestChange:
    """Close entry for the request's unit and mark the request confirmed."""
    now = clock.now()
    with db.write() as session:
        load_election(session, election_id)
        row, unit = _decidable(session, election_id, actor, request_id)
        if row.state is ClosureRequestState.CONFIRMED:
            return RequestChange(changed=False, request_id=row.id)
        if row.state is not ClosureRequestState.REQUESTED:
            raise _already_decided(row)
        why = _clean(reason) or row.reason
        close_unit(
            session, actor, election_id, unit, now=now, reason=why, note={"request_id": row.id}
        )
        return _decide(
            session, actor, election_id, row, unit, ClosureRequestState.CONFIRMED, now, why
        )


def decline_closure_request(
    db: Database,
    actor: Actor,
    election_id: int,
    request_id: int,
    *,
    clock: Clock,
    reason: str | None,
) -> RequestChange:
    """Decline a request (entry stays open), always with a reason for the commune."""
    now = clock.now()
    with db.write() as session:
        load_election(session, election_id)
        row, unit = _decidable(session, election_id, actor, request_id)
        why = _clean(reason)
        if why is None:
            raise ReasonRequired(field="reason")
        if row.state is ClosureRequestState.DECLINED:
            return RequestChange(changed=False, request_id=row.id)
        if row.state is not ClosureRequestState.REQUESTED:
            raise _already_decided(row)
        return _decide(
            session, actor, election_id, row, unit, ClosureRequestState.DECLINED, now, why
        )
