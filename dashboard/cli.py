"""The ``baucu`` command line (API.md §3)."""

from __future__ import annotations

import os
import sys
import threading
import webbrowser
from pathlib import Path

import click

from dashboard.cli_drill import drill
from dashboard.simulator.cli import simulate
from data.clock import clock_from_env
from data.db import Database, database_url
from data.enums import Role
from data.migrate import upgrade


def _database(url: str | None) -> Database:
    resolved = database_url(url)
    upgrade(resolved)
    return Database(resolved)


database_option = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="postgresql+psycopg://… (mặc định: tệp SQLite nhúng).",
)


@click.group()
def main() -> None:
    """Bầu cử Live — hệ thống thông tin bầu cử thời gian thực."""


@main.group()
def db() -> None:
    """Cơ sở dữ liệu."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str | None) -> None:
    """Apply migrations."""
    url = _resolve(database_url)
    upgrade(url)
    click.echo(f"Cơ sở dữ liệu đã ở phiên bản mới nhất: {_safe(url)}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--election", "election_name", required=False, help="Tên cuộc bầu cử.")
@database_option
def import_cmd(path: Path, election_name: str | None, database_url: str | None) -> None:
    """Import an election package (CSV folder or .xlsx) in one transaction."""
    from data.importer import import_package
    from data.loader import PackageRejected

    database = _database(database_url)
    try:
        result = import_package(database, path, election_name)
    except PackageRejected as rejected:
        click.echo(
            f"Không nhập được: {len(rejected.problems)} lỗi, không có dữ liệu nào được ghi.",
            err=True,
        )
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"Đã nhập: {result}")


@main.command("template")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx")
def template_cmd(path: Path, fmt: str) -> None:
    """Write an empty import template (CSV folder or .xlsx workbook)."""
    from data.importer import write_template

    write_template(path, fmt)
    click.echo(f"Đã tạo mẫu nhập liệu: {path}")


@main.group()
def user() -> None:
    """Tài khoản."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--scope", "scope_code", required=True, help="Mã đơn vị (mã GSO; VN = toàn quốc).")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@database_option
def user_add(
    username: str,
    role: str,
    scope_code: str,
    full_name: str,
    password_stdin: bool,
    database_url: str | None,
) -> None:
    """Create an account; prints a one-time password unless --password-stdin."""
    from data.services.accounts import AccountError, create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        created = create_user(
            _database(database_url),
            username=username,
            role=Role(role),
            scope_code=scope_code,
            full_name=full_name,
            password=password,
        )
    except AccountError as refused:
        for message in refused.problems:
            click.echo(message, err=True)
        sys.exit(1)
    click.echo(f"Đã tạo tài khoản {username} ({role}, {scope_code}).")
    if created.one_time_password:
        click.echo(f"Mật khẩu dùng một lần (phải đổi khi đăng nhập): {created.one_time_password}")


@main.group()
def seed() -> None:
    """Tạo dữ liệu mẫu."""


@seed.command("national")
@click.option("--name", "election_name", default="Bầu cử toàn quốc 2026")
@click.option("--seed", "seed_value", default=2026, type=int)
@database_option
def seed_national_cmd(election_name: str, seed_value: int, database_url: str | None) -> None:
    """A national election at real scale (34 provinces, 3,321 communes, ~72,000 areas)."""
    from data.generators.national import seed_national

    summary = seed_national(_database(database_url), seed=seed_value, election_name=election_name)
    click.echo(str(summary))


def _serve_options(func):  # type: ignore[no-untyped-def]
    func = click.option("--port", default=8050, type=int, show_default=True)(func)
    func = click.option("--host", default="127.0.0.1", show_default=True)(func)
    func = click.option("--no-browser", is_flag=True, help="Do not open a browser.")(func)
    return database_option(func)


@main.command()
@_serve_options
def serve(port: int, host: str, no_browser: bool, database_url: str | None) -> None:
    """Run the server on the configured database."""
    _run(_database(database_url), host, port, no_browser)


@main.command()
@click.option("--no-simulate", is_flag=True, help="Just serve; no simulated election day.")
@_serve_options
def demo(
    no_simulate: bool, port: int, host: str, no_browser: bool, database_url: str | None
) -> None:
    """Demo election on a real province, demo accounts, and a simulated election day."""
    from dashboard.demo import demo_units_geojson, prepare_demo, start_simulation
    from dashboard.unit_map import GEOJSON_SETTING

    database = _database(database_url)
    prepared = prepare_demo(database)
    click.echo(f"Cuộc bầu cử demo: {prepared.election_name} ({prepared.summary})")
    click.echo("Tài khoản demo (tên đăng nhập / mật khẩu / vai trò / phạm vi):")
    for account in prepared.accounts:
        click.echo(
            f"  {account.username:<14} {account.password:<20} {account.role:<9} {account.scope}"
        )
    if not os.environ.get(GEOJSON_SETTING):  # the deployment's own map wins
        geojson = demo_units_geojson(database, prepared.election_id)
        os.environ[GEOJSON_SETTING] = str(geojson)
        click.echo(f"Bản đồ đơn vị (GeoJSON tổng hợp): {geojson}")
    clock = None
    if not no_simulate:
        clock = start_simulation(database, prepared.election_id)
        click.echo(f"Mô phỏng ngày bầu cử: đồng hồ bắt đầu {clock.now():%H:%M}, chạy nhanh x60.")
    _run(database, host, port, no_browser, clock=clock)


def _run(database: Database, host: str, port: int, no_browser: bool, clock=None) -> None:  # type: ignore[no-untyped-def]
    from dashboard.app import create_app

    app = create_app(database, clock=clock or clock_from_env())
    url = f"http://{host}:{port}/"
    click.echo(f"Đang phục vụ tại {url} (Ctrl+C để dừng)")
    if not no_browser:
        threading.Timer(1.5, lambda: webbrowser.open(url)).start()
    app.run(host=host, port=port, debug=False)


def _resolve(url: str | None) -> str:
    return database_url(url)


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


main.add_command(simulate)
main.add_command(drill)
