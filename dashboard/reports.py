"""Downloads of the official forms: ``/reports/<eid>/...pdf|.xlsx`` (DESIGN §9).

Every view asks the guard first (from the logged-in user and the database, never
from the request), then builds the report from the read models, audits the
download (``report.download``) and returns the file under a Vietnamese name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from io import BytesIO
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, send_file
from sqlalchemy.orm import Session

from dashboard.context import AppContext
from data.enums import DoubleCheck, Level, ResultStatus
from data.permissions import Action
from data.read_models.entry import tally_form
from data.read_models.progress import NotFound
from data.read_models.results import constituency_result, constituency_results
from data.reports.model import Report
from data.reports.pdf import render_pdf
from data.reports.sources import (
    constituency_report,
    summary_report,
    tally_report,
    turnout_report,
)
from data.reports.xlsx import render_xlsx
from data.services import audit

FORMATS: dict[str, tuple[Callable[[Report], bytes], str]] = {
    "pdf": (render_pdf, "application/pdf"),
    "xlsx": (
        render_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
DOWNLOAD = "report.download"


def ascii_name(name: str) -> str:
    """The fallback for old clients: ``Biên bản - Đình`` → ``Bien ban - Dinh``."""
    plain = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if c.isascii() and c not in '"\\\r\n')


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def _format(fmt: str) -> tuple[Callable[[Report], bytes], str]:
    if fmt not in FORMATS:
        abort(404)
    return FORMATS[fmt]


def create_reports_blueprint(ctx: AppContext) -> Blueprint:
    bp = Blueprint("reports", __name__, url_prefix="/reports")
    guard = ctx.guard

    def check_visible(status: ResultStatus, eid: int, what: str) -> None:
        """Leaders get results only once confirmed; the refusal is audited like any other."""
        if not guard.result_visible(status):
            raise guard.refuse(Action.VIEW_RESULTS, f"{what} not confirmed", eid)

    def deliver(
        build: Callable[[Session], Report],
        fmt: str,
        eid: int,
        object_type: str,
        object_key: str,
        unit_path: str,
    ) -> Response:
        render, mimetype = _format(fmt)
        who = guard.principal()
        now = ctx.clock.now()
        try:
            with ctx.db.read() as s:
                report = build(s)
        except NotFound:
            abort(404)
        body = render(report)
        with ctx.db.write() as s:
            audit.record(
                s,
                who.actor(),
                DOWNLOAD,
                at=now,
                election_id=eid,
                object_type=object_type,
                object_key=object_key[:128],
                unit_path=unit_path,
                after={"format": fmt, "data_version": report.meta.data_version},
            )
        response = send_file(
            BytesIO(body),
            mimetype=mimetype,
            as_attachment=True,
            download_name=f"{report.filename}.{fmt}",
            max_age=0,
        )
        response.headers["Content-Disposition"] = content_disposition(f"{report.filename}.{fmt}")
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/<int:eid>/constituency/<code>.<fmt>")
    def constituency(eid: int, code: str, fmt: str) -> Response:
        _format(fmt)
        _constituency, unit = guard.constituency(eid, code, Action.VIEW_RESULTS)
        with ctx.db.read() as s:
            status = constituency_result(s, eid, code).status
        check_visible(status, eid, f"constituency {code!r}")
        now = ctx.clock.now()
        return deliver(
            lambda s: constituency_report(s, eid, code, now),
            fmt,
            eid,
            "constituency_result",
            code,
            unit.path,
        )

    @bp.get("/<int:eid>/turnout/<unit_code>/<window>.<fmt>")
    def turnout(eid: int, unit_code: str, window: str, fmt: str) -> Response:
        _format(fmt)
        unit = guard.unit(eid, unit_code, Action.VIEW_PROGRESS)
        now = ctx.clock.now()
        return deliver(
            lambda s: turnout_report(s, eid, unit_code, window, now),
            fmt,
            eid,
            "turnout_report",
            f"{unit_code}/{window}",
            unit.path,
        )

    @bp.get("/<int:eid>/tally/<area_code>/<level>.<fmt>")
    def tally(eid: int, area_code: str, level: str, fmt: str) -> Response:
        _format(fmt)
        _area, unit = guard.area(eid, area_code, Action.VIEW_RESULTS)
        if level not in {lv.value for lv in Level}:
            abort(404)
        with ctx.db.read() as s:
            form = tally_form(s, eid, area_code, Level(level))
            if form is None:
                abort(404)
            status = constituency_result(s, eid, form.constituency_code).status
        check_visible(status, eid, f"tally {area_code!r}/{level}")
        sheet = form.sheet
        if (
            sheet is not None
            and sheet.double_check is DoubleCheck.AWAITING
            and sheet.entered_by_id != guard.principal().user_id
        ):
            # Double entry: the second operator must type the paper blind.
            raise guard.refuse(
                Action.VIEW_RESULTS, f"tally {area_code!r}/{level} awaiting its second entry", eid
            )
        now = ctx.clock.now()
        return deliver(
            lambda s: tally_report(s, eid, area_code, Level(level), now),
            fmt,
            eid,
            "tally_sheet",
            f"{area_code}/{level}",
            unit.path,
        )

    @bp.get("/<int:eid>/summary/<unit_code>/<level>.<fmt>")
    def summary(eid: int, unit_code: str, level: str, fmt: str) -> Response:
        """Biên bản tổng kết: leaders only once every constituency in it is confirmed."""
        _format(fmt)
        unit = guard.unit(eid, unit_code, Action.VIEW_RESULTS)
        if level not in {lv.value for lv in Level}:
            abort(404)
        with ctx.db.read() as s:
            statuses = {r.status for r in constituency_results(s, eid, unit_code, Level(level))}
        if not statuses:
            abort(404)
        for status in sorted(statuses):
            check_visible(status, eid, f"summary {unit_code!r}/{level}")
        now = ctx.clock.now()
        return deliver(
            lambda s: summary_report(s, eid, unit_code, Level(level), now),
            fmt,
            eid,
            "summary_report",
            f"{unit_code}/{level}",
            unit.path,
        )

    return bp


def install_reports(server: Flask, ctx: AppContext) -> None:
    server.register_blueprint(create_reports_blueprint(ctx))
