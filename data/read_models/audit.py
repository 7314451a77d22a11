"""The audit log for the audit page: newest first, limited to a scope, paginated by id.

A scoped viewer sees the events whose ``unit_path`` lies in their subtree; events
about no unit (logins, account changes, refusals) have no ``unit_path`` and are
seen only by viewers of the whole tree (``scope_path=None``: admin, national).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.models import AuditEvent

MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    election_id: int | None
    username: str | None
    role: str | None
    address: str | None
    action: str
    object_type: str | None
    object_key: str | None
    unit_path: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


def audit_events(
    session: Session,
    *,
    scope_path: str | None,
    election_id: int | None = None,
    action: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[AuditRow]:
    """Events newest first.

    ``scope_path``: a unit path (``VN/01/00004/``) or ``None`` for the whole log.
    ``action``: an exact action (``turnout.update``) or a family (``turnout``).
    ``username``: part of the username, any case. ``since`` inclusive, ``until``
    exclusive. ``before_id``: the last id of the previous page ("load more").
    """
    stmt = select(AuditEvent)
    if scope_path is not None:
        stmt = stmt.where(AuditEvent.unit_path.startswith(scope_path, autoescape=True))
    if election_id is not None:
        stmt = stmt.where(AuditEvent.election_id == election_id)
    if action:
        stmt = stmt.where(
            or_(
                AuditEvent.action == action,
                AuditEvent.action.startswith(action + ".", autoescape=True),
            )
        )
    if username and username.strip():
        stmt = stmt.where(AuditEvent.username.icontains(username.strip(), autoescape=True))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    return [
        AuditRow(
            id=e.id,
            at=e.at,
            election_id=e.election_id,
            username=e.username,
            role=e.role,
            address=e.address,
            action=e.action,
            object_type=e.object_type,
            object_key=e.object_key,
            unit_path=e.unit_path,
            before=e.before,
            after=e.after,
            reason=e.reason,
        )
        for e in session.scalars(stmt)
    ]
