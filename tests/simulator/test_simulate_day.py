"""``baucu simulate`` against a real server: a compressed afternoon and count on the demo
election, four communes (two through the entry forms, two through the API), one late.

What must hold afterwards, read straight from the database: every polling area of the
simulated communes has exactly one report per simulated window and one sheet per level;
the impossible figures were refused and only the corrected ones stored; every stored
record has its audit event and moved the data version once; the late commune's exception
and the closures are there; and the simulator's own report says the same numbers.
"""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.simulator.cli import simulate
from dashboard.simulator.day import Day, DayConfig
from data.models import (
    AuditEvent,
    ClosureRequest,
    Election,
    EntryClosure,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TallyVote,
    TurnoutReport,
    WindowException,
)
from tests.simulator.conftest import ELECTION, PASSWORD, DemoServer


def _config(server: DemoServer, **overrides) -> DayConfig:  # type: ignore[no-untyped-def]
    settings = dict(
        url=server.url,
        election=ELECTION,
        operators=4,
        password=PASSWORD,
        path="both",
        speed=server.clock.speed,
        duration=150,
        seed=7,
        database_url=server.db.url,
        provision=True,
        late_share=0.25,
        impossible_share=0.12,
        retry_share=0.1,
        count_minutes=60,
        every=0,
    )
    settings.update(overrides)
    return DayConfig(**settings)  # type: ignore[arg-type]


