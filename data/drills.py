"""Drills (diễn tập): a disposable copy of a real election on a compressed clock (DESIGN §4).

:func:`create_drill` copies a real election's master data — units, polling areas with
their registered voters, contests, constituencies with their polling areas, candidates —
into a new election of kind ``drill`` in ONE transaction, with ``INSERT … SELECT``
statements that run inside the database (a national election of 72,000 polling areas
is copied in seconds). Its reporting windows keep their keys and kinds but follow one
another on short cycles: with the regulations' 15-minute cycle, entry is open for the
first 10 minutes and the last 5 are left for aggregation; the due time keeps its place
inside the entry period (09:00 is the middle of 08:45–09:15, 19:00 the start of
19:00–20:00, where counting starts).

:func:`reset_drill` deletes everything entered into a drill and schedules it again;
:func:`delete_drill` removes a drill (never a real election). Only the technical admin
may do these, each is audited, and the audit log itself is never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from data.clock import LOCAL_TZ, Clock, clock_from_env
from data.db import Database
from data.enums import ElectionKind, ElectionStatus, WindowKind
from data.models import (
    Candidate,
    ClosureRequest,
    Constituency,
    ConstituencyArea,
    Contest,
    Election,
    EntryClosure,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySecondEntry,
    TallySheet,
    TurnoutReport,
    Unit,
    User,
    WindowException,
)
from data.permissions import Action, Reach, reach
from data.services import audit
from data.services.actor import Actor
from data.services.common import for_update
from data.services.errors import Forbidden, NotFound, ServiceError

__all__ = [
    "DEFAULT_CYCLE",
    "DEFAULT_ENTRY",
    "DrillCreated",
    "DrillInfo",
    "DrillRefused",
    "DrillReset",
    "DrillRow",
    "WindowTimes",
    "compressed_schedule",
    "create_drill",
    "delete_drill",
    "drill_info",
    "drill_sources",
    "find_election",
    "list_drills",
    "master_counts",
    "next_quarter_hour",
    "reset_drill",
]

DEFAULT_CYCLE = timedelta(minutes=15)
DEFAULT_ENTRY = timedelta(minutes=10)
MAX_CYCLE = timedelta(hours=4)
NAME_MAX = 200
NATION_PATH = "VN/"


class DrillRefused(ServiceError):
    """The drill operation was refused with a plain reason; nothing was written."""

    code = "E_DRILL"
    http_status = 422
    message_vi = "{vi}"
    message_en = "{en}"

    def __init__(self, vi: str, en: str, field: str = "") -> None:
        super().__init__(field=field, vi=vi, en=en)


@dataclass(frozen=True)
class WindowTimes:
    key: str
    kind: WindowKind
    due_at: datetime
    opens_at: datetime
    closes_at: datetime
    position: int


@dataclass(frozen=True)
class DrillCreated:
    id: int
    name: str
    counts: dict[str, int]  # master data rows copied
    windows: list[WindowTimes]


@dataclass(frozen=True)
class DrillReset:
    id: int
    removed: dict[str, int]  # entered rows deleted, per table
    windows: list[WindowTimes]


@dataclass(frozen=True)
class DrillInfo:
    """What a page's drill banner says."""

    id: int
    name: str
    source_name: str | None


@dataclass(frozen=True)
class DrillRow:
    id: int
    name: str
    source_id: int | None
    source_name: str | None
    starts_at: datetime | None  # the first window opens
    ends_at: datetime | None  # the last window closes (counting goes on after)
    cycle_minutes: int | None
    entry_minutes: int | None
    entered: int  # opening and turnout reports and tally sheets entered so far
    data_version: int


# --------------------------------------------------------------------------- schedule


def next_quarter_hour(now: datetime) -> datetime:
    """The next full quarter hour strictly after ``now`` (local time, seconds dropped)."""
    local = now.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    return local + timedelta(minutes=15 - local.minute % 15)


