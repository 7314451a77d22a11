"""What the entry forms read: a commune's polling areas with their reports per window,
the state of each window for the commune, the status grid, and one tally sheet with its
ballot. Plain values out; the pages never build SQL themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.clock import LOCAL_TZ
from data.enums import DoubleCheck, Level, UnitKind, WindowKind
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    EntryClosure,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySecondEntry,
    TallySheet,
    TallyVote,
    TurnoutReport,
    Unit,
    User,
)
from data.services.common import closure_over, exception_until, path_prefixes, username_of
from data.services.double_check import double_entry_on

COUNTS = (
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


# --- plain values -------------------------------------------------------------
@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    kind: UnitKind
    path: str


@dataclass(frozen=True)
class AreaInfo:
    id: int
    code: str
    name: str
    registered_total: int
    registered_male: int
    registered_female: int


@dataclass(frozen=True)
class WindowInfo:
    id: int
    key: str
    kind: WindowKind
    due_at: datetime
    opens_at: datetime
    closes_at: datetime
    position: int

    @property
    def is_opening(self) -> bool:
        return self.kind is WindowKind.OPENING


@dataclass(frozen=True)
class StoredTurnout:
    version: int
    total: int
    male: int | None
    female: int | None
    confirmed_warnings: tuple[str, ...]
    on_behalf: bool
    updated_at: datetime


@dataclass(frozen=True)
class StoredOpening:
    version: int
    opened_at: datetime
    on_behalf: bool


@dataclass(frozen=True)
class PreviousTurnout:
    window_key: str
    total: int
    male: int | None
    female: int | None


@dataclass(frozen=True)
class TurnoutRow:
    area: AreaInfo
    report: StoredTurnout | None
    previous: PreviousTurnout | None
    opening: StoredOpening | None = None


@dataclass(frozen=True)
class Closure:
    unit_name: str
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class WindowState:
    """Whether the commune may enter ``window`` now, and why not."""

    window: WindowInfo
    now: datetime
    exception_until: datetime | None
    closure: Closure | None

    @property
    def until(self) -> datetime:
        if self.exception_until is None:
            return self.window.closes_at
        return max(self.window.closes_at, self.exception_until)

    @property
    def not_yet(self) -> bool:
        return self.now < self.window.opens_at

    @property
    def over(self) -> bool:
        return self.now > self.until

    @property
    def open(self) -> bool:
        return self.closure is None and not self.not_yet and not self.over

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.until - self.now).total_seconds()))


class CellStatus(StrEnum):
    MISSING = "missing"  # open now (or counting) and not entered
    SAVED = "saved"
    WARNED = "warned"  # saved with confirmed warnings
    LATE = "late"  # not entered and the window is over
    PENDING = "pending"  # the window has not opened yet
    CLOSED = "closed"  # not entered and entry is closed for the unit
    AWAITING = "awaiting"  # double entry: entered once, the blind second entry is missing
    DIFFERS = "differs"  # double entry: the two entries differ, the committee resolves


@dataclass(frozen=True)
class Cell:
    status: CellStatus
    version: int | None = None
    on_behalf: bool = False
    text: str = ""  # the saved figure, plain (formatted by the page)


@dataclass(frozen=True)
class GridColumn:
    key: str  # window key, or "tally:<LEVEL>"
    window: WindowInfo | None = None
    level: Level | None = None


@dataclass(frozen=True)
class EntryGrid:
    commune: UnitInfo
    now: datetime
    columns: list[GridColumn]
    areas: list[AreaInfo]
    cells: dict[tuple[str, str], Cell]  # (area code, column key) -> cell
    current: WindowState | None  # the window open now (or next to open)
    count_starts: datetime | None
    closure: Closure | None
    exceptions: dict[str, datetime] = field(default_factory=dict)  # window key -> until

    def cell(self, area_code: str, column_key: str) -> Cell:
        return self.cells[(area_code, column_key)]


@dataclass(frozen=True)
class CandidateInfo:
    id: int
    full_name: str
    ballot_order: int


@dataclass(frozen=True)
class StoredSheet:
    version: int
    counts: dict[str, int]
    votes: dict[int, int]
    confirmed_warnings: tuple[str, ...]
    on_behalf: bool
    updated_at: datetime
    entered_by_id: int | None = None
    entered_by: str = ""
    double_check: DoubleCheck | None = None
    ballot_types: dict[int, int] = field(default_factory=dict)  # optional breakdown


@dataclass(frozen=True)
class SecondEntry:
    """The blind second entry (double entry), beside the sheet."""

    version: int
    counts: dict[str, int]
    votes: dict[int, int]
    entered_by_id: int | None
    entered_by: str
    ballot_types: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TallyForm:
    area: AreaInfo
    commune: UnitInfo
    level: Level
    constituency_code: str
    constituency_name: str
    seats: int
    candidates: list[CandidateInfo]
    sheet: StoredSheet | None
    last_turnout: int | None
    count_starts: datetime | None
    closure: Closure | None
    double_entry: bool = False
    second: SecondEntry | None = None


# --- look-ups -----------------------------------------------------------------
def election_date(session: Session, election_id: int) -> date | None:
    return session.scalar(select(Election.date).where(Election.id == election_id))


def _unit(session: Session, election_id: int, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.election_id == election_id, Unit.code == code))


def _info(unit: Unit) -> UnitInfo:
    return UnitInfo(unit.code, unit.name, unit.kind, unit.path)


def unit_info(session: Session, election_id: int, code: str) -> UnitInfo | None:
    unit = _unit(session, election_id, code)
    return _info(unit) if unit else None


def communes_for(session: Session, election_id: int, scope_code: str) -> list[UnitInfo]:
    """Communes a user scoped at ``scope_code`` enters for: itself, or those in its subtree."""
    scope = _unit(session, election_id, scope_code)
    if scope is None:
        return []
    if scope.kind is UnitKind.COMMUNE:
        return [_info(scope)]
    rows = session.scalars(
        select(Unit)
        .where(
            Unit.election_id == election_id,
            Unit.kind == UnitKind.COMMUNE,
            Unit.path.startswith(scope.path, autoescape=True),
            Unit.id != scope.id,
        )
        .order_by(Unit.path)
    )
    return [_info(u) for u in rows]


def upper_committees(session: Session, election_id: int, commune_code: str) -> list[str]:
    """Names of the units above the commune (nation excluded): who may grant or reopen."""
    unit = _unit(session, election_id, commune_code)
    if unit is None:
        return []
    prefixes = [p for p in path_prefixes(unit.path) if p != unit.path]
    rows = session.scalars(
        select(Unit)
        .where(
            Unit.election_id == election_id,
            Unit.path.in_(prefixes),
            Unit.kind != UnitKind.NATION,
        )
        .order_by(Unit.depth.desc())
    )
    return [u.name for u in rows]


def windows(session: Session, election_id: int) -> list[WindowInfo]:
    rows = session.scalars(
        select(ReportingWindow)
        .where(ReportingWindow.election_id == election_id)
        .order_by(ReportingWindow.position)
    )
    return [
        WindowInfo(w.id, w.key, w.kind, w.due_at, w.opens_at, w.closes_at, w.position) for w in rows
    ]


def current_window(wins: list[WindowInfo], now: datetime) -> WindowInfo | None:
    """The window open now; else the next to open; else the last one."""
    for w in wins:
        if w.opens_at <= now <= w.closes_at:
            return w
    upcoming = [w for w in wins if w.opens_at > now]
    if upcoming:
        return upcoming[0]
    return wins[-1] if wins else None


def count_starts(session: Session, election_id: int) -> datetime | None:
    """Counting starts when the last turnout window is due (as the tally service says)."""
    return session.scalar(
        select(func.max(ReportingWindow.due_at)).where(
            ReportingWindow.election_id == election_id,
            ReportingWindow.kind == WindowKind.TURNOUT,
        )
    )


def closure_of(session: Session, election_id: int, unit: Unit) -> Closure | None:
    closure: EntryClosure | None = closure_over(session, election_id, unit)
    if closure is None:
        return None
    closed_unit = session.get(Unit, closure.unit_id)
    who = session.get(User, closure.closed_by_id) if closure.closed_by_id else None
    return Closure(
        unit_name=closed_unit.name if closed_unit else unit.name,
        by=who.username if who else "hệ thống",
        at=closure.closed_at,
        reason=closure.reason,
    )


def window_state(
    session: Session, election_id: int, commune_code: str, window_key: str, now: datetime
) -> WindowState | None:
    unit = _unit(session, election_id, commune_code)
    window = next((w for w in windows(session, election_id) if w.key == window_key), None)
    if unit is None or window is None:
        return None
    return WindowState(
        window=window,
        now=now,
        exception_until=exception_until(session, election_id, unit, window.id),
        closure=closure_of(session, election_id, unit),
    )


def commune_areas(session: Session, election_id: int, commune_code: str) -> list[AreaInfo]:
    rows = session.scalars(
        select(PollingArea)
        .join(Unit, PollingArea.unit_id == Unit.id)
        .where(PollingArea.election_id == election_id, Unit.code == commune_code)
        .order_by(PollingArea.code)
    )
    return [_area(a) for a in rows]


def _area(a: PollingArea) -> AreaInfo:
    return AreaInfo(
        a.id, a.code, a.name, a.registered_total, a.registered_male, a.registered_female
    )


def _reports(session: Session, area_ids: list[int]) -> dict[tuple[int, int], TurnoutReport]:
    if not area_ids:
        return {}
    rows = session.scalars(select(TurnoutReport).where(TurnoutReport.polling_area_id.in_(area_ids)))
    return {(r.polling_area_id, r.window_id): r for r in rows}


def _stored(r: TurnoutReport) -> StoredTurnout:
    return StoredTurnout(
        r.version,
        r.voted_total,
        r.voted_male,
        r.voted_female,
        tuple(r.confirmed_warnings or ()),
        r.on_behalf,
        r.updated_at,
    )


def _openings(session: Session, area_ids: list[int]) -> dict[int, OpeningReport]:
    if not area_ids:
        return {}
    rows = session.scalars(select(OpeningReport).where(OpeningReport.polling_area_id.in_(area_ids)))
    return {r.polling_area_id: r for r in rows}


def turnout_rows(
    session: Session,
    election_id: int,
    commune_code: str,
    window_key: str,
    area_code: str | None = None,
) -> list[TurnoutRow]:
    """Each polling area of the commune (or just ``area_code``) with its report at
    ``window_key`` and the latest earlier window's figures (what T04 compares against)."""
    areas = commune_areas(session, election_id, commune_code)
    if area_code is not None:
        areas = [a for a in areas if a.code == area_code]
    wins = windows(session, election_id)
    window = next((w for w in wins if w.key == window_key), None)
    if window is None:
        return []
    reports = _reports(session, [a.id for a in areas])
    openings = _openings(session, [a.id for a in areas]) if window.is_opening else {}
    earlier = [w for w in wins if w.position < window.position and not w.is_opening]
    rows = []
    for area in areas:
        current = reports.get((area.id, window.id))
        previous = None
        for w in reversed(earlier):
            r = reports.get((area.id, w.id))
            if r is not None:
                previous = PreviousTurnout(w.key, r.voted_total, r.voted_male, r.voted_female)
                break
        opening = openings.get(area.id)
        rows.append(
            TurnoutRow(
                area=area,
                report=_stored(current) if current else None,
                previous=previous,
                opening=StoredOpening(opening.version, opening.opened_at, opening.on_behalf)
                if opening
                else None,
            )
        )
    return rows


