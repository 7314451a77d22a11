"""Submit a turnout report (báo cáo tiến độ) or an opening report: one transaction each.

Turnout reports are judged and stored by :mod:`data.services.turnout_batch`; one
report is a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from data.clock import LOCAL_TZ, Clock
from data.db import Database
from data.enums import WindowKind
from data.models import OpeningReport, ReportingWindow
from data.permissions import Action
from data.services import audit
from data.services.actor import Actor
from data.services.common import (
    authorize,
    bump_version,
    ensure_entry_open,
    ensure_window_open,
    find_area,
    for_update,
    insert_or_none,
    load_election,
)
from data.services.errors import InvalidRequest, NotFound, StaleVersion
from data.services.outcome import ANY_VERSION, Saved
from data.services.turnout_batch import TurnoutInput, TurnoutItem, submit_turnout_batch

__all__ = ["TurnoutInput", "TurnoutItem", "submit_opening", "submit_turnout"]


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
    """Validate and store one cumulative turnout figure (a batch of one).

    ``expected_version``: the version the client edited (``None`` = it saw no
    report yet; :data:`ANY_VERSION` = no precondition). Sending the same figures
    again changes nothing and returns the stored version.
    """
    item = TurnoutItem(report, tuple(confirm), reason, expected_version)
    [outcome] = submit_turnout_batch(db, actor, election_id, [item], clock=clock)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


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