def compressed_schedule(
    windows: Sequence[WindowTimes],
    starts_at: datetime,
    cycle: timedelta = DEFAULT_CYCLE,
    entry: timedelta = DEFAULT_ENTRY,
) -> list[WindowTimes]:
    """The windows on consecutive cycles from ``starts_at``: entry open for ``entry``, then
    the rest of the cycle for aggregation. Keys, kinds and order are kept; the due time
    sits at the same fraction of the entry period as in the source."""
    ordered = sorted(windows, key=lambda w: (w.position, w.opens_at))
    out = []
    for i, w in enumerate(ordered):
        opens = starts_at + i * cycle
        span = (w.closes_at - w.opens_at).total_seconds()
        share = (w.due_at - w.opens_at).total_seconds() / span if span > 0 else 0.0
        share = min(max(share, 0.0), 1.0)
        due = opens + timedelta(seconds=round(entry.total_seconds() * share))
        out.append(WindowTimes(w.key, w.kind, due, opens, opens + entry, w.position))
    return out


def _check_schedule(starts_at: datetime, cycle: timedelta, entry: timedelta) -> datetime:
    if not isinstance(starts_at, datetime):
        raise DrillRefused(
            "Thời điểm bắt đầu không hợp lệ.", "The start time is not valid.", "starts_at"
        )
    if not timedelta(minutes=1) <= entry < cycle:
        raise DrillRefused(
            "Thời gian nhập liệu phải từ 1 phút và ngắn hơn một chu kỳ (còn thời gian tổng hợp).",
            "The entry period must be at least 1 minute and shorter than a cycle "
            "(leaving time to aggregate).",
            "entry",
        )
    if cycle > MAX_CYCLE:
        raise DrillRefused(
            "Một chu kỳ diễn tập dài tối đa 240 phút.",
            "A drill cycle is at most 240 minutes.",
            "cycle",
        )
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=LOCAL_TZ)
    return starts_at.replace(second=0, microsecond=0)


# --------------------------------------------------------------------------- authorization


def _authorize(session: Session, actor: Actor) -> None:
    """Only the technical admin runs drills — judged again from the database for a real user."""
    if reach(actor.role, Action.RUN_DRILLS) is Reach.NONE:
        raise Forbidden()
    if actor.user_id is not None:
        me = session.get(User, actor.user_id)
        if me is None or not me.is_active or reach(me.role, Action.RUN_DRILLS) is Reach.NONE:
            raise Forbidden()


def _load(session: Session, election_id: object) -> Election:
    election = None
    if isinstance(election_id, int) and not isinstance(election_id, bool):
        election = session.scalar(
            for_update(session, select(Election).where(Election.id == election_id))
        )
    if election is None:
        raise NotFound(what="cuộc bầu cử", what_en="Election")
    return election


def _only_drills(election: Election, doing_vi: str, doing_en: str) -> None:
    if election.kind is not ElectionKind.DRILL:
        raise DrillRefused(
            f"“{election.name}” là cuộc bầu cử thật, không phải diễn tập: không thể {doing_vi}.",
            f"“{election.name}” is a real election, not a drill: it cannot be {doing_en}.",
        )


# --------------------------------------------------------------------------- create


