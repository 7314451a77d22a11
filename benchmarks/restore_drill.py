"""Timed backup/restore drill: dump a PostgreSQL database, restore it into a fresh one, verify.

    python benchmarks/restore_drill.py [--database-url URL] [--restore-url URL] [--jobs 2]

1. ``pg_dump -Fc`` of the database (default: ``DATABASE_URL``, then the local ``baucu_bench``)
   to a temporary file, inside a snapshot exported from an open transaction, so the source's
   row counts are taken from exactly what the dump holds even while the source is being
   written to;
2. ``pg_restore -j N`` into a new database ``baucu_restore_<time>`` on the source's server
   (or on the server of ``--restore-url``);
3. ``baucu db upgrade`` against the restored database: it must change nothing (skipped, with
   a note, for a source without ``alembic_version``: one made by ``create_all`` like the
   benchmark seeds, never a production database);
4. verify: the same tables with the same row counts, every sequence above the ids of its
   column, the same ``data_version`` per election, the schema equal to the models (after
   the upgrade), and the audit log's append-only trigger present and enabled;
5. drop the restored database (unless ``--keep``) and print the dump size and the seconds of
   each step with the machine's cores and load. Exits non-zero on any failure.

Credentials come from the URL (``PGPASSWORD`` is set for the client programs);
``pg_dump``/``pg_restore`` are taken from ``/usr/lib/postgresql/<server major>/bin``
when present, otherwise from ``PATH``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url

from data.db import database_url
from data.models import Base

DEFAULT_URL = "postgresql+psycopg://baucu:baucu@127.0.0.1/baucu_bench"
AUDIT_TRIGGER = "audit_event_append_only"


@dataclass
class Snapshot:
    """What a database holds, as far as the drill compares it."""

    counts: dict[str, int] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)  # election id → data_version
    revision: str | None = None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help=f"source (default: DATABASE_URL, then {DEFAULT_URL})"
    )
    parser.add_argument(
        "--restore-url", help="a database on the server to restore to (default: the source's)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="pg_restore -j (default 2)")
    parser.add_argument("--dump-dir", type=Path, help="keep the dump file in this folder")
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    return parser.parse_args(argv)


def safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def client_env(url: URL) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the URL's password, nothing on the command line."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return env


def client_args(url: URL) -> list[str]:
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def pg_program(name: str, server_major: int) -> str:
    """``name`` of the server's major version when installed, else the one on PATH."""
    versioned = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if versioned.exists():
        return str(versioned)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found (install the PostgreSQL client programs)")
    return found


def run(args: list[str], env: dict[str, str]) -> float:
    """Run a client program; its seconds, or SystemExit with its error output."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"FAILED ({done.returncode}): {' '.join(args)}\n{done.stderr.strip()[-4_000:]}"
        )
    return time.perf_counter() - started


def snapshot(conn: Connection) -> Snapshot:
    """Row counts, sequence positions, election data versions and Alembic revision."""
    quote = conn.dialect.identifier_preparer.quote
    tables = conn.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    ).all()
    found = Snapshot()
    for table in tables:
        found.counts[table] = int(conn.scalar(text(f"SELECT count(*) FROM {quote(table)}")))
    if "election" in found.counts:
        found.versions = dict(conn.execute(text("SELECT id, data_version FROM election")).all())
    if "alembic_version" in found.counts:
        found.revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return found


def differences(source: Snapshot, restored: Snapshot) -> list[str]:
    """Every way the restored database differs from the source (empty: identical)."""
    problems = []
    for table in sorted(set(source.counts) | set(restored.counts)):
        want, got = source.counts.get(table), restored.counts.get(table)
        if want != got:
            problems.append(f"table {table}: {want} rows in the source, {got} restored")
    if source.versions != restored.versions:
        problems.append(f"election data versions: {source.versions} vs {restored.versions}")
    if source.revision != restored.revision:
        problems.append(
            f"baucu db upgrade was not a no-op: revision {source.revision} in the source, "
            f"{restored.revision} after the upgrade"
        )
    return problems


def model_drift(conn: Connection) -> list[str]:
    """How the schema differs from the models (empty: equal)."""
    return [
        f"schema differs from the models: {d}"
        for d in compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ]


OWNED_SEQUENCES = """
SELECT s.relname, t.relname, a.attname, coalesce(q.last_value, q.start_value - 1)
FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
JOIN pg_sequences q ON q.schemaname = current_schema() AND q.sequencename = s.relname
WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace
"""


def sequence_problems(conn: Connection) -> tuple[int, list[str]]:
    """(sequences checked, those behind their column). Sequences are not transactional, so
    they are not compared with the source (which may have moved on since the dump): what
    matters is that the next id of every table is above the restored ones."""
    quote = conn.dialect.identifier_preparer.quote
    owned = conn.execute(text(OWNED_SEQUENCES)).all()
    problems = []
    for sequence, table, column, position in owned:
        highest = conn.scalar(text(f"SELECT max({quote(column)}) FROM {quote(table)}"))
        if highest is not None and position < highest:
            problems.append(
                f"sequence {sequence} at {position}, below {table}.{column} = {highest}: "
                "new rows would collide"
            )
    return len(owned), problems


def audit_guard_problems(conn: Connection) -> list[str]:
    """A missing or disabled append-only trigger on audit_event."""
    state = conn.scalar(
        text(
            "SELECT tgenabled FROM pg_trigger "
            "WHERE tgrelid = 'audit_event'::regclass AND tgname = :name AND NOT tgisinternal"
        ),
        {"name": AUDIT_TRIGGER},
    )
    if state is None:
        return [f"trigger {AUDIT_TRIGGER} missing on audit_event"]
    if state == "D":
        return [f"trigger {AUDIT_TRIGGER} is disabled"]
    return []


@contextmanager
def scratch_database(server: URL, name: str, keep: bool) -> Iterator[URL]:
    """Create database ``name`` on ``server``'s cluster; drop it afterwards unless ``keep``."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        try:
            yield server.set(database=name)
        finally:
            if keep:
                print(f"kept the restored database {name}")
            else:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                print(f"dropped {name}")
    finally:
        admin.dispose()


