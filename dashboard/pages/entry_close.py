"""End of entry (Kết thúc nhập liệu): the commune asks, the upper level confirms.

A commune operator sees what is still missing (windows, tally sheets) and asks the upper
level to close entry for the commune. A province / district user confirms or declines the
requests of its scope, closes a commune or its whole scope directly, reopens a closed unit
(always with a reason), and grants late communes an exception to a window's closing time.
Every callback asks the guard first; units and requests come from the browser only as
choices the guard and the services check again.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from auth.guard import NotAuthenticated
from auth.i18n import current_lang, tr
from dashboard.components.elections import election_dropdown
from dashboard.components.forms import hhmm, refusal
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.models import ClosureRequestState
from data.permissions import Action, Reach, reach
from data.read_models import progress
from data.read_models.closure import (
    CommuneClosure,
    ExceptionInfo,
    RequestInfo,
    closable_units,
    closures_over_scope,
    commune_closures,
    exceptions_in_scope,
    request_unit_code,
    requests_in_scope,
)
from data.read_models.entry import current_window, windows
from data.services.closure_requests import (
    confirm_closure_request,
    decline_closure_request,
    request_closure,
    withdraw_closure_request,
)
from data.services.entry import close_entry, grant_window_exception, reopen_entry
from data.services.errors import Forbidden, InvalidRequest, ServiceError

PATH = "/entry/close"
TITLE = ("Kết thúc nhập liệu", "End of entry")
ACTION = Action.CLOSE_ENTRY
REFRESH_MS = 30_000
STORES = ("ec-ask-done", "ec-decide-done", "ec-close-done", "ec-reopen-done", "ec-grant-done")
OK = "ok"

STATE_TEXT = {
    ClosureRequestState.REQUESTED: ("Chờ cấp trên xác nhận", "Awaiting the upper level"),
    ClosureRequestState.CONFIRMED: ("Đã xác nhận", "Confirmed"),
    ClosureRequestState.DECLINED: ("Bị từ chối", "Declined"),
    ClosureRequestState.WITHDRAWN: ("Đã rút đề nghị", "Withdrawn"),
}


# --- layout -------------------------------------------------------------------------


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    who = ctx.guard.require(Action.CLOSE_ENTRY)
    upper = reach(who.role, Action.REOPEN_ENTRY) is not Reach.NONE
    picker = election_dropdown(ctx, "ec-election")
    parts: list[Any] = [
        html.H1(tr("Kết thúc nhập liệu", "End of entry"), className="h3"),
        html.Div(
            picker,
            className="mb-2",
            style={} if len(picker.options) > 1 else {"display": "none"},
        ),
        html.H2(tr("Tình hình nhập liệu", "Completeness"), className="h5 mt-2"),
        html.Div(id="ec-status"),
    ]
    parts += _upper_panels() if upper else [_ask_panel()]
    parts += [
        html.H2(tr("Các đề nghị kết thúc nhập liệu", "Closure requests"), className="h5 mt-3"),
        html.Div(id="ec-requests"),
        dcc.Interval(id="ec-tick", interval=REFRESH_MS),
        *[dcc.Store(id=s) for s in STORES],
    ]
    return html.Div(parts, className="entry-close")


def _reason_box(id_: str, placeholder: tuple[str, str]) -> dcc.Input:
    return dcc.Input(
        id=id_,
        type="text",
        value="",
        placeholder=tr(*placeholder),
        maxLength=500,
        autoComplete="off",
        className="form-control form-control-sm mb-2",
    )


def _check(id_: str, label: tuple[str, str]) -> dcc.Checklist:
    return dcc.Checklist(
        id=id_,
        options=[{"label": " " + tr(*label), "value": OK}],
        value=[],
        inputClassName="form-check-input me-1",
        labelClassName="form-check-label small",
        className="form-check mb-2",
    )


def _card(title: tuple[str, str], body: list[Any]) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(tr(*title), className="fw-bold"), dbc.CardBody(body)], className="mb-3"
    )


def _ask_panel() -> dbc.Card:
    return _card(
        ("Đề nghị kết thúc nhập liệu", "Ask to end entry"),
        [
            html.P(
                tr(
                    "Khi đã đối chiếu đủ số liệu với biên bản giấy, xã / phường đề nghị cấp trên "
                    "kết thúc nhập liệu. Sau khi cấp trên xác nhận, mọi biểu mẫu chỉ còn để xem; "
                    "chỉ cấp trên mới có thể mở lại, kèm lý do.",
                    "Once every figure is checked against the paper, ask the upper level to end "
                    "entry. Once confirmed, the forms are read only; only the upper level can "
                    "reopen them, with a reason.",
                ),
                className="small text-muted",
            ),
            _reason_box("ec-ask-reason", ("Ghi chú (không bắt buộc)", "Note (optional)")),
            _check(
                "ec-ask-confirm",
                ("Tôi đã đối chiếu số liệu với biên bản giấy", "I checked against the paper"),
            ),
            dbc.Button(
                tr("Đề nghị kết thúc nhập liệu", "Ask to end entry"),
                id="ec-ask-btn",
                color="primary",
                size="sm",
            ),
            dbc.Button(
                tr("Rút đề nghị", "Withdraw the request"),
                id="ec-withdraw-btn",
                color="outline-secondary",
                size="sm",
                className="ms-2",
                title=tr(
                    "Rút lại đề nghị đang chờ (ví dụ còn số liệu cần sửa).",
                    "Take back a pending request (e.g. a figure still needs fixing).",
                ),
            ),
            html.Div(id="ec-ask-msg", className="mt-2"),
        ],
    )


def _upper_panels() -> list[Any]:
    dropdown = {"clearable": True, "className": "mb-2"}
    decide = _card(
        ("Xác nhận đề nghị của cấp dưới", "Decide requests"),
        [
            dcc.Dropdown(id="ec-req", placeholder=tr("Chọn đề nghị", "Pick a request"), **dropdown),
            _reason_box("ec-req-reason", ("Lý do (bắt buộc khi từ chối)", "Reason (to decline)")),
            dbc.Button(
                tr("Xác nhận kết thúc", "Confirm"), id="ec-req-confirm", color="dark", size="sm"
            ),
            dbc.Button(
                tr("Từ chối", "Decline"),
                id="ec-req-decline",
                color="outline-danger",
                size="sm",
                className="ms-2",
            ),
            html.Div(id="ec-req-msg", className="mt-2"),
        ],
    )
    close = _card(
        ("Kết thúc nhập liệu trực tiếp", "End entry directly"),
        [
            dcc.Dropdown(
                id="ec-close-unit", placeholder=tr("Chọn đơn vị", "Pick a unit"), **dropdown
            ),
            _reason_box("ec-close-reason", ("Ghi chú (không bắt buộc)", "Note (optional)")),
            _check(
                "ec-close-confirm",
                (
                    "Tôi xác nhận kết thúc nhập liệu cho đơn vị này và mọi đơn vị cấp dưới",
                    "End entry for this unit and every unit below it",
                ),
            ),
            dbc.Button(
                tr("Kết thúc nhập liệu", "End entry"), id="ec-close-btn", color="dark", size="sm"
            ),
            html.Div(id="ec-close-msg", className="mt-2"),
        ],
    )
    reopen = _card(
        ("Mở lại nhập liệu", "Reopen entry"),
        [
            dcc.Dropdown(
                id="ec-reopen-unit",
                placeholder=tr("Chọn đơn vị đã kết thúc", "Pick a closed unit"),
                **dropdown,
            ),
            _reason_box("ec-reopen-reason", ("Lý do (bắt buộc)", "Reason (required)")),
            dbc.Button(
                tr("Mở lại", "Reopen"), id="ec-reopen-btn", color="outline-primary", size="sm"
            ),
            html.Div(id="ec-reopen-msg", className="mt-2"),
        ],
    )
    grant = _card(
        ("Cho phép nhập muộn", "Late entry exception"),
        [
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id="ec-window",
                            clearable=False,
                            placeholder=tr("Mốc báo cáo", "Window"),
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id="ec-late",
                            placeholder=tr("Xã / phường chậm báo cáo", "Late commune"),
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        dcc.Input(
                            id="ec-until",
                            type="text",
                            value="",
                            placeholder=tr("Đến giờ (HH:MM)", "Until (HH:MM)"),
                            maxLength=5,
                            className="form-control form-control-sm",
                        ),
                        md=2,
                    ),
                ],
                className="g-2 mb-2",
            ),
            _reason_box("ec-exc-reason", ("Lý do (bắt buộc)", "Reason (required)")),
            dbc.Button(tr("Cho phép", "Grant"), id="ec-exc-btn", color="warning", size="sm"),
            html.Div(id="ec-exc-msg", className="mt-2"),
            html.Div(id="ec-exc-list", className="mt-2"),
        ],
    )
    return [
        dbc.Row([dbc.Col(decide, lg=6), dbc.Col(close, lg=6)], className="mt-3"),
        dbc.Row([dbc.Col(reopen, lg=6), dbc.Col(grant, lg=6)]),
    ]


# --- callbacks ----------------------------------------------------------------------


def _clicked(clicks: object) -> bool:
    return isinstance(clicks, int) and not isinstance(clicks, bool) and clicks > 0


def _ticked(value: object) -> bool:
    return isinstance(value, list) and OK in value


def _text(value: object) -> str | None:
    return value.strip()[:500] or None if isinstance(value, str) else None


def _done(message: Any) -> Any:
    return dbc.Alert(message, color="success", className="py-2 small")


def register(app: Dash, ctx: AppContext) -> None:
    stores = [Input(s, "data") for s in STORES]

    @app.callback(
        Output("ec-status", "children"),
        Output("ec-requests", "children"),
        Input("ec-election", "value"),
        Input("ec-tick", "n_intervals"),
        *stores,
    )
    def refresh(election_id, *_):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.CLOSE_ENTRY)
        if election_id is None:
            return "", ""
        scope = ctx.guard.scope(election_id)
        with ctx.db.read() as s:
            rows = commune_closures(s, election_id, scope.code, ctx.clock.now())
            asked = requests_in_scope(s, election_id, scope.code, limit=50)
        return _status(rows), _requests(asked)

    @app.callback(
        Output("ec-ask-msg", "children"),
        Output("ec-ask-done", "data"),
        Input("ec-ask-btn", "n_clicks"),
        Input("ec-withdraw-btn", "n_clicks"),
        State("ec-election", "value"),
        State("ec-ask-reason", "value"),
        State("ec-ask-confirm", "value"),
        prevent_initial_call=True,
    )
    def ask(clicks, withdraw_clicks, election_id, reason, confirm):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.CLOSE_ENTRY)
        withdrawing = dash_ctx.triggered_id == "ec-withdraw-btn"
        if not _clicked(withdraw_clicks if withdrawing else clicks) or election_id is None:
            raise PreventUpdate
        scope = ctx.guard.scope(election_id)  # the user's own unit, never the browser's
        ctx.guard.unit(election_id, scope.code, Action.CLOSE_ENTRY)
        if withdrawing:
            try:
                taken = withdraw_closure_request(
                    ctx.db,
                    who.actor(),
                    election_id,
                    scope.code,
                    clock=ctx.clock,
                    reason=_text(reason),
                )
            except (Forbidden, NotAuthenticated):
                raise
            except ServiceError as error:
                return refusal(error), no_update
            if not taken.changed:
                return _need(
                    ("Không có đề nghị nào đang chờ.", "No request is pending.")
                ), no_update
            return _done(
                tr("Đã rút đề nghị kết thúc nhập liệu.", "Request withdrawn.")
            ), taken.data_version or no_update
        if not _ticked(confirm):
            return _need(("Hãy đánh dấu ô xác nhận.", "Tick the confirmation box.")), no_update
        try:
            done = request_closure(
                ctx.db, who.actor(), election_id, scope.code, clock=ctx.clock, reason=_text(reason)
            )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            return refusal(error), no_update
        if not done.changed and done.request_id is None:
            return _need(("Đơn vị đã kết thúc nhập liệu.", "Entry is already closed.")), no_update
        return _done(
            tr(
                "Đã gửi đề nghị kết thúc nhập liệu; chờ cấp trên xác nhận.",
                "Request sent; awaiting the upper level.",
            )
        ), done.data_version or no_update

    @app.callback(
        Output("ec-req", "options"),
        Output("ec-close-unit", "options"),
        Output("ec-reopen-unit", "options"),
        Output("ec-exc-list", "children"),
        Input("ec-election", "value"),
        *stores,
    )
    def upper_options(election_id, *_):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.REOPEN_ENTRY)
        if election_id is None:
            return [], [], [], ""
        scope = ctx.guard.scope(election_id)
        with ctx.db.read() as s:
            pending = requests_in_scope(s, election_id, scope.code, only_pending=True)
            units = closable_units(s, election_id, scope.code)
            closed = closures_over_scope(s, election_id, scope.code)
            granted = exceptions_in_scope(s, election_id, scope.code)
        req_options = [
            {
                "label": f"{r.unit_name} ({r.unit_code}) — {r.requested_by}, "
                f"{hhmm(r.requested_at)}" + (f": {r.reason}" if r.reason else ""),
                "value": r.id,
            }
            for r in pending
        ]
        close_options = [{"label": f"{u.name} ({u.code})", "value": u.code} for u in units]
        reopen_options = [
            {"label": f"{c.unit_name} ({c.unit_code}) — {c.by}, {hhmm(c.at)}", "value": c.unit_code}
            for path, c in sorted(closed.items())
            if path.startswith(scope.path) and path != scope.path
        ]
        return req_options, close_options, reopen_options, _exceptions(granted)

    @app.callback(
        Output("ec-req-msg", "children"),
        Output("ec-decide-done", "data"),
        Input("ec-req-confirm", "n_clicks"),
        Input("ec-req-decline", "n_clicks"),
        State("ec-election", "value"),
        State("ec-req", "value"),
        State("ec-req-reason", "value"),
        prevent_initial_call=True,
    )
    def decide(confirm_clicks, decline_clicks, election_id, request_id, reason):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.REOPEN_ENTRY)
        declining = dash_ctx.triggered_id == "ec-req-decline"
        clicks = decline_clicks if declining else confirm_clicks
        if not _clicked(clicks) or election_id is None or request_id is None:
            raise PreventUpdate
        eid = ctx.guard.election(election_id)
        with ctx.db.read() as s:
            code = request_unit_code(s, eid, request_id)
        ctx.guard.unit(eid, code, Action.REOPEN_ENTRY)  # refuses unknown requests alike
        try:
            if declining:
                done = decline_closure_request(
                    ctx.db, who.actor(), eid, request_id, clock=ctx.clock, reason=_text(reason)
                )
            else:
                done = confirm_closure_request(
                    ctx.db, who.actor(), eid, request_id, clock=ctx.clock, reason=_text(reason)
                )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            return refusal(error), no_update
        text = (
            tr(f"Đã từ chối đề nghị của {code}.", f"Declined the request of {code}.")
            if declining
            else tr(f"Đã kết thúc nhập liệu cho {code}.", f"Entry closed for {code}.")
        )
        return _done(text), done.data_version or no_update

    @app.callback(
        Output("ec-close-msg", "children"),
        Output("ec-close-done", "data"),
        Input("ec-close-btn", "n_clicks"),
        State("ec-election", "value"),
        State("ec-close-unit", "value"),
        State("ec-close-reason", "value"),
        State("ec-close-confirm", "value"),
        prevent_initial_call=True,
    )
    def close(clicks, election_id, unit_code, reason, confirm):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.REOPEN_ENTRY)  # direct closing is the upper level's
        if not _clicked(clicks) or election_id is None or unit_code is None:
            raise PreventUpdate
        unit = ctx.guard.unit(election_id, unit_code, Action.CLOSE_ENTRY)
        if not _ticked(confirm):
            return _need(("Hãy đánh dấu ô xác nhận.", "Tick the confirmation box.")), no_update
        try:
            done = close_entry(
                ctx.db, who.actor(), election_id, unit.code, clock=ctx.clock, reason=_text(reason)
            )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            return refusal(error), no_update
        if not done.changed:
            return _need(("Đơn vị đã kết thúc nhập liệu.", "Entry is already closed.")), no_update
        return _done(
            tr(f"Đã kết thúc nhập liệu cho {unit.name}.", f"Entry closed for {unit.name}.")
        ), done.data_version

    @app.callback(
        Output("ec-reopen-msg", "children"),
        Output("ec-reopen-done", "data"),
        Input("ec-reopen-btn", "n_clicks"),
        State("ec-election", "value"),
        State("ec-reopen-unit", "value"),
        State("ec-reopen-reason", "value"),
        prevent_initial_call=True,
    )
    def reopen(clicks, election_id, unit_code, reason):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.REOPEN_ENTRY)
        if not _clicked(clicks) or election_id is None or unit_code is None:
            raise PreventUpdate
        unit = ctx.guard.unit(election_id, unit_code, Action.REOPEN_ENTRY)
        try:
            done = reopen_entry(
                ctx.db, who.actor(), election_id, unit.code, clock=ctx.clock, reason=_text(reason)
            )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            return refusal(error), no_update
        if not done.changed:
            return _need(("Đơn vị này đang mở.", "This unit is open.")), no_update
        return _done(
            tr(f"Đã mở lại nhập liệu cho {unit.name}.", f"Entry reopened for {unit.name}.")
        ), done.data_version

    @app.callback(
        Output("ec-window", "options"),
        Output("ec-window", "value"),
        Input("ec-election", "value"),
    )
    def pick_window(election_id):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.GRANT_EXCEPTION)
        if election_id is None:
            return [], None
        eid = ctx.guard.election(election_id)
        with ctx.db.read() as s:
            wins = windows(s, eid)
        options = [
            {
                "label": (tr("Khai mạc", "Opening") if w.is_opening else hhmm(w.due_at))
                + f" ({hhmm(w.opens_at)}–{hhmm(w.closes_at)})",
                "value": w.key,
            }
            for w in wins
        ]
        current = current_window(wins, ctx.clock.now())
        return options, current.key if current else None

    @app.callback(
        Output("ec-late", "options"),
        Input("ec-election", "value"),
        Input("ec-window", "value"),
        *stores,
    )
    def late_options(election_id, window_key, *_):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.GRANT_EXCEPTION)
        if election_id is None or not isinstance(window_key, str):
            return []
        scope = ctx.guard.scope(election_id)
        try:
            with ctx.db.read() as s:
                late = progress.late_units(s, election_id, scope.code, window_key)
        except progress.NotFound:
            return []
        return [
            {
                "label": f"{u.name} ({u.code}) — "
                + tr(
                    f"thiếu {u.missing_areas}/{u.expected_areas} khu vực",
                    f"{u.missing_areas}/{u.expected_areas} areas missing",
                )
                + (tr(" — đã kết thúc", " — closed") if u.closed else ""),
                "value": u.code,
            }
            for u in late
        ]

    @app.callback(
        Output("ec-exc-msg", "children"),
        Output("ec-grant-done", "data"),
        Input("ec-exc-btn", "n_clicks"),
        State("ec-election", "value"),
        State("ec-window", "value"),
        State("ec-late", "value"),
        State("ec-until", "value"),
        State("ec-exc-reason", "value"),
        prevent_initial_call=True,
    )
    def grant(clicks, election_id, window_key, unit_code, until_text, reason):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.GRANT_EXCEPTION)
        if not _clicked(clicks) or election_id is None or unit_code is None:
            raise PreventUpdate
        unit = ctx.guard.unit(election_id, unit_code, Action.GRANT_EXCEPTION)
        with ctx.db.read() as s:
            window = next((w for w in windows(s, election_id) if w.key == window_key), None)
        if window is None:
            return _need(("Chọn mốc báo cáo.", "Pick a window.")), no_update
        try:
            until = _until(until_text, window.closes_at)
            done = grant_window_exception(
                ctx.db,
                who.actor(),
                election_id,
                unit.code,
                window.key,
                until,
                clock=ctx.clock,
                reason=_text(reason),
            )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            return refusal(error), no_update
        return _done(
            tr(
                f"{unit.name} được nhập mốc {hhmm(window.due_at)} đến {hhmm(until)}.",
                f"{unit.name} may enter {hhmm(window.due_at)} until {hhmm(until)}.",
            )
        ), done.data_version or no_update


def _until(value: object, closes_at: datetime) -> datetime:
    """``"20:30"`` on the window's day (local time); a bad time is refused plainly."""
    try:
        hours, minutes = (int(p) for p in str(value).strip().split(":"))
        moment = time(hours, minutes)
    except (TypeError, ValueError):
        raise InvalidRequest(
            field="until",
            detail_vi="Giờ gia hạn phải có dạng HH:MM, ví dụ 20:30.",
            detail_en="The time must look like HH:MM, e.g. 20:30.",
        ) from None
    day = closes_at.astimezone(LOCAL_TZ).date()
    return datetime.combine(day, moment, tzinfo=LOCAL_TZ)


