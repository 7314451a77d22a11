"""The ``baucu`` command line (API.md §3) on a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.db import Database
from data.models import Election, PollingArea, User
from data.passwords import verify_password

PACKAGES = Path(__file__).parent.parent / "data" / "packages"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("BAUCU_HOME", str(tmp_path))
    return database


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def count(url: str, model) -> int:  # type: ignore[no-untyped-def]
    with Database(url).read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_db_upgrade_creates_the_schema(url):
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert count(url, Election) == 0


def test_import_loads_a_valid_package(url):
    result = run("import", str(PACKAGES / "valid"), "--election", "Bầu cử thử")
    assert result.exit_code == 0, result.output
    with Database(url).read() as s:
        assert s.scalar(select(Election.name)) == "Bầu cử thử"
        assert s.scalar(select(func.count()).select_from(PollingArea)) > 0


def test_a_broken_import_lists_every_problem_and_writes_nothing(url):
    run("db", "upgrade")
    result = CliRunner().invoke(main, ["import", str(PACKAGES / "broken"), "--election", "Hỏng"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert len(lines) >= 10
    assert any("units.csv" in line for line in lines)
    assert any("candidates.csv" in line for line in lines)
    assert "không có dữ liệu nào được ghi" in result.output
    assert count(url, Election) == 0


def test_user_add_prints_a_one_time_password_that_works(url):
    run("import", str(PACKAGES / "valid"), "--election", "Bầu cử thử")
    result = run("user", "add", "tinh_01", "--role", "province", "--scope", "01")
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].split(": ")[-1]
    with Database(url).read() as s:
        user = s.scalar(select(User).where(User.username == "tinh_01"))
    assert user.must_change_password and verify_password(user.password_hash, password)


def test_user_add_with_password_stdin_follows_the_policy(url):
    run("db", "upgrade")
    weak = CliRunner().invoke(
        main,
        ["user", "add", "quantri", "--role", "admin", "--scope", "VN", "--password-stdin"],
        input="123\n",
    )
    assert weak.exit_code == 1 and "ít nhất 12" in weak.output
    good = run(
        "user",
        "add",
        "quantri",
        "--role",
        "admin",
        "--scope",
        "VN",
        "--password-stdin",
        input="một mật khẩu đủ dài\n",
    )
    assert good.exit_code == 0
    with Database(url).read() as s:
        assert not s.scalar(select(User.must_change_password).where(User.username == "quantri"))


def test_template_writes_every_file_of_the_package(url, tmp_path):
    result = run("template", str(tmp_path / "mau"), "--format", "csv")
    assert result.exit_code == 0
    names = {p.name for p in (tmp_path / "mau").iterdir()}
    assert {"units.csv", "polling_areas.csv", "constituencies.csv", "candidates.csv"} <= names
    header = (tmp_path / "mau" / "units.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.replace(" ", "") == "code,name,kind,parent_code"


def test_demo_preparation_loads_a_real_province_and_its_accounts(url):
    from dashboard.demo import DEMO_PASSWORD, prepare_demo

    run("db", "upgrade")
    first = prepare_demo(Database(url))
    again = prepare_demo(Database(url))
    assert first.election_id == again.election_id  # created once
    assert "Lai Châu" in first.summary
    with Database(url).read() as s:
        user = s.scalar(select(User).where(User.username == "xa1"))
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert {a.role for a in first.accounts} >= {"admin", "province", "commune", "leader"}
