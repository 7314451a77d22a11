"""What judging a batch of turnout reports needs from the database, in a bounded number of queries.

Loaded once per batch inside the writing transaction (the existing reports of the
batch's (polling area, window) pairs locked on PostgreSQL, as the single save
locked its one row), then kept up to date in memory as the batch's items are
applied, so each item is judged against what the items before it left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import WindowKind
from data.models import (
    Election,
    EntryClosure,
    PollingArea,
    ReportingWindow,
    TurnoutReport,
    Unit,
    User,
    WindowException,
)
from data.rules.turnout import Registered, TurnoutFigures
from data.services.actor import Actor
from data.services.bulk import among
from data.services.common import for_update, path_prefixes


@dataclass(frozen=True)
class AreaFacts:
    id: int
    code: str
    registered: Registered
    unit_id: int  # the commune it belongs to
    unit_name: str
    unit_path: str
    prefixes: tuple[str, ...]  # the paths of its unit and of the units above, top first


@dataclass(frozen=True)
class WindowFacts:
    id: int
    key: str
    kind: WindowKind
    due_at: datetime
    opens_at: datetime
    closes_at: datetime
    position: int


@dataclass(frozen=True)
class ReportState:
    """A turnout report's stored values, as the database has them or as the batch leaves them."""

    voted_total: int
    voted_male: int | None
    voted_female: int | None
    version: int
    confirmed_warnings: tuple[str, ...]
    reason: str | None
    entered_by_id: int | None
    on_behalf: bool

    @property
    def figures(self) -> TurnoutFigures:
        return TurnoutFigures(self.voted_total, self.voted_male, self.voted_female)


@dataclass(eq=False)
class Slot:
    """The report of one (polling area, window); ``id`` is None until its row is inserted."""

    area_id: int
    window_id: int
    state: ReportState
    id: int | None = None


@dataclass(frozen=True)
class Closure:
    unit_name: str
    closed_by: str | None  # username; None: closed by the system


_REPORT_COLUMNS = (
    TurnoutReport.id,
    TurnoutReport.polling_area_id,
    TurnoutReport.window_id,
    TurnoutReport.voted_total,
    TurnoutReport.voted_male,
    TurnoutReport.voted_female,
    TurnoutReport.version,
    TurnoutReport.confirmed_warnings,
    TurnoutReport.reason,
    TurnoutReport.entered_by_id,
    TurnoutReport.on_behalf,
)