def _counts(db, eid: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        events = dict(
            s.execute(
                select(AuditEvent.action, func.count())
                .where(AuditEvent.election_id == eid)
                .group_by(AuditEvent.action)
            ).all()
        )
        return {
            "version": s.scalar(select(Election.data_version).where(Election.id == eid)),
            "events": sum(events.values()),
            **{f"audit:{k}": v for k, v in events.items()},
        }


def after_grants(db, eid: int) -> int:  # type: ignore[no-untyped-def]
    """Exceptions granted, as the audit log records them (a re-grant updates the row)."""
    return _counts(db, eid).get("audit:window.exception", 0)


def _reported(line_key: str, lines: list[str]) -> int:
    """The figure the simulator's final report prints for ``line_key``."""
    for line in lines:
        match = re.match(rf"\s+{re.escape(line_key)}\s.*?([\d,]+)$", line)
        if match:
            return int(match.group(1).replace(",", ""))
    return 0


def test_a_compressed_day_over_http_stores_everything_exactly_once(demo_server: DemoServer):
    server, db, eid = demo_server, demo_server.db, demo_server.election_id
    before = _counts(db, eid)
    lines: list[str] = []
    day = Day(_config(server), echo=lines.append)
    shared = day.prepare()
    server.clock.release()  # the server's day starts now, at 16:40
    result = day.play(shared)
    report = "\n".join(lines)

    assert result.exit_code == 0, report
    assert result.completed == 4, report
    plans = result.plans
    assert {p.path for p in plans} == {"form", "api"}
    assert sum(1 for p in plans if p.late_window) == 1
    areas = {a.code for p in plans for a in p.areas}
    outcomes = result.recorder.outcomes

    with db.read() as s:
        reports = s.execute(
            select(PollingArea.code, ReportingWindow.key, TurnoutReport)
            .join(PollingArea, TurnoutReport.polling_area_id == PollingArea.id)
            .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
        ).all()
        sheets = s.execute(
            select(PollingArea.code, TallySheet).join(
                PollingArea, TallySheet.polling_area_id == PollingArea.id
            )
        ).all()
        registered = dict(s.execute(select(PollingArea.code, PollingArea.registered_total)).all())
        votes = s.execute(select(TallyVote.sheet_id, TallyVote.votes)).all()
        exceptions = s.scalar(select(func.count()).select_from(WindowException))
        closures = set(s.scalars(select(EntryClosure.unit_id)))
        requests = s.scalar(select(func.count()).select_from(ClosureRequest))
        created = s.execute(
            select(AuditEvent.action, AuditEvent.object_key).where(
                AuditEvent.action.in_(["turnout.create", "tally.create"])
            )
        ).all()

    # Every area of the simulated communes, in each window still ahead at 16:40 (17:00
    # and 19:00), exactly once, with the figures the simulator saw acknowledged.
    stored = {(code, key): row for code, key, row in reports}
    assert len(stored) == len(reports)
    assert set(stored) == {(a, w) for a in areas for w in ("1700", "1900")}
    assert set(stored) == set(result.ledger.turnout)
    for key, (figures, version) in result.ledger.turnout.items():
        row = stored[key]
        assert (row.voted_total, row.voted_male, row.voted_female, row.version) == (
            figures.total,
            figures.male,
            figures.female,
            version,
        )
        assert row.voted_total <= registered[key[0]]  # no impossible figure got in

    # The impossible figures were refused, then the corrected ones stored (above).
    assert outcomes["turnout.corrected"] >= 1 and outcomes["sheet.corrected"] >= 1
    assert outcomes["turnout.unchanged"] + outcomes["sheet.unchanged"] >= 1

    # Tally sheets: one per area and level (three levels in the demo), consistent.
    assert len(sheets) == 3 * len(areas) == len(result.ledger.sheets)
    by_sheet: dict[int, list[int]] = {}
    for sheet_id, n in votes:
        by_sheet.setdefault(sheet_id, []).append(n)
    for code, sheet in sheets:
        assert sheet.ballots_valid + sheet.ballots_invalid == sheet.ballots_received
        assert max(by_sheet[sheet.id]) <= sheet.ballots_valid
        typed, version = result.ledger.sheets[(code, str(sheet.level))]
        assert (sheet.ballots_valid, sheet.ballots_invalid, sheet.version) == (
            typed.ballots_valid,
            typed.ballots_invalid,
            version,
        )
        assert sorted(by_sheet[sheet.id]) == sorted(typed.votes.values())

    # The late commune got its exception; every commune asked to close and was closed.
    assert exceptions >= 1
    assert after_grants(db, eid) == outcomes["exception.granted"]
    assert requests == len(closures) == 4 == outcomes["closure.confirmed"]

    # Audit and data version: one event per stored record, the version moved once per write.
    after = _counts(db, eid)
    assert after.get("audit:turnout.create", 0) == len(reports)
    assert after.get("audit:turnout.update", 0) == 0  # refusals and resends wrote nothing
    assert after.get("audit:tally.create", 0) == len(sheets)
    assert {k for a, k in created if a == "turnout.create"} == {f"{a}/{w}" for a, w in stored}
    assert {k for a, k in created if a == "tally.create"} == set(
        f"{a}/{level}" for a, level in result.ledger.sheets
    )
    assert after.get("audit:permission.refused", 0) == 0
    writes = len(reports) + len(sheets) + after_grants(db, eid) + requests + len(closures)
    assert after["version"] - before["version"] == writes, after
    # Confirming a request is one write that records the decision and the closure.
    assert after["events"] - before["events"] == writes + len(closures), after

    # The simulator's report says what the database holds.
    assert _reported("turnout.saved", lines) == outcomes["turnout.saved"] == len(reports)
    assert _reported("sheet.saved", lines) == outcomes["sheet.saved"] == len(sheets)
    assert _reported("exception.granted", lines) == outcomes["exception.granted"]
    assert "Không có lỗi ngoài dự kiến." in report


def test_the_command_refuses_plainly_without_a_password_or_a_server():
    runner = CliRunner()
    missing = runner.invoke(simulate, ["--url", "http://127.0.0.1:9", "--election", "1"])
    assert missing.exit_code == 2
    assert "--password" in missing.output
    down = runner.invoke(
        simulate,
        [
            "--url",
            "http://127.0.0.1:9",
            "--election",
            "1",
            "--password",
            "x" * 12,
            "--province",
            "12",
        ],
    )
    assert down.exit_code == 2
    assert "Không chạy được mô phỏng" in down.output