def commune_levels(session: Session, election_id: int, commune_code: str) -> list[Level]:
    """Contest levels with a constituency over the commune's polling areas, in level order."""
    found = set(
        session.scalars(
            select(ConstituencyArea.level)
            .join(PollingArea, ConstituencyArea.polling_area_id == PollingArea.id)
            .join(Unit, PollingArea.unit_id == Unit.id)
            .where(PollingArea.election_id == election_id, Unit.code == commune_code)
            .distinct()
        )
    )
    return [level for level in Level if level in found]


def entry_grid(session: Session, election_id: int, commune_code: str, now: datetime) -> EntryGrid:
    """The operator's status grid: every polling area × (opening, windows, levels)."""
    unit = _unit(session, election_id, commune_code)
    if unit is None:
        raise LookupError(commune_code)
    areas = commune_areas(session, election_id, commune_code)
    area_ids = [a.id for a in areas]
    wins = windows(session, election_id)
    levels = commune_levels(session, election_id, commune_code)
    closure = closure_of(session, election_id, unit)
    starts = count_starts(session, election_id)
    exceptions = {}
    for w in wins:
        until = exception_until(session, election_id, unit, w.id)
        if until is not None:
            exceptions[w.key] = until
    reports = _reports(session, area_ids)
    openings = _openings(session, area_ids)
    sheets: dict[tuple[int, Level], TallySheet] = {}
    if area_ids:
        for s in session.scalars(
            select(TallySheet).where(TallySheet.polling_area_id.in_(area_ids))
        ):
            sheets[(s.polling_area_id, s.level)] = s

    def missing(opens: datetime | None, until: datetime | None) -> Cell:
        if closure is not None:
            return Cell(CellStatus.CLOSED)
        if opens is not None and now < opens:
            return Cell(CellStatus.PENDING)
        if until is not None and now > until:
            return Cell(CellStatus.LATE)
        return Cell(CellStatus.MISSING)

    def saved(row: object, text: str) -> Cell:
        warned = bool(getattr(row, "confirmed_warnings", None))
        return Cell(
            CellStatus.WARNED if warned else CellStatus.SAVED,
            version=row.version,  # type: ignore[attr-defined]
            on_behalf=row.on_behalf,  # type: ignore[attr-defined]
            text=text,
        )

    columns = [GridColumn(w.key, window=w) for w in wins]
    columns += [GridColumn(f"tally:{level}", level=level) for level in levels]
    cells: dict[tuple[str, str], Cell] = {}
    for area in areas:
        for w in wins:
            until = max(w.closes_at, exceptions.get(w.key, w.closes_at))
            if w.is_opening:
                op = openings.get(area.id)
                cell = (
                    saved(op, f"{op.opened_at.astimezone(LOCAL_TZ):%H:%M}")
                    if op
                    else missing(w.opens_at, until)
                )
            else:
                r = reports.get((area.id, w.id))
                cell = saved(r, str(r.voted_total)) if r else missing(w.opens_at, until)
            cells[(area.code, w.key)] = cell
        for level in levels:
            s = sheets.get((area.id, level))
            cells[(area.code, f"tally:{level}")] = (
                _sheet_cell(s, saved(s, str(s.voters_voted))) if s else missing(starts, None)
            )
    window = current_window(wins, now)
    current = (
        WindowState(window, now, exceptions.get(window.key), closure)
        if window is not None
        else None
    )
    return EntryGrid(
        commune=_info(unit),
        now=now,
        columns=columns,
        areas=areas,
        cells=cells,
        current=current,
        count_starts=starts,
        closure=closure,
        exceptions=exceptions,
    )


