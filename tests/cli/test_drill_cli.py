"""``baucu drill create|reset|delete|list`` on a temporary SQLite database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import ElectionKind
from data.models import AuditEvent, Election, PollingArea, ReportingWindow

PACKAGES = Path(__file__).parent.parent / "data" / "packages"
REAL = "Bầu cử thử"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("BAUCU_HOME", str(tmp_path))
    monkeypatch.setenv("BAUCU_CLOCK", "2026-03-08T07:52+07:00")
    result = run("import", str(PACKAGES / "valid"), "--election", REAL)
    assert result.exit_code == 0, result.output
    return database


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def election(url: str, name: str) -> Election | None:
    with Database(url).read() as s:
        return s.scalar(select(Election).where(Election.name == name))


def areas(url: str, eid: int) -> int:
    with Database(url).read() as s:
        return s.scalar(
            select(func.count()).select_from(PollingArea).where(PollingArea.election_id == eid)
        )


def first_window(url: str, eid: int) -> datetime:
    with Database(url).read() as s:
        return s.scalar(
            select(func.min(ReportingWindow.opens_at)).where(ReportingWindow.election_id == eid)
        )


def test_create_list_reset_and_delete_a_drill(url: str):
    created = run(
        "drill",
        "create",
        "--from",
        REAL,
        "--name",
        "Diễn tập 1",
        "--start",
        "2026-03-09T14:00",
        "--cycle-minutes",
        "20",
        "--entry-minutes",
        "12",
    )
    assert created.exit_code == 0, created.output
    assert "Đã tạo cuộc diễn tập “Diễn tập 1”" in created.output
    assert "0900     nhập 14:20–14:32" in created.output
    real, drill = election(url, REAL), election(url, "Diễn tập 1")
    assert drill is not None and real is not None
    assert drill.kind is ElectionKind.DRILL and drill.source_election_id == real.id
    assert areas(url, drill.id) == areas(url, real.id) > 0
    assert first_window(url, drill.id) == datetime(2026, 3, 9, 14, 0, tzinfo=LOCAL_TZ)

    listed = run("drill", "list")
    assert listed.exit_code == 0
    assert "Diễn tập 1" in listed.output and f"gốc: {REAL}" in listed.output
    assert "14:00 09/03/2026" in listed.output and "20/12 phút" in listed.output

    reset = run("drill", "reset", str(drill.id))  # by id; starts at the next quarter hour
    assert reset.exit_code == 0, reset.output
    assert "08:00 08/03/2026" in reset.output
    assert first_window(url, drill.id) == datetime(2026, 3, 8, 8, 0, tzinfo=LOCAL_TZ)

    deleted = run("drill", "delete", "Diễn tập 1")
    assert deleted.exit_code == 0, deleted.output
    assert election(url, "Diễn tập 1") is None
    assert "Chưa có cuộc diễn tập nào" in run("drill", "list").output
    with Database(url).read() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.election_id == drill.id)
        ).all()
    assert actions == ["drill.create", "drill.reset", "drill.delete"]


def test_the_default_start_is_the_next_quarter_hour(url: str):
    result = run("drill", "create", "--from", REAL, "--name", "Diễn tập 2")
    assert result.exit_code == 0, result.output
    drill = election(url, "Diễn tập 2")
    assert first_window(url, drill.id) == datetime(2026, 3, 8, 8, 0, tzinfo=LOCAL_TZ)


def test_a_real_election_is_never_reset_or_deleted(url: str):
    real = election(url, REAL)
    for args in (("delete", REAL), ("reset", REAL, "--start", "2026-03-09T08:00")):
        result = run("drill", *args)
        assert result.exit_code == 1, args
        assert "là cuộc bầu cử thật, không phải diễn tập" in result.output
    assert areas(url, real.id) > 0


def test_bad_arguments_are_refused_and_write_nothing(url: str):
    for args, words in (
        (("--from", "Không có", "--name", "X"), "Không tìm thấy"),
        (("--from", REAL, "--name", REAL), "Đã có cuộc bầu cử"),
        (("--from", REAL, "--name", "X", "--entry-minutes", "15"), "ngắn hơn một chu kỳ"),
    ):
        result = run("drill", "create", *args)
        assert result.exit_code == 1, args
        assert words in result.output, args
    bad_time = CliRunner().invoke(
        main, ["drill", "create", "--from", REAL, "--name", "X", "--start", "mai"]
    )
    assert bad_time.exit_code == 2 and "ISO" in bad_time.output
    with Database(url).read() as s:
        assert s.scalar(select(func.count()).select_from(Election)) == 1
