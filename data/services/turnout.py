"""Submit a turnout report (báo cáo tiến độ) or an opening report: one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.clock import LOCAL_TZ, Clock
from data.db import Database
from data.enums import WindowKind
from data.models import OpeningReport, ReportingWindow, TurnoutReport
from data.permissions import Action
from data.rules.turnout import Registered, TurnoutFigures, check_turnout
from data.services import audit
from data.services.actor import Actor
from data.services.common import (
    authorize,
    bump_version,
    ensure_entry_open,
    ensure_window_open,
    find_area,
    find_window,
    for_update,
    insert_or_none,
    load_election,
)
from data.services.errors import InvalidRequest, NotFound, StaleVersion
from data.services.outcome import (
    ANY_VERSION,
    EntryWrite,
    Saved,
    accept_findings,
    finish_entry_write,
)


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


def submit_turnout(
    db: Database,
    actor: Actor,
    election_id: int,
    report: TurnoutInput,
    *,
    clock: Clock,
    confirm: Iterable[str] = (),
    reason: str | None = None,
    expected_version: int | None = ANY_VERSION,
) -> Saved:
    """Validate and store one cumulative turnout figure.

    ``expected_version``: the version the client edited (``None`` = it saw no
    report yet; :data:`ANY_VERSION` = no precondition). Sending the same figures
    again changes nothing and returns the stored version.
    """
    with db.write() as session:
        return _submit(
            session, actor, election_id, report, clock.now(), confirm, reason, expected_version
        )


def _submit(
    session: Session,
    actor: Actor,
    election_id: int,
    report: TurnoutInput,
    now: datetime,
    confirm: Iterable[str],
    reason: str | None,
    expected_version: int | None,
) -> Saved:
    election = load_election(session, election_id)
    area, unit = find_area(session, election_id, report.polling_area)
    window = find_window(session, election_id, report.window)
    if window.kind is not WindowKind.TURNOUT:
        raise NotFound(what=f"mốc báo cáo {report.window}", what_en=f"Window {report.window}")
    scope = authorize(session, election_id, actor, Action.ENTER, unit)
    ensure_entry_open(session, election, unit)
    ensure_window_open(session, election_id, unit, window, now)

    existing = _existing(session, area.id, window.id)
    if existing is not None and _same(existing, report):
        return Saved(existing.id, existing.version, created=False, changed=False)
    _check_version(existing, expected_version, report)

    findings = check_turnout(
        report.figures,
        Registered(area.registered_total, area.registered_male, area.registered_female),
        _previous(session, area.id, window),
        due_at=window.due_at.astimezone(LOCAL_TZ).time(),
    )
    accepted = accept_findings(findings, confirm, reason)
    before = _snapshot(existing) if existing else None
    if existing is None:
        existing = insert_or_none(
            session,
            TurnoutReport(
                election_id=election_id,
                polling_area_id=area.id,
                window_id=window.id,
                voted_total=report.voted_total,
                created_at=now,
                updated_at=now,
            ),
        )
        if existing is None:
            # A concurrent writer created it first and has committed: judge ours
            # against theirs (identical → nothing to do; otherwise a version check).
            return _submit(
                session, actor, election_id, report, now, confirm, reason, expected_version
            )
        created = True
    else:
        existing.version += 1
        created = False
    existing.voted_total = report.voted_total
    existing.voted_male = report.voted_male
    existing.voted_female = report.voted_female
    return finish_entry_write(
        EntryWrite(session, actor, scope, unit, election_id, now),
        existing,
        created=created,
        kind="turnout",
        object_key=f"{area.code}/{window.key}",
        findings=findings,
        accepted=accepted,
        reason=reason,
        before=before,
        snapshot=_snapshot,
    )


def _existing(session: Session, area_id: int, window_id: int) -> TurnoutReport | None:
    stmt = select(TurnoutReport).where(
        TurnoutReport.polling_area_id == area_id, TurnoutReport.window_id == window_id
    )
    return session.scalar(for_update(session, stmt))


def _previous(session: Session, area_id: int, window: ReportingWindow) -> TurnoutFigures | None:
    row = session.execute(
        select(TurnoutReport.voted_total, TurnoutReport.voted_male, TurnoutReport.voted_female)
        .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
        .where(
            TurnoutReport.polling_area_id == area_id,
            ReportingWindow.election_id == window.election_id,
            ReportingWindow.position < window.position,
        )
        .order_by(ReportingWindow.position.desc())
        .limit(1)
    ).first()
    return TurnoutFigures(row[0], row[1], row[2]) if row else None


def _same(row: TurnoutReport, report: TurnoutInput) -> bool:
    return (row.voted_total, row.voted_male, row.voted_female) == (
        report.voted_total,
        report.voted_male,
        report.voted_female,
    )


def _check_version(
    existing: TurnoutReport | None, expected: int | None, report: TurnoutInput
) -> None:
    if expected == ANY_VERSION:
        return
    current = existing.version if existing else None
    if current != expected:
        raise StaleVersion(
            current=current or 0,
            submitted=expected,
            stored=_snapshot(existing) if existing else {},
            sent={
                "voted_total": report.voted_total,
                "voted_male": report.voted_male,
                "voted_female": report.voted_female,
            },
        )


def _snapshot(row: TurnoutReport) -> dict[str, object]:
    return {
        "voted_total": row.voted_total,
        "voted_male": row.voted_male,
        "voted_female": row.voted_female,
        "version": row.version,
        "confirmed_warnings": list(row.confirmed_warnings or []),
    }


def submit_opening(
    db: Database,
    actor: Actor,
    election_id: int,
    polling_area: str,
    opened_at: datetime,
    *,
    clock: Clock,
    expected_version: int | None = ANY_VERSION,
) -> Saved:
    """Record when a polling area opened (the opening window, e.g. 06:45–07:15)."""
    now = clock.now()
    with db.write() as session:
        election = load_election(session, election_id)
        area, unit = find_area(session, election_id, polling_area)
        window = session.scalar(
            select(ReportingWindow).where(
                ReportingWindow.election_id == election_id,
                ReportingWindow.kind == WindowKind.OPENING,
            )
        )
        if window is None:
            raise NotFound(what="mốc báo cáo khai mạc", what_en="Opening window")
        scope = authorize(session, election_id, actor, Action.ENTER, unit)
        ensure_entry_open(session, election, unit)
        ensure_window_open(session, election_id, unit, window, now)
        if opened_at.tzinfo is None or opened_at.astimezone(LOCAL_TZ).date() != election.date:
            raise InvalidRequest(
                field="opened_at",
                detail_vi="Giờ khai mạc phải là một thời điểm trong ngày bầu cử.",
                detail_en="The opening time must be a moment on election day.",
            )
        if opened_at > now:
            raise InvalidRequest(
                field="opened_at",
                detail_vi="Giờ khai mạc không thể ở sau thời điểm hiện tại.",
                detail_en="The opening time cannot be in the future.",
            )
        row = session.scalar(
            for_update(
                session, select(OpeningReport).where(OpeningReport.polling_area_id == area.id)
            )
        )
        if row is not None and row.opened_at == opened_at:
            return Saved(row.id, row.version, created=False, changed=False)
        if expected_version != ANY_VERSION and (row.version if row else None) != expected_version:
            raise StaleVersion(
                current=row.version if row else 0,
                submitted=expected_version,
                stored={"opened_at": row.opened_at.isoformat()} if row else {},
                sent={"opened_at": opened_at.isoformat()},
            )
        before = {"opened_at": row.opened_at.isoformat()} if row else None
        created = row is None
        if row is None:
            row = insert_or_none(
                session,
                OpeningReport(
                    election_id=election_id,
                    polling_area_id=area.id,
                    opened_at=opened_at,
                    created_at=now,
                    updated_at=now,
                ),
            )
            if row is None:
                raise StaleVersion(
                    current=1,
                    submitted=None,
                    stored={},
                    sent={"opened_at": opened_at.isoformat()},
                )
        else:
            row.version += 1
        row.opened_at = opened_at
        row.entered_by_id = actor.user_id
        row.on_behalf = scope.id != unit.id
        row.updated_at = now
        session.flush()
        audit.record(
            session,
            actor,
            "opening.create" if created else "opening.update",
            at=now,
            election_id=election_id,
            object_type="opening_report",
            object_key=area.code,
            unit_path=unit.path,
            before=before,
            after={"opened_at": opened_at.isoformat(), "version": row.version},
        )
        version = bump_version(session, election_id)
        return Saved(row.id, row.version, created=created, changed=True, data_version=version)
