"""Turnout of an earlier election at the same unit, for the turnout-per-window lines.

Units belong to one election, so "the same unit" is the unit with the same code.
The earlier election is ``Election.settings["compare_with"]`` (an election id; ``null``
or ``false`` turns the comparison off) or else the most recent real (not drill)
election dated before this one — in both cases only one in which the unit exists
*inside the viewer's own scope unit* (matched by code path): an earlier election's
figures are public-level aggregates, but never for a unit outside the viewer's scope.

:func:`comparison` costs two tiny statements to choose the election (remembered for
:data:`CHOICE_MAX_AGE` seconds per current data version, so an unchanged dashboard
tick asks nothing) and four grouped statements over the earlier election's scope,
cached per (earlier election, its data version): they are computed once, whatever
happens to the current election.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from data.clock import LOCAL_TZ
from data.enums import ElectionKind, UnitKind, WindowKind
from data.models import Election, PollingArea, ReportingWindow, TurnoutReport, Unit
from data.numbers import percent_of
from data.read_models.cache import CacheKey, ReadCache, Version, default_cache

SETTING = "compare_with"
CHOICE_MAX_AGE = 30.0  # seconds a choice is reused while the current version is unchanged


@dataclass(frozen=True)
class EarlierElection:
    id: int
    name: str
    date: date
    version: Version  # its data version, tied to the row (Version.born)


@dataclass(frozen=True)
class EarlierWindow:
    key: str
    due_at: datetime
    reported: int  # polling areas with a report
    voted: int
    registered: int

    @property
    def turnout_pct(self) -> Decimal:
        return percent_of(self.voted, self.registered)

    @property
    def label(self) -> str:
        return f"{self.due_at.astimezone(LOCAL_TZ):%H:%M}"


@dataclass(frozen=True)
class EarlierTurnout:
    election: EarlierElection
    unit_code: str
    unit_name: str
    polling_areas: int
    registered: int
    windows: tuple[EarlierWindow, ...]  # turnout windows, by position

    def window(self, key: str) -> EarlierWindow | None:
        return next((w for w in self.windows if w.key == key), None)


# --------------------------------------------------------------------------- choice


def _covered(election_id: object, unit_code: str, viewer_code: str):  # type: ignore[no-untyped-def]
    """EXISTS: the election has ``unit_code`` inside (or equal to) its ``viewer_code`` unit."""
    unit, mine = aliased(Unit), aliased(Unit)
    return (
        select(unit.id)
        .join(
            mine,
            and_(
                mine.election_id == unit.election_id,
                mine.code == viewer_code,
                unit.path.startswith(mine.path),
            ),
        )
        .where(unit.election_id == election_id, unit.code == unit_code)
        .exists()
    )


def _override(settings: object) -> tuple[bool, int | None]:
    """(the setting is given, the election id it names; None: comparison off)."""
    if not isinstance(settings, dict) or SETTING not in settings:
        return False, None
    value = settings[SETTING]
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return True, value
    if value is None or value is False:
        return True, None
    return False, None  # not an id: ignored, the automatic choice applies


def earlier_election(
    session: Session, election_id: int, unit_code: str, viewer_code: str
) -> EarlierElection | None:
    """The election to compare ``election_id`` with at ``unit_code``, for a viewer whose
    scope unit is ``viewer_code`` (None: none qualifies, or the setting turns it off)."""
    row = session.execute(
        select(Election.date, Election.settings).where(Election.id == election_id)
    ).one_or_none()
    if row is None:
        return None
    day, settings = row
    given, override = _override(settings)
    if given and override is None:
        return None
    query = select(
        Election.id, Election.name, Election.date, Election.data_version, Election.created_at
    ).where(Election.id != election_id, _covered(Election.id, unit_code, viewer_code))
    if given:
        query = query.where(Election.id == override)
    else:
        query = query.where(Election.kind == ElectionKind.REAL, Election.date < day).order_by(
            Election.date.desc(), Election.id.desc()
        )
    found = session.execute(query.limit(1)).one_or_none()
    if found is None:
        return None
    eid, name, day_, version, born = found
    return EarlierElection(eid, name, day_, Version(int(version), born))


# ------------------------------------------------------------------------ figures


def earlier_turnout(
    session: Session, earlier: EarlierElection, unit_code: str, viewer_code: str
) -> EarlierTurnout | None:
    """Turnout per window of ``earlier`` over the subtree of its unit ``unit_code``; None
    unless that unit lies inside the earlier election's ``viewer_code`` unit."""
    eid = earlier.id
    units = {
        code: (uid, name, path, kind, parent_id)
        for uid, code, name, path, kind, parent_id in session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.path, Unit.kind, Unit.parent_id).where(
                Unit.election_id == eid, Unit.code.in_({unit_code, viewer_code})
            )
        )
    }
    if unit_code not in units or viewer_code not in units:
        return None
    uid, name, path, kind, parent_id = units[unit_code]
    if not path.startswith(units[viewer_code][2]):
        return None

    def in_scope(query):  # type: ignore[no-untyped-def]
        if parent_id is None:  # the root: every area of the election, no join needed
            return query
        if UnitKind(kind) == UnitKind.COMMUNE:
            return query.where(PollingArea.unit_id == uid)
        return query.join(Unit, Unit.id == PollingArea.unit_id).where(Unit.path.like(path + "%"))

    areas, registered = session.execute(
        in_scope(
            select(func.count(), func.coalesce(func.sum(PollingArea.registered_total), 0)).where(
                PollingArea.election_id == eid
            )
        )
    ).one()
    windows = session.execute(
        select(ReportingWindow.id, ReportingWindow.key, ReportingWindow.due_at)
        .where(ReportingWindow.election_id == eid, ReportingWindow.kind == WindowKind.TURNOUT)
        .order_by(ReportingWindow.position, ReportingWindow.id)
    ).all()
    turnout = select(
        TurnoutReport.window_id,
        func.count(),
        func.coalesce(func.sum(TurnoutReport.voted_total), 0),
    ).where(TurnoutReport.election_id == eid)
    if parent_id is not None:
        turnout = in_scope(
            turnout.join(PollingArea, PollingArea.id == TurnoutReport.polling_area_id)
        )
    per_window = {
        wid: (int(k), int(v))
        for wid, k, v in session.execute(turnout.group_by(TurnoutReport.window_id))
    }
    return EarlierTurnout(
        election=earlier,
        unit_code=unit_code,
        unit_name=name,
        polling_areas=int(areas),
        registered=int(registered),
        windows=tuple(
            EarlierWindow(key, due, *per_window.get(wid, (0, 0)), int(registered))
            for wid, key, due in windows
        ),
    )


