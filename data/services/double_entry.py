"""The second, blind entry of a tally sheet and the commune committee's resolution."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from data.clock import Clock
from data.db import Database
from data.enums import DoubleCheck
from data.models import TallySecondEntry
from data.services.actor import Actor
from data.services.common import insert_or_none, username_of
from data.services.double_check import (
    DoubleEntryOff,
    FirstEntryMissing,
    NothingToResolve,
    SameOperator,
    SecondEntryTaken,
    double_entry_on,
    recheck,
    second_entry,
    set_state,
)
from data.services.errors import ReasonRequired, StaleVersion
from data.services.outcome import ANY_VERSION, EntryWrite, Saved, finish_entry_write
from data.services.tally import (
    SheetTarget,
    TallyInput,
    check_figures,
    prepare,
    snapshot,
    stored_sheet,
    values,
    write_figures,
)


def save_second_entry(
    db: Database,
    actor: Actor,
    election_id: int,
    sheet: TallyInput,
    *,
    clock: Clock,
    confirm: Iterable[str] = (),
    reason: str | None = None,
) -> Saved:
    """Store the blind second entry (or its author's correction) and compare it."""
    with db.write() as session:
        return _second(session, actor, election_id, sheet, clock.now(), confirm, reason)


def _second(
    session: Session,
    actor: Actor,
    election_id: int,
    sheet: TallyInput,
    now: datetime,
    confirm: Iterable[str],
    reason: str | None,
) -> Saved:
    target = _double_target(session, actor, election_id, sheet, now)
    first = stored_sheet(session, target.area.id, sheet.level)
    if first is None:
        raise FirstEntryMissing()
    if first.entered_by_id == actor.user_id:
        raise SameOperator()
    entry = second_entry(session, first)
    if entry is not None and entry.entered_by_id != actor.user_id:
        raise SecondEntryTaken(who=username_of(session, entry.entered_by_id) or "?")
    figures = sheet.snapshot()
    if entry is not None and entry.figures == figures:
        return Saved(entry.id, entry.version, created=False, changed=False)
    findings, accepted = check_figures(session, target, sheet, confirm, reason)
    before = _entry_snapshot(entry) if entry else None
    created = entry is None
    if entry is None:
        entry = insert_or_none(
            session,
            TallySecondEntry(
                election_id=election_id,
                sheet_id=first.id,
                figures=figures,
                created_at=now,
                updated_at=now,
            ),
        )
        if entry is None:  # another operator's second entry won the race
            return _second(session, actor, election_id, sheet, now, confirm, reason)
    else:
        entry.version += 1
        entry.figures = figures
    if first.double_check is not DoubleCheck.RESOLVED:
        recheck(target.election, first, values(first), entry)
    return finish_entry_write(
        EntryWrite(session, actor, target.scope, target.unit, election_id, now),
        entry,
        created=created,
        kind="tally.second",
        object_key=f"{target.area.code}/{sheet.level}",
        findings=findings,
        accepted=accepted,
        reason=reason,
        before=before,
        snapshot=_entry_snapshot,
    )


def resolve_differences(
    db: Database,
    actor: Actor,
    election_id: int,
    sheet: TallyInput,
    *,
    clock: Clock,
    reason: str | None,
    confirm: Iterable[str] = (),
    expected_version: int | None = ANY_VERSION,
) -> Saved:
    """The commune committee's figures, checked against the paper, replace both entries."""
    if not reason or not reason.strip():
        raise ReasonRequired(field="reason")
    with db.write() as session:
        now = clock.now()
        target = _double_target(session, actor, election_id, sheet, now)
        first = stored_sheet(session, target.area.id, sheet.level)
        if first is None:
            raise FirstEntryMissing()
        if first.double_check is not DoubleCheck.DIFFERS:
            raise NothingToResolve()
        if expected_version != ANY_VERSION and first.version != expected_version:
            raise StaleVersion(
                current=first.version,
                submitted=expected_version,
                stored=snapshot(first),
                sent=sheet.snapshot(),
            )
        entry = second_entry(session, first)
        findings, accepted = check_figures(session, target, sheet, confirm, reason)
        before = {"first": snapshot(first), "second": _entry_snapshot(entry) if entry else None}
        first.version += 1
        write_figures(first, sheet)
        set_state(first, DoubleCheck.RESOLVED)
        saved = finish_entry_write(
            EntryWrite(session, actor, target.scope, target.unit, election_id, now),
            first,
            created=False,
            kind="tally",
            action="tally.resolve",
            object_key=f"{target.area.code}/{sheet.level}",
            findings=findings,
            accepted=accepted,
            reason=reason,
            before=before,
            snapshot=snapshot,
        )
        # The resolution's reason is the committee's, whatever the warnings.
        first.reason = reason
        return saved


def _double_target(
    session: Session, actor: Actor, election_id: int, sheet: TallyInput, now: datetime
) -> SheetTarget:
    target = prepare(session, actor, election_id, sheet.polling_area, sheet.level, now)
    if not double_entry_on(target.election):
        raise DoubleEntryOff()
    return target


def _entry_snapshot(entry: TallySecondEntry) -> dict[str, object]:
    return {**entry.figures, "version": entry.version}
