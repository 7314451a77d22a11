"""Drills (Diễn tập): create one from a real election, reset it, delete it.

Only the technical admin gets here, and every callback asks the guard again: each is
an HTTP endpoint anyone can call with any arguments. The browser only names which
drill to act on; the services refuse a real election and check the caller once more.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update
from dash.exceptions import PreventUpdate

from auth.i18n import current_lang, tr
from auth.principal import Principal
from dashboard.components.elections import drill_label
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.drills import (
    DEFAULT_CYCLE,
    DEFAULT_ENTRY,
    DrillRefused,
    DrillRow,
    create_drill,
    delete_drill,
    drill_sources,
    list_drills,
    next_quarter_hour,
    reset_drill,
)
from data.permissions import Action
from data.services.errors import NotFound, ServiceError

PATH = "/admin/drills"
TITLE = ("Diễn tập", "Drills")
ACTION = Action.RUN_DRILLS
_OPS = ("reset", "delete")
_INPUT_TIME = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    ctx.guard.require(ACTION)
    start = next_quarter_hour(ctx.clock.now())
    return html.Div(
        [
            html.H1(tr("Diễn tập", "Drills"), className="h3"),
            html.P(
                tr(
                    "Một cuộc diễn tập là bản sao dùng một lần của dữ liệu gốc (đơn vị, khu vực "
                    "bỏ phiếu, cử tri, đơn vị bầu cử, người ứng cử) của một cuộc bầu cử thật, "
                    "chạy theo chu kỳ rút gọn: mỗi mốc báo cáo được nhập trong vài phút, rồi "
                    "dành thời gian còn lại của chu kỳ để tổng hợp. Số liệu diễn tập không bao "
                    "giờ lẫn vào cuộc bầu cử thật.",
                    "A drill is a disposable copy of a real election's master data (units, "
                    "polling areas, voters, constituencies, candidates) on a compressed "
                    "schedule: each reporting window is open for a few minutes, and the rest of "
                    "the cycle is left to aggregate. Drill figures never mix with the real "
                    "election's.",
                ),
                className="text-muted",
            ),
            _create_card(ctx, start),
            html.H2(tr("Các cuộc diễn tập", "Drills"), className="h4 mt-4"),
            dcc.Loading(html.Div(id="drl-table"), delay_show=400),
            _confirm_modal(),
            dcc.Store(id="drl-pending"),
            dcc.Store(id="drl-created"),
            dcc.Store(id="drl-acted"),
        ]
    )


def _field(label: str, control: Any, field_id: str, **width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=field_id, className="small mb-1"), control], **width)


def _create_card(ctx: AppContext, start: datetime) -> dbc.Card:
    with ctx.db.read() as s:
        sources = drill_sources(s)
    options = [{"label": f"{name} ({day:%d/%m/%Y})", "value": eid} for eid, name, day in sources]
    minutes = {"type": "number", "min": 1, "step": 1, "inputMode": "numeric"}
    form = html.Div(
        dbc.Row(
            [
                _field(
                    tr("Từ cuộc bầu cử thật", "From the real election"),
                    dcc.Dropdown(
                        id="drl-source",
                        options=options,
                        value=options[0]["value"] if options else None,
                        clearable=False,
                        placeholder=tr("Chưa có cuộc bầu cử thật", "No real election yet"),
                    ),
                    "drl-source",
                    xs=12,
                    lg=4,
                ),
                _field(
                    tr("Tên cuộc diễn tập", "Drill name"),
                    dbc.Input(
                        id="drl-name",
                        value=tr(
                            f"Diễn tập {start:%d/%m/%Y %H:%M}", f"Drill {start:%d/%m/%Y %H:%M}"
                        ),
                        maxLength=200,
                        autocomplete="off",
                    ),
                    "drl-name",
                    xs=12,
                    lg=4,
                ),
                _field(
                    tr("Bắt đầu", "Starts"),
                    dbc.Input(
                        id="drl-start", type="datetime-local", value=start.strftime(_INPUT_TIME)
                    ),
                    "drl-start",
                    xs=12,
                    lg=4,
                ),
                _field(
                    tr("Chu kỳ (phút)", "Cycle (min)"),
                    dbc.Input(id="drl-cycle", value=_minutes(DEFAULT_CYCLE), max=240, **minutes),
                    "drl-cycle",
                    xs=6,
                    md=3,
                    lg=2,
                ),
                _field(
                    tr("Nhập (phút)", "Entry (min)"),
                    dbc.Input(id="drl-entry", value=_minutes(DEFAULT_ENTRY), max=239, **minutes),
                    "drl-entry",
                    xs=6,
                    md=3,
                    lg=2,
                ),
                dbc.Col(
                    dbc.Button(
                        tr("Tạo diễn tập", "Create drill"),
                        id="drl-create",
                        type="button",
                        color="primary",
                        className="w-100 text-nowrap",
                    ),
                    xs=12,
                    md="auto",
                    className="d-flex align-items-end",
                ),
            ],
            className="g-2",
        ),
        role="form",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(tr("Tạo cuộc diễn tập", "New drill"), className="h5"),
                html.P(
                    tr(
                        "Khai mạc, các mốc báo cáo và kiểm phiếu nối tiếp nhau, mỗi mốc một chu "
                        "kỳ: theo quy định là 15 phút — 10 phút nhập liệu, 5 phút tổng hợp. "
                        "Tài khoản của các cấp dùng luôn cho diễn tập.",
                        "Opening, the reporting windows and the count follow one another, one "
                        "cycle each: by the regulations 15 minutes — 10 to enter, 5 to "
                        "aggregate. Everyone's accounts work in the drill as they are.",
                    ),
                    className="text-muted small mb-2",
                ),
                form,
                html.Div(id="drl-errors", className="mt-3", role="alert"),
                html.Div(id="drl-result", className="mt-3", role="status"),
            ]
        ),
        className="mb-3",
    )


def _confirm_modal() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id="drl-confirm-title")),
            dbc.ModalBody(
                [
                    html.Div(id="drl-confirm-body", role="status"),
                    html.Div(
                        [
                            dbc.Label(
                                tr("Bắt đầu lại lúc", "Start again at"),
                                html_for="drl-reset-start",
                                className="small mb-1",
                            ),
                            dbc.Input(id="drl-reset-start", type="datetime-local"),
                        ],
                        id="drl-reset-row",
                        className="mt-3",
                        style={"display": "none"},
                    ),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(tr("Hủy", "Cancel"), id="drl-confirm-no", color="secondary"),
                    dbc.Button(tr("Xác nhận", "Confirm"), id="drl-confirm-yes", color="danger"),
                ]
            ),
        ],
        id="drl-confirm",
        is_open=False,
        centered=True,
    )


# --------------------------------------------------------------------------- callbacks


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("drl-table", "children"),
        Input("drl-created", "data"),
        Input("drl-acted", "data"),
    )
    def drills_table(_created, _acted):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        with ctx.db.read() as s:
            rows = list_drills(s)
        if not rows:
            return html.P(tr("Chưa có cuộc diễn tập nào.", "No drill yet."), className="text-muted")
        return _drills_table(rows, ctx.clock.now())

    @app.callback(
        Output("drl-result", "children"),
        Output("drl-errors", "children"),
        Output("drl-created", "data"),
        Input("drl-create", "n_clicks"),
        State("drl-source", "value"),
        State("drl-name", "value"),
        State("drl-start", "value"),
        State("drl-cycle", "value"),
        State("drl-entry", "value"),
        prevent_initial_call=True,
    )
    def create(_click, source, name, start, cycle, entry):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        try:
            created = create_drill(
                ctx.db,
                me.actor(),
                source,  # the service refuses anything that is not a real election's id
                name if isinstance(name, str) else "",
                _moment(start),
                _span(cycle, "cycle"),
                _span(entry, "entry"),
                clock=ctx.clock,
            )
        except ServiceError as refused:
            return no_update, _problem(refused), no_update
        c = created.counts
        first = created.windows[0].opens_at if created.windows else None
        notice = dbc.Alert(
            tr(
                f"Đã tạo cuộc diễn tập “{created.name}”: {c['units']} đơn vị, "
                f"{c['polling_areas']} khu vực bỏ phiếu, {c['constituencies']} đơn vị bầu cử, "
                f"{c['candidates']} người ứng cử. Bắt đầu lúc {_when(first)}.",
                f"Drill “{created.name}” created: {c['units']} units, {c['polling_areas']} "
                f"polling areas, {c['constituencies']} constituencies, {c['candidates']} "
                f"candidates. It starts at {_when(first)}.",
            ),
            color="success",
            dismissable=True,
        )
        return notice, "", time.time_ns()

    @app.callback(
        Output("drl-confirm", "is_open"),
        Output("drl-confirm-title", "children"),
        Output("drl-confirm-body", "children"),
        Output("drl-confirm-yes", "style"),
        Output("drl-confirm-no", "children"),
        Output("drl-reset-row", "style"),
        Output("drl-reset-start", "value"),
        Output("drl-pending", "data"),
        Output("drl-acted", "data"),
        Input({"type": "drl-op", "op": ALL, "drill": ALL}, "n_clicks"),
        Input("drl-confirm-yes", "n_clicks"),
        Input("drl-confirm-no", "n_clicks"),
        State("drl-pending", "data"),
        State("drl-reset-start", "value"),
        prevent_initial_call=True,
    )
    def confirm(_ops, _yes, _no, pending, reset_start):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        trigger = callback_context.triggered_id
        hidden = {"display": "none"}
        if trigger == "drl-confirm-no":
            return False, no_update, "", no_update, no_update, hidden, no_update, None, no_update
        if trigger == "drl-confirm-yes":
            return _carry_out(ctx, me, pending, reset_start)
        if not _clicked() or not isinstance(trigger, dict):
            raise PreventUpdate
        op, drill_id = trigger.get("op"), trigger.get("drill")
        drill = _drill(ctx, drill_id)
        if op not in _OPS or drill is None:
            raise NotFound(what="cuộc diễn tập", what_en="Drill")
        start = next_quarter_hour(ctx.clock.now()).strftime(_INPUT_TIME)
        title, question = _question(op, drill)
        return (
            True,
            title,
            question,
            {"display": "inline-block"},
            tr("Hủy", "Cancel"),
            {"display": "block"} if op == "reset" else hidden,
            start,
            {"op": op, "drill": drill.id},
            no_update,
        )


def _carry_out(ctx: AppContext, me: Principal, pending: object, reset_start: object):  # type: ignore[no-untyped-def]
    """Do the confirmed operation; the dialog then shows what happened."""
    op = pending.get("op") if isinstance(pending, dict) else None
    drill_id = pending.get("drill") if isinstance(pending, dict) else None
    if op not in _OPS or not isinstance(drill_id, int):
        raise PreventUpdate  # nothing pending: a second click on a finished dialog
    hidden = {"display": "none"}
    drill = _drill(ctx, drill_id)
    name = drill.name if drill else str(drill_id)
    try:
        if op == "reset":
            reset = reset_drill(ctx.db, me.actor(), drill_id, _moment(reset_start), clock=ctx.clock)
            first = reset.windows[0].opens_at if reset.windows else None
            removed = sum(reset.removed.values())
            body: Any = dbc.Alert(
                tr(
                    f"Đã đặt lại “{name}”: xóa {removed} bản ghi đã nhập; bắt đầu lại lúc "
                    f"{_when(first)}.",
                    f"“{name}” is reset: {removed} entered records deleted; it starts again "
                    f"at {_when(first)}.",
                ),
                color="success",
            )
        else:
            delete_drill(ctx.db, me.actor(), drill_id, clock=ctx.clock)
            body = dbc.Alert(
                tr(f"Đã xóa cuộc diễn tập “{name}”.", f"Drill “{name}” deleted."),
                color="success",
            )
    except ServiceError as refused:
        # The dialog stays open with the refusal in it (nothing was changed): fix and retry.
        keep = no_update
        row = {"display": "block"} if op == "reset" else hidden
        return True, keep, _problem(refused), keep, keep, row, keep, keep, keep
    title = {
        "reset": tr(f"Đặt lại “{name}”", f"Reset “{name}”"),
        "delete": tr(f"Xóa “{name}”", f"Delete “{name}”"),
    }[op]
    return True, title, body, hidden, tr("Đóng", "Close"), hidden, no_update, None, time.time_ns()


# --------------------------------------------------------------------------- pieces


def _clicked() -> bool:
    """Whether the trigger was a real click (not a button appearing in a new table)."""
    triggered = callback_context.triggered
    return bool(triggered) and bool(triggered[0].get("value"))


def _drill(ctx: AppContext, drill_id: object) -> DrillRow | None:
    if not isinstance(drill_id, int) or isinstance(drill_id, bool):
        return None
    with ctx.db.read() as s:
        return next((d for d in list_drills(s) if d.id == drill_id), None)


def _moment(value: object) -> datetime:
    """A ``datetime-local`` value as a local moment; anything else is refused by the service."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise DrillRefused(
            "Hãy chọn ngày giờ bắt đầu.", "Choose the start date and time.", "starts_at"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _span(value: object, field: str) -> timedelta:
    try:
        minutes = int(value) if isinstance(value, int | float | str) and value != "" else None
    except ValueError:
        minutes = None
    if minutes is None or not 1 <= minutes <= 240:
        raise DrillRefused(
            "Số phút phải là số nguyên từ 1 đến 240.",
            "Minutes must be a whole number from 1 to 240.",
            field,
        )
    return timedelta(minutes=minutes)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}" if moment else "—"


