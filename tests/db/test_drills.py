"""Drills (DESIGN §4): a faithful copy of the real master data on a compressed clock,
reset and deleted by the technical admin only, never mixing with the real election."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from data.clock import LOCAL_TZ, FixedClock
from data.drills import (
    DrillRefused,
    WindowTimes,
    compressed_schedule,
    create_drill,
    delete_drill,
    drill_info,
    list_drills,
    master_counts,
    next_quarter_hour,
    reset_drill,
)
from data.enums import ElectionKind, Level, WindowKind
from data.models import (
    AuditEvent,
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
    TallySheet,
    TallyVote,
    TurnoutReport,
    Unit,
    User,
    WindowException,
)
from data.read_models.entry import count_starts
from data.read_models.progress import unit_progress
from data.services.closure_requests import request_closure
from data.services.entry import close_entry, grant_window_exception
from data.services.errors import CountNotStarted, Forbidden, NotFound, WindowClosed
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_opening, submit_turnout
from tests.db.services_support import World, at, make_world

START = datetime(2026, 3, 8, 8, 0, tzinfo=LOCAL_TZ)  # a week before election day


def _world(db) -> World:  # type: ignore[no-untyped-def]
    w = make_world(db, "07:00")
    with db.write() as s:  # the small election holds its contests too
        for level in (Level.QH, Level.HDND_TINH, Level.HDND_XA):
            s.add(Contest(election_id=w.eid, level=level, name=f"Bầu cử {level.label_vi}"))
    w.clock.set(START - timedelta(hours=1))
    return w


@pytest.fixture
def world(db) -> World:
    return _world(db)


def drill_of(w: World, name: str = "Diễn tập 08/03") -> int:
    return create_drill(w.db, w.admin, w.eid, name, START, clock=w.clock).id


def master_data(db, eid: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything copied, by code (ids differ), in a comparable shape."""
    parent = aliased(Unit)
    with db.read() as s:
        units = s.execute(
            select(Unit.code, Unit.name, Unit.kind, Unit.depth, Unit.path, parent.code)
            .outerjoin(parent, parent.id == Unit.parent_id)
            .where(Unit.election_id == eid)
        ).all()
        areas = s.execute(
            select(
                PollingArea.code,
                Unit.code,
                PollingArea.name,
                PollingArea.registered_total,
                PollingArea.registered_male,
                PollingArea.registered_female,
            )
            .join(Unit, Unit.id == PollingArea.unit_id)
            .where(PollingArea.election_id == eid)
        ).all()
        cons = s.execute(
            select(
                Constituency.code,
                Constituency.level,
                Constituency.name,
                Constituency.seats,
                Unit.code,
            )
            .join(Unit, Unit.id == Constituency.unit_id)
            .where(Constituency.election_id == eid)
        ).all()
        members = s.execute(
            select(Constituency.code, PollingArea.code, ConstituencyArea.level)
            .join(Constituency, Constituency.id == ConstituencyArea.constituency_id)
            .join(PollingArea, PollingArea.id == ConstituencyArea.polling_area_id)
            .where(Constituency.election_id == eid)
        ).all()
        ballots = s.execute(
            select(
                Constituency.code,
                Candidate.ballot_order,
                Candidate.full_name,
                Candidate.date_of_birth,
                Candidate.gender,
            )
            .join(Constituency, Constituency.id == Candidate.constituency_id)
            .where(Constituency.election_id == eid)
            .order_by(Constituency.code, Candidate.ballot_order)
        ).all()
        contests = s.execute(
            select(Contest.level, Contest.name).where(Contest.election_id == eid)
        ).all()
    return {
        "units": sorted(map(tuple, units)),
        "areas": sorted(map(tuple, areas)),
        "constituencies": sorted(map(tuple, cons)),
        "memberships": sorted(map(tuple, members)),
        "ballots": [tuple(b) for b in ballots],  # in ballot order per constituency
        "contests": sorted(map(tuple, contests)),
    }