# --- rendering ----------------------------------------------------------------------


def _need(text: tuple[str, str]) -> Any:
    return dbc.Alert(tr(*text), color="warning", className="py-2 small")


def _missing(row: CommuneClosure) -> Any:
    lang = current_lang()
    items = [
        tr(
            f"Mốc {hhmm(w.due_at)}: {w.expected - w.reported}/{w.expected} khu vực chưa nhập",
            f"{hhmm(w.due_at)}: {w.expected - w.reported}/{w.expected} areas missing",
        )
        for w in row.missing_windows
    ] + [
        tr("Biên bản ", "Sheets ")
        + (m.level.label_en if lang == "en" else m.level.label_vi)
        + f": {m.sheets_in}/{m.sheets_expected}"
        for m in row.missing_sheets
    ]
    if not items:
        return html.Span(tr("Đã đủ", "Complete"), className="text-success")
    return html.Ul([html.Li(i) for i in items], className="list-unstyled small mb-0")


def _state(row: CommuneClosure) -> Any:
    c = row.closure
    if c is not None:
        where = "" if c.unit_code == row.code else tr(f" (cấp {c.unit_name})", f" ({c.unit_name})")
        text = tr(
            f"Đã kết thúc nhập liệu{where}: {c.by}, lúc {hhmm(c.at)}",
            f"Entry closed{where}: {c.by}, at {hhmm(c.at)}",
        )
        return html.Div(
            [dbc.Badge("■", color="dark", className="me-1"), text]
            + ([html.Div(c.reason, className="small text-muted")] if c.reason else []),
            className="closure-closed",
        )
    if row.pending is not None:
        p = row.pending
        return html.Span(
            tr(
                f"Đã đề nghị kết thúc ({p.requested_by}, {hhmm(p.requested_at)}), chờ xác nhận",
                f"Asked to close ({p.requested_by}, {hhmm(p.requested_at)}), awaiting",
            ),
            className="text-primary closure-pending",
        )
    return html.Span(tr("Đang nhập liệu", "Open"), className="closure-open")


