"""benchmarks/restore_drill.py on the test PostgreSQL: a faithful restore passes, and a
restore without the audit log's append-only guard fails the drill. The restored database
is dropped either way."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from data.db import Database
from data.services.turnout import TurnoutInput, submit_turnout
from tests.conftest import PG_URL
from tests.db.services_support import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DRILL = Path(__file__).resolve().parents[2] / "benchmarks" / "restore_drill.py"


def run_drill() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DRILL), "--database-url", PG_URL],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def restored_databases(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(
            conn.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'baucu_restore_%'")
            )
        )


@pytest.fixture
def source(pg_db: Database) -> Database:
    world = make_world(pg_db)
    submit_turnout(
        pg_db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 300),
        clock=world.clock,
    )
    return pg_db


def test_a_faithful_restore_passes_and_is_dropped(source):
    before = restored_databases(source)
    done = run_drill()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restore drill: OK" in done.stdout
    assert "trigger audit_event_append_only: ok" in done.stdout
    # The test database is made by create_all: no migration history, so no upgrade step.
    assert re.search(
        r"figures: dump [\d.,]+ MiB, dump [\d.]+ s, restore [\d.]+ s, upgrade skipped, "
        r"verify [\d.]+ s",
        done.stdout,
    ), done.stdout
    assert restored_databases(source) == before


def test_a_restore_without_the_audit_guard_fails(source):
    with source.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    try:
        done = run_drill()
    finally:
        with source.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    assert done.returncode == 1
    assert "trigger audit_event_append_only is disabled" in done.stderr
    assert "restore drill: FAILED" in done.stdout


def test_a_sequence_behind_its_column_is_reported(source):
    sequence_problems = runpy.run_path(str(DRILL), run_name="restore_drill")["sequence_problems"]
    with source.engine.begin() as conn:
        checked, behind = sequence_problems(conn)
        assert checked >= 10 and behind == []
        conn.execute(text("SELECT setval('turnout_report_id_seq', 1, false)"))  # next id: 1 again
        _, behind = sequence_problems(conn)
    assert len(behind) == 1 and "turnout_report.id" in behind[0]