def entered(db, eid: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    models = (
        TurnoutReport,
        OpeningReport,
        TallySheet,
        EntryClosure,
        WindowException,
        ClosureRequest,
    )
    with db.read() as s:
        counts = {
            m.__tablename__: s.scalar(
                select(func.count()).select_from(m).where(m.election_id == eid)
            )
            for m in models
        }
        counts["tally_vote"] = s.scalar(
            select(func.count())
            .select_from(TallyVote)
            .join(TallySheet, TallySheet.id == TallyVote.sheet_id)
            .where(TallySheet.election_id == eid)
        )
    return counts


def windows_of(db, eid: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        rows = s.execute(
            select(
                ReportingWindow.key,
                ReportingWindow.kind,
                ReportingWindow.opens_at,
                ReportingWindow.due_at,
                ReportingWindow.closes_at,
                ReportingWindow.position,
            )
            .where(ReportingWindow.election_id == eid)
            .order_by(ReportingWindow.position)
        ).all()
    return [tuple(r) for r in rows]


def minute(n: int, start: datetime = START) -> datetime:
    return start + timedelta(minutes=n)


def ballot(db, eid: int, code: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Candidate ids of a constituency in ballot order (a drill's are its own)."""
    with db.read() as s:
        return list(
            s.scalars(
                select(Candidate.id)
                .join(Constituency, Constituency.id == Candidate.constituency_id)
                .where(Constituency.election_id == eid, Constituency.code == code)
                .order_by(Candidate.ballot_order)
            )
        )


def fill_drill(w: World, drill: int) -> None:
    """A drill day in miniature: opening, a turnout window, a tally sheet, a closure,
    an exception and a closure request — everything reset must remove."""
    w.clock.set(minute(2))
    submit_opening(w.db, w.commune_a, drill, "00004-01", minute(1), clock=w.clock)
    w.clock.set(minute(17))  # the 09:00 window of the drill: 08:15–08:25
    submit_turnout(w.db, w.commune_a, drill, TurnoutInput("00004-01", "0900", 321), clock=w.clock)
    grant_window_exception(
        w.db, w.province, drill, "00008", "0900", minute(60), clock=w.clock, reason="mất điện"
    )
    w.clock.set(minute(95))  # counting started with the 19:00 window (09:30)
    a, b, c = ballot(w.db, drill, "X-00004")
    save_tally_sheet(
        w.db,
        w.commune_a,
        drill,
        TallyInput(
            "00004-01", Level.HDND_XA, 1000, 900, 900, 900, 880, 20, {a: 700, b: 600, c: 300}
        ),
        clock=w.clock,
        confirm=["K12"],
        reason="diễn tập",
    )
    request_closure(w.db, w.commune_b, drill, "00008", clock=w.clock, reason="xong")
    close_entry(w.db, w.commune_a, drill, "00004", clock=w.clock, reason="xong")


# --- create --------------------------------------------------------------------------


def test_a_drill_is_an_exact_copy_of_the_real_master_data(world: World):
    before = master_data(world.db, world.eid)
    drill = drill_of(world)
    assert drill != world.eid
    copy = master_data(world.db, drill)
    assert copy == before
    assert len(copy["areas"]) == 6 and len(copy["ballots"]) == 15 and len(copy["contests"]) == 3
    with world.db.read() as s:
        e = s.get(Election, drill)
        assert e.kind is ElectionKind.DRILL
        assert e.source_election_id == world.eid
        assert e.date == START.date()
        assert e.settings["drill"]["cycle_minutes"] == 15
        assert e.settings["drill"]["entry_minutes"] == 10
        assert master_counts(s, drill) == master_counts(s, world.eid)
        # Candidates keep their ballot order in id order too (as the loader writes them).
        orders = s.execute(
            select(Candidate.ballot_order)
            .join(Constituency, Constituency.id == Candidate.constituency_id)
            .where(Constituency.election_id == drill, Constituency.code == "T-01")
            .order_by(Candidate.id)
        ).scalars()
        assert list(orders) == [1, 2, 3, 4, 5]
        # The copy is the drill's own: no row of it points into the real election.
        units = set(s.scalars(select(Unit.id).where(Unit.election_id == drill)))
        area_units = set(
            s.scalars(select(PollingArea.unit_id).where(PollingArea.election_id == drill))
        )
        assert area_units <= units
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "drill.create"))
        assert event.election_id == drill and event.username == "quantri"
        assert event.after["source_election_id"] == world.eid
        assert event.after["counts"]["polling_areas"] == 6
        assert drill_info(s, drill).source_name == "Bầu cử thử 2026"
        assert drill_info(s, world.eid) is None


def test_the_windows_follow_each_other_on_15_minute_cycles(world: World):
    drill = drill_of(world)
    real = windows_of(world.db, world.eid)
    rows = windows_of(world.db, drill)
    assert [(r[0], r[1], r[5]) for r in rows] == [(r[0], r[1], r[5]) for r in real]
    for i, (key, _kind, opens, due, closes, _pos) in enumerate(rows):
        assert opens == minute(15 * i), key
        assert closes == minute(15 * i + 10), key  # 10 minutes of entry, 5 to aggregate
        # The due time keeps its place in the entry period: the middle of 08:45–09:15,
        # the start of 19:00–20:00 (and of the opening's 06:45–07:15 its middle).
        expected = opens if key == "1900" else minute(15 * i + 5)
        assert due == expected, key
    assert rows[0][1] is WindowKind.OPENING
    with world.db.read() as s:
        assert count_starts(s, drill) == minute(90)  # counting starts with the last window


def test_the_schedule_can_use_other_cycles():
    base = datetime(2026, 3, 15, 6, 45, tzinfo=LOCAL_TZ)
    windows = [
        WindowTimes("b", WindowKind.TURNOUT, base + timedelta(hours=3), base, base, 1),
        WindowTimes(
            "a",
            WindowKind.OPENING,
            base + timedelta(minutes=15),
            base,
            base + timedelta(minutes=30),
            0,
        ),
    ]
    out = compressed_schedule(windows, START, timedelta(minutes=20), timedelta(minutes=12))
    assert [w.key for w in out] == ["a", "b"]
    assert [w.opens_at for w in out] == [START, minute(20)]
    assert [w.closes_at for w in out] == [minute(12), minute(32)]
    assert [w.due_at for w in out] == [minute(6), minute(20)]  # a zero-length period: its start


def test_next_quarter_hour():
    assert next_quarter_hour(datetime(2026, 3, 8, 7, 52, 31, tzinfo=LOCAL_TZ)) == minute(0)
    assert next_quarter_hour(minute(0)) == minute(15)


def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(world: World):
    drill_of(world, "Diễn tập A")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "   "}, "tên"),
        ({"name": "x" * 201}, "tên"),
        ({"name": "Diễn tập A"}, "Đã có"),
        ({"name": "Bầu cử thử 2026"}, "Đã có"),
        ({"entry": timedelta(minutes=15)}, "ngắn hơn một chu kỳ"),
        ({"entry": timedelta(0)}, "ngắn hơn một chu kỳ"),
        ({"cycle": timedelta(hours=5), "entry": timedelta(minutes=10)}, "240 phút"),
    ]
    with world.db.read() as s:
        elections = s.scalar(select(func.count()).select_from(Election))
    for change, words in cases:
        args = {
            "name": "Diễn tập B",
            "cycle": timedelta(minutes=15),
            "entry": timedelta(minutes=10),
            **change,
        }
        with pytest.raises(DrillRefused) as refused:
            create_drill(
                world.db,
                world.admin,
                world.eid,
                args["name"],
                START,
                args["cycle"],
                args["entry"],
                clock=world.clock,
            )
        assert words in refused.value.message(), change
        assert refused.value.message("en") != refused.value.message()
    with world.db.read() as s:
        drill_a = s.scalar(select(Election.id).where(Election.name == "Diễn tập A"))
    with pytest.raises(DrillRefused, match="real election"):
        create_drill(world.db, world.admin, drill_a, "Diễn tập C", START, clock=world.clock)
    with pytest.raises(NotFound):
        create_drill(world.db, world.admin, 999_999, "Diễn tập C", START, clock=world.clock)
    with world.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Election)) == elections


