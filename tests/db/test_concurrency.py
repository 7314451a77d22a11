"""Concurrent writers on PostgreSQL: no lost update, no duplicate; the audit log is append-only."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from data.models import AuditEvent, Election, TurnoutReport
from data.services.errors import StaleVersion
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import World, make_world

pytestmark = pytest.mark.postgres
WRITERS = 8


def run_together(target, n: int = WRITERS) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def totals(w: World) -> tuple[int, int, int]:
    with w.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TurnoutReport)),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            s.scalar(select(Election.data_version).where(Election.id == w.eid)),
        )


def test_simultaneous_first_saves_create_one_report_and_refuse_the_rest(pg_db):
    w = make_world(pg_db)

    def create(i: int):
        report = TurnoutInput("00004-01", "0900", 100 + i)
        return submit_turnout(
            w.db, w.commune_a, w.eid, report, clock=w.clock, expected_version=None
        )

    results = run_together(create)
    saved = [r for r in results if not isinstance(r, Exception)]
    stale = [r for r in results if isinstance(r, StaleVersion)]
    assert len(saved) == 1 and len(stale) == WRITERS - 1, results
    assert totals(w) == (1, 1, 1)


def test_identical_retries_racing_each_other_store_one_record(pg_db):
    w = make_world(pg_db)

    def retry(_: int):
        report = TurnoutInput("00004-01", "0900", 250)
        return submit_turnout(w.db, w.commune_a, w.eid, report, clock=w.clock)

    results = run_together(retry)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.changed) == 1
    assert totals(w) == (1, 1, 1)


def test_read_modify_write_loops_lose_no_update(pg_db):
    """Each writer saves its own figure on the version it read, retrying when told it is stale.

    Every acknowledged save must then stand in one unbroken chain of versions in
    the audit log: none was silently overwritten.
    """
    w = make_world(pg_db)
    submit_turnout(w.db, w.commune_a, w.eid, TurnoutInput("00004-01", "0900", 100), clock=w.clock)

    def save_own_figure(i: int) -> int:
        for attempt in range(200):
            with w.db.read() as s:
                seen = s.scalar(select(TurnoutReport.version))
            try:
                saved = submit_turnout(
                    w.db,
                    w.commune_a,
                    w.eid,
                    TurnoutInput("00004-01", "0900", 101 + i),
                    clock=w.clock,
                    expected_version=seen,
                )
                assert saved.changed and saved.version == seen + 1
                return attempt
            except StaleVersion:
                continue
        raise AssertionError("never got through")

    results = run_together(save_own_figure)
    assert not [r for r in results if isinstance(r, Exception)], results
    with w.db.read() as s:
        row = s.scalar(select(TurnoutReport))
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert row.version == 1 + WRITERS
    assert totals(w) == (1, 1 + WRITERS, 1 + WRITERS)
    assert sorted(e.after["voted_total"] for e in events[1:]) == [101 + i for i in range(WRITERS)]
    for earlier, later in pairwise(events):
        assert later.before == earlier.after  # each save was made on the one before it
    assert row.voted_total == events[-1].after["voted_total"]


def test_the_audit_log_cannot_be_updated_or_deleted(pg_db):
    w = make_world(pg_db)
    submit_turnout(w.db, w.commune_a, w.eid, TurnoutInput("00004-01", "0900", 100), clock=w.clock)
    for statement in ("UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), w.db.write() as s:
            s.execute(text(statement))
    assert totals(w)[1] == 1
