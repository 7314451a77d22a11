"""Dashboard read models: one snapshot of a scope's whole tree for the command centre.

:func:`command_centre` aggregates every figure per *leaf* (each commune, or each
polling area when the scope is a commune) in a constant number of grouped
statements, then rolls the leaves up the unit tree in Python. So the scope's
headline, its children's turnout curves, the per-commune completeness, the
progress map and the late list all come from one pass over the reports — at
national scale the same statements as for one commune.

Snapshots are immutable (frozen dataclasses, tuples) so the per-process
:mod:`data.read_models.cache` may share them; :func:`cached_command_centre`
and :func:`cached_results` key them by ``(election, scope, kind, data_version)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import add
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session

from data.clock import LOCAL_TZ
from data.enums import Level, UnitKind, WindowKind
from data.models import (
    Constituency,
    ConstituencyArea,
    EntryClosure,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TurnoutReport,
    Unit,
)
from data.numbers import percent_of
from data.read_models.cache import CacheKey, ReadCache, cached, default_cache
from data.read_models.progress import POLLING_AREA_KIND, ScopeUnit, scope_unit
from data.read_models.results import ConstituencyResultView, constituency_results
from data.services.common import path_prefixes

_LEVEL_ORDER = {level: i for i, level in enumerate(Level)}


@dataclass(frozen=True)
class WindowInfo:
    id: int
    key: str
    kind: WindowKind
    due_at: datetime
    opens_at: datetime
    closes_at: datetime

    @property
    def label(self) -> str:
        """``09:00``: the due time, local (the opening window is labelled by the caller)."""
        return f"{self.due_at.astimezone(LOCAL_TZ):%H:%M}"


@dataclass(frozen=True)
class NodeFigures:
    """A unit (or, below a commune, a polling area) with its subtree's figures."""

    code: str
    name: str
    kind: str  # a UnitKind value or "polling_area"
    path: str  # tree order key
    parent_code: str | None  # None for the scope itself
    polling_areas: int
    registered: int
    reported: tuple[int, ...]  # per window (opening: opening reports), aligned with windows
    voted: tuple[int, ...]  # per window (0 for the opening window)
    sheets_in: tuple[int, ...]  # per level, aligned with CommandCentre.levels
    sheets_expected: tuple[int, ...]
    communes: int  # communes in the subtree (itself if a commune)
    communes_closed: int
    closed: bool  # entry closed on it or above

    def turnout_pct(self, i: int) -> Decimal:
        return percent_of(self.voted[i], self.registered)

    def reported_pct(self, i: int) -> Decimal:
        return percent_of(self.reported[i], self.polling_areas)

    @property
    def sheets_total(self) -> tuple[int, int]:
        return sum(self.sheets_in), sum(self.sheets_expected)

    @property
    def sheets_pct(self) -> Decimal:
        return percent_of(*self.sheets_total)


@dataclass(frozen=True)
class CommandCentre:
    election_id: int
    data_version: int
    windows: tuple[WindowInfo, ...]  # by position
    levels: tuple[Level, ...]  # levels held in scope, QH first
    nodes: tuple[NodeFigures, ...]  # the scope first, then its subtree in tree order

    @property
    def scope(self) -> NodeFigures:
        return self.nodes[0]

    def children(self) -> list[NodeFigures]:
        return [n for n in self.nodes if n.parent_code == self.scope.code]

    def leaves(self) -> list[NodeFigures]:
        """Communes (or, in a commune, its polling areas)."""
        leaf = POLLING_AREA_KIND if self.scope.kind == UnitKind.COMMUNE else UnitKind.COMMUNE
        return [n for n in self.nodes if n.kind == leaf]

    def window_index(self, key: str) -> int | None:
        return next((i for i, w in enumerate(self.windows) if w.key == key), None)

    def late(self, i: int) -> list[NodeFigures]:
        """Leaves with polling areas missing for window ``i``, in tree order."""
        return [n for n in self.leaves() if n.reported[i] < n.polling_areas]


def current_window(windows: tuple[WindowInfo, ...], now: datetime) -> int | None:
    """Index of the latest window whose entry has opened at ``now`` (None before the first)."""
    current = None
    for i, w in enumerate(windows):
        if w.opens_at <= now:
            current = i
    return current


