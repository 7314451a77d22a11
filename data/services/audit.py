"""Append AuditEvent rows inside the caller's transaction (``actor`` None: anonymous)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditEvent
from data.services.actor import Actor
from data.services.bulk import insert_many


def event(
    actor: Actor | None,
    action: str,
    *,
    address: str | None = None,
    at: datetime,
    election_id: int | None = None,
    object_type: str | None = None,
    object_key: str | None = None,
    unit_path: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The columns of one audit row."""
    return {
        "election_id": election_id,
        "at": at,
        "user_id": actor.user_id if actor else None,
        "username": actor.username if actor else "anonymous",
        "role": str(actor.role) if actor else None,
        "address": actor.address if actor else address,
        "action": action,
        "object_type": object_type,
        "object_key": object_key,
        "unit_path": unit_path,
        "before": before,
        "after": after,
        "reason": reason,
    }


def record(session: Session, actor: Actor | None, action: str, **columns: Any) -> None:
    """One audit row; ``columns`` are :func:`event`'s keyword arguments."""
    session.add(AuditEvent(**event(actor, action, **columns)))


def record_many(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Many rows of :func:`event` in one statement (in this order)."""
    insert_many(session, AuditEvent.__table__, events)
