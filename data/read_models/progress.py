"""Progress read models: turnout per window and counting completeness (DESIGN §3, §10).

Every figure is aggregated in SQL over a scope's subtree (a ``Unit.path`` prefix
match), with a constant number of statements whatever the size of the tree:
the same grouped queries serve one unit (:func:`unit_progress`), its direct
children (:func:`children_progress`), every commune (:func:`commune_completeness`)
and the late list (:func:`late_units`). Results are immutable (frozen
dataclasses and tuples) so a cache may share them between threads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from data.enums import Level, UnitKind, WindowKind
from data.models import (
    Constituency,
    ConstituencyArea,
    Election,
    EntryClosure,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TurnoutReport,
    Unit,
)
from data.numbers import percent_of

POLLING_AREA_KIND = "polling_area"
_LEVEL_ORDER = {level: i for i, level in enumerate(Level)}


class NotFound(LookupError):
    """The election, unit, window or constituency asked for does not exist."""


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class ScopeUnit:
    id: int
    code: str
    name: str
    kind: UnitKind
    path: str
    parent_id: int | None
    data_version: int

    @property
    def is_root(self) -> bool:
        """The nation: every unit of the election is in its subtree."""
        return self.parent_id is None


def scope_unit(session: Session, election_id: int, unit_code: str) -> ScopeUnit:
    """The unit named ``unit_code`` and the election's data version (read first)."""
    row = session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.path,
            Unit.parent_id,
            Election.data_version,
        )
        .join(Election, Election.id == Unit.election_id)
        .where(Unit.election_id == election_id, Unit.code == unit_code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"unit {unit_code!r} not found in election {election_id}")
    return ScopeUnit(*row[:6], data_version=int(row[6]))


def unit_in_scope(scope: ScopeUnit) -> ColumnElement[bool]:
    """``Unit`` lies in the scope's subtree (the scope itself included)."""
    return Unit.path.like(scope.path + "%")


def closed_expr(election_id: int, unit_path: ColumnElement[str]) -> ColumnElement[bool]:
    """An entry closure on the unit with ``unit_path`` or on one of its ancestors."""
    closing = aliased(Unit)
    return (
        select(EntryClosure.id)
        .join(closing, closing.id == EntryClosure.unit_id)
        .where(EntryClosure.election_id == election_id, unit_path.startswith(closing.path))
        .exists()
    )


# ------------------------------------------------------------------------- results


@dataclass(frozen=True)
class WindowProgress:
    key: str
    kind: WindowKind
    due_at: datetime
    reported_areas: int  # opening window: areas with an opening report
    expected_areas: int  # every polling area in scope
    voted: int  # sum of voted_total; 0 for the opening window
    registered: int  # registered voters of every polling area in scope
    turnout_pct: Decimal  # voted / registered, half-up, 2 decimals


@dataclass(frozen=True)
class LevelCounting:
    level: Level
    sheets_in: int  # tally sheets of this level of the polling areas in scope
    sheets_expected: int  # polling areas in scope in a constituency of this level

    @property
    def complete(self) -> bool:
        return self.sheets_in >= self.sheets_expected


@dataclass(frozen=True)
class Progress:
    unit_code: str
    unit_name: str
    unit_kind: UnitKind
    polling_areas: int
    registered: int
    windows: tuple[WindowProgress, ...]  # every window of the election, by position
    counting: tuple[LevelCounting, ...]  # levels held in scope, QH first
    data_version: int
    as_of: datetime | None

    def window(self, key: str) -> WindowProgress:
        return next(w for w in self.windows if w.key == key)

    def level(self, level: Level) -> LevelCounting | None:
        return next((c for c in self.counting if c.level == level), None)


@dataclass(frozen=True)
class ChildProgress:
    code: str
    name: str
    kind: str  # a UnitKind value, or "polling_area" for the children of a commune
    polling_areas: int
    registered: int
    windows: tuple[WindowProgress, ...]
    counting: tuple[LevelCounting, ...]  # the same levels for every child (0/0 if none)

    def window(self, key: str) -> WindowProgress:
        return next(w for w in self.windows if w.key == key)

    def level(self, level: Level) -> LevelCounting | None:
        return next((c for c in self.counting if c.level == level), None)


@dataclass(frozen=True)
class WindowReported:
    key: str
    reported: int
    expected: int