def create_drill(
    db: Database,
    actor: Actor,
    source_election_id: int,
    name: str,
    starts_at: datetime,
    cycle: timedelta = DEFAULT_CYCLE,
    entry: timedelta = DEFAULT_ENTRY,
    *,
    clock: Clock | None = None,
) -> DrillCreated:
    """A new drill election: a copy of a real election's master data, compressed windows."""
    now = (clock or clock_from_env()).now()
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name or len(name) > NAME_MAX:
        raise DrillRefused(
            f"Hãy đặt tên cho cuộc diễn tập (tối đa {NAME_MAX} ký tự).",
            f"Give the drill a name (at most {NAME_MAX} characters).",
            "name",
        )
    starts_at = _check_schedule(starts_at, cycle, entry)
    with db.write() as session:
        if db.is_postgres:
            # One snapshot for every copy statement, without locking the real election.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            # The copy joins rows inserted moments ago, which the planner's statistics
            # do not know yet: with a nested loop a national copy took minutes instead of
            # seconds. Hash joins are right for every size here.
            session.execute(text("SET LOCAL enable_nestloop = off"))
        _authorize(session, actor)
        source = session.get(Election, source_election_id) if _is_id(source_election_id) else None
        if source is None:
            raise NotFound(what="cuộc bầu cử gốc", what_en="Source election")
        if source.kind is not ElectionKind.REAL:
            raise DrillRefused(
                f"Chỉ tạo diễn tập từ một cuộc bầu cử thật; “{source.name}” là diễn tập.",
                f"A drill is made from a real election; “{source.name}” is a drill.",
                "source",
            )
        if session.scalar(select(Election.id).where(Election.name == name)) is not None:
            raise DrillRefused(
                f"Đã có cuộc bầu cử hoặc diễn tập tên “{name}”.",
                f"An election or drill named “{name}” already exists.",
                "name",
            )
        windows = compressed_schedule(_windows(session, source.id), starts_at, cycle, entry)
        settings = dict(source.settings or {})
        settings["drill"] = {
            "cycle_minutes": _minutes(cycle),
            "entry_minutes": _minutes(entry),
            "starts_at": starts_at.isoformat(),
            "source_name": source.name,
        }
        drill = Election(
            name=name,
            date=starts_at.astimezone(LOCAL_TZ).date(),
            kind=ElectionKind.DRILL,
            status=ElectionStatus.PREPARING,
            data_version=1,
            freeze_at=starts_at,
            source_election_id=source.id,
            settings=settings,
        )
        session.add(drill)
        try:
            session.flush()
        except IntegrityError:  # a concurrent drill took the name
            raise DrillRefused(
                f"Đã có cuộc bầu cử hoặc diễn tập tên “{name}”.",
                f"An election or drill named “{name}” already exists.",
                "name",
            ) from None
        _copy_master_data(session, source.id, drill.id)
        _write_windows(session, drill.id, windows)
        counts = master_counts(session, drill.id)
        audit.record(
            session,
            actor,
            "drill.create",
            at=now,
            election_id=drill.id,
            object_type="election",
            object_key=name,
            unit_path=NATION_PATH,
            after={
                "source_election_id": source.id,
                "source_name": source.name,
                **settings["drill"],
                "counts": counts,
            },
        )
        return DrillCreated(drill.id, name, counts, windows)


