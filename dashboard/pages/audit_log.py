"""Audit log (Nhật ký hệ thống): who did what, when, from where — newest first.

A scoped viewer (province, commune) sees only the events about units in their
own scope in the chosen election; the scope comes from the guard, never from
the browser. Admin and national viewers see the whole log, including logins,
account changes and refused requests, which concern no unit.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, Patch, State, callback_context, dcc, html

from auth.i18n import tr
from dashboard.components.elections import election_options
from dashboard.context import AppContext
from dashboard.pages.admin_users import role_label
from data.clock import LOCAL_TZ
from data.permissions import Action, Reach, reach
from data.read_models.audit import AuditRow, audit_events

PATH = "/audit"
TITLE = ("Nhật ký", "Audit log")
ACTION = Action.VIEW_AUDIT
PAGE = 100
ALL_ELECTIONS = 0  # the election filter's "whole log" choice (whole-tree viewers only)

# Families offered in the filter; ``scoped`` ones concern a unit, so scoped viewers see them.
FAMILIES: list[tuple[str, str, str, bool]] = [
    ("turnout", "Báo cáo tiến độ cử tri", "Turnout reports", True),
    ("opening", "Báo cáo khai mạc", "Opening reports", True),
    ("tally", "Biên bản kiểm phiếu", "Tally sheets", True),
    ("entry", "Kết thúc / mở lại nhập liệu", "Close / reopen entry", True),
    ("window", "Gia hạn mốc báo cáo", "Window exceptions", True),
    ("user", "Tài khoản", "Accounts", False),
    ("login", "Đăng nhập", "Logins", False),
    ("logout", "Đăng xuất", "Logouts", False),
    ("password", "Đổi mật khẩu", "Password changes", False),
    ("permission", "Truy cập bị từ chối", "Refused access", False),
    ("master_data", "Dữ liệu gốc", "Master data", False),
    ("api", "API", "API", False),
]
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "turnout.create": ("Nhập tiến độ", "Turnout entered"),
    "turnout.update": ("Sửa tiến độ", "Turnout corrected"),
    "opening.create": ("Nhập giờ khai mạc", "Opening entered"),
    "opening.update": ("Sửa giờ khai mạc", "Opening corrected"),
    "tally.create": ("Nhập biên bản", "Tally sheet entered"),
    "tally.update": ("Sửa biên bản", "Tally sheet corrected"),
    "tally.second.create": ("Nhập biên bản lần hai", "Tally sheet entered a second time"),
    "tally.second.update": ("Sửa lần nhập thứ hai", "Second entry corrected"),
    "tally.resolve": ("Giải quyết khác biệt hai lần nhập", "Double-entry differences resolved"),
    "entry.close": ("Kết thúc nhập liệu", "Entry closed"),
    "entry.reopen": ("Mở lại nhập liệu", "Entry reopened"),
    "entry.close_requested": ("Đề nghị kết thúc nhập liệu", "Asked to end entry"),
    "entry.close_request_confirmed": (
        "Xác nhận đề nghị kết thúc",
        "End-of-entry request confirmed",
    ),
    "entry.close_request_declined": ("Từ chối đề nghị kết thúc", "End-of-entry request declined"),
    "entry.close_request_withdrawn": ("Rút đề nghị kết thúc", "End-of-entry request withdrawn"),
    "window.exception": ("Gia hạn mốc báo cáo", "Window exception"),
    "user.create": ("Tạo tài khoản", "Account created"),
    "user.update": ("Sửa tài khoản", "Account changed"),
    "user.deactivate": ("Khóa tài khoản", "Account deactivated"),
    "user.reactivate": ("Mở khóa tài khoản", "Account reactivated"),
    "user.reset_password": ("Đặt lại mật khẩu", "Password reset"),
    "login.success": ("Đăng nhập", "Logged in"),
    "login.failed": ("Đăng nhập sai", "Login failed"),
    "login.lockout": ("Tạm khóa đăng nhập", "Login locked"),
    "login.refused_locked": ("Đăng nhập khi đang bị khóa", "Login while locked"),
    "logout": ("Đăng xuất", "Logged out"),
    "password.change": ("Đổi mật khẩu", "Password changed"),
    "permission.refused": ("Truy cập bị từ chối", "Access refused"),
    "master_data.import": ("Nhập dữ liệu gốc", "Master data imported"),
    "api.token": ("Cấp mã truy cập API", "API token issued"),
}
MAX_CHANGE_CHARS = 160
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "voted_total": ("đã bầu", "voted"),
    "voted_male": ("nam", "male"),
    "voted_female": ("nữ", "female"),
    "opened_at": ("giờ khai mạc", "opened at"),
    "voters_total": ("cử tri trong danh sách", "voters on the list"),
    "voters_voted": ("cử tri đã bầu", "voters who voted"),
    "ballots_issued": ("phiếu phát ra", "ballots issued"),
    "ballots_received": ("phiếu thu vào", "ballots received"),
    "ballots_valid": ("phiếu hợp lệ", "valid ballots"),
    "ballots_invalid": ("phiếu không hợp lệ", "invalid ballots"),
    "votes": ("phiếu bầu", "votes"),
    "version": ("phiên bản", "version"),
    "confirmed_warnings": ("cảnh báo đã xác nhận", "confirmed warnings"),
    "closed": ("đã kết thúc", "closed"),
    "until": ("gia hạn đến", "until"),
    "role": ("vai trò", "role"),
    "scope": ("phạm vi", "scope"),
    "full_name": ("họ tên", "full name"),
    "phone": ("điện thoại", "phone"),
    "active": ("hoạt động", "active"),
    "must_change_password": ("phải đổi mật khẩu", "must change password"),
    "one_time": ("mật khẩu dùng một lần", "one-time password"),
}


def _whole_log(role: object) -> bool:
    return reach(role, ACTION) is Reach.ALL  # type: ignore[arg-type]


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    me = ctx.guard.require(ACTION)
    whole = _whole_log(me.role)
    options: list[dict[str, Any]] = election_options(ctx)
    if whole:
        everything = tr(
            "Toàn bộ nhật ký (cả đăng nhập, tài khoản)", "Whole log (logins, accounts…)"
        )
        options.insert(0, {"label": everything, "value": ALL_ELECTIONS})
    families = [
        {"label": tr(vi, en), "value": key} for key, vi, en, scoped in FAMILIES if whole or scoped
    ]
    labels = {
        "search": tr("Tìm", "Search"),
        "clear_search": tr("Xóa tìm kiếm", "Clear search"),
        "clear_selection": tr("Bỏ chọn", "Clear"),
        "no_options_found": tr("Không có lựa chọn phù hợp", "No matching option"),
    }
    return html.Div(
        [
            html.H1(tr("Nhật ký hệ thống", "Audit log"), className="h3"),
            html.P(
                tr(
                    "Mọi thao tác ghi dữ liệu, mới nhất trước."
                    if whole
                    else "Các thao tác trên đơn vị thuộc phạm vi của bạn, mới nhất trước.",
                    "Every write, newest first."
                    if whole
                    else "Writes about the units in your scope, newest first.",
                ),
                className="text-muted",
            ),
            dbc.Row(
                [
                    _labelled(
                        tr("Cuộc bầu cử", "Election"),
                        "audit-election",
                        dcc.Dropdown(
                            id="audit-election",
                            options=options,
                            value=options[0]["value"] if options else None,
                            clearable=False,
                            labels=labels,
                            placeholder=tr("Chưa có cuộc bầu cử nào", "No election yet"),
                        ),
                        {"xs": 12, "lg": 4},
                    ),
                    _labelled(
                        tr("Thao tác", "Action"),
                        "audit-action",
                        dcc.Dropdown(
                            id="audit-action",
                            options=families,
                            placeholder=tr("Mọi thao tác", "Any action"),
                            labels=labels,
                        ),
                        {"xs": 12, "sm": 6, "lg": 2},
                    ),
                    _labelled(
                        tr("Người thực hiện", "User"),
                        "audit-username",
                        dbc.Input(
                            id="audit-username",
                            type="search",
                            debounce=True,
                            placeholder=tr("Tên đăng nhập", "Username"),
                        ),
                        {"xs": 12, "sm": 6, "lg": 2},
                    ),
                    _labelled(
                        tr("Từ ngày — đến ngày", "From — to"),
                        "audit-dates-start",
                        dcc.DatePickerRange(
                            id="audit-dates",
                            display_format="DD/MM/YYYY",
                            first_day_of_week=1,
                            clearable=True,
                            start_date_placeholder_text=tr("Từ ngày", "From"),
                            end_date_placeholder_text=tr("Đến ngày", "To"),
                            start_date_id="audit-dates-start",
                            end_date_id="audit-dates-end",
                        ),
                        {"xs": 12, "sm": 9, "lg": 3},
                    ),
                    dbc.Col(
                        dbc.Button(
                            tr("Làm mới", "Refresh"),
                            id="audit-refresh",
                            color="secondary",
                            outline=True,
                            className="w-100",
                        ),
                        xs=12,
                        sm=3,
                        lg=1,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-3",
            ),
            html.Div(id="audit-status", className="text-muted small mb-2", role="status"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(tr(*label), className="text-nowrap")
                                for label in (
                                    ("Thời gian", "Time"),
                                    ("Người thực hiện", "By"),
                                    ("Thao tác", "Action"),
                                    ("Đối tượng", "Object"),
                                    ("Thay đổi", "Change"),
                                    ("Lý do", "Reason"),
                                    ("Địa chỉ", "Address"),
                                )
                            ]
                        )
                    ),
                    html.Tbody(id="audit-body"),
                ],
                striped=True,
                hover=True,
                size="sm",
                responsive=True,
                className="align-middle small",
            ),
            dbc.Button(
                tr("Tải thêm", "Load more"),
                id="audit-more",
                color="secondary",
                outline=True,
                disabled=True,
            ),
            dcc.Store(id="audit-cursor"),
        ]
    )


def _labelled(label: str, control_id: str, control: Any, width: dict[str, int]) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=control_id, className="small mb-1"), control], **width
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("audit-body", "children"),
        Output("audit-cursor", "data"),
        Output("audit-more", "disabled"),
        Output("audit-status", "children"),
        Input("audit-election", "value"),
        Input("audit-action", "value"),
        Input("audit-username", "value"),
        Input("audit-dates", "start_date"),
        Input("audit-dates", "end_date"),
        Input("audit-refresh", "n_clicks"),
        Input("audit-more", "n_clicks"),
        State("audit-cursor", "data"),
    )
    def events(election, action, username, start, end, _refresh, _more, cursor):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        if _whole_log(me.role):
            scope_path = None
            election_id = (
                None if election in (None, ALL_ELECTIONS) else ctx.guard.election(election)
            )
        else:
            if election is None:
                return [], None, True, tr("Chưa có cuộc bầu cử nào.", "No election yet.")
            election_id = ctx.guard.election(election)
            scope_path = ctx.guard.scope(election_id).path  # the viewer's own unit
        try:
            since = _day(start)
            until = _day(end)
        except ValueError:
            message = tr("Ngày không hợp lệ (dd/mm/yyyy).", "Invalid date (dd/mm/yyyy).")
            return [], None, True, message
        more = callback_context.triggered_id == "audit-more" and isinstance(cursor, dict)
        before_id = cursor.get("last") if more else None
        shown_before = cursor.get("shown", 0) if more else 0
        with ctx.db.read() as s:
            rows = audit_events(
                s,
                scope_path=scope_path,
                election_id=election_id,
                action=action if isinstance(action, str) else None,
                username=username if isinstance(username, str) else None,
                since=since,
                until=until + timedelta(days=1) if until else None,
                limit=PAGE + 1,
                before_id=before_id if isinstance(before_id, int) else None,
            )
        has_more = len(rows) > PAGE
        rows = rows[:PAGE]
        shown = (shown_before if isinstance(shown_before, int) else 0) + len(rows)
        rendered = [_event_row(row) for row in rows]
        if more:
            body: Any = Patch()
            body.extend(rendered)
        else:
            body = rendered
        new_cursor = {"last": rows[-1].id, "shown": shown} if rows else None
        if not shown:
            status = tr("Không có sự kiện nào phù hợp.", "No matching event.")
        elif has_more:
            status = tr(
                f"Đang hiển thị {shown} sự kiện mới nhất — còn nữa.",
                f"Showing the {shown} newest events — there are more.",
            )
        else:
            status = tr(f"{shown} sự kiện.", f"{shown} events.")
        return body, new_cursor, not has_more, status


def _day(value: object) -> datetime | None:
    """A picked day (``YYYY-MM-DD``) as the local midnight that starts it."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return datetime.combine(date.fromisoformat(value[:10]), time(0), LOCAL_TZ)