def baucu_command() -> list[str]:
    """The ``baucu`` CLI installed beside this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name("baucu")
    return [str(beside) if beside.exists() else "baucu"]


def upgrade(url: URL) -> tuple[float, str]:
    """Run ``baucu db upgrade`` exactly as an operator would; its seconds and output."""
    env = dict(os.environ, DATABASE_URL=url.render_as_string(hide_password=False))
    started = time.perf_counter()
    done = subprocess.run(
        [*baucu_command(), "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"baucu db upgrade failed:\n{(done.stdout + done.stderr)[-4_000:]}")
    return time.perf_counter() - started, done.stdout.strip()


def drill(args: argparse.Namespace) -> list[str]:
    """The drill; the problems found (empty when the restore is faithful)."""
    source_url = make_url(
        database_url(args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL)
    )
    if source_url.get_backend_name() != "postgresql":
        raise SystemExit(f"not a PostgreSQL URL: {safe(source_url)}")
    server_url = make_url(database_url(args.restore_url)) if args.restore_url else source_url
    print(f"source: {safe(source_url)}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    name = f"baucu_restore_{datetime.now():%Y%m%d_%H%M%S}_{os.getpid()}"
    source = create_engine(source_url)
    folder = args.dump_dir or Path(tempfile.mkdtemp(prefix="baucu_drill_"))
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / f"{source_url.database}_{datetime.now():%Y%m%d_%H%M%S}.dump"
    try:
        with source.connect() as conn:
            major = int(conn.scalar(text("SHOW server_version_num"))) // 10_000
            conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            exported = conn.scalar(text("SELECT pg_export_snapshot()"))
            dump_seconds = run(
                [
                    pg_program("pg_dump", major),
                    *client_args(source_url),
                    "--format=custom",
                    f"--snapshot={exported}",
                    f"--file={dump}",
                    str(source_url.database),
                ],
                client_env(source_url),
            )
            started = time.perf_counter()
            source_state = snapshot(conn)
            source_count_seconds = time.perf_counter() - started
            conn.exec_driver_sql("COMMIT")
        size = dump.stat().st_size
        print(f"dump: {size / 2**20:,.1f} MiB in {dump_seconds:.2f} s ({dump})")
        with scratch_database(server_url, name, args.keep) as target_url:
            restore_seconds = run(
                [
                    pg_program("pg_restore", major),
                    *client_args(target_url),
                    f"--jobs={args.jobs}",
                    "--exit-on-error",
                    f"--dbname={target_url.database}",
                    str(dump),
                ],
                client_env(target_url),
            )
            print(f"restore: {restore_seconds:.2f} s with {args.jobs} jobs into {name}")
            target = create_engine(target_url)
            try:
                with target.connect() as conn:
                    versioned = bool(
                        conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
                    )
                upgrade_seconds = None
                if versioned:
                    upgrade_seconds, said = upgrade(target_url)
                    print(f"upgrade: {upgrade_seconds:.2f} s: {said}")
                else:
                    print(
                        "upgrade: skipped — the source has no alembic_version (made by "
                        "create_all like the benchmark seeds, not by `baucu db upgrade`)"
                    )
                started = time.perf_counter()
                with target.connect() as conn:
                    restored_state = snapshot(conn)
                    problems = differences(source_state, restored_state)
                    sequences, behind = sequence_problems(conn)
                    problems += behind + audit_guard_problems(conn)
                    drift = model_drift(conn)
                verify_seconds = time.perf_counter() - started + source_count_seconds
            finally:
                target.dispose()
            if versioned:
                problems += drift  # after an upgrade the schema is the code's
            else:
                for line in drift:
                    print(f"note (unversioned source): {line[:300]}")
            rows = sum(source_state.counts.values())
            print(
                f"verify: {len(source_state.counts)} tables, {rows:,} rows, "
                f"{sequences} sequences, trigger {AUDIT_TRIGGER}: "
                f"{'ok' if not problems else 'see below'} in {verify_seconds:.2f} s"
            )
        print(
            f"figures: dump {size / 2**20:,.1f} MiB, dump {dump_seconds:.2f} s, "
            f"restore {restore_seconds:.2f} s, upgrade {_seconds(upgrade_seconds)}, "
            f"verify {verify_seconds:.2f} s; load average {os.getloadavg()[0]:.2f} at the end"
        )
        return problems
    finally:
        source.dispose()
        if args.dump_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def _seconds(value: float | None) -> str:
    return "skipped" if value is None else f"{value:.2f} s"


def main(argv: Sequence[str] | None = None) -> int:
    problems = drill(parse_args(argv))
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print("restore drill: " + ("FAILED" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