def _copy_master_data(session: Session, src: int, dst: int) -> None:
    """INSERT … SELECT per table; rows of the copy find their parents by code."""
    depths = session.scalars(
        select(Unit.depth).where(Unit.election_id == src).distinct().order_by(Unit.depth)
    ).all()
    old_parent, new_parent = aliased(Unit), aliased(Unit)
    for depth in depths:  # parents before children
        rows = (
            select(
                literal(dst),
                Unit.code,
                Unit.name,
                Unit.kind,
                new_parent.id,
                Unit.depth,
                Unit.path,
            )
            .select_from(Unit)
            .outerjoin(old_parent, old_parent.id == Unit.parent_id)
            .outerjoin(
                new_parent,
                and_(new_parent.election_id == dst, new_parent.code == old_parent.code),
            )
            .where(Unit.election_id == src, Unit.depth == depth)
        )
        _insert_from(
            session,
            Unit,
            ("election_id", "code", "name", "kind", "parent_id", "depth", "path"),
            rows,
        )

    old_unit, new_unit = aliased(Unit), aliased(Unit)

    def same_unit(unit_id: Any) -> tuple[Any, Any]:
        return (
            (old_unit, old_unit.id == unit_id),
            (new_unit, and_(new_unit.election_id == dst, new_unit.code == old_unit.code)),
        )

    (u1, on1), (u2, on2) = same_unit(PollingArea.unit_id)
    _insert_from(
        session,
        PollingArea,
        (
            "election_id",
            "unit_id",
            "code",
            "name",
            "registered_total",
            "registered_male",
            "registered_female",
        ),
        select(
            literal(dst),
            new_unit.id,
            PollingArea.code,
            PollingArea.name,
            PollingArea.registered_total,
            PollingArea.registered_male,
            PollingArea.registered_female,
        )
        .select_from(PollingArea)
        .join(u1, on1)
        .join(u2, on2)
        .where(PollingArea.election_id == src),
    )
    _insert_from(
        session,
        Contest,
        ("election_id", "level", "name"),
        select(literal(dst), Contest.level, Contest.name).where(Contest.election_id == src),
    )
    (u1, on1), (u2, on2) = same_unit(Constituency.unit_id)
    _insert_from(
        session,
        Constituency,
        ("election_id", "level", "code", "name", "seats", "unit_id"),
        select(
            literal(dst),
            Constituency.level,
            Constituency.code,
            Constituency.name,
            Constituency.seats,
            new_unit.id,
        )
        .select_from(Constituency)
        .join(u1, on1)
        .join(u2, on2)
        .where(Constituency.election_id == src),
    )
    old_con, new_con = aliased(Constituency), aliased(Constituency)
    old_area, new_area = aliased(PollingArea), aliased(PollingArea)
    _insert_from(
        session,
        ConstituencyArea,
        ("constituency_id", "polling_area_id", "level"),
        select(new_con.id, new_area.id, ConstituencyArea.level)
        .select_from(ConstituencyArea)
        .join(old_con, old_con.id == ConstituencyArea.constituency_id)
        .join(new_con, and_(new_con.election_id == dst, new_con.code == old_con.code))
        .join(old_area, old_area.id == ConstituencyArea.polling_area_id)
        .join(new_area, and_(new_area.election_id == dst, new_area.code == old_area.code))
        .where(old_con.election_id == src),
    )
    _insert_from(
        session,
        Candidate,
        ("constituency_id", "full_name", "date_of_birth", "gender", "ballot_order"),
        select(
            new_con.id,
            Candidate.full_name,
            Candidate.date_of_birth,
            Candidate.gender,
            Candidate.ballot_order,
        )
        .select_from(Candidate)
        .join(old_con, old_con.id == Candidate.constituency_id)
        .join(new_con, and_(new_con.election_id == dst, new_con.code == old_con.code))
        .where(old_con.election_id == src)
        # Ids in ballot order, as the loader writes them.
        .order_by(old_con.id, Candidate.ballot_order),
    )


def _delete_rows(session: Session, model: Any, **equal: Any) -> int:
    """Core DELETE of the rows whose columns equal the given values; how many went."""
    table = model.__table__
    result = session.execute(delete(table).where(*(table.c[k] == v for k, v in equal.items())))
    return max(int(result.rowcount or 0), 0)


def _insert_from(session: Session, model: Any, columns: Sequence[str], rows: Select) -> None:
    session.execute(insert(model.__table__).from_select(list(columns), rows))


def _write_windows(session: Session, election_id: int, windows: Sequence[WindowTimes]) -> None:
    if windows:
        session.execute(
            insert(ReportingWindow.__table__),
            [
                {
                    "election_id": election_id,
                    "key": w.key,
                    "kind": w.kind,
                    "due_at": w.due_at,
                    "opens_at": w.opens_at,
                    "closes_at": w.closes_at,
                    "position": w.position,
                }
                for w in windows
            ],
        )


def _windows(session: Session, election_id: int) -> list[WindowTimes]:
    rows = session.execute(
        select(
            ReportingWindow.key,
            ReportingWindow.kind,
            ReportingWindow.due_at,
            ReportingWindow.opens_at,
            ReportingWindow.closes_at,
            ReportingWindow.position,
        )
        .where(ReportingWindow.election_id == election_id)
        .order_by(ReportingWindow.position)
    ).all()
    return [WindowTimes(*row) for row in rows]


