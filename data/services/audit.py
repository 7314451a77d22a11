"""Append an AuditEvent row inside the caller's transaction (``actor`` None: anonymous)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditEvent
from data.services.actor import Actor


def record(
    session: Session,
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
) -> None:
    session.add(
        AuditEvent(
            election_id=election_id,
            at=at,
            user_id=actor.user_id if actor else None,
            username=actor.username if actor else "anonymous",
            role=str(actor.role) if actor else None,
            address=actor.address if actor else address,
            action=action,
            object_type=object_type,
            object_key=object_key,
            unit_path=unit_path,
            before=before,
            after=after,
            reason=reason,
        )
    )
