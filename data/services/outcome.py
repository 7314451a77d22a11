"""What a successful save returns, and the warnings-need-confirmation rule (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data.models import Unit
from data.rules.findings import Finding, Severity
from data.services import audit
from data.services.actor import Actor
from data.services.common import bump_version
from data.services.errors import ReasonRequired, RuleErrors, WarningsNotConfirmed

ANY_VERSION = -1  # expected_version meaning "no precondition"


@dataclass(frozen=True)
class Saved:
    id: int
    version: int
    created: bool
    changed: bool  # False: identical to what was stored (an idempotent retry)
    warnings: list[Finding] = field(default_factory=list)  # confirmed warnings
    data_version: int | None = None  # the election's version after this write


def accept_findings(
    findings: Sequence[Finding], confirm: Iterable[str], reason: str | None
) -> list[str]:
    """Refuse on errors or on unconfirmed warnings; return the confirmed warning codes."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        raise RuleErrors(errors)
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if not warnings:
        return []
    confirmed = set(confirm)
    unconfirmed = [f for f in warnings if f.code not in confirmed]
    if unconfirmed:
        raise WarningsNotConfirmed(unconfirmed)
    if not reason or not reason.strip():
        raise ReasonRequired(field="reason")
    return sorted({f.code for f in warnings})


@dataclass(frozen=True)
class EntryWrite:
    """Where an entered record was written: for the stamp, the audit row and the answer."""

    session: Session
    actor: Actor
    scope: Unit  # the actor's scope unit
    unit: Unit  # the commune the record belongs to
    election_id: int
    now: datetime


def finish_entry_write(
    write: EntryWrite,
    row: Any,
    *,
    created: bool,
    kind: str,  # "turnout" or "tally": audit actions are KIND.create / KIND.update
    object_key: str,
    findings: Sequence[Finding],
    accepted: list[str],
    reason: str | None,
    before: dict[str, Any] | None,
    snapshot: Callable[[Any], dict[str, Any]],
    action: str | None = None,  # instead of KIND.create / KIND.update
) -> Saved:
    """Stamp who entered it (on behalf or not), audit before/after, bump the data version."""
    row.confirmed_warnings = accepted
    row.reason = reason if accepted else None
    row.entered_by_id = write.actor.user_id
    row.on_behalf = write.scope.id != write.unit.id
    row.updated_at = write.now
    write.session.flush()
    audit.record(
        write.session,
        write.actor,
        action or (f"{kind}.create" if created else f"{kind}.update"),
        at=write.now,
        election_id=write.election_id,
        object_type=row.__tablename__,
        object_key=object_key,
        unit_path=write.unit.path,
        before=before,
        after=snapshot(row),
        reason=reason,
    )
    return Saved(
        row.id,
        row.version,
        created=created,
        changed=True,
        warnings=[f for f in findings if f.code in accepted],
        data_version=bump_version(write.session, write.election_id),
    )