def last_turnout_window(cc: CommandCentre, now: datetime) -> int | None:
    """The latest turnout window that has opened: "turnout now"."""
    current = None
    for i, w in enumerate(cc.windows):
        if w.kind == WindowKind.TURNOUT and w.opens_at <= now:
            current = i
    return current


def count_started(cc: CommandCentre) -> bool:
    return sum(cc.scope.sheets_in) > 0


# ----------------------------------------------------------------------- internals


def _windows(session: Session, election_id: int) -> tuple[WindowInfo, ...]:
    rows = session.execute(
        select(
            ReportingWindow.id,
            ReportingWindow.key,
            ReportingWindow.kind,
            ReportingWindow.due_at,
            ReportingWindow.opens_at,
            ReportingWindow.closes_at,
        )
        .where(ReportingWindow.election_id == election_id)
        .order_by(ReportingWindow.position, ReportingWindow.id)
    )
    return tuple(WindowInfo(r[0], r[1], WindowKind(r[2]), *r[3:]) for r in rows)


def _leaf_filter(query: Select, scope: ScopeUnit) -> Select:
    """Restrict a query over ``PollingArea`` to the scope."""
    if scope.kind == UnitKind.COMMUNE:
        return query.where(PollingArea.unit_id == scope.id)
    if scope.is_root:
        return query
    return query.join(Unit, Unit.id == PollingArea.unit_id).where(Unit.path.like(scope.path + "%"))


def command_centre(session: Session, election_id: int, unit_code: str) -> CommandCentre:
    """The scope's figures, its subtree's figures and per-leaf completeness, in one pass.

    A constant number of statements whatever the size of the tree: scope and version,
    windows, units, closures, and the per-leaf figures — on PostgreSQL above a commune one
    read of the trigger-kept summary, else five grouped aggregates.
    """
    scope = scope_unit(session, election_id, unit_code)
    conn = session.connection()  # Core rows: no ORM loading overhead on ~30,000 rows
    windows = _windows(session, election_id)
    by_commune = scope.kind != UnitKind.COMMUNE
    leaf = PollingArea.unit_id if by_commune else PollingArea.id
    eid = election_id

    # The tree: units in scope (or the commune and its polling areas).
    units = conn.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.path, Unit.parent_id).where(
            Unit.election_id == eid, Unit.path.like(scope.path + "%")
        )
    ).all()
    closed_paths = [
        p
        for (p,) in conn.execute(
            select(Unit.path)
            .join(EntryClosure, EntryClosure.unit_id == Unit.id)
            .where(EntryClosure.election_id == eid)
        )
    ]

    if by_commune and conn.dialect.name == "postgresql":
        areas, turnout, opening, expected, sheets = _summarised(conn, eid, scope)
    else:
        areas, turnout, opening, expected, sheets = _aggregated(conn, eid, scope, leaf)
    levels = tuple(
        sorted({lv for _, lv in expected} | {lv for _, lv in sheets}, key=_LEVEL_ORDER.get)
    )

    # Leaves: (grp, code, name, kind, path, parent path).
    by_id = {u[0]: u for u in units}
    if by_commune:
        leaves = [
            (u[0], u[1], u[2], UnitKind(u[3]).value, u[4])
            for u in units
            if UnitKind(u[3]) == UnitKind.COMMUNE
        ]
    else:
        leaves = [
            (id_, code, name, POLLING_AREA_KIND, f"{scope.path}{code}/")
            for id_, code, name in conn.execute(
                select(PollingArea.id, PollingArea.code, PollingArea.name)
                .where(PollingArea.election_id == eid, PollingArea.unit_id == scope.id)
                .order_by(PollingArea.code)
            )
        ]

    nw, nl = len(windows), len(levels)
    # Accumulators per node path: [areas, registered, reported*, voted*, in*, expected*,
    # communes, communes closed].
    acc: dict[str, list[int]] = defaultdict(lambda: [0] * (2 + 2 * nw + 2 * nl + 2))

    closed_set = set(closed_paths)

    def is_closed(path: str) -> bool:
        if not closed_set:
            return False
        return any(prefix in closed_set for prefix in path_prefixes(path))

    zero = (0, 0)
    opening_at = [w.kind == WindowKind.OPENING for w in windows]
    window_ids = [w.id for w in windows]
    for grp, _code, _name, kind, path in leaves:
        k, reg = areas.get(grp, zero)
        per_window = [turnout.get((grp, wid), zero) for wid in window_ids]
        row = [k, reg]
        row += [
            opening.get(grp, 0) if is_opening else figures[0]
            for is_opening, figures in zip(opening_at, per_window, strict=True)
        ]
        row += [
            0 if is_opening else figures[1]
            for is_opening, figures in zip(opening_at, per_window, strict=True)
        ]
        row += [sheets.get((grp, lv), 0) for lv in levels]
        row += [expected.get((grp, lv), 0) for lv in levels]
        is_commune = kind == UnitKind.COMMUNE.value
        row += [1 if is_commune else 0, 1 if is_commune and is_closed(path) else 0]
        # Add to the leaf and every ancestor within the scope.
        targets = [path]
        if by_commune:
            parent = by_id.get(by_id[grp][5]) if by_id[grp][5] else None
            while parent is not None and parent[4].startswith(scope.path):
                targets.append(parent[4])
                parent = by_id.get(parent[5]) if parent[5] else None
        else:
            targets.append(scope.path)
        for t in targets:
            acc[t] = list(map(add, acc[t], row))
    if not by_commune:  # the commune itself counts once
        acc[scope.path][-2] = 1
        acc[scope.path][-1] = 1 if is_closed(scope.path) else 0

    code_of = {u[0]: u[1] for u in units}

    def node(code: str, name: str, kind: str, path: str, parent: str | None) -> NodeFigures:
        a = acc[path]
        r0 = 2
        return NodeFigures(
            code=code,
            name=name,
            kind=kind,
            path=path,
            parent_code=parent,
            polling_areas=a[0],
            registered=a[1],
            reported=tuple(a[r0 : r0 + nw]),
            voted=tuple(a[r0 + nw : r0 + 2 * nw]),
            sheets_in=tuple(a[r0 + 2 * nw : r0 + 2 * nw + nl]),
            sheets_expected=tuple(a[r0 + 2 * nw + nl : r0 + 2 * nw + 2 * nl]),
            communes=a[-2],
            communes_closed=a[-1],
            closed=is_closed(path),
        )

    nodes = [node(scope.code, scope.name, UnitKind(scope.kind).value, scope.path, None)]
    if by_commune:
        for id_, code, name, kind, path, parent_id in sorted(units, key=lambda u: u[4]):
            if id_ != scope.id:
                nodes.append(node(code, name, UnitKind(kind).value, path, code_of.get(parent_id)))
    else:
        for _grp, code, name, kind, path in leaves:
            nodes.append(node(code, name, kind, path, scope.code))
    return CommandCentre(
        election_id=eid,
        data_version=scope.data_version,
        windows=windows,
        levels=levels,
        nodes=tuple(nodes),
    )