@dataclass
class TurnoutFacts:
    election_id: int
    election_found: bool = False
    areas: dict[str, AreaFacts] = field(default_factory=dict)  # by code
    windows: dict[str, WindowFacts] = field(default_factory=dict)  # by key
    scope_id: int | None = None  # the actor's scope unit (None: not in this election)
    scope_path: str | None = None
    user_active: bool = True  # False: the actor's account is gone or deactivated
    closures: dict[str, Closure] = field(default_factory=dict)  # by closed unit path
    exceptions: dict[tuple[str, int], datetime] = field(default_factory=dict)  # (path, window)
    reports: dict[tuple[int, int], Slot] = field(default_factory=dict)  # (area id, window id)
    _earlier: dict[int, list[int]] = field(default_factory=dict)  # window id → ids, latest first

    @classmethod
    def load(
        cls,
        session: Session,
        actor: Actor,
        election_id: int,
        pairs: Iterable[tuple[str, str]],  # (polling area code, window key) of each item
    ) -> TurnoutFacts:
        facts = cls(election_id)
        if session.scalar(select(Election.id).where(Election.id == election_id)) is None:
            return facts
        facts.election_found = True
        pairs = list(pairs)
        facts._load_windows(session)
        facts._load_areas(session, {code for code, _ in pairs})
        facts._load_actor(session, actor)
        if not facts.areas:
            return facts
        keys = {key for _, key in pairs}
        batch_windows = [w for k, w in facts.windows.items() if k in keys]
        facts._load_closures(session)
        facts._load_exceptions(session, [w.id for w in batch_windows])
        facts._load_reports(session, list(facts.areas.values()), batch_windows)
        return facts

    # --- look-ups, each as the single save's query answered it ---------------
    def closure_over(self, area: AreaFacts) -> Closure | None:
        """The closure on the area's unit or on the highest unit above it."""
        for prefix in area.prefixes:
            if prefix in self.closures:
                return self.closures[prefix]
        return None

    def exception_until(self, area: AreaFacts, window: WindowFacts) -> datetime | None:
        if not self.exceptions:
            return None
        found = [
            until
            for prefix in area.prefixes
            if (until := self.exceptions.get((prefix, window.id))) is not None
        ]
        return max(found, default=None)

    def previous(self, area: AreaFacts, window: WindowFacts) -> TurnoutFigures | None:
        """The report of the latest earlier window, if the area has one."""
        for earlier in self._earlier[window.id]:
            slot = self.reports.get((area.id, earlier))
            if slot is not None:
                return slot.state.figures
        return None

    # --- loading -------------------------------------------------------------
    def _load_windows(self, session: Session) -> None:
        rows = session.execute(
            select(
                ReportingWindow.id,
                ReportingWindow.key,
                ReportingWindow.kind,
                ReportingWindow.due_at,
                ReportingWindow.opens_at,
                ReportingWindow.closes_at,
                ReportingWindow.position,
            ).where(ReportingWindow.election_id == self.election_id)
        )
        self.windows = {row.key: WindowFacts(*row) for row in rows}
        latest_first = sorted(self.windows.values(), key=lambda w: w.position, reverse=True)
        self._earlier = {
            w.id: [e.id for e in latest_first if e.position < w.position] for w in latest_first
        }

    def _load_areas(self, session: Session, codes: set[str]) -> None:
        if not codes:
            return
        rows = session.execute(
            select(
                PollingArea.id,
                PollingArea.code,
                PollingArea.registered_total,
                PollingArea.registered_male,
                PollingArea.registered_female,
                Unit.id,
                Unit.name,
                Unit.path,
            )
            .join(Unit, PollingArea.unit_id == Unit.id)
            .where(
                PollingArea.election_id == self.election_id,
                among(session, PollingArea.code, codes),
            )
        )
        prefixes: dict[str, tuple[str, ...]] = {}  # by unit path: computed once per commune
        self.areas = {
            code: AreaFacts(
                area_id,
                code,
                Registered(total, male, female),
                uid,
                name,
                path,
                prefixes.get(path) or prefixes.setdefault(path, tuple(path_prefixes(path))),
            )
            for area_id, code, total, male, female, uid, name, path in rows
        }

    def _load_actor(self, session: Session, actor: Actor) -> None:
        scope = session.execute(
            select(Unit.id, Unit.path).where(
                Unit.election_id == self.election_id, Unit.code == actor.scope_code
            )
        ).first()
        if scope is not None:
            self.scope_id, self.scope_path = scope
        if actor.user_id is not None:
            active = session.scalar(select(User.is_active).where(User.id == actor.user_id))
            self.user_active = bool(active)

    def _prefixes(self) -> set[str]:
        return {p for area in self.areas.values() for p in area.prefixes}

    def _load_closures(self, session: Session) -> None:
        rows = session.execute(
            select(Unit.path, Unit.name, User.username)
            .select_from(EntryClosure)
            .join(Unit, EntryClosure.unit_id == Unit.id)
            .outerjoin(User, EntryClosure.closed_by_id == User.id)
            .where(
                EntryClosure.election_id == self.election_id,
                among(session, Unit.path, self._prefixes()),
            )
        )
        self.closures = {path: Closure(name, by) for path, name, by in rows}

    def _load_exceptions(self, session: Session, window_ids: list[int]) -> None:
        if not window_ids:
            return
        rows = session.execute(
            select(Unit.path, WindowException.window_id, WindowException.until)
            .join(Unit, WindowException.unit_id == Unit.id)
            .where(
                WindowException.election_id == self.election_id,
                among(session, WindowException.window_id, window_ids),
                among(session, Unit.path, self._prefixes()),
            )
        )
        self.exceptions = {(path, window_id): until for path, window_id, until in rows}

    def _load_reports(
        self, session: Session, areas: Sequence[AreaFacts], batch_windows: Sequence[WindowFacts]
    ) -> None:
        """The batch's own pairs, locked (in id order, so concurrent batches cannot deadlock
        on them), then the earlier windows' reports the T-rules compare with."""
        area_ids = [a.id for a in areas]
        if not batch_windows:
            return
        batch_ids = [w.id for w in batch_windows]
        latest = max(w.position for w in batch_windows)
        earlier_ids = [
            w.id for w in self.windows.values() if w.position < latest and w.id not in batch_ids
        ]
        locked = for_update(
            session,
            select(*_REPORT_COLUMNS)
            .where(
                among(session, TurnoutReport.polling_area_id, area_ids),
                among(session, TurnoutReport.window_id, batch_ids),
            )
            .order_by(TurnoutReport.id),
        )
        self._keep(session.execute(locked))
        if earlier_ids:
            self._keep(
                session.execute(
                    select(*_REPORT_COLUMNS).where(
                        among(session, TurnoutReport.polling_area_id, area_ids),
                        among(session, TurnoutReport.window_id, earlier_ids),
                    )
                )
            )

    def reload_area(self, session: Session, area: AreaFacts) -> None:
        """Read the area's reports again (a concurrent writer has just stored one)."""
        for key in [k for k in self.reports if k[0] == area.id]:
            del self.reports[key]
        self._keep(
            session.execute(
                for_update(
                    session,
                    select(*_REPORT_COLUMNS)
                    .where(TurnoutReport.polling_area_id == area.id)
                    .order_by(TurnoutReport.id),
                )
            )
        )

    def _keep(self, rows: Iterable) -> None:  # type: ignore[type-arg]
        for row in rows:
            state = ReportState(
                row.voted_total,
                row.voted_male,
                row.voted_female,
                row.version,
                tuple(row.confirmed_warnings or ()),
                row.reason,
                row.entered_by_id,
                row.on_behalf,
            )
            key = (row.polling_area_id, row.window_id)
            self.reports[key] = Slot(row.polling_area_id, row.window_id, state, row.id)