def master_counts(session: Session, election_id: int) -> dict[str, int]:
    """Master data rows of an election (units without the nation ``VN``)."""
    cons = select(Constituency.id).where(Constituency.election_id == election_id)

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "units": count(Unit, Unit.election_id == election_id, Unit.depth > 0),
        "polling_areas": count(PollingArea, PollingArea.election_id == election_id),
        "contests": count(Contest, Contest.election_id == election_id),
        "constituencies": count(Constituency, Constituency.election_id == election_id),
        "memberships": count(ConstituencyArea, ConstituencyArea.constituency_id.in_(cons)),
        "candidates": count(Candidate, Candidate.constituency_id.in_(cons)),
        "windows": count(ReportingWindow, ReportingWindow.election_id == election_id),
    }


# --------------------------------------------------------------------------- reset, delete

# What is entered on the day (deleting a sheet deletes its votes and ballot types).
_ENTERED: tuple[Any, ...] = (
    TallySecondEntry,
    TallySheet,
    TurnoutReport,
    OpeningReport,
    WindowException,
    EntryClosure,
    ClosureRequest,
)


def reset_drill(
    db: Database,
    actor: Actor,
    drill_id: int,
    starts_at: datetime | None = None,
    *,
    clock: Clock | None = None,
) -> DrillReset:
    """Delete everything entered into the drill and schedule it again from ``starts_at``
    (default: the next quarter hour). Master data stays; the reset is audited."""
    now = (clock or clock_from_env()).now()
    with db.write() as session:
        _authorize(session, actor)
        drill = _load(session, drill_id)
        _only_drills(drill, "đặt lại", "reset")
        old = dict((drill.settings or {}).get("drill") or {})
        cycle = timedelta(minutes=old.get("cycle_minutes") or _minutes(DEFAULT_CYCLE))
        entry = timedelta(minutes=old.get("entry_minutes") or _minutes(DEFAULT_ENTRY))
        start = _check_schedule(starts_at or next_quarter_hour(now), cycle, entry)
        removed = {
            model.__tablename__: _delete_rows(session, model, election_id=drill.id)
            for model in _ENTERED
        }
        session.execute(
            update(Constituency)
            .where(Constituency.election_id == drill.id)
            .values(published_at=None)
        )
        windows = compressed_schedule(_windows(session, drill.id), start, cycle, entry)
        _delete_rows(session, ReportingWindow, election_id=drill.id)
        _write_windows(session, drill.id, windows)
        settings = dict(drill.settings or {})
        settings["drill"] = {**old, "starts_at": start.isoformat()}
        drill.settings = settings
        drill.date = start.astimezone(LOCAL_TZ).date()
        drill.freeze_at = start
        drill.status = ElectionStatus.PREPARING
        drill.data_version = (drill.data_version or 0) + 1
        audit.record(
            session,
            actor,
            "drill.reset",
            at=now,
            election_id=drill.id,
            object_type="election",
            object_key=drill.name,
            unit_path=NATION_PATH,
            before={"starts_at": old.get("starts_at"), "removed": removed},
            after={"starts_at": start.isoformat()},
        )
        return DrillReset(drill.id, removed, windows)


