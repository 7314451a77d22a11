"""Read queries the JSON API needs beyond the dashboards' read models.

Plain values out (frozen dataclasses); no permission logic here — the API
views ask the guard first and pass only what it allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import ElectionKind, ElectionStatus, Level, UnitKind, WindowKind
from data.models import (
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


@dataclass(frozen=True)
class ElectionRow:
    id: int
    name: str
    date: date
    kind: ElectionKind
    status: ElectionStatus
    data_version: int


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class WindowRow:
    key: str
    kind: WindowKind
    due_at: datetime
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    unit_code: str
    registered_total: int
    registered_male: int
    registered_female: int


@dataclass(frozen=True)
class BallotCandidate:
    id: int
    full_name: str
    date_of_birth: date
    ballot_order: int


@dataclass(frozen=True)
class Ballot:
    code: str
    name: str
    seats: int
    level: Level
    candidates: tuple[BallotCandidate, ...]


@dataclass(frozen=True)
class TurnoutRow:
    polling_area: str
    window: str
    voted_total: int
    voted_male: int | None
    voted_female: int | None
    version: int
    confirmed_warnings: tuple[str, ...]
    reason: str | None
    on_behalf: bool
    updated_at: datetime


@dataclass(frozen=True)
class TallyRow:
    polling_area: str
    level: Level
    constituency: str
    voters_total: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: dict[int, int]
    version: int
    confirmed_warnings: tuple[str, ...]
    reason: str | None
    on_behalf: bool
    updated_at: datetime


def current_election_id(session: Session) -> int | None:
    """``current``: the real (not drill) election with the latest date, newest first on ties."""
    return session.scalar(
        select(Election.id)
        .where(Election.kind == ElectionKind.REAL)
        .order_by(Election.date.desc(), Election.id.desc())
        .limit(1)
    )


def elections_with_unit(session: Session, unit_code: str) -> list[ElectionRow]:
    """Elections whose unit tree holds ``unit_code`` (a user's scope), newest first."""
    rows = session.execute(
        select(
            Election.id,
            Election.name,
            Election.date,
            Election.kind,
            Election.status,
            Election.data_version,
        )
        .join(Unit, Unit.election_id == Election.id)
        .where(Unit.code == unit_code)
        .order_by(Election.date.desc(), Election.id.desc())
    ).all()
    return [
        ElectionRow(r[0], r[1], r[2], ElectionKind(r[3]), ElectionStatus(r[4]), int(r[5]))
        for r in rows
    ]


def unit_named(session: Session, unit_code: str, election_id: int | None) -> UnitRow | None:
    """The unit ``unit_code`` in that election, else in the newest election that has it."""
    stmt = (
        select(Unit.code, Unit.name, Unit.kind)
        .join(Election, Election.id == Unit.election_id)
        .where(Unit.code == unit_code)
    )
    if election_id is not None:
        row = session.execute(stmt.where(Unit.election_id == election_id)).first()
        if row is not None:
            return UnitRow(row[0], row[1], UnitKind(row[2]))
    row = session.execute(stmt.order_by(Election.date.desc(), Election.id.desc()).limit(1)).first()
    return UnitRow(row[0], row[1], UnitKind(row[2])) if row else None


def windows(session: Session, election_id: int) -> list[WindowRow]:
    rows = session.execute(
        select(
            ReportingWindow.key,
            ReportingWindow.kind,
            ReportingWindow.due_at,
            ReportingWindow.opens_at,
            ReportingWindow.closes_at,
        )
        .where(ReportingWindow.election_id == election_id)
        .order_by(ReportingWindow.position)
    ).all()
    return [WindowRow(r[0], WindowKind(r[1]), r[2], r[3], r[4]) for r in rows]


def polling_areas_under(session: Session, election_id: int, unit_path: str) -> list[AreaRow]:
    """Every polling area in the subtree of the unit with ``unit_path``, by code."""
    rows = session.execute(
        select(
            PollingArea.code,
            PollingArea.name,
            Unit.code,
            PollingArea.registered_total,
            PollingArea.registered_male,
            PollingArea.registered_female,
        )
        .join(Unit, PollingArea.unit_id == Unit.id)
        .where(PollingArea.election_id == election_id, Unit.path.like(unit_path + "%"))
        .order_by(PollingArea.code)
    ).all()
    return [AreaRow(*r) for r in rows]


def ballot(session: Session, area_id: int, level: Level) -> Ballot | None:
    """The ballot of ``level`` a polling area votes on: its constituency and candidates."""
    constituency = session.scalar(
        select(Constituency)
        .join(ConstituencyArea, ConstituencyArea.constituency_id == Constituency.id)
        .where(ConstituencyArea.polling_area_id == area_id, ConstituencyArea.level == level)
    )
    if constituency is None:
        return None
    candidates = session.execute(
        select(Candidate.id, Candidate.full_name, Candidate.date_of_birth, Candidate.ballot_order)
        .where(Candidate.constituency_id == constituency.id)
        .order_by(Candidate.ballot_order)
    ).all()
    return Ballot(
        constituency.code,
        constituency.name,
        constituency.seats,
        Level(constituency.level),
        tuple(BallotCandidate(*c) for c in candidates),
    )


def turnout_report(
    session: Session, election_id: int, area_code: str, window_key: str
) -> TurnoutRow | None:
    row = session.execute(
        select(TurnoutReport)
        .join(PollingArea, TurnoutReport.polling_area_id == PollingArea.id)
        .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
        .where(
            TurnoutReport.election_id == election_id,
            PollingArea.code == area_code,
            ReportingWindow.key == window_key,
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return TurnoutRow(
        area_code,
        window_key,
        row.voted_total,
        row.voted_male,
        row.voted_female,
        row.version,
        tuple(row.confirmed_warnings or ()),
        row.reason,
        row.on_behalf,
        row.updated_at,
    )


def tally_sheet(
    session: Session, election_id: int, area_code: str, level: Level
) -> TallyRow | None:
    row = session.execute(
        select(TallySheet, Constituency.code)
        .join(PollingArea, TallySheet.polling_area_id == PollingArea.id)
        .join(Constituency, TallySheet.constituency_id == Constituency.id)
        .where(
            TallySheet.election_id == election_id,
            PollingArea.code == area_code,
            TallySheet.level == level,
        )
    ).first()
    if row is None:
        return None
    sheet, constituency_code = row
    votes = dict(
        session.execute(
            select(TallyVote.candidate_id, TallyVote.votes).where(TallyVote.sheet_id == sheet.id)
        ).all()
    )
    return TallyRow(
        area_code,
        Level(sheet.level),
        constituency_code,
        sheet.voters_total,
        sheet.voters_voted,
        sheet.ballots_issued,
        sheet.ballots_received,
        sheet.ballots_valid,
        sheet.ballots_invalid,
        {int(k): int(v) for k, v in votes.items()},
        sheet.version,
        tuple(sheet.confirmed_warnings or ()),
        sheet.reason,
        sheet.on_behalf,
        sheet.updated_at,
    )