def _sheet_cell(sheet: TallySheet, saved: Cell) -> Cell:
    """A sheet still in question under double entry is not done, whatever its figures."""
    if sheet.double_check is DoubleCheck.AWAITING:
        return Cell(CellStatus.AWAITING, sheet.version, sheet.on_behalf, saved.text)
    if sheet.double_check is DoubleCheck.DIFFERS:
        return Cell(CellStatus.DIFFERS, sheet.version, sheet.on_behalf, saved.text)
    return saved


def area_levels(session: Session, election_id: int, area_code: str) -> list[Level]:
    found = set(
        session.scalars(
            select(ConstituencyArea.level)
            .join(PollingArea, ConstituencyArea.polling_area_id == PollingArea.id)
            .where(PollingArea.election_id == election_id, PollingArea.code == area_code)
        )
    )
    return [level for level in Level if level in found]


def tally_form(
    session: Session, election_id: int, area_code: str, level: Level
) -> TallyForm | None:
    """One polling area × level: the ballot in order, the stored sheet and the last turnout."""
    row = session.execute(
        select(PollingArea, Unit)
        .join(Unit, PollingArea.unit_id == Unit.id)
        .where(PollingArea.election_id == election_id, PollingArea.code == area_code)
    ).first()
    if row is None:
        return None
    area, unit = row
    constituency = session.scalar(
        select(Constituency)
        .join(ConstituencyArea, ConstituencyArea.constituency_id == Constituency.id)
        .where(ConstituencyArea.polling_area_id == area.id, ConstituencyArea.level == level)
    )
    if constituency is None:
        return None
    candidates = [
        CandidateInfo(c.id, c.full_name, c.ballot_order)
        for c in session.scalars(
            select(Candidate)
            .where(Candidate.constituency_id == constituency.id)
            .order_by(Candidate.ballot_order)
        )
    ]
    sheet = session.scalar(
        select(TallySheet).where(TallySheet.polling_area_id == area.id, TallySheet.level == level)
    )
    stored = second = None
    if sheet is not None:
        votes = {
            v.candidate_id: v.votes
            for v in session.scalars(select(TallyVote).where(TallyVote.sheet_id == sheet.id))
        }
        stored = StoredSheet(
            sheet.version,
            {name: getattr(sheet, name) for name in COUNTS},
            votes,
            tuple(sheet.confirmed_warnings or ()),
            sheet.on_behalf,
            sheet.updated_at,
            sheet.entered_by_id,
            username_of(session, sheet.entered_by_id),
            sheet.double_check,
            {b.names_kept: b.ballots for b in sheet.ballot_types},
        )
        entry = session.scalar(
            select(TallySecondEntry).where(TallySecondEntry.sheet_id == sheet.id)
        )
        if entry is not None:
            figures = entry.figures
            second = SecondEntry(
                entry.version,
                {name: int(figures[name]) for name in COUNTS},
                {int(k): int(v) for k, v in (figures.get("votes") or {}).items()},
                entry.entered_by_id,
                username_of(session, entry.entered_by_id),
                {int(k): int(v) for k, v in (figures.get("ballot_types") or {}).items()},
            )
    last_turnout = session.scalar(
        select(TurnoutReport.voted_total)
        .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
        .where(TurnoutReport.polling_area_id == area.id)
        .order_by(ReportingWindow.position.desc())
        .limit(1)
    )
    return TallyForm(
        area=_area(area),
        commune=_info(unit),
        level=level,
        constituency_code=constituency.code,
        constituency_name=constituency.name,
        seats=constituency.seats,
        candidates=candidates,
        sheet=stored,
        last_turnout=last_turnout,
        count_starts=count_starts(session, election_id),
        closure=closure_of(session, election_id, unit),
        double_entry=double_entry_on(session.get(Election, election_id)),
        second=second,
    )