def cached_command_centre(
    session: Session, election_id: int, unit_code: str, cache: ReadCache | None = None
) -> CommandCentre:
    return cached(
        session,
        election_id,
        unit_code,
        "command_centre",
        lambda: command_centre(session, election_id, unit_code),
        cache,
    )


def cached_results(
    session: Session,
    election_id: int,
    unit_code: str,
    level: Level | None = None,
    cache: ReadCache | None = None,
) -> tuple[ConstituencyResultView, ...]:
    return cached(
        session,
        election_id,
        (unit_code, level.value if level else None),
        "results",
        lambda: tuple(constituency_results(session, election_id, unit_code, level)),
        cache,
    )


def command_centre_at(
    session: Session, election_id: int, unit_code: str, version: int, cache: ReadCache | None = None
) -> CommandCentre:
    """The snapshot for a data version the caller has just read (no second version query)."""
    key = CacheKey(election_id, unit_code, "command_centre", version)
    return (cache if cache is not None else default_cache()).get_or_compute(
        key, lambda: command_centre(session, election_id, unit_code)
    )


def parent_code(session: Session, election_id: int, unit_code: str) -> str | None:
    """The code of the unit's parent (None for the root or an unknown unit)."""
    parent = Unit.__table__.alias("parent")
    return session.execute(
        select(parent.c.code)
        .join(Unit, Unit.parent_id == parent.c.id)
        .where(Unit.election_id == election_id, Unit.code == unit_code)
    ).scalar_one_or_none()


