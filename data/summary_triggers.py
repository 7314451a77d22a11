"""PostgreSQL triggers that keep ``entry_summary`` equal to the aggregates it stands for.

Statement-level triggers with transition tables: one grouped upsert per statement, so a
bulk load or COPY costs one statement, not one per row. Each source contributes rows
(election, commune, kind, key, n, total) with +1 for new rows and -1 for old ones.
A polling area's memberships are deleted by a BEFORE DELETE trigger while the area still
exists (a cascade would run after it is gone, when they can no longer be placed); reports
only go with their whole election, and contributions to a unit or election being deleted
in the same statement are dropped (its summary rows go by cascade).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# (table, SELECT of contributions from a transition table called {t}, sign {s}).
SOURCES: dict[str, str] = {
    "turnout_report": """
        SELECT t.election_id, p.unit_id, 'turnout' AS kind, t.window_id::text AS key,
               {s} AS n, {s} * t.voted_total::bigint AS total
        FROM {t} t JOIN polling_area p ON p.id = t.polling_area_id""",
    "opening_report": """
        SELECT t.election_id, p.unit_id, 'opening', '', {s}, 0::bigint
        FROM {t} t JOIN polling_area p ON p.id = t.polling_area_id""",
    "tally_sheet": """
        SELECT t.election_id, p.unit_id, 'sheet', t.level::text,
               CASE WHEN t.counted THEN {s} ELSE 0 END, 0::bigint
        FROM {t} t JOIN polling_area p ON p.id = t.polling_area_id""",
    "polling_area": """
        SELECT t.election_id, t.unit_id, 'areas', '', {s}, {s} * t.registered_total::bigint
        FROM {t} t""",
    "constituency_area": """
        SELECT p.election_id, p.unit_id, 'expected', t.level::text, {s}, 0::bigint
        FROM {t} t JOIN polling_area p ON p.id = t.polling_area_id""",
}

UPSERT = """
    INSERT INTO entry_summary AS s (election_id, unit_id, kind, key, n, total)
    SELECT election_id, unit_id, kind, key, sum(n), sum(total)
    FROM ({rows}) d (election_id, unit_id, kind, key, n, total)
    WHERE EXISTS (SELECT 1 FROM unit u WHERE u.id = d.unit_id)
      AND EXISTS (SELECT 1 FROM election e WHERE e.id = d.election_id)
    GROUP BY election_id, unit_id, kind, key
    ON CONFLICT (election_id, unit_id, kind, key)
    DO UPDATE SET n = s.n + EXCLUDED.n, total = s.total + EXCLUDED.total"""


def _function(table: str) -> str:
    select = SOURCES[table]
    added = select.format(t="new_rows", s="1")
    removed = select.format(t="old_rows", s="-1")
    return f"""
CREATE OR REPLACE FUNCTION entry_summary_{table}() RETURNS trigger AS $$
BEGIN
    -- plpgsql plans a statement when it first runs it: each branch names only the
    -- transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        {UPSERT.format(rows=added)};
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(rows=removed)};
    ELSE
        {UPSERT.format(rows=added + " UNION ALL " + removed)};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql"""


def _triggers(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER entry_summary_{table}_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION entry_summary_{table}()""",
        f"""CREATE TRIGGER entry_summary_{table}_update AFTER UPDATE ON {table}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION entry_summary_{table}()""",
        f"""CREATE TRIGGER entry_summary_{table}_delete AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION entry_summary_{table}()""",
    ]


AREA_DELETE_FUNCTION = """
CREATE OR REPLACE FUNCTION entry_summary_area_memberships() RETURNS trigger AS $$
BEGIN
    -- Fires constituency_area's own trigger while this area can still be joined; skipped
    -- when there is nothing to delete (a deleted drill's memberships are already gone).
    IF EXISTS (SELECT 1 FROM constituency_area WHERE polling_area_id = OLD.id) THEN
        DELETE FROM constituency_area WHERE polling_area_id = OLD.id;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql"""
AREA_DELETE_TRIGGER = """
CREATE TRIGGER entry_summary_area_memberships BEFORE DELETE ON polling_area
    FOR EACH ROW EXECUTE FUNCTION entry_summary_area_memberships()"""

BACKFILL = "INSERT INTO entry_summary (election_id, unit_id, kind, key, n, total) " + (
    "SELECT election_id, unit_id, kind, key, sum(n), sum(total) FROM ("
    + " UNION ALL ".join(select.format(t=table, s="1") for table, select in SOURCES.items())
    + ") d (election_id, unit_id, kind, key, n, total) GROUP BY 1, 2, 3, 4"
)


def install_summary_triggers(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in SOURCES:
        conn.execute(text(_function(table)))
        for trigger in _triggers(table):
            conn.execute(text(trigger))
    conn.execute(text(AREA_DELETE_FUNCTION))
    conn.execute(text(AREA_DELETE_TRIGGER))


def drop_summary_triggers(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in SOURCES:
        for event in ("insert", "update", "delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS entry_summary_{table}_{event} ON {table}"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS entry_summary_{table}()"))
    conn.execute(text("DROP TRIGGER IF EXISTS entry_summary_area_memberships ON polling_area"))
    conn.execute(text("DROP FUNCTION IF EXISTS entry_summary_area_memberships()"))


def rebuild_summary(conn: Connection) -> None:
    """Recompute the whole table from its sources (after a bulk load with triggers off)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("DELETE FROM entry_summary"))
    conn.execute(text(BACKFILL))
