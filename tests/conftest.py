"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

PostgreSQL tests run when ``BAUCU_TEST_POSTGRES_URL`` names a database the tests
may wipe (e.g. ``postgresql+psycopg://baucu:baucu@127.0.0.1/baucu_test``).
With ``BAUCU_REQUIRE_POSTGRES=1`` (CI) a missing or skipped PostgreSQL test fails
the run instead of being skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from data.db import Database
from data.models import Base
from data.schema import create_all

# A loaded 2-core CI machine makes per-example timings meaningless: no deadlines.
settings.register_profile("baucu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("baucu")

PG_URL = os.environ.get("BAUCU_TEST_POSTGRES_URL", "")
REQUIRE_PG = os.environ.get("BAUCU_REQUIRE_POSTGRES") == "1"
PG_SKIP_REASON = (
    "PostgreSQL tests skipped: set BAUCU_TEST_POSTGRES_URL="
    "postgresql+psycopg://USER:PASSWORD@127.0.0.1/DBNAME to run them"
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not REQUIRE_PG:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    pg_skipped = [r for r in skipped if "postgres" in getattr(r, "keywords", {})]
    if pg_skipped:
        reporter.write_line(
            f"BAUCU_REQUIRE_POSTGRES=1 but {len(pg_skipped)} PostgreSQL tests were skipped",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Database]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("BAUCU_REQUIRE_POSTGRES=1 but BAUCU_TEST_POSTGRES_URL is not set")
        pytest.skip(PG_SKIP_REASON)
    database = Database(PG_URL)
    with database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    create_all(database.engine)
    yield database
    database.dispose()


def _truncate(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    """A fresh, empty database with the schema: SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        create_all(database.engine)
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("pg_database")
        _truncate(database)
        yield database


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def pg_db(pg_database: Database) -> Database:
    _truncate(pg_database)
    return pg_database
