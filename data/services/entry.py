"""Close and reopen entry for a unit; grant a window exception. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data.clock import Clock
from data.db import Database
from data.models import EntryClosure, Unit, WindowException
from data.permissions import Action
from data.services import audit
from data.services.actor import Actor
from data.services.common import (
    authorize,
    bump_version,
    closure_over,
    find_unit,
    find_window,
    for_update,
    insert_or_none,
    load_election,
)
from data.services.errors import InvalidRequest, ReasonRequired


@dataclass(frozen=True)
class EntryChange:
    changed: bool  # False: it already was so (an idempotent retry)
    data_version: int | None = None


def _require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ReasonRequired(field="reason")
    return reason.strip()


def close_entry(
    db: Database,
    actor: Actor,
    election_id: int,
    unit_code: str,
    *,
    clock: Clock,
    reason: str | None = None,
) -> EntryChange:
    """End entry for a unit's whole subtree; only an upper level can reopen it."""
    now = clock.now()
    with db.write() as session:
        load_election(session, election_id)
        unit = find_unit(session, election_id, unit_code)
        authorize(session, election_id, actor, Action.CLOSE_ENTRY, unit)
        if not close_unit(session, actor, election_id, unit, now=now, reason=reason):
            return EntryChange(changed=False)
        return EntryChange(changed=True, data_version=bump_version(session, election_id))


def close_unit(
    session: Session,
    actor: Actor,
    election_id: int,
    unit: Unit,
    *,
    now: datetime,
    reason: str | None,
    note: dict[str, object] | None = None,
) -> bool:
    """Close entry for ``unit`` inside the caller's transaction, audited; False if it was."""
    if closure_over(session, election_id, unit) is not None:
        return False
    row = insert_or_none(
        session,
        EntryClosure(
            election_id=election_id,
            unit_id=unit.id,
            closed_at=now,
            closed_by_id=actor.user_id,
            reason=reason,
        ),
    )
    if row is None:  # closed concurrently
        return False
    audit.record(
        session,
        actor,
        "entry.close",
        at=now,
        election_id=election_id,
        object_type="unit",
        object_key=unit.code,
        unit_path=unit.path,
        after={"closed": True, **(note or {})},
        reason=reason,
    )
    return True


def reopen_entry(
    db: Database,
    actor: Actor,
    election_id: int,
    unit_code: str,
    *,
    clock: Clock,
    reason: str | None,
) -> EntryChange:
    """Reopen a closed unit: only a level above it, and always with a reason."""
    now = clock.now()
    with db.write() as session:
        load_election(session, election_id)
        unit = find_unit(session, election_id, unit_code)
        authorize(session, election_id, actor, Action.REOPEN_ENTRY, unit)
        why = _require_reason(reason)
        closure = session.scalar(
            for_update(
                session,
                select(EntryClosure).where(
                    EntryClosure.election_id == election_id, EntryClosure.unit_id == unit.id
                ),
            )
        )
        if closure is None:
            return EntryChange(changed=False)
        before = {
            "closed": True,
            "closed_at": closure.closed_at.isoformat(),
            "closed_by_id": closure.closed_by_id,
        }
        session.execute(delete(EntryClosure).where(EntryClosure.id == closure.id))
        audit.record(
            session,
            actor,
            "entry.reopen",
            at=now,
            election_id=election_id,
            object_type="unit",
            object_key=unit.code,
            unit_path=unit.path,
            before=before,
            after={"closed": False},
            reason=why,
        )
        return EntryChange(changed=True, data_version=bump_version(session, election_id))


def grant_window_exception(
    db: Database,
    actor: Actor,
    election_id: int,
    unit_code: str,
    window_key: str,
    until: datetime,
    *,
    clock: Clock,
    reason: str | None,
) -> EntryChange:
    """Let a late unit's subtree enter ``window_key`` after it closed, until ``until``."""
    now = clock.now()
    with db.write() as session:
        load_election(session, election_id)
        unit = find_unit(session, election_id, unit_code)
        window = find_window(session, election_id, window_key)
        authorize(session, election_id, actor, Action.GRANT_EXCEPTION, unit)
        why = _require_reason(reason)
        if until.tzinfo is None or until <= now or until <= window.closes_at:
            raise InvalidRequest(
                field="until",
                detail_vi="Thời hạn gia hạn phải sau giờ đóng của mốc báo cáo và sau hiện tại.",
                detail_en="The exception must end after the window closes and after now.",
            )
        row = session.scalar(
            for_update(
                session,
                select(WindowException).where(
                    WindowException.unit_id == unit.id, WindowException.window_id == window.id
                ),
            )
        )
        if row is not None and row.until == until:
            return EntryChange(changed=False)
        before = {"until": row.until.isoformat()} if row else None
        if row is None:
            row = insert_or_none(
                session,
                WindowException(
                    election_id=election_id,
                    unit_id=unit.id,
                    window_id=window.id,
                    until=until,
                    granted_at=now,
                    reason=why,
                ),
            )
            if row is None:  # granted concurrently by someone else: theirs stands
                return EntryChange(changed=False)
        row.until = until
        row.granted_by_id = actor.user_id
        row.granted_at = now
        row.reason = why
        session.flush()
        audit.record(
            session,
            actor,
            "window.exception",
            at=now,
            election_id=election_id,
            object_type="window_exception",
            object_key=f"{unit.code}/{window.key}",
            unit_path=unit.path,
            before=before,
            after={"until": until.isoformat()},
            reason=why,
        )
        return EntryChange(changed=True, data_version=bump_version(session, election_id))