def _problem(refused: ServiceError) -> dbc.Alert:
    return dbc.Alert(
        [
            html.Div(tr("Chưa thực hiện được:", "Not done:"), className="fw-semibold"),
            html.Div(refused.message(current_lang())),
        ],
        color="danger",
    )


def _question(op: str, drill: DrillRow) -> tuple[str, Any]:
    name = drill.name
    if op == "reset":
        return tr(f"Đặt lại “{name}”?", f"Reset “{name}”?"), tr(
            f"Mọi số liệu đã nhập vào cuộc diễn tập ({drill.entered} báo cáo và biên bản), "
            "các lần kết thúc nhập liệu, gia hạn và đề nghị sẽ bị xóa; dữ liệu gốc giữ "
            "nguyên. Nhật ký không bị xóa.",
            f"Everything entered into the drill ({drill.entered} reports and sheets), every "
            "closure, exception and request is deleted; the master data stays. The audit log "
            "is kept.",
        )
    return tr(f"Xóa “{name}”?", f"Delete “{name}”?"), tr(
        "Cuộc diễn tập và toàn bộ số liệu của nó bị xóa hẳn. Nhật ký không bị xóa.",
        "The drill and all its data are deleted for good. The audit log is kept.",
    )


def _status(row: DrillRow, now: datetime) -> dbc.Badge:
    if row.starts_at is None or now < row.starts_at:
        return dbc.Badge(tr("Chưa bắt đầu", "Not started"), color="secondary")
    if row.ends_at is not None and now <= row.ends_at:
        return dbc.Badge(tr("Đang diễn ra", "Running"), color="danger")
    return dbc.Badge(tr("Đang kiểm phiếu / đã xong", "Counting / over"), color="dark")