# --- never mixing ----------------------------------------------------------------------


def test_a_drills_reports_never_reach_the_real_elections_aggregates(world: World):
    submit_turnout(
        world.db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 100),
        clock=FixedClock(at("09:05")),
    )
    with world.db.read() as s:
        real_before = unit_progress(s, world.eid, "01")
        real_version = s.get(Election, world.eid).data_version
    drill = drill_of(world)
    fill_drill(world, drill)
    with world.db.read() as s:
        real = unit_progress(s, world.eid, "01")
        rehearsal = unit_progress(s, drill, "01")
        assert s.get(Election, world.eid).data_version == real_version
    assert real == real_before
    assert real.window("0900").voted == 100
    assert rehearsal.window("0900").voted == 321
    assert rehearsal.window("opening").reported_areas == 1
    assert rehearsal.level(Level.HDND_XA).sheets_in == 1
    assert real.level(Level.HDND_XA).sheets_in == 0
    # The real election's windows are untouched: entering at the drill's time is refused there.
    with pytest.raises(WindowClosed) as closed:
        submit_turnout(
            world.db,
            world.commune_a,
            world.eid,
            TurnoutInput("00004-02", "0900", 5),
            clock=FixedClock(minute(17)),
        )
    assert closed.value.codes == ["T05"]


