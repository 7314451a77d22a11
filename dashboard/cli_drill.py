"""``baucu drill``: create, reset, delete and list drills (diễn tập) from the command line.

The command line is the technical admin at the server: it acts as the system account
(role admin), and every change is audited like the same action on the admin page.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import NoReturn

import click

from data.clock import LOCAL_TZ, clock_from_env
from data.db import Database, database_url
from data.drills import (
    create_drill,
    delete_drill,
    find_election,
    list_drills,
    next_quarter_hour,
    reset_drill,
)
from data.migrate import upgrade
from data.numbers import format_int
from data.services.actor import SYSTEM
from data.services.errors import ServiceError

database_option = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="postgresql+psycopg://… (mặc định: tệp SQLite nhúng).",
)


def _database(url: str | None) -> Database:
    resolved = database_url(url)
    upgrade(resolved)
    return Database(resolved)


def _start(text: str | None) -> datetime:
    """``--start``: an ISO date-time (local time when no offset); default the next quarter hour."""
    if text is None:
        return next_quarter_hour(clock_from_env().now())
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"không phải ngày giờ ISO (ví dụ 2026-03-08T08:00): {text!r}", param_hint="--start"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _find(database: Database, name_or_id: str) -> tuple[int, str]:
    """(id, name) of the election named or numbered so; exits with a message if none.
    Whether it may be used (a real source, a drill to reset or delete) is the service's call.
    """
    with database.read() as s:
        election = find_election(s, name_or_id)
    if election is None:
        _fail(f"Không tìm thấy cuộc bầu cử hoặc diễn tập “{name_or_id}”.")
    return election.id, election.name  # type: ignore[union-attr]


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


def _time(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%H:%M}"


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}" if moment else "—"


@click.group()
def drill() -> None:
    """Diễn tập: bản sao dùng một lần của dữ liệu gốc, chạy trên đồng hồ rút gọn."""


@drill.command("create")
@click.option(
    "--from", "source", required=True, help="Tên hoặc mã số của cuộc bầu cử thật làm gốc."
)
@click.option("--name", required=True, help="Tên cuộc diễn tập.")
@click.option("--start", default=None, help="Giờ bắt đầu, ISO (mặc định: 15 phút tròn kế tiếp).")
@click.option("--cycle-minutes", default=15, show_default=True, type=int)
@click.option("--entry-minutes", default=10, show_default=True, type=int)
@database_option
def drill_create(
    source: str,
    name: str,
    start: str | None,
    cycle_minutes: int,
    entry_minutes: int,
    database_url: str | None,
) -> None:
    """Create a drill from a real election's master data."""
    database = _database(database_url)
    starts_at = _start(start)
    try:
        created = create_drill(
            database,
            SYSTEM,
            _find(database, source)[0],
            name,
            starts_at,
            timedelta(minutes=cycle_minutes),
            timedelta(minutes=entry_minutes),
        )
    except ServiceError as refused:
        _fail(refused.message())
    c = created.counts
    click.echo(
        f"Đã tạo cuộc diễn tập “{created.name}” (mã số {created.id}):"
        f" {format_int(c['units'])} đơn vị, {format_int(c['polling_areas'])} khu vực bỏ phiếu,"
        f" {format_int(c['constituencies'])} đơn vị bầu cử,"
        f" {format_int(c['candidates'])} người ứng cử."
    )
    for w in created.windows:
        click.echo(
            f"  {w.key:<8} nhập {_time(w.opens_at)}–{_time(w.closes_at)}, mốc {_when(w.due_at)}"
        )


@drill.command("reset")
@click.argument("name_or_id")
@click.option(
    "--start", default=None, help="Giờ bắt đầu mới, ISO (mặc định: 15 phút tròn kế tiếp)."
)
@database_option
def drill_reset(name_or_id: str, start: str | None, database_url: str | None) -> None:
    """Delete everything entered into a drill and schedule it again."""
    database = _database(database_url)
    drill_id, name = _find(database, name_or_id)
    try:
        reset = reset_drill(database, SYSTEM, drill_id, _start(start) if start else None)
    except ServiceError as refused:
        _fail(refused.message())
    removed = sum(reset.removed.values())
    first = reset.windows[0].opens_at if reset.windows else None
    click.echo(
        f"Đã đặt lại cuộc diễn tập “{name}”: xóa {removed} bản ghi đã nhập;"
        f" bắt đầu lại lúc {_when(first)}."
    )


@drill.command("delete")
@click.argument("name_or_id")
@database_option
def drill_delete(name_or_id: str, database_url: str | None) -> None:
    """Delete a drill and all its data (never a real election)."""
    database = _database(database_url)
    drill_id, name = _find(database, name_or_id)
    try:
        delete_drill(database, SYSTEM, drill_id)
    except ServiceError as refused:
        _fail(refused.message())
    click.echo(f"Đã xóa cuộc diễn tập “{name}” (mã số {drill_id}).")


@drill.command("list")
@database_option
def drill_list(database_url: str | None) -> None:
    """List the drills."""
    database = _database(database_url)
    with database.read() as s:
        rows = list_drills(s)
    if not rows:
        click.echo("Chưa có cuộc diễn tập nào.")
        return
    for r in rows:
        cycle = f"{r.cycle_minutes}/{r.entry_minutes} phút" if r.cycle_minutes else "—"
        click.echo(
            f"{r.id:>5}  {r.name}  ·  gốc: {r.source_name or '—'}  ·"
            f" {_when(r.starts_at)} → {_when(r.ends_at)}  ·  chu kỳ/nhập {cycle}"
            f"  ·  đã nhập {r.entered}"
        )