def _drills_table(rows: list[DrillRow], now: datetime) -> dbc.Table:
    wide_only = "d-none d-lg-table-cell"
    head = html.Thead(
        html.Tr(
            [
                html.Th(tr("Cuộc diễn tập", "Drill")),
                html.Th(tr("Lịch", "Schedule")),
                html.Th(tr("Chu kỳ / nhập", "Cycle / entry"), className=wide_only),
                html.Th(tr("Đã nhập", "Entered"), className="text-end"),
                html.Th(tr("Thao tác", "Actions")),
            ]
        )
    )
    body = []
    for row in rows:
        cycle = (
            tr(
                f"{row.cycle_minutes} / {row.entry_minutes} phút",
                f"{row.cycle_minutes} / {row.entry_minutes} min",
            )
            if row.cycle_minutes
            else "—"
        )
        body.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Span(drill_label(row.name), className="fw-semibold"),
                            " ",
                            _status(row, now),
                            html.Br(),
                            html.Span(
                                tr(f"Gốc: {row.source_name}", f"From: {row.source_name}")
                                if row.source_name
                                else tr("Gốc đã bị xóa", "Source deleted"),
                                className="small text-muted",
                            ),
                        ]
                    ),
                    html.Td(
                        f"{_when(row.starts_at)} → {_when(row.ends_at)}", className="text-nowrap"
                    ),
                    html.Td(cycle, className=wide_only),
                    html.Td(str(row.entered), className="text-end"),
                    html.Td(_row_actions(row), className="text-nowrap"),
                ]
            )
        )
    return dbc.Table(
        [head, html.Tbody(body)],
        striped=True,
        hover=True,
        size="sm",
        responsive=True,
        className="align-middle",
    )


def _row_actions(row: DrillRow) -> list[html.Button]:
    def button(label: str, aria: str, op: str, color: str) -> html.Button:
        return html.Button(
            label,
            id={"type": "drl-op", "op": op, "drill": row.id},
            type="button",
            className=f"btn btn-sm btn-outline-{color} me-1 my-1",
            title=aria,
            **{"aria-label": aria},
        )

    name = row.name
    return [
        button(
            tr("Đặt lại", "Reset"), tr(f"Đặt lại “{name}”", f"Reset “{name}”"), "reset", "warning"
        ),
        button(tr("Xóa", "Delete"), tr(f"Xóa “{name}”", f"Delete “{name}”"), "delete", "danger"),
    ]