def test_tally_sheets_wait_for_the_drills_count(world: World):
    drill = drill_of(world)
    world.clock.set(minute(89))
    a, b, c = ballot(world.db, drill, "X-00004")
    assert set(ballot(world.db, drill, "X-00004")).isdisjoint(world.e.candidate_ids["X-00004"])
    sheet = TallyInput(
        "00004-01", Level.HDND_XA, 1000, 900, 900, 900, 880, 20, {a: 700, b: 600, c: 300}
    )
    with pytest.raises(CountNotStarted):
        save_tally_sheet(world.db, world.commune_a, drill, sheet, clock=world.clock)
    world.clock.set(minute(90))
    saved = save_tally_sheet(
        world.db, world.commune_a, drill, sheet, clock=world.clock, confirm=["K12"], reason="x"
    )
    assert saved.created


# --- reset -----------------------------------------------------------------------------


def test_reset_removes_what_was_entered_keeps_the_master_data_and_reschedules(world: World):
    drill = drill_of(world)
    fill_drill(world, drill)
    before_master = master_data(world.db, drill)
    before = entered(world.db, drill)
    assert all(before.values()), before
    with world.db.read() as s:
        s_version = s.get(Election, drill).data_version
        audit_before = s.scalar(select(func.count()).select_from(AuditEvent))
    again = START + timedelta(days=1, hours=2)
    reset = reset_drill(world.db, world.admin, drill, again, clock=world.clock)
    assert reset.removed["turnout_report"] == 1 and reset.removed["tally_sheet"] == 1
    assert not any(entered(world.db, drill).values())
    assert master_data(world.db, drill) == before_master
    rows = windows_of(world.db, drill)
    assert [r[2] for r in rows] == [again + timedelta(minutes=15 * i) for i in range(7)]
    with world.db.read() as s:
        e = s.get(Election, drill)
        assert e.data_version > s_version  # dashboards and caches see the change
        assert e.date == again.date()
        assert e.settings["drill"]["starts_at"] == again.isoformat()
        events = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    # The audit log is never deleted: the drill's events stay, the reset is one more.
    assert len(events) == audit_before + 1
    assert events[-1] == "drill.reset"
    assert "turnout.create" in events and "tally.create" in events
    # The drill runs again from the new start.
    world.clock.set(again + timedelta(minutes=17))
    submit_turnout(
        world.db, world.commune_a, drill, TurnoutInput("00004-01", "0900", 50), clock=world.clock
    )


def test_reset_without_a_start_begins_at_the_next_quarter_hour(world: World):
    drill = drill_of(world)
    world.clock.set(datetime(2026, 3, 9, 14, 7, tzinfo=LOCAL_TZ))
    reset_drill(world.db, world.admin, drill, clock=world.clock)
    assert windows_of(world.db, drill)[0][2] == datetime(2026, 3, 9, 14, 15, tzinfo=LOCAL_TZ)


