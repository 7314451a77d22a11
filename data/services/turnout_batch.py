"""Store turnout reports (báo cáo tiến độ) in one transaction: a whole batch, or one report.

Every item is judged exactly as a single save is — not found, scope, closed
entry, window time (T05), unchanged, stale version, then the rules R01/T01–T06
and warnings needing confirmation — against the database as the items before it
left it. The facts the items need are loaded once (:mod:`turnout_facts`); the
changes are written together in one savepoint, audited in one statement, and the
data version is bumped once for the batch. If that savepoint fails (a concurrent
writer stored one of the reports first, or the database refused a row), the
batch is judged again from fresh facts and each item written in a savepoint of
its own, so only the item the database refuses is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from data.clock import LOCAL_TZ, Clock
from data.db import Database
from data.enums import WindowKind
from data.models import TurnoutReport
from data.permissions import Action, allows
from data.rules.findings import Finding
from data.rules.turnout import TurnoutFigures, check_turnout, check_window_time
from data.services import audit
from data.services.actor import Actor
from data.services.bulk import insert_many, update_many
from data.services.common import bump_version
from data.services.errors import (
    EntryClosed,
    Forbidden,
    NotFound,
    ServiceError,
    StaleVersion,
    WindowClosed,
)
from data.services.outcome import ANY_VERSION, Saved, accept_findings
from data.services.turnout_facts import AreaFacts, ReportState, Slot, TurnoutFacts, WindowFacts


@dataclass(frozen=True)
class TurnoutInput:
    polling_area: str  # code
    window: str  # key
    voted_total: int
    voted_male: int | None = None
    voted_female: int | None = None

    @property
    def figures(self) -> TurnoutFigures:
        return TurnoutFigures(self.voted_total, self.voted_male, self.voted_female)


@dataclass(frozen=True)
class TurnoutItem:
    """One report to store, with what a single save takes besides the figures."""

    report: TurnoutInput
    confirm: tuple[str, ...] = ()  # warning codes the sender confirms…
    reason: str | None = None  # …and why
    # The version the client edited (None: it saw no report yet; ANY_VERSION: no precondition).
    expected_version: int | None = ANY_VERSION


# Per item: what a single save would have returned (Saved), refused with (ServiceError),
# or — the database refused this item's row — the database error.
ItemOutcome = Saved | ServiceError | DBAPIError


def submit_turnout_batch(
    db: Database,
    actor: Actor,
    election_id: int,
    items: Sequence[TurnoutItem],
    *,
    clock: Clock,
) -> list[ItemOutcome]:
    """Judge and store ``items`` in order, in one transaction; one outcome per item."""
    if not items:
        return []
    now = clock.now()
    with db.write() as session:
        return store_batch(session, actor, election_id, items, now)


def store_batch(
    session: Session, actor: Actor, election_id: int, items: Sequence[TurnoutItem], now: datetime
) -> list[ItemOutcome]:
    """:func:`submit_turnout_batch` inside the caller's transaction."""
    facts = _load(session, actor, election_id, items)
    verdicts: list[_Verdict | ServiceError | DBAPIError] = []
    for item in items:
        try:
            verdict = judge(facts, actor, item, now)
        except ServiceError as refused:
            verdicts.append(refused)
            continue
        if isinstance(verdict, _Change):
            _settle(facts, verdict)
        verdicts.append(verdict)
    changes = [v for v in verdicts if isinstance(v, _Change)]
    try:
        if changes:
            with session.begin_nested():
                _store(session, actor, election_id, changes, now)
    except DBAPIError:
        verdicts = _one_by_one(session, actor, election_id, items, now)
    return _outcomes(session, election_id, verdicts)


# ------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class _Unchanged:
    slot: Slot
    version: int


@dataclass(frozen=True)
class _Change:
    area: AreaFacts
    window: WindowFacts
    slot: Slot  # the stored report, or a new one (``id`` None)
    before: ReportState | None  # None: this item creates the report
    after: ReportState
    warnings: list[Finding]  # the confirmed ones
    reason: str | None