def delete_drill(
    db: Database, actor: Actor, drill_id: int, *, clock: Clock | None = None
) -> dict[str, int]:
    """Delete a drill and all its data (never a real election); returns its master counts.

    Children go first, table by table, so the database's cascades find little to do.
    The audit log keeps every event of the drill.
    """
    now = (clock or clock_from_env()).now()
    with db.write() as session:
        _authorize(session, actor)
        drill = _load(session, drill_id)
        _only_drills(drill, "xóa", "deleted")
        eid = drill.id
        counts = master_counts(session, eid)
        entered = {
            model.__tablename__: int(
                session.scalar(
                    select(func.count()).select_from(model).where(model.election_id == eid)
                )
                or 0
            )
            for model in (TurnoutReport, OpeningReport, TallySheet)
        }
        for model in _ENTERED:
            _delete_rows(session, model, election_id=eid)
        cons = select(Constituency.id).where(Constituency.election_id == eid).scalar_subquery()
        session.execute(delete(Candidate.__table__).where(Candidate.constituency_id.in_(cons)))
        session.execute(
            delete(ConstituencyArea.__table__).where(ConstituencyArea.constituency_id.in_(cons))
        )
        for model in (Constituency, PollingArea, ReportingWindow, Contest):
            _delete_rows(session, model, election_id=eid)
        depths = session.scalars(select(Unit.depth).where(Unit.election_id == eid).distinct())
        for depth in sorted(depths, reverse=True):  # children before parents
            _delete_rows(session, Unit, election_id=eid, depth=depth)
        name, source_id = drill.name, drill.source_election_id
        session.expunge(drill)
        _delete_rows(session, Election, id=eid)
        audit.record(
            session,
            actor,
            "drill.delete",
            at=now,
            election_id=eid,
            object_type="election",
            object_key=name,
            unit_path=NATION_PATH,
            before={"source_election_id": source_id, "counts": counts, "entered": entered},
        )
        return counts


# --------------------------------------------------------------------------- reads


def list_drills(session: Session) -> list[DrillRow]:
    """Every drill, newest first, with its schedule and how much was entered."""
    source = aliased(Election)
    rows = session.execute(
        select(Election, source.name)
        .outerjoin(source, source.id == Election.source_election_id)
        .where(Election.kind == ElectionKind.DRILL)
        .order_by(Election.date.desc(), Election.id.desc())
    ).all()
    if not rows:
        return []
    ids = [e.id for e, _ in rows]
    spans = {
        eid: (first, last)
        for eid, first, last in session.execute(
            select(
                ReportingWindow.election_id,
                func.min(ReportingWindow.opens_at),
                func.max(ReportingWindow.closes_at),
            )
            .where(ReportingWindow.election_id.in_(ids))
            .group_by(ReportingWindow.election_id)
        )
    }
    entered: dict[int, int] = dict.fromkeys(ids, 0)
    for model in (OpeningReport, TurnoutReport, TallySheet):
        for eid, n in session.execute(
            select(model.election_id, func.count())
            .where(model.election_id.in_(ids))
            .group_by(model.election_id)
        ):
            entered[eid] += int(n)
    out = []
    for e, source_name in rows:
        meta = (e.settings or {}).get("drill") or {}
        first, last = spans.get(e.id, (None, None))
        out.append(
            DrillRow(
                id=e.id,
                name=e.name,
                source_id=e.source_election_id,
                source_name=source_name,
                starts_at=first,
                ends_at=last,
                cycle_minutes=meta.get("cycle_minutes"),
                entry_minutes=meta.get("entry_minutes"),
                entered=entered[e.id],
                data_version=int(e.data_version or 0),
            )
        )
    return out


def drill_info(session: Session, election_id: int) -> DrillInfo | None:
    """The drill, if this election is one (None for a real or unknown election)."""
    source = aliased(Election)
    row = session.execute(
        select(Election.id, Election.name, source.name)
        .outerjoin(source, source.id == Election.source_election_id)
        .where(Election.id == election_id, Election.kind == ElectionKind.DRILL)
    ).first()
    return DrillInfo(*row) if row else None


def drill_sources(session: Session) -> list[tuple[int, str, date]]:
    """Real elections a drill can be made from: (id, name, date), newest first."""
    rows = session.execute(
        select(Election.id, Election.name, Election.date)
        .where(Election.kind == ElectionKind.REAL)
        .order_by(Election.date.desc(), Election.id.desc())
    ).all()
    return [(r.id, r.name, r.date) for r in rows]


def find_election(session: Session, name_or_id: str) -> Election | None:
    """An election by id (all digits) or by exact name."""
    text = (name_or_id or "").strip()
    if text.isdigit() and len(text) <= 10:
        found = session.get(Election, int(text))
        if found is not None:
            return found
    return session.scalar(select(Election).where(Election.name == text))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