# --- delete ----------------------------------------------------------------------------


def test_delete_removes_the_drill_and_everything_in_it_but_not_the_log(world: World):
    drill = drill_of(world)
    fill_drill(world, drill)
    real_before = master_data(world.db, world.eid)
    counts = delete_drill(world.db, world.admin, drill, clock=world.clock)
    assert counts["polling_areas"] == 6
    with world.db.read() as s:
        assert s.get(Election, drill) is None
        for model in (Unit, PollingArea, Constituency, ReportingWindow, Contest):
            assert not s.scalar(
                select(func.count()).select_from(model).where(model.election_id == drill)
            ), model
        assert s.scalar(select(func.count()).select_from(TallyVote)) == 0
        events = s.scalars(select(AuditEvent.action).where(AuditEvent.election_id == drill)).all()
        assert list_drills(s) == []
    assert "turnout.create" in events and events[-1] == "drill.delete"
    assert master_data(world.db, world.eid) == real_before


def test_a_real_election_is_never_reset_or_deleted(world: World):
    before = master_data(world.db, world.eid)
    submit_turnout(
        world.db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 100),
        clock=FixedClock(at("09:05")),
    )
    with pytest.raises(DrillRefused) as refused:
        delete_drill(world.db, world.admin, world.eid, clock=world.clock)
    assert "cuộc bầu cử thật" in refused.value.message()
    assert "real election" in refused.value.message("en")
    with pytest.raises(DrillRefused):
        reset_drill(world.db, world.admin, world.eid, START, clock=world.clock)
    with pytest.raises(NotFound):
        delete_drill(world.db, world.admin, 999_999, clock=world.clock)
    assert master_data(world.db, world.eid) == before
    assert entered(world.db, world.eid)["turnout_report"] == 1


# --- who -------------------------------------------------------------------------------


def test_only_the_technical_admin_runs_drills(world: World):
    drill = drill_of(world)
    for actor in (world.national, world.province, world.commune_a, world.leader):
        with pytest.raises(Forbidden):
            create_drill(world.db, actor, world.eid, "Diễn tập X", START, clock=world.clock)
        with pytest.raises(Forbidden):
            reset_drill(world.db, actor, drill, START, clock=world.clock)
        with pytest.raises(Forbidden):
            delete_drill(world.db, actor, drill, clock=world.clock)
    # An admin account deactivated (or demoted) since logging in is refused too.
    with world.db.write() as s:
        s.execute(update(User).where(User.username == "quantri").values(is_active=False))
    with pytest.raises(Forbidden):
        delete_drill(world.db, world.admin, drill, clock=world.clock)
    with world.db.read() as s:
        assert [d.id for d in list_drills(s)] == [drill]
        assert s.scalar(select(func.count()).select_from(Election)) == 2


# --- the command centre's summary (PostgreSQL triggers) -------------------------------


@pytest.mark.postgres
def test_the_summary_follows_create_entry_reset_and_delete(pg_db):
    from tests.db.test_entry_summary import recomputed, summary

    w = _world(pg_db)
    drill = drill_of(w)
    got = summary(w)
    assert got == recomputed(w)
    areas = {k: v for k, v in got.items() if k[0] == drill and k[2] == "areas"}
    assert sum(n for n, _ in areas.values()) == 6
    fill_drill(w, drill)
    assert summary(w) == recomputed(w)
    assert any(k[0] == drill and k[2] == "turnout" for k in summary(w))
    reset_drill(w.db, w.admin, drill, START + timedelta(days=1), clock=w.clock)
    assert summary(w) == recomputed(w)
    assert not any(k[0] == drill and k[2] in ("turnout", "opening", "sheet") for k in summary(w))
    delete_drill(w.db, w.admin, drill, clock=w.clock)
    assert summary(w) == recomputed(w)
    assert not any(k[0] == drill for k in summary(w))