# ------------------------------------------------------------------------ caching


class _Choices:
    """(election, unit, viewer) -> (current version, chosen at, choice): reused while the
    current version is unchanged and the choice is younger than ``max_age`` seconds."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._items: dict[tuple[object, ...], tuple[int, float, EarlierElection | None]] = {}

    def get(
        self, key: tuple[object, ...], version: int, max_age: float
    ) -> tuple[bool, EarlierElection | None]:
        with self._lock:
            item = self._items.get(key)
        if item is None or item[0] != version or time.monotonic() - item[1] > max_age:
            return False, None
        return True, item[2]

    def put(self, key: tuple[object, ...], version: int, choice: EarlierElection | None) -> None:
        with self._lock:
            if len(self._items) >= self.maxsize:
                self._items.clear()  # rare: keys are scopes on screen, not requests
            self._items[key] = (version, time.monotonic(), choice)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_choices = _Choices()


def forget_choices() -> None:
    """Drop remembered choices (tests; never needed for correctness beyond max age)."""
    _choices.clear()


def comparison(
    session: Session,
    election_id: int,
    version: int,
    unit_code: str,
    viewer_code: str,
    *,
    cache: ReadCache | None = None,
    max_age: float = CHOICE_MAX_AGE,
) -> EarlierTurnout | None:
    """The earlier election's turnout at ``unit_code`` for this viewer, or None.

    ``version`` is the current election's data version the caller has just read.
    """
    key = (election_id, getattr(version, "born", None), unit_code, viewer_code)
    found, choice = _choices.get(key, version, max_age)
    if not found:
        choice = earlier_election(session, election_id, unit_code, viewer_code)
        _choices.put(key, version, choice)
    if choice is None:
        return None
    earlier = choice
    figures_key = CacheKey(earlier.id, (unit_code, viewer_code), "earlier_turnout", earlier.version)
    return (cache if cache is not None else default_cache()).get_or_compute(
        figures_key, lambda: earlier_turnout(session, earlier, unit_code, viewer_code)
    )
