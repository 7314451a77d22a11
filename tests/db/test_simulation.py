"""The demo's simulated day goes through the real services and ends consistent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from data.clock import FixedClock
from data.enums import Level
from data.models import AuditEvent, Election, EntryClosure, TallySheet, TurnoutReport
from data.read_models.progress import unit_progress
from data.read_models.results import constituency_result
from data.simulation import DaySimulator
from tests.db.services_support import at, make_world


def test_a_whole_simulated_day_reports_every_window_and_counts_every_sheet(db):
    w = make_world(db, "06:40")
    clock = FixedClock(at("06:40"))
    sim = DaySimulator(db, w.eid, clock, seed=3, late_share=0.5)
    while clock.now() < at("22:30"):
        sim.step()
        clock.advance(minutes=2)
    with db.read() as s:
        reports = s.scalar(select(func.count()).select_from(TurnoutReport))
        sheets = s.scalar(select(func.count()).select_from(TallySheet))
        closures = s.scalar(select(func.count()).select_from(EntryClosure))
        writes = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "user.create")
        )
        version = s.scalar(select(Election.data_version))
        progress = unit_progress(s, w.eid, "01")
        qh = constituency_result(s, w.eid, "QH-01")
    assert reports == 6 * 6  # six areas, six turnout windows
    assert sheets == 6 * 3  # three levels
    assert closures == 2  # both communes closed once their sheets were in
    assert sim.stats.exceptions >= 1  # the late commune got time from the province
    assert writes == version  # every committed write bumped the version once
    final = progress.window("1900")
    assert final.reported_areas == final.expected_areas == 6
    assert all(c.sheets_in == c.sheets_expected for c in progress.counting)
    assert qh.voters_voted == final.voted  # sheets agree with the last turnout report
    assert qh.status == "complete"  # communes closed, but the province committee has not confirmed
    assert len([c for c in qh.candidates if c.elected]) <= 2
    assert {c.level for c in progress.counting} == {Level.QH, Level.HDND_TINH, Level.HDND_XA}
    assert clock.now() - at("06:40") > timedelta(hours=15)