_Verdict = _Unchanged | _Change


def judge(facts: TurnoutFacts, actor: Actor, item: TurnoutItem, now: datetime) -> _Verdict:
    """What storing ``item`` would do, in the single save's order of checks; raises refusals."""
    report = item.report
    if not facts.election_found:
        raise NotFound(what="cuộc bầu cử", what_en="Election")
    area = facts.areas.get(report.polling_area)
    if area is None:
        raise NotFound(
            what=f"khu vực bỏ phiếu {report.polling_area}",
            what_en=f"Polling area {report.polling_area}",
        )
    window = facts.windows.get(report.window)
    if window is None:
        raise NotFound(
            what=f"mốc báo cáo {report.window}", what_en=f"Reporting window {report.window}"
        )
    if window.kind is not WindowKind.TURNOUT:
        raise NotFound(what=f"mốc báo cáo {report.window}", what_en=f"Window {report.window}")
    if (
        not facts.user_active
        or facts.scope_path is None
        or not allows(actor.role, Action.ENTER, facts.scope_path, area.unit_path)
    ):
        raise Forbidden()
    closure = facts.closure_over(area)
    if closure is not None:
        raise EntryClosed(unit=closure.unit_name, by=closure.closed_by or "hệ thống")
    late = check_window_time(
        now, window.opens_at, window.closes_at, facts.exception_until(area, window)
    )
    if late:
        raise WindowClosed(late)

    slot = facts.reports.get((area.id, window.id))
    existing = slot.state if slot is not None else None
    if slot is not None and slot.state.figures == report.figures:
        return _Unchanged(slot, slot.state.version)
    _check_version(existing, item.expected_version, report)
    findings = check_turnout(
        report.figures,
        area.registered,
        facts.previous(area, window),
        due_at=window.due_at.astimezone(LOCAL_TZ).time(),
    )
    accepted = accept_findings(findings, item.confirm, item.reason)
    after = ReportState(
        report.voted_total,
        report.voted_male,
        report.voted_female,
        version=existing.version + 1 if existing else 1,
        confirmed_warnings=tuple(accepted),
        reason=item.reason if accepted else None,
        entered_by_id=actor.user_id,
        on_behalf=facts.scope_id != area.unit_id,
    )
    return _Change(
        area,
        window,
        slot if slot is not None else Slot(area.id, window.id, after),
        existing,
        after,
        [f for f in findings if f.code in accepted],
        item.reason,
    )


def _check_version(
    existing: ReportState | None, expected: int | None, report: TurnoutInput
) -> None:
    if expected == ANY_VERSION:
        return
    current = existing.version if existing else None
    if current != expected:
        raise StaleVersion(
            current=current or 0,
            submitted=expected,
            stored=snapshot(existing) if existing else {},
            sent={
                "voted_total": report.voted_total,
                "voted_male": report.voted_male,
                "voted_female": report.voted_female,
            },
        )


def snapshot(state: ReportState) -> dict[str, object]:
    """A report as the audit log and a stale refusal show it."""
    return {
        "voted_total": state.voted_total,
        "voted_male": state.voted_male,
        "voted_female": state.voted_female,
        "version": state.version,
        "confirmed_warnings": list(state.confirmed_warnings),
    }


def _load(
    session: Session, actor: Actor, election_id: int, items: Sequence[TurnoutItem]
) -> TurnoutFacts:
    pairs = [(i.report.polling_area, i.report.window) for i in items]
    return TurnoutFacts.load(session, actor, election_id, pairs)


def _settle(facts: TurnoutFacts, change: _Change) -> None:
    """The items after this one see the report as it leaves it."""
    change.slot.state = change.after
    facts.reports[(change.area.id, change.window.id)] = change.slot


# ------------------------------------------------------------------------- writing