def result_levels(session: Session, election_id: int, unit_code: str) -> tuple[Level, ...]:
    """Levels of the constituencies whose committee unit lies in the subtree, QH first."""
    scope = scope_unit(session, election_id, unit_code)
    rows = session.execute(
        select(Constituency.level)
        .join(Unit, Unit.id == Constituency.unit_id)
        .where(Constituency.election_id == election_id, Unit.path.like(scope.path + "%"))
        .distinct()
    ).scalars()
    return tuple(sorted((Level(v) for v in rows), key=_LEVEL_ORDER.__getitem__))


Figures = tuple[
    dict[Any, tuple[int, int]],
    dict[tuple[Any, int], tuple[int, int]],
    dict[Any, int],
    dict[tuple[Any, Level], int],
    dict[tuple[Any, Level], int],
]


def _summarised(conn: Connection, eid: int, scope: ScopeUnit) -> Figures:
    """Per commune, from the trigger-kept summary (~10 rows a commune). Read through the
    driver's own cursor: plain tuples cost a fraction of ~33,000 result rows."""
    sql = "SELECT s.unit_id, s.kind, s.key, s.n, s.total FROM entry_summary s"
    params: tuple[Any, ...] = (eid,)
    if scope.is_root:
        sql += " WHERE s.election_id = %s"
    else:
        sql += " JOIN unit u ON u.id = s.unit_id WHERE s.election_id = %s AND u.path LIKE %s"
        params += (scope.path.replace("%", r"\%").replace("_", r"\_") + "%",)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        rows = [r for r in cursor.fetchall() if r[3]]
    finally:
        cursor.close()
    level = {lv.value: lv for lv in Level}
    turnout = {(r[0], int(r[2])): (r[3], r[4]) for r in rows if r[1] == "turnout"}
    areas = {r[0]: (r[3], r[4]) for r in rows if r[1] == "areas"}
    opening = {r[0]: r[3] for r in rows if r[1] == "opening"}
    expected = {(r[0], level[r[2]]): r[3] for r in rows if r[1] == "expected"}
    sheets = {(r[0], level[r[2]]): r[3] for r in rows if r[1] == "sheet"}
    return areas, turnout, opening, expected, sheets


def _aggregated(conn: Connection, eid: int, scope: ScopeUnit, leaf: Any) -> Figures:
    """Per leaf (commune, or polling area at commune scope), grouped from the records."""
    n = func.count()
    # Per leaf: areas and registered voters.
    area_q = _leaf_filter(
        select(leaf, n, func.coalesce(func.sum(PollingArea.registered_total), 0)).where(
            PollingArea.election_id == eid
        ),
        scope,
    ).group_by(leaf)
    areas = {grp: (int(k), int(r)) for grp, k, r in conn.execute(area_q)}

    # Per leaf and window: reports and voters who voted.
    turnout_q = _leaf_filter(
        select(
            leaf,
            TurnoutReport.window_id,
            n,
            func.coalesce(func.sum(TurnoutReport.voted_total), 0),
        )
        .select_from(TurnoutReport)
        .join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
        .where(TurnoutReport.election_id == eid),
        scope,
    ).group_by(leaf, TurnoutReport.window_id)
    turnout = {(g, w): (int(k), int(v)) for g, w, k, v in conn.execute(turnout_q)}

    opening_q = _leaf_filter(
        select(leaf, n)
        .select_from(OpeningReport)
        .join(PollingArea, PollingArea.id == OpeningReport.polling_area_id)
        .where(OpeningReport.election_id == eid),
        scope,
    ).group_by(leaf)
    opening = {g: int(k) for g, k in conn.execute(opening_q)}

    # Per leaf and level: sheets expected (areas in a constituency) and sheets in.
    expected_q = _leaf_filter(
        select(leaf, ConstituencyArea.level, n)
        .select_from(ConstituencyArea)
        .join(PollingArea, PollingArea.id == ConstituencyArea.polling_area_id)
        .where(PollingArea.election_id == eid),
        scope,
    ).group_by(leaf, ConstituencyArea.level)
    sheets_q = _leaf_filter(
        select(leaf, TallySheet.level, n)
        .select_from(TallySheet)
        .join(PollingArea, PollingArea.id == TallySheet.polling_area_id)
        .where(TallySheet.election_id == eid, TallySheet.counted),
        scope,
    ).group_by(leaf, TallySheet.level)
    expected = {(g, Level(lv)): int(k) for g, lv, k in conn.execute(expected_q)}
    sheets = {(g, Level(lv)): int(k) for g, lv, k in conn.execute(sheets_q)}
    return areas, turnout, opening, expected, sheets
