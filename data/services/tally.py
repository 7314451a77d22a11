"""Save a tally sheet (biên bản kết quả kiểm phiếu): one polling area × one level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.clock import Clock
from data.db import Database
from data.enums import Level, WindowKind
from data.models import (
    BallotTypeCount,
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TallyVote,
    TurnoutReport,
    Unit,
)
from data.permissions import Action
from data.rules.findings import Finding
from data.rules.tally import TallyContext, TallyFigures, check_tally
from data.services import double_check
from data.services.actor import Actor
from data.services.common import (
    authorize,
    ensure_entry_open,
    find_area,
    for_update,
    insert_or_none,
    load_election,
)
from data.services.errors import CountNotStarted, NotFound, StaleVersion
from data.services.outcome import (
    ANY_VERSION,
    EntryWrite,
    Saved,
    accept_findings,
    finish_entry_write,
)

COUNTS = (
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


@dataclass(frozen=True)
class TallyInput:
    polling_area: str  # code
    level: Level
    voters_total: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: Mapping[int, int]  # candidate id -> votes
    ballot_types: Mapping[int, int] | None = field(default=None)

    def figures(self) -> TallyFigures:
        return TallyFigures(
            *(getattr(self, name) for name in COUNTS),
            votes=dict(self.votes),
            ballot_types=dict(self.ballot_types) if self.ballot_types is not None else None,
        )

    def snapshot(self) -> dict[str, object]:
        return _snapshot_values(
            {name: getattr(self, name) for name in COUNTS}, self.votes, self.ballot_types
        )


def save_tally_sheet(
    db: Database,
    actor: Actor,
    election_id: int,
    sheet: TallyInput,
    *,
    clock: Clock,
    confirm: Iterable[str] = (),
    reason: str | None = None,
    expected_version: int | None = ANY_VERSION,
) -> Saved:
    """Validate with K01–K13 and store; refuse a stale version; a repeat changes nothing."""
    with db.write() as session:
        return _save(
            session, actor, election_id, sheet, clock.now(), confirm, reason, expected_version
        )


@dataclass(frozen=True)
class SheetTarget:
    """Where a tally sheet goes, once the actor may enter it there and entry is open."""

    election: Election
    area: PollingArea
    unit: Unit
    scope: Unit
    constituency: Constituency


def prepare(
    session: Session, actor: Actor, election_id: int, polling_area: str, level: Level, now: datetime
) -> SheetTarget:
    """Authorize and check the time and closures; shared by every way of entering a sheet."""
    election = load_election(session, election_id)
    area, unit = find_area(session, election_id, polling_area)
    scope = authorize(session, election_id, actor, Action.ENTER, unit)
    ensure_entry_open(session, election, unit)
    _ensure_count_started(session, election_id, now)
    return SheetTarget(election, area, unit, scope, _constituency(session, area.id, level))


def stored_sheet(session: Session, area_id: int, level: Level) -> TallySheet | None:
    return session.scalar(
        for_update(
            session,
            select(TallySheet).where(
                TallySheet.polling_area_id == area_id, TallySheet.level == level
            ),
        )
    )


def check_figures(
    session: Session,
    target: SheetTarget,
    sheet: TallyInput,
    confirm: Iterable[str],
    reason: str | None,
) -> tuple[list[Finding], list[str]]:
    """K01–K13 for these figures: refuse errors and unconfirmed warnings."""
    candidate_ids = frozenset(
        session.scalars(
            select(Candidate.id).where(Candidate.constituency_id == target.constituency.id)
        )
    )
    context = TallyContext(
        seats=target.constituency.seats,
        candidate_ids=candidate_ids,
        registered_total=target.area.registered_total,
        last_turnout=_last_turnout(session, target.area.id),
    )
    findings = check_tally(sheet.figures(), context)
    return findings, accept_findings(findings, confirm, reason)


def _save(
    session: Session,
    actor: Actor,
    election_id: int,
    sheet: TallyInput,
    now: datetime,
    confirm: Iterable[str],
    reason: str | None,
    expected_version: int | None,
) -> Saved:
    target = prepare(session, actor, election_id, sheet.polling_area, sheet.level, now)
    existing = stored_sheet(session, target.area.id, sheet.level)
    if existing is not None and values(existing) == sheet.snapshot():
        return Saved(existing.id, existing.version, created=False, changed=False)
    if expected_version != ANY_VERSION:
        current = existing.version if existing else None
        if current != expected_version:
            raise StaleVersion(
                current=current or 0,
                submitted=expected_version,
                stored=snapshot(existing) if existing else {},
                sent=sheet.snapshot(),
            )
    second = double_check.second_entry(session, existing) if existing else None
    if second is not None and second.entered_by_id == actor.user_id:
        raise double_check.SameOperator()
    findings, accepted = check_figures(session, target, sheet, confirm, reason)

    before = snapshot(existing) if existing else None
    created = existing is None
    if existing is None:
        existing = insert_or_none(
            session,
            TallySheet(
                election_id=election_id,
                polling_area_id=target.area.id,
                constituency_id=target.constituency.id,
                level=sheet.level,
                **{name: getattr(sheet, name) for name in COUNTS},
                created_at=now,
                updated_at=now,
            ),
        )
        if existing is None:  # a concurrent writer created it: judge ours against theirs
            return _save(session, actor, election_id, sheet, now, confirm, reason, expected_version)
    else:
        existing.version += 1
    write_figures(existing, sheet)
    double_check.recheck(target.election, existing, values(existing), second)
    return finish_entry_write(
        EntryWrite(session, actor, target.scope, target.unit, election_id, now),
        existing,
        created=created,
        kind="tally",
        object_key=f"{target.area.code}/{sheet.level}",
        findings=findings,
        accepted=accepted,
        reason=reason,
        before=before,
        snapshot=snapshot,
    )


def write_figures(row: TallySheet, sheet: TallyInput) -> None:
    for name in COUNTS:
        setattr(row, name, getattr(sheet, name))
    row.votes = [TallyVote(candidate_id=cid, votes=n) for cid, n in sorted(sheet.votes.items())]
    row.ballot_types = [
        BallotTypeCount(names_kept=k, ballots=n)
        for k, n in sorted((sheet.ballot_types or {}).items())
    ]


def _constituency(session: Session, area_id: int, level: Level) -> Constituency:
    constituency = session.scalar(
        select(Constituency)
        .join(ConstituencyArea, ConstituencyArea.constituency_id == Constituency.id)
        .where(ConstituencyArea.polling_area_id == area_id, ConstituencyArea.level == level)
    )
    if constituency is None:
        raise NotFound(
            what=f"đơn vị bầu cử cấp {level.label_vi} của khu vực bỏ phiếu này",
            what_en=f"{level.label_en} constituency of this polling area",
        )
    return constituency


def _ensure_count_started(session: Session, election_id: int, now: datetime) -> None:
    """Counting starts when the last turnout window is due (19:00 on the default schedule)."""
    starts = session.scalar(
        select(func.max(ReportingWindow.due_at)).where(
            ReportingWindow.election_id == election_id,
            ReportingWindow.kind == WindowKind.TURNOUT,
        )
    )
    if starts is not None and now < starts:
        raise CountNotStarted(at=starts)


def _last_turnout(session: Session, area_id: int) -> int | None:
    return session.scalar(
        select(TurnoutReport.voted_total)
        .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
        .where(TurnoutReport.polling_area_id == area_id)
        .order_by(ReportingWindow.position.desc())
        .limit(1)
    )


def values(row: TallySheet) -> dict[str, object]:
    return _snapshot_values(
        {name: getattr(row, name) for name in COUNTS},
        {v.candidate_id: v.votes for v in row.votes},
        {b.names_kept: b.ballots for b in row.ballot_types} if row.ballot_types else None,
    )


def snapshot(row: TallySheet) -> dict[str, object]:
    return {**values(row), "version": row.version}


def _snapshot_values(
    counts: Mapping[str, int], votes: Mapping[int, int], ballot_types: Mapping[int, int] | None
) -> dict[str, object]:
    # JSON-ready (string keys) so it serves both the audit log and equality checks.
    return {
        **counts,
        "votes": {str(k): v for k, v in sorted(votes.items())},
        "ballot_types": {str(k): v for k, v in sorted(ballot_types.items())}
        if ballot_types
        else None,
    }
