"""The app servers' least-privilege database role (docs/sql/app_role.sql) on PostgreSQL.

The documented SQL is applied exactly as the deployment guide says (``psql -f`` as the
owner, with a unique role name for the test). The role then does the day's work — a
turnout report through the write service, failed and good logins (lockout counts), an
API token and an API save (rate counters) — and cannot rewrite the audit log nor the
schema. Creating the role needs CREATEROLE for the test's PostgreSQL user.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dashboard.api import install_api
from dashboard.app import create_app
from data.db import Database
from data.models import AuditEvent, Base, LoginThrottle, RateCounter, TurnoutReport
from data.services.turnout import TurnoutInput, submit_turnout
from tests.conftest import PG_URL
from tests.db.services_support import World, make_world
from tests.http.conftest import PASSWORD, give_passwords, login

pytestmark = pytest.mark.postgres

SQL_FILE = Path(__file__).resolve().parents[2] / "docs" / "sql" / "app_role.sql"
APPEND_ONLY = {"audit_event": {"SELECT", "INSERT"}, "alembic_version": {"SELECT"}}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")


def apply_documented_sql(role: str) -> None:
    """``psql -v ON_ERROR_STOP=1 -v app_role=ROLE -f docs/sql/app_role.sql`` as the owner."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("psql is needed to apply docs/sql/app_role.sql (install postgresql-client)")
    url = make_url(PG_URL)
    env = dict(os.environ, PGPASSWORD=str(url.password or ""))
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(False)
    variables = ["-v", "ON_ERROR_STOP=1", "-v", f"app_role={role}"]
    done = subprocess.run(
        [psql, conninfo, "-X", "-q", *variables, "-f", str(SQL_FILE)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def app_db(pg_db: Database) -> Iterator[Database]:
    """A Database connected as a fresh app role that got exactly the documented grants."""
    with pg_db.engine.connect() as conn:
        can = conn.scalar(
            text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
        )
    if not can:
        pytest.skip("the PostgreSQL test user needs CREATEROLE to create the app role")
    role, password = f"baucu_app_{secrets.token_hex(4)}", secrets.token_hex(16)
    with pg_db.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    app = None
    try:
        apply_documented_sql(role)
        apply_documented_sql(role)  # after every upgrade: a second run changes nothing
        url = make_url(PG_URL).set(username=role, password=password)
        app = Database(url.render_as_string(hide_password=False))
        yield app
    finally:
        if app is not None:
            app.dispose()
        with pg_db.engine.begin() as conn:
            conn.execute(text(f"GRANT {role} TO CURRENT_USER"))  # DROP OWNED needs it
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def privileges(db: Database, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {
            p
            for p in TABLE_PRIVILEGES
            if conn.scalar(text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": p})
        }


def audit_count(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_the_app_role_may_write_every_table_but_only_append_to_the_audit_log(pg_db, app_db):
    for table in Base.metadata.tables:
        expected = APPEND_ONLY.get(table, {"SELECT", "INSERT", "UPDATE", "DELETE"})
        assert privileges(app_db, table) == expected, table
    assert privileges(pg_db, "audit_event") >= {"UPDATE", "DELETE", "TRUNCATE"}  # the owner


def test_the_app_role_does_the_days_work(pg_db, app_db):
    world: World = make_world(pg_db)  # master data and accounts, loaded by the owner
    give_passwords(world)

    saved = submit_turnout(
        app_db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 300, 140, 160),
        clock=world.clock,
    )
    assert saved.created and saved.version == 1

    app = create_app(app_db, clock=world.clock)  # the signing key is stored on first start
    server = app.server
    install_api(server, server.extensions["baucu"])
    browser = server.test_client()
    refused = login(browser, "xa_ngocha", "sai mật khẩu")
    assert refused.status_code == 401
    account = LoginThrottle.account_key("xa_ngocha")
    with app_db.read() as s:
        assert s.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == account)) == 1
    assert login(browser, "xa_ngocha").status_code == 302
    with app_db.read() as s:  # a good login clears the account's count
        assert s.scalar(select(LoginThrottle).where(LoginThrottle.key == account)) is None

    machine = server.test_client(use_cookies=False)
    issued = machine.post("/api/v1/token", json={"username": "xa_badinh", "password": PASSWORD})
    assert issued.status_code == 200, issued.get_data(as_text=True)
    stored = machine.put(
        f"/api/v1/elections/{world.eid}/turnout/00004-02/0900",
        json={"voted_total": 250},
        headers={"Authorization": f"Bearer {issued.get_json()['access_token']}"},
    )
    assert stored.status_code == 201, stored.get_data(as_text=True)
    with app_db.read() as s:
        assert s.scalar(select(func.count()).select_from(TurnoutReport)) == 2
        assert s.scalar(select(func.count()).select_from(RateCounter)) >= 1


REFUSED = [
    "UPDATE audit_event SET reason = 'sửa lại'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "DROP TABLE audit_event",
    "DROP TABLE election CASCADE",
    "CREATE TABLE shadow (id integer)",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_rewrite_the_audit_log_nor_the_schema(pg_db, app_db, statement):
    world = make_world(pg_db)
    submit_turnout(
        app_db,
        world.commune_a,
        world.eid,
        TurnoutInput("00004-01", "0900", 300),
        clock=world.clock,
    )
    before = audit_count(pg_db)
    assert before >= 1
    with pytest.raises(DBAPIError) as refused, app_db.engine.begin() as conn:
        conn.execute(text(statement))
    # Refused for want of privilege or ownership, before any trigger is reached.
    assert refused.value.orig.sqlstate == "42501", refused.value
    assert "append-only" not in str(refused.value)
    assert audit_count(pg_db) == before
