"""Schema creation beyond the models: the audit log's append-only guard, summary triggers."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from data.models import Base
from data.summary_triggers import install_summary_triggers

AUDIT_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
AUDIT_GUARD_TRIGGER = """
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
"""
AUDIT_GUARD_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)


def install_audit_guard(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(AUDIT_GUARD_FUNCTION))
    conn.execute(text(AUDIT_GUARD_TRIGGER))


def create_all(engine: Engine) -> None:
    """Create every table directly (tests, throw-away databases); production migrates."""
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        install_audit_guard(conn)
        install_summary_triggers(conn)
