"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from data.db import Database
from data.migrate import heads, upgrade
from data.models import Base
from tests.conftest import PG_URL


def test_there_is_one_head():
    assert len(heads()) == 1


def assert_matches_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrated_sqlite_equals_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    upgrade(url)
    upgrade(url)  # a second run is a no-op
    database = Database(url)
    assert_matches_models(database)
    database.dispose()


@pytest.mark.postgres
def test_migrated_postgresql_equals_the_models_and_guards_the_audit_log(pg_database):
    # Migrate into a separate schema of the test database, leaving the shared one alone.
    with pg_database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migrated CASCADE"))
        conn.execute(text("CREATE SCHEMA migrated"))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3Dmigrated"
    upgrade(url)
    database = Database(url)
    try:
        assert_matches_models(database)
        with database.engine.connect() as conn:
            triggers = (
                conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'migrated' AND c.relname = 'audit_event'"
                    )
                )
                .scalars()
                .all()
            )
        assert triggers == ["audit_event_append_only"]
    finally:
        database.dispose()
        with pg_database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA migrated CASCADE"))
