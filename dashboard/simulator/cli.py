"""``baucu simulate``: the command line of the simulated election day.

Only click is imported here: the engine loads when the command runs, so every other
``baucu`` command starts as fast as before."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dashboard.simulator import PATHS


def _password(password: str | None, password_file: Path | None) -> str:
    if (password is None) == (password_file is None):
        raise click.UsageError("Cần đúng một trong --password và --password-file.")
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    if not password:
        raise click.UsageError("Mật khẩu trống.")
    return password


@click.command("simulate")
@click.option("--url", required=True, help="Máy chủ đang chạy, ví dụ http://127.0.0.1:8050")
@click.option("--election", required=True, help="Mã số hoặc tên cuộc bầu cử.")
@click.option("--operators", default=10, show_default=True, help="Số xã (người nhập liệu).")
@click.option("--password", default=None, help="Mật khẩu chung của các tài khoản mô phỏng.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Tệp chứa mật khẩu (dòng đầu).",
)
@click.option("--path", type=click.Choice(PATHS), default="both", show_default=True)
@click.option("--speed", type=float, default=None, help="Tốc độ đồng hồ máy chủ (mặc định: đo).")
@click.option("--duration", type=float, default=None, help="Dừng sau số giây thực này.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--province", "provinces", multiple=True, help="Mã tỉnh (lặp lại được).")
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Cơ sở dữ liệu (chỉ để tạo tài khoản và liệt kê tỉnh).",
)
@click.option("--provision", is_flag=True, help="Tạo các tài khoản còn thiếu trong CSDL.")
@click.option("--commune-user", default="simop_{code}", show_default=True)
@click.option("--province-user", default="simtinh_{code}", show_default=True)
@click.option("--late-share", type=float, default=0.1, show_default=True)
@click.option("--impossible-share", type=float, default=0.04, show_default=True)
@click.option("--retry-share", type=float, default=0.02, show_default=True)
@click.option("--count-minutes", type=float, default=120.0, show_default=True)
@click.option("--no-live-checks", is_flag=True, help="Biểu mẫu: không gọi kiểm tra khi gõ.")
@click.option("--no-verify", is_flag=True, help="Không đọc lại số liệu đã lưu khi kết thúc.")
@click.option("--every", type=float, default=5.0, show_default=True, help="Giây giữa hai dòng.")
def simulate(
    url: str,
    election: str,
    operators: int,
    password: str | None,
    password_file: Path | None,
    path: str,
    speed: float | None,
    duration: float | None,
    seed: int,
    provinces: tuple[str, ...],
    database_url: str | None,
    provision: bool,
    commune_user: str,
    province_user: str,
    late_share: float,
    impossible_share: float,
    retry_share: float,
    count_minutes: float,
    no_live_checks: bool,
    no_verify: bool,
    every: float,
) -> None:
    """Play an election day against a running server over real HTTP.

    OPERATORS communes, spread over the provinces given with --province (or every
    province of the election, read from --database-url), are each entered by their own
    account COMMUNE_USER (e.g. simop_00004): half through the entry forms' callbacks,
    half through the API. Each province's account PROVINCE_USER grants late communes an
    exception and confirms their closure on the end-of-entry page.

    Accounts: --provision --database-url URL creates the missing ones with the password
    (the checks of `baucu user add NAME --role commune --scope CODE --password-stdin`),
    or create them with that command beforehand.

    Windows open on the server's clock (BAUCU_CLOCK), read through the API: start the
    server's day early enough. For a load test raise the server's
    BAUCU_API_RATE_PER_ADDRESS: 429 answers are waited out and counted.

    Exit status: 1 on any unexpected error (5xx, a good figure refused, a lost save),
    2 when the day cannot start.
    """
    from dashboard.simulator.clock import ClockUnavailable
    from dashboard.simulator.day import DayConfig, SimulationError, run_day
    from dashboard.simulator.provision import ProvisionError
    from dashboard.simulator.session import LoginFailed, PageChanged

    config = DayConfig(
        url=url,
        election=election,
        operators=operators,
        password=_password(password, password_file),
        path=path,
        speed=speed,
        duration=duration,
        seed=seed,
        provinces=provinces,
        database_url=database_url,
        provision=provision,
        commune_user=commune_user,
        province_user=province_user,
        late_share=late_share,
        impossible_share=impossible_share,
        retry_share=retry_share,
        live_checks=not no_live_checks,
        count_minutes=count_minutes,
        verify=not no_verify,
        every=every,
    )
    try:
        result = run_day(config, click.echo)
    except (
        SimulationError,
        LoginFailed,
        ProvisionError,
        ClockUnavailable,
        PageChanged,
    ) as error:
        click.echo(f"Không chạy được mô phỏng: {error}", err=True)
        sys.exit(2)
    sys.exit(result.exit_code)
