"""Anomalies and late-unit contacts for the command centre (DESIGN §1, §5).

:func:`anomalies` lists, for the polling areas of a scope:

- ``confirmed_warning``: turnout reports and tally sheets saved with confirmed
  warnings (the codes, the reason and who entered them);
- ``drop``: a cumulative turnout figure lower than one of an earlier window
  (the services refuse it, corrections may not);
- ``full_turnout``: the first window at which an area reached 100 %;
- ``outlier``: an area's turnout at the latest reported window more than
  ``OUTLIER_SIGMAS`` standard deviations or ``OUTLIER_POINTS`` points away from
  its province's mean (mean and variance from one grouped statement).

:func:`late_contacts` gives, for each late commune, its operators' names and
phones and the time of the last write under it.

Every figure is computed in SQL with a constant number of statements whatever
the size of the tree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from math import sqrt
from typing import Any

from sqlalchemy import Float, Select, String, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from data.enums import Level, Role, UnitKind, WindowKind
from data.models import (
    AuditEvent,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TurnoutReport,
    Unit,
    User,
)
from data.numbers import format_int, format_percent, percent_of, round_half_up
from data.read_models.progress import LateUnit, ScopeUnit, late_units, scope_unit, unit_in_scope

OUTLIER_SIGMAS = 3
OUTLIER_POINTS = 25
_EMPTY_JSON = ("[]", "null", "")


class AnomalyKind(StrEnum):
    CONFIRMED_WARNING = "confirmed_warning"
    DROP = "drop"
    FULL_TURNOUT = "full_turnout"
    OUTLIER = "outlier"


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    area_code: str
    area_name: str
    commune_code: str
    commune_name: str
    window_key: str | None  # turnout anomalies
    level: Level | None  # tally sheet warnings
    at: datetime | None  # when the record concerned was last saved
    value: int | None = None  # voters who voted (sheet: voters_voted)
    registered: int | None = None
    previous: int | None = None  # drop: the highest earlier figure
    mean_pct: Decimal | None = None  # outlier: the province's mean turnout
    stddev_pct: Decimal | None = None
    codes: tuple[str, ...] = ()  # confirmed warnings
    reason: str | None = None
    by: str | None = None  # who entered the record
    on_behalf: bool = False

    @property
    def pct(self) -> Decimal | None:
        if self.value is None or not self.registered:
            return None
        return percent_of(self.value, self.registered)

    def message(self, lang: str = "vi") -> str:
        en = lang == "en"
        if self.kind == AnomalyKind.CONFIRMED_WARNING:
            codes = ", ".join(self.codes)
            who = self.by or ("unknown" if en else "không rõ")
            reason = self.reason or ""
            if en:
                return f"Warnings {codes} confirmed by {who}: {reason}"
            return f"Cảnh báo {codes} được xác nhận bởi {who}: {reason}"
        if self.kind == AnomalyKind.DROP:
            before, now = format_int(self.previous or 0, lang), format_int(self.value or 0, lang)
            if en:
                return f"Cumulative figure dropped from {before} to {now}"
            return f"Số lũy kế giảm từ {before} xuống {now}"
        pct = format_percent(self.pct or 0, lang)
        if self.kind == AnomalyKind.FULL_TURNOUT:
            figures = (
                f"{format_int(self.value or 0, lang)} / {format_int(self.registered or 0, lang)}"
            )
            if en:
                return f"100% turnout ({figures})"
            return f"Đạt 100 % cử tri đi bầu ({figures})"
        mean = format_percent(self.mean_pct or 0, lang)
        sd = format_decimal_points(self.stddev_pct, lang)
        if en:
            return f"Turnout {pct} against the province's mean {mean} (σ {sd})"
        return f"Tỷ lệ {pct} so với trung bình tỉnh {mean} (độ lệch chuẩn {sd})"


def format_decimal_points(value: Decimal | None, lang: str) -> str:
    text = f"{value if value is not None else Decimal('0.00')}"
    return text if lang == "en" else text.replace(".", ",")


# ------------------------------------------------------------------------ helpers


def _in_scope(query: Select, scope: ScopeUnit) -> Select:
    """``query`` joins ``Unit`` (the area's commune): keep the scope's polling areas."""
    if scope.kind == UnitKind.COMMUNE:
        return query.where(PollingArea.unit_id == scope.id)
    return query if scope.is_root else query.where(unit_in_scope(scope))


def _has_warnings(column: Any) -> Any:
    return and_(column.is_not(None), cast(column, String).not_in(_EMPTY_JSON))


def _who(full_name: str | None, username: str | None) -> str | None:
    return full_name or username or None


def _pct(value: float | None) -> Decimal:
    return round_half_up(Decimal(repr(float(value or 0.0))), 2)


def _turnout_warnings(
    session: Session, scope: ScopeUnit, eid: int, window_key: str | None
) -> list[Anomaly]:
    query = (
        select(
            PollingArea.code,
            PollingArea.name,
            Unit.code,
            Unit.name,
            ReportingWindow.key,
            TurnoutReport.updated_at,
            TurnoutReport.voted_total,
            PollingArea.registered_total,
            TurnoutReport.confirmed_warnings,
            TurnoutReport.reason,
            User.full_name,
            User.username,
            TurnoutReport.on_behalf,
        )
        .select_from(TurnoutReport)
        .join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
        .join(Unit, Unit.id == PollingArea.unit_id)
        .join(ReportingWindow, ReportingWindow.id == TurnoutReport.window_id)
        .outerjoin(User, User.id == TurnoutReport.entered_by_id)
        .where(TurnoutReport.election_id == eid, _has_warnings(TurnoutReport.confirmed_warnings))
    )
    if window_key is not None:
        query = query.where(ReportingWindow.key == window_key)
    return [
        Anomaly(
            AnomalyKind.CONFIRMED_WARNING,
            *row[:4],
            window_key=row[4],
            level=None,
            at=row[5],
            value=int(row[6]),
            registered=int(row[7]),
            codes=tuple(str(c) for c in (row[8] or ())),
            reason=row[9],
            by=_who(row[10], row[11]),
            on_behalf=bool(row[12]),
        )
        for row in session.execute(_in_scope(query, scope))
    ]


def _sheet_warnings(session: Session, scope: ScopeUnit, eid: int) -> list[Anomaly]:
    query = (
        select(
            PollingArea.code,
            PollingArea.name,
            Unit.code,
            Unit.name,
            TallySheet.level,
            TallySheet.updated_at,
            TallySheet.voters_voted,
            TallySheet.voters_total,
            TallySheet.confirmed_warnings,
            TallySheet.reason,
            User.full_name,
            User.username,
            TallySheet.on_behalf,
        )
        .select_from(TallySheet)
        .join(PollingArea, PollingArea.id == TallySheet.polling_area_id)
        .join(Unit, Unit.id == PollingArea.unit_id)
        .outerjoin(User, User.id == TallySheet.entered_by_id)
        .where(TallySheet.election_id == eid, _has_warnings(TallySheet.confirmed_warnings))
    )
    return [
        Anomaly(
            AnomalyKind.CONFIRMED_WARNING,
            *row[:4],
            window_key=None,
            level=Level(row[4]),
            at=row[5],
            value=int(row[6]),
            registered=int(row[7]),
            codes=tuple(str(c) for c in (row[8] or ())),
            reason=row[9],
            by=_who(row[10], row[11]),
            on_behalf=bool(row[12]),
        )
        for row in session.execute(_in_scope(query, scope))
    ]


def _series(session: Session, scope: ScopeUnit, eid: int, window_key: str | None) -> list[Anomaly]:
    """Drops and first 100 % windows: one statement with a running maximum per area."""
    voted = TurnoutReport.voted_total
    earlier_max = (
        func.max(voted)
        .over(
            partition_by=TurnoutReport.polling_area_id,
            order_by=(ReportingWindow.position, ReportingWindow.id),
            rows=(None, -1),
        )
        .label("earlier_max")
    )
    inner = _in_scope(
        select(
            PollingArea.code.label("area_code"),
            PollingArea.name.label("area_name"),
            Unit.code.label("commune_code"),
            Unit.name.label("commune_name"),
            ReportingWindow.key.label("window_key"),
            TurnoutReport.updated_at.label("at"),
            voted.label("voted"),
            PollingArea.registered_total.label("registered"),
            earlier_max,
        )
        .select_from(TurnoutReport)
        .join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
        .join(Unit, Unit.id == PollingArea.unit_id)
        .join(ReportingWindow, ReportingWindow.id == TurnoutReport.window_id)
        .where(TurnoutReport.election_id == eid, ReportingWindow.kind == WindowKind.TURNOUT),
        scope,
    ).subquery("series")
    c = inner.c
    drop = c.voted < c.earlier_max
    full = and_(
        c.registered > 0,
        c.voted >= c.registered,
        func.coalesce(c.earlier_max, -1) < c.registered,
    )
    query = select(inner, drop.label("is_drop"), full.label("is_full")).where(or_(drop, full))
    if window_key is not None:
        query = query.where(c.window_key == window_key)
    out = []
    for r in session.execute(query).mappings():
        common = dict(
            area_code=r["area_code"],
            area_name=r["area_name"],
            commune_code=r["commune_code"],
            commune_name=r["commune_name"],
            window_key=r["window_key"],
            level=None,
            at=r["at"],
            value=int(r["voted"]),
            registered=int(r["registered"]),
        )
        if r["is_drop"]:
            out.append(Anomaly(AnomalyKind.DROP, previous=int(r["earlier_max"]), **common))
        if r["is_full"]:
            out.append(Anomaly(AnomalyKind.FULL_TURNOUT, **common))
    return out


def _latest_window(
    session: Session, scope: ScopeUnit, eid: int, window_key: str | None
) -> tuple[int, str] | None:
    """The window for outliers: the one asked for, or the latest reported in the scope."""
    query = select(ReportingWindow.id, ReportingWindow.key).where(
        ReportingWindow.election_id == eid, ReportingWindow.kind == WindowKind.TURNOUT
    )
    if window_key is not None:
        row = session.execute(query.where(ReportingWindow.key == window_key)).first()
    else:
        reported = _in_scope(
            select(TurnoutReport.window_id)
            .join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
            .join(Unit, Unit.id == PollingArea.unit_id)
            .where(TurnoutReport.election_id == eid),
            scope,
        )
        row = session.execute(
            query.where(ReportingWindow.id.in_(reported))
            .order_by(ReportingWindow.position.desc(), ReportingWindow.id.desc())
            .limit(1)
        ).first()
    return (int(row[0]), str(row[1])) if row else None


def _outliers(
    session: Session, scope: ScopeUnit, eid: int, window: tuple[int, str]
) -> list[Anomaly]:
    """Areas in scope far from their province's mean turnout at the window.

    The statistics are one grouped statement over every reporting area of each
    province (the scope's areas are compared with the whole province); the
    comparison stays in SQL (squared, so no square root is needed there).
    """
    window_id, key = window
    province = aliased(Unit, name="province")
    pct = cast(TurnoutReport.voted_total, Float) * 100.0 / PollingArea.registered_total

    def with_province(query: Select) -> Select:
        return (
            query.select_from(TurnoutReport)
            .join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
            .join(Unit, Unit.id == PollingArea.unit_id)
            .join(
                province,
                and_(
                    province.election_id == eid,
                    province.kind == UnitKind.PROVINCE,
                    Unit.path.startswith(province.path),
                ),
            )
            .where(
                TurnoutReport.election_id == eid,
                TurnoutReport.window_id == window_id,
                PollingArea.registered_total > 0,
            )
        )

    stats = (
        with_province(
            select(
                province.id.label("province_id"),
                func.count().label("n"),
                func.avg(pct).label("mean"),
                func.avg(pct * pct).label("mean_sq"),
            )
        )
        .group_by(province.id)
        .subquery("stats")
    )
    variance = stats.c.mean_sq - stats.c.mean * stats.c.mean
    gap = pct - stats.c.mean
    far = or_(
        func.abs(gap) > OUTLIER_POINTS,
        and_(variance > 1e-9, gap * gap > OUTLIER_SIGMAS * OUTLIER_SIGMAS * variance),
    )
    query = _in_scope(
        with_province(
            select(
                PollingArea.code,
                PollingArea.name,
                Unit.code,
                Unit.name,
                TurnoutReport.updated_at,
                TurnoutReport.voted_total,
                PollingArea.registered_total,
                stats.c.mean,
                variance.label("variance"),
            )
        )
        .join(stats, stats.c.province_id == province.id)
        .where(far, stats.c.n > literal(1)),
        scope,
    )
    return [
        Anomaly(
            AnomalyKind.OUTLIER,
            *row[:4],
            window_key=key,
            level=None,
            at=row[4],
            value=int(row[5]),
            registered=int(row[6]),
            mean_pct=_pct(row[7]),
            stddev_pct=_pct(sqrt(max(float(row[8] or 0.0), 0.0))),
        )
        for row in session.execute(query)
    ]


_KIND_ORDER = {kind: i for i, kind in enumerate(AnomalyKind)}


def _sort_key(a: Anomaly) -> tuple[Any, ...]:
    stamp = a.at.timestamp() if a.at is not None else float("-inf")
    return (-stamp, _KIND_ORDER[a.kind], a.area_code, a.window_key or "", str(a.level or ""))


# --------------------------------------------------------------------- public API


def anomalies(
    session: Session, election_id: int, unit_code: str, window_key: str | None = None
) -> list[Anomaly]:
    """Anomalies of the scope's polling areas, newest first.

    ``window_key`` restricts the turnout anomalies to one window (tally sheet
    warnings are always listed); without it, outliers are judged at the latest
    window reported in the scope. Six statements whatever the size of the tree.
    """
    scope = scope_unit(session, election_id, unit_code)
    found = _turnout_warnings(session, scope, election_id, window_key)
    found += _sheet_warnings(session, scope, election_id)
    found += _series(session, scope, election_id, window_key)
    window = _latest_window(session, scope, election_id, window_key)
    if window is not None:
        found += _outliers(session, scope, election_id, window)
    return sorted(found, key=_sort_key)


@dataclass(frozen=True)
class Operator:
    username: str
    full_name: str
    phone: str | None


@dataclass(frozen=True)
class LateContact:
    unit: LateUnit
    operators: tuple[Operator, ...]
    last_activity: datetime | None  # the last audited write under the commune

    @property
    def code(self) -> str:
        return self.unit.code


def late_contacts(
    session: Session, election_id: int, unit_code: str, window_key: str
) -> list[LateContact]:
    """Late communes for the window with their active operator accounts and last write.

    Five statements whatever the size of the tree (the late list, its operators,
    the last write per late commune in one grouped statement).
    """
    late = late_units(session, election_id, unit_code, window_key)
    if not late:
        return []
    codes = [u.code for u in late]
    operators: dict[str, list[Operator]] = defaultdict(list)
    for scope_code, username, full_name, phone in session.execute(
        select(User.scope_code, User.username, User.full_name, User.phone)
        .where(User.role == Role.COMMUNE, User.is_active, User.scope_code.in_(codes))
        .order_by(User.scope_code, User.full_name, User.username)
    ):
        operators[scope_code].append(Operator(username, full_name or username, phone))
    last = dict(
        session.execute(
            select(Unit.code, func.max(AuditEvent.at))
            .join(
                AuditEvent,
                and_(
                    AuditEvent.election_id == election_id,
                    AuditEvent.unit_path.startswith(Unit.path),
                ),
            )
            .where(Unit.election_id == election_id, Unit.code.in_(codes))
            .group_by(Unit.code)
        ).all()
    )
    return [LateContact(u, tuple(operators.get(u.code, ())), last.get(u.code)) for u in late]