def _store(
    session: Session, actor: Actor, election_id: int, changes: Sequence[_Change], now: datetime
) -> None:
    """Write each touched report's last state (new ones in key order, so concurrent
    batches lock keys in the same order), then one audit row per change, in order."""
    last: dict[Slot, _Change] = {change.slot: change for change in changes}
    new = sorted(
        (c for c in last.values() if c.slot.id is None),
        key=lambda c: (c.slot.area_id, c.slot.window_id),
    )
    table = TurnoutReport.__table__
    inserted = insert_many(
        session,
        table,
        [
            {
                "election_id": election_id,
                "polling_area_id": c.area.id,
                "window_id": c.window.id,
                **_columns(c.after, now),
                "created_at": now,
            }
            for c in new
        ],
        returning=(table.c.id, table.c.polling_area_id, table.c.window_id),
    )
    ids = {(area_id, window_id): row_id for row_id, area_id, window_id in inserted}
    update_many(
        session,
        table,
        [
            {"id": c.slot.id, **_columns(c.after, now)}
            for c in last.values()
            if c.slot.id is not None
        ],
    )
    audit.record_many(
        session,
        [
            audit.event(
                actor,
                "turnout.create" if c.before is None else "turnout.update",
                at=now,
                election_id=election_id,
                object_type=TurnoutReport.__tablename__,
                object_key=f"{c.area.code}/{c.window.key}",
                unit_path=c.area.unit_path,
                before=snapshot(c.before) if c.before is not None else None,
                after=snapshot(c.after),
                reason=c.reason,
            )
            for c in changes
        ],
    )
    for c in new:
        c.slot.id = ids[(c.area.id, c.window.id)]


def _columns(state: ReportState, now: datetime) -> dict[str, object]:
    return {
        "voted_total": state.voted_total,
        "voted_male": state.voted_male,
        "voted_female": state.voted_female,
        "version": state.version,
        "confirmed_warnings": list(state.confirmed_warnings),
        "reason": state.reason,
        "entered_by_id": state.entered_by_id,
        "on_behalf": state.on_behalf,
        "updated_at": now,
    }


def _one_by_one(
    session: Session, actor: Actor, election_id: int, items: Sequence[TurnoutItem], now: datetime
) -> list[_Verdict | ServiceError | DBAPIError]:
    facts = _load(session, actor, election_id, items)
    return [_judge_and_store(session, facts, actor, election_id, item, now) for item in items]


def _judge_and_store(
    session: Session,
    facts: TurnoutFacts,
    actor: Actor,
    election_id: int,
    item: TurnoutItem,
    now: datetime,
    *,
    retry: bool = True,
) -> _Verdict | ServiceError | DBAPIError:
    try:
        verdict = judge(facts, actor, item, now)
    except ServiceError as refused:
        return refused
    if isinstance(verdict, _Unchanged):
        return verdict
    try:
        with session.begin_nested():
            _store(session, actor, election_id, [verdict], now)
    except IntegrityError as error:
        if not retry:
            return error
        # A concurrent writer stored this report first and has committed: judge ours
        # against theirs (identical → unchanged; otherwise an update or a stale refusal).
        facts.reload_area(session, verdict.area)
        return _judge_and_store(session, facts, actor, election_id, item, now, retry=False)
    except DBAPIError as error:
        return error
    _settle(facts, verdict)
    return verdict


def _outcomes(
    session: Session, election_id: int, verdicts: Sequence[_Verdict | ServiceError | DBAPIError]
) -> list[ItemOutcome]:
    changed = any(isinstance(v, _Change) for v in verdicts)
    version = bump_version(session, election_id) if changed else None
    outcomes: list[ItemOutcome] = []
    for v in verdicts:
        if isinstance(v, _Change):
            assert v.slot.id is not None  # stored above
            outcomes.append(
                Saved(
                    v.slot.id,
                    v.after.version,
                    created=v.before is None,
                    changed=True,
                    warnings=v.warnings,
                    data_version=version,
                )
            )
        elif isinstance(v, _Unchanged):
            assert v.slot.id is not None
            outcomes.append(Saved(v.slot.id, v.version, created=False, changed=False))
        else:
            outcomes.append(v)
    return outcomes