@dataclass(frozen=True)
class CommuneCompleteness:
    code: str
    name: str
    path: str
    polling_areas: int
    reported: tuple[WindowReported, ...]  # every window, by position
    counting: tuple[LevelCounting, ...]  # levels held in scope (0/0 where not held)
    closed: bool  # an entry closure on the commune or an ancestor

    def reported_for(self, key: str) -> int:
        return next(w.reported for w in self.reported if w.key == key)


@dataclass(frozen=True)
class LateUnit:
    code: str
    name: str
    path: str
    expected_areas: int
    reported_areas: int
    closed: bool

    @property
    def missing_areas(self) -> int:
        return self.expected_areas - self.reported_areas


# ----------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Window:
    id: int
    key: str
    kind: WindowKind
    due_at: datetime


@dataclass
class _Aggregates:
    """Grouped figures keyed by a group (``grp``: an id or a path) chosen by the selection."""

    areas: dict[Any, tuple[int, int]]  # grp -> (polling areas, registered)
    turnout: dict[tuple[Any, int], tuple[int, int]]  # (grp, window id) -> (reports, voted)
    opening: dict[Any, int]  # grp -> opening reports
    counting: dict[Any, dict[Level, tuple[int, int]]]  # grp -> level -> (expected, in)

    def levels(self) -> list[Level]:
        held = {level for by_level in self.counting.values() for level in by_level}
        return sorted(held, key=_LEVEL_ORDER.__getitem__)


def _windows(session: Session, election_id: int) -> list[_Window]:
    rows = session.execute(
        select(
            ReportingWindow.id, ReportingWindow.key, ReportingWindow.kind, ReportingWindow.due_at
        )
        .where(ReportingWindow.election_id == election_id)
        .order_by(ReportingWindow.position, ReportingWindow.id)
    )
    return [_Window(*row) for row in rows]


class _position(FunctionElement[int]):
    """1-based position of a substring (0 if absent): ``strpos`` / SQLite ``instr``."""

    type = Integer()
    inherit_cache = True