def _status(rows: list[CommuneClosure]) -> Any:
    if not rows:
        return dbc.Alert(tr("Không có xã / phường nào.", "No commune."), color="secondary")
    head = html.Tr(
        [
            html.Th(tr("Xã / phường", "Commune"), scope="col"),
            html.Th(tr("KVBP", "Areas"), scope="col", className="text-end"),
            html.Th(tr("Còn thiếu", "Missing"), scope="col"),
            html.Th(tr("Trạng thái", "State"), scope="col"),
        ]
    )
    body = [
        html.Tr(
            [
                html.Th([html.Div(r.name), html.Div(r.code, className="small text-muted")]),
                html.Td(str(r.polling_areas), className="text-end"),
                html.Td(_missing(r)),
                html.Td(_state(r)),
            ],
            className="table-secondary" if r.closure else "",
        )
        for r in rows
    ]
    return html.Div(
        html.Table(
            [html.Thead(head), html.Tbody(body)],
            className="table table-sm table-bordered closure-status",
        ),
        className="table-responsive",
    )


def _requests(rows: list[RequestInfo]) -> Any:
    if not rows:
        return html.P(tr("Chưa có đề nghị nào.", "No request yet."), className="text-muted small")
    items = []
    for r in rows:
        decided = f" — {r.decided_by}, {hhmm(r.decided_at)}" if r.decided_at is not None else ""
        items.append(
            html.Li(
                [
                    html.Strong(f"{r.unit_name} ({r.unit_code})"),
                    tr(
                        f": {r.requested_by} đề nghị lúc {hhmm(r.requested_at)} — ",
                        f": asked by {r.requested_by} at {hhmm(r.requested_at)} — ",
                    ),
                    tr(*STATE_TEXT[r.state]),
                    decided,
                ]
                + ([html.Div(r.reason, className="text-muted")] if r.reason else []),
                className=f"closure-request closure-request-{r.state}",
            )
        )
    return html.Ul(items, className="list-unstyled small")


def _exceptions(rows: list[ExceptionInfo]) -> Any:
    if not rows:
        return html.P(
            tr("Chưa cho phép nhập muộn lần nào.", "No exception granted."),
            className="text-muted small",
        )
    head = html.Tr(
        [
            html.Th(tr("Xã / phường", "Commune")),
            html.Th(tr("Mốc", "Window")),
            html.Th(tr("Đến", "Until")),
            html.Th(tr("Người cho phép", "Granted by")),
            html.Th(tr("Lý do", "Reason")),
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(f"{x.unit_name} ({x.unit_code})"),
                html.Td(hhmm(x.window_due_at)),
                html.Td(hhmm(x.until)),
                html.Td(f"{x.by}, {hhmm(x.at)}"),
                html.Td(x.reason),
            ]
        )
        for x in rows
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(body)],
        className="table table-sm table-bordered small window-exceptions mb-0",
    )