def _event_row(row: AuditRow) -> html.Tr:
    at = row.at.astimezone(LOCAL_TZ)
    label = ACTION_LABELS.get(row.action)
    who = [html.Span(row.username or "—", className="fw-semibold")]
    if row.role:
        who += [html.Br(), html.Span(role_label(row.role), className="text-muted")]
    what = [tr(*label) if label else row.action]
    if label:
        what += [html.Br(), html.Span(row.action, className="text-muted font-monospace")]
    return html.Tr(
        [
            html.Td(
                [at.strftime("%H:%M:%S"), html.Br(), at.strftime("%d/%m/%Y")],
                className="text-nowrap",
            ),
            html.Td(who),
            html.Td(what),
            html.Td(row.object_key or "", className="text-nowrap"),
            html.Td(
                _change_cell(row.before, row.after),
                style={"minWidth": "14rem", "maxWidth": "30rem", "overflowWrap": "anywhere"},
            ),
            html.Td(row.reason or ""),
            html.Td(row.address or "", className="text-nowrap"),
        ]
    )


def _change_cell(before: dict[str, Any] | None, after: dict[str, Any] | None) -> Any:
    full = _change(before, after)
    if len(full) <= MAX_CHANGE_CHARS:
        return full
    return html.Span(full[: MAX_CHANGE_CHARS - 1] + "…", title=full)


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``voted_total: 300 → 350`` for what changed; values alone for a creation."""
    before, after = before or {}, after or {}
    parts = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        name = tr(*FIELD_LABELS[key]) if key in FIELD_LABELS else key
        if key in before and old == new:
            continue
        if key not in before:
            if new not in (None, [], {}, ""):  # a new record: only what it holds
                parts.append(f"{name}: {_value(new)}")
        elif key not in after:
            parts.append(f"{name}: {_value(old)} → —")
        else:
            parts.append(f"{name}: {_value(old)} → {_value(new)}")
    return "; ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr("có", "yes") if value else tr("không", "no")
    return str(value)