@compiles(_position)
def _position_default(element: _position, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(_position, "sqlite")
def _position_sqlite(element: _position, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def child_path(scope: ScopeUnit) -> ColumnElement[str]:
    """For a ``Unit`` strictly below the scope: the path of its ancestor that is a child.

    The first segment after the scope's path, e.g. scope ``VN/`` and
    ``VN/010/001/00100/`` give ``VN/010/`` — computed per row, so grouping by a
    child needs no join on path prefixes.
    """
    n = len(scope.path)
    rest = func.substr(Unit.path, n + 1)
    return func.substr(Unit.path, 1, n + _position(rest, "/"))


def _areas(election_id: int, group: ColumnElement[Any]) -> Select:
    """Polling areas of the election as (area_id, registered, grp); callers add filters."""
    return select(
        PollingArea.id.label("area_id"),
        PollingArea.registered_total.label("registered"),
        group.label("grp"),
    ).where(PollingArea.election_id == election_id)


def _scope_areas(scope: ScopeUnit, election_id: int) -> Select | None:
    """Every polling area in the scope, in one group (the election id); None: all of them."""
    if scope.is_root:
        return None
    query = _areas(election_id, PollingArea.election_id)
    if scope.kind == UnitKind.COMMUNE:
        return query.where(PollingArea.unit_id == scope.id)
    return query.join(Unit, Unit.id == PollingArea.unit_id).where(unit_in_scope(scope))


def _child_areas(scope: ScopeUnit, election_id: int) -> Select:
    """Areas grouped by the scope's direct child (its path; a commune's: each area's id)."""
    if scope.kind == UnitKind.COMMUNE:
        return _areas(election_id, PollingArea.id).where(PollingArea.unit_id == scope.id)
    query = _areas(election_id, child_path(scope)).join(Unit, Unit.id == PollingArea.unit_id)
    return query if scope.is_root else query.where(unit_in_scope(scope))


def _commune_areas(scope: ScopeUnit, election_id: int) -> Select:
    """Polling areas in scope grouped by their commune."""
    query = _areas(election_id, PollingArea.unit_id)
    if scope.kind == UnitKind.COMMUNE:
        return query.where(PollingArea.unit_id == scope.id)
    if scope.is_root:
        return query
    return query.join(Unit, Unit.id == PollingArea.unit_id).where(unit_in_scope(scope))


def _aggregate(session: Session, election_id: int, areas: Select | None) -> _Aggregates:
    """Five grouped statements, whatever the number of groups or areas.

    ``areas`` gives (area_id, registered, grp) rows; ``None`` means every polling
    area of the election in one group keyed by the election id, read straight
    from the report tables (their ``election_id``) without joining the areas.
    """
    ag = areas.subquery("ag") if areas is not None else None

    def grouped(table: Any, area_id: Any, election: Any, *cols: Any) -> Select:
        if ag is None:
            return select(election, *cols).select_from(table).where(election == election_id)
        query = select(ag.c.grp, *cols).select_from(table).join(ag, ag.c.area_id == area_id)
        return query if election is None else query.where(election == election_id)

    voted, n = func.coalesce(func.sum(TurnoutReport.voted_total), 0), func.count()
    if ag is None:
        area_q = select(
            PollingArea.election_id, n, func.coalesce(func.sum(PollingArea.registered_total), 0)
        ).where(PollingArea.election_id == election_id)
        expected_q = (
            select(Constituency.election_id, ConstituencyArea.level, n)
            .select_from(ConstituencyArea)
            .join(Constituency, Constituency.id == ConstituencyArea.constituency_id)
            .where(Constituency.election_id == election_id)
        )
    else:
        area_q = select(ag.c.grp, n, func.coalesce(func.sum(ag.c.registered), 0))
        expected_q = grouped(
            ConstituencyArea, ConstituencyArea.polling_area_id, None, ConstituencyArea.level, n
        )
    turnout_q = grouped(
        TurnoutReport,
        TurnoutReport.polling_area_id,
        TurnoutReport.election_id,
        TurnoutReport.window_id,
        n,
        voted,
    )
    opening_q = grouped(OpeningReport, OpeningReport.polling_area_id, OpeningReport.election_id, n)
    sheets_q = grouped(
        TallySheet, TallySheet.polling_area_id, TallySheet.election_id, TallySheet.level, n
    ).where(TallySheet.counted)

    def run(query: Select, extra: int) -> list[Any]:
        group_by = list(query.selected_columns)[: 1 + extra]
        return list(session.execute(query.group_by(*group_by)))

    counting: dict[Any, dict[Level, tuple[int, int]]] = defaultdict(dict)
    for grp, level, expected in run(expected_q, 1):
        counting[grp][Level(level)] = (int(expected), 0)
    for grp, level, sheets_in in run(sheets_q, 1):
        expected = counting[grp].get(Level(level), (0, 0))[0]
        counting[grp][Level(level)] = (expected, int(sheets_in))
    return _Aggregates(
        areas={grp: (int(k), int(reg)) for grp, k, reg in run(area_q, 0)},
        turnout={(grp, wid): (int(k), int(v)) for grp, wid, k, v in run(turnout_q, 1)},
        opening={grp: int(k) for grp, k in run(opening_q, 0)},
        counting=dict(counting),
    )


def _window_progress(
    grp: Any, windows: list[_Window], agg: _Aggregates
) -> tuple[WindowProgress, ...]:
    n_areas, registered = agg.areas.get(grp, (0, 0))
    out = []
    for w in windows:
        if w.kind == WindowKind.OPENING:
            reported, voted = agg.opening.get(grp, 0), 0
        else:
            reported, voted = agg.turnout.get((grp, w.id), (0, 0))
        out.append(
            WindowProgress(
                key=w.key,
                kind=w.kind,
                due_at=w.due_at,
                reported_areas=reported,
                expected_areas=n_areas,
                voted=voted,
                registered=registered,
                turnout_pct=percent_of(voted, registered),
            )
        )
    return tuple(out)


def _counting(grp: Any, levels: list[Level], agg: _Aggregates) -> tuple[LevelCounting, ...]:
    by_level = agg.counting.get(grp, {})
    return tuple(
        LevelCounting(level, sheets_in=in_, sheets_expected=expected)
        for level in levels
        for expected, in_ in [by_level.get(level, (0, 0))]
    )


# ---------------------------------------------------------------------- public API


def unit_progress(
    session: Session, election_id: int, unit_code: str, now: datetime | None = None
) -> Progress:
    """Turnout per window and counting per level over the unit's whole subtree."""
    scope = scope_unit(session, election_id, unit_code)
    windows = _windows(session, election_id)
    agg = _aggregate(session, election_id, _scope_areas(scope, election_id))
    n_areas, registered = agg.areas.get(election_id, (0, 0))
    return Progress(
        unit_code=scope.code,
        unit_name=scope.name,
        unit_kind=scope.kind,
        polling_areas=n_areas,
        registered=registered,
        windows=_window_progress(election_id, windows, agg),
        counting=_counting(election_id, agg.levels(), agg),
        data_version=scope.data_version,
        as_of=now,
    )


def children_progress(session: Session, election_id: int, unit_code: str) -> list[ChildProgress]:
    """The figures of :func:`unit_progress` for each direct child (a commune: each area)."""
    scope = scope_unit(session, election_id, unit_code)
    windows = _windows(session, election_id)
    if scope.kind == UnitKind.COMMUNE:  # grouped by polling-area id
        children = [
            (id_, code, name, POLLING_AREA_KIND)
            for id_, code, name in session.execute(
                select(PollingArea.id, PollingArea.code, PollingArea.name)
                .where(PollingArea.election_id == election_id, PollingArea.unit_id == scope.id)
                .order_by(PollingArea.code)
            )
        ]
    else:
        children = [  # grouped by the child's path
            (path, code, name, UnitKind(kind).value)
            for path, code, name, kind in session.execute(
                select(Unit.path, Unit.code, Unit.name, Unit.kind)
                .where(Unit.election_id == election_id, Unit.parent_id == scope.id)
                .order_by(Unit.path)
            )
        ]
    agg = _aggregate(session, election_id, _child_areas(scope, election_id))
    levels = agg.levels()
    return [
        ChildProgress(
            code=code,
            name=name,
            kind=kind,
            polling_areas=agg.areas.get(id_, (0, 0))[0],
            registered=agg.areas.get(id_, (0, 0))[1],
            windows=_window_progress(id_, windows, agg),
            counting=_counting(id_, levels, agg),
        )
        for id_, code, name, kind in children
    ]


def commune_completeness(
    session: Session, election_id: int, unit_code: str
) -> list[CommuneCompleteness]:
    """Per commune in the subtree: areas, reports per window, sheets per level, closed."""
    scope = scope_unit(session, election_id, unit_code)
    windows = _windows(session, election_id)
    communes_q = select(
        Unit.id, Unit.code, Unit.name, Unit.path, closed_expr(election_id, Unit.path)
    ).where(Unit.election_id == election_id, Unit.kind == UnitKind.COMMUNE)
    if not scope.is_root:
        communes_q = communes_q.where(unit_in_scope(scope))
    communes = session.execute(communes_q.order_by(Unit.path)).all()
    agg = _aggregate(session, election_id, _commune_areas(scope, election_id))
    levels = agg.levels()
    out = []
    for id_, code, name, path, closed in communes:
        n_areas = agg.areas.get(id_, (0, 0))[0]
        reported = tuple(
            WindowReported(w.key, w.reported_areas, n_areas)
            for w in _window_progress(id_, windows, agg)
        )
        counting = _counting(id_, levels, agg)
        out.append(
            CommuneCompleteness(
                code=code,
                name=name,
                path=path,
                polling_areas=n_areas,
                reported=reported,
                counting=counting,
                closed=bool(closed),
            )
        )
    return out


def late_units(
    session: Session, election_id: int, unit_code: str, window_key: str
) -> list[LateUnit]:
    """Communes in scope with polling areas missing for the window, in tree order."""
    scope = scope_unit(session, election_id, unit_code)
    window = session.execute(
        select(ReportingWindow.id, ReportingWindow.kind).where(
            ReportingWindow.election_id == election_id, ReportingWindow.key == window_key
        )
    ).one_or_none()
    if window is None:
        raise NotFound(f"window {window_key!r} not found in election {election_id}")
    window_id, kind = window
    report: type[OpeningReport] | type[TurnoutReport]
    if kind == WindowKind.OPENING:
        report = OpeningReport
        on = OpeningReport.polling_area_id == PollingArea.id
    else:
        report = TurnoutReport
        on = and_(
            TurnoutReport.polling_area_id == PollingArea.id, TurnoutReport.window_id == window_id
        )
    expected = func.count(PollingArea.id)
    reported = func.count(report.id)
    query = (
        select(
            Unit.code,
            Unit.name,
            Unit.path,
            expected,
            reported,
            closed_expr(election_id, Unit.path),
        )
        .select_from(PollingArea)
        .join(Unit, Unit.id == PollingArea.unit_id)
        .outerjoin(report, on)
        .where(PollingArea.election_id == election_id)
        .group_by(Unit.id, Unit.code, Unit.name, Unit.path)
        .having(expected > reported)
        .order_by(Unit.path)
    )
    if scope.kind == UnitKind.COMMUNE:
        query = query.where(PollingArea.unit_id == scope.id)
    elif not scope.is_root:
        query = query.where(unit_in_scope(scope))
    return [
        LateUnit(code, name, path, int(n_expected), int(n_reported), bool(closed))
        for code, name, path, n_expected, n_reported, closed in session.execute(query)
    ]
