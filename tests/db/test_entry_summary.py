"""The command centre's per-commune summary stays equal to the aggregates it stands for,
whatever writes, corrections, deletions and bulk statements happen (PostgreSQL triggers)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from data.enums import Level
from data.models import ConstituencyArea, Election, PollingArea, TurnoutReport
from data.read_models.dashboard import _aggregated, _summarised
from data.read_models.progress import scope_unit
from data.services.tally import save_tally_sheet
from data.services.turnout import TurnoutInput, submit_opening, submit_turnout
from data.summary_triggers import BACKFILL
from tests.db.services_support import World, at, make_world
from tests.db.test_services_tally import qh_sheet
from tests.factories import make_small_election

pytestmark = pytest.mark.postgres


def summary(w: World) -> dict[tuple, tuple[int, int]]:
    with w.db.read() as s:
        rows = s.execute(
            text("SELECT election_id, unit_id, kind, key, n, total FROM entry_summary")
        )
        return {tuple(r[:4]): (r[4], r[5]) for r in rows if (r[4], r[5]) != (0, 0)}


def recomputed(w: World) -> dict[tuple, tuple[int, int]]:
    query = BACKFILL.split(") ", 1)[1]  # the SELECT part of the backfill
    with w.db.read() as s:
        rows = s.execute(text(query))
        return {tuple(r[:4]): (r[4], r[5]) for r in rows if (r[4], r[5]) != (0, 0)}


@pytest.fixture
def w(pg_db) -> World:
    return make_world(pg_db, "09:05")


def test_master_data_is_summarised_as_it_is_loaded(w: World):
    got = summary(w)
    assert got == recomputed(w)
    areas = {k: v for k, v in got.items() if k[2] == "areas"}
    with w.db.read() as s:
        n_areas = s.scalar(select(text("count(*)")).select_from(PollingArea))
    assert sum(n for n, _ in areas.values()) == n_areas
    assert any(k[2] == "expected" for k in got)


def test_reports_corrections_and_sheets_keep_it_equal(w: World):
    for code, total in [("00004-01", 300), ("00004-02", 250), ("00008-01", 100)]:
        submit_turnout(
            w.db,
            w.commune_a if code < "00008" else w.commune_b,
            w.eid,
            TurnoutInput(code, "0900", total),
            clock=w.clock,
        )
    submit_turnout(
        w.db, w.commune_a, w.eid, TurnoutInput("00004-01", "0900", 320), clock=w.clock
    )  # a correction: -300 +320
    w.clock.set(at("07:00"))
    submit_opening(w.db, w.commune_a, w.eid, "00004-01", at("06:58"), clock=w.clock)
    w.clock.set(at("19:30"))
    save_tally_sheet(
        w.db, w.commune_a, w.eid, qh_sheet(w), clock=w.clock, confirm=["K12"], reason="giấy"
    )
    got = summary(w)
    assert got == recomputed(w)
    turnout = {k: v for k, v in got.items() if k[2] == "turnout"}
    assert sum(t for _, t in turnout.values()) == 320 + 250 + 100
    assert sum(n for k, (n, _) in got.items() if k[2] == "sheet") == 1


def test_a_sheet_that_stops_counting_leaves_the_summary(w: World):
    w.clock.set(at("19:30"))
    save_tally_sheet(w.db, w.commune_a, w.eid, qh_sheet(w), clock=w.clock)
    with w.db.write() as s:
        s.execute(text("UPDATE tally_sheet SET counted = false"))
    assert sum(n for k, (n, _) in summary(w).items() if k[2] == "sheet") == 0
    assert summary(w) == recomputed(w)


def test_bulk_statements_and_deletions_keep_it_equal(w: World):
    with w.db.read() as s:
        areas = s.execute(select(PollingArea.id, PollingArea.election_id)).all()
        window = s.scalar(text("SELECT id FROM reporting_window WHERE key = '1100'"))
    with w.db.write() as s:  # one multi-row statement, as a bulk load or COPY makes
        s.execute(
            TurnoutReport.__table__.insert(),
            [
                dict(
                    election_id=e,
                    polling_area_id=a,
                    window_id=window,
                    voted_total=10 + i,
                    version=1,
                    confirmed_warnings=[],
                    on_behalf=False,
                    created_at=at("11:00"),
                    updated_at=at("11:00"),
                )
                for i, (a, e) in enumerate(areas)
            ],
        )
    assert summary(w) == recomputed(w)
    with w.db.write() as s:
        s.execute(update(TurnoutReport).values(voted_total=TurnoutReport.voted_total + 1))
        s.execute(update(PollingArea).values(registered_total=PollingArea.registered_total + 5))
        s.execute(delete(TurnoutReport).where(TurnoutReport.voted_total > 15))
    assert summary(w) == recomputed(w)
    # A polling area without reports leaves with its memberships (as a re-import does).
    with w.db.write() as s:
        bare = s.scalar(
            select(PollingArea.id)
            .where(~PollingArea.id.in_(select(TurnoutReport.polling_area_id)))
            .limit(1)
        )
        assert (
            s.scalar(
                select(text("count(*)"))
                .select_from(ConstituencyArea)
                .where(ConstituencyArea.polling_area_id == bare)
            )
            > 0
        )
        s.execute(delete(PollingArea).where(PollingArea.id == bare))
    assert summary(w) == recomputed(w)


def test_deleting_a_whole_election_takes_its_summary_and_leaves_others(w: World):
    other = make_small_election(w.db, "Diễn tập 1")
    with w.db.write() as s:
        s.execute(delete(Election).where(Election.id == other.election_id))
    got = summary(w)
    assert got == recomputed(w)
    assert {k[0] for k in got} == {w.eid}
    assert Level.QH  # the level keys are the enum's text
    assert any(k[3] == "QH" for k in got)


@pytest.mark.parametrize("scope", ["VN", "01"])
def test_the_command_centre_reads_the_same_figures_from_the_summary(w: World, scope: str):
    submit_turnout(w.db, w.commune_a, w.eid, TurnoutInput("00004-01", "0900", 300), clock=w.clock)
    with w.db.read() as s:
        unit = scope_unit(s, w.eid, scope)
        conn = s.connection()
        summarised = _summarised(conn, w.eid, unit)
        aggregated = _aggregated(conn, w.eid, unit, PollingArea.unit_id)
    assert summarised == aggregated
    assert any(v == (1, 300) for v in summarised[1].values())
