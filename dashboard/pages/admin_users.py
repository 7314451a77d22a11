"""Accounts (Quản lý tài khoản): list, create, edit role/scope, deactivate, reset password.

Only a role that manages accounts (the technical admin) gets here, and every
callback asks the guard again: each is an HTTP endpoint anyone can call with any
arguments. The browser only names which account to act on; whether the caller
may is decided from the logged-in user, and the services check it once more.
"""

from __future__ import annotations

import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update
from dash.exceptions import PreventUpdate

from auth.i18n import current_lang, tr
from auth.principal import Principal
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.enums import Role, UnitKind
from data.permissions import Action
from data.read_models.accounts import UserRow, get_user, list_users, scope_choices
from data.services.accounts import (
    NATION,
    AccountError,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    update_user,
)
from data.services.errors import NotFound

PATH = "/admin/users"
TITLE = ("Tài khoản", "Accounts")
ACTION = Action.MANAGE_ACCOUNTS
SHOWN = 200  # rows in the table; a search narrows the rest

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("Quản trị kỹ thuật", "Technical admin"),
    Role.NATIONAL: ("HĐBCQG (toàn quốc)", "National council"),
    Role.PROVINCE: ("Cấp tỉnh", "Province"),
    Role.DISTRICT: ("Cấp huyện", "District"),
    Role.COMMUNE: ("Cấp xã", "Commune"),
    Role.LEADER: ("Lãnh đạo", "Leader"),
}
# Which units an account of each role may be scoped to (None: the nation only).
_SCOPE_KINDS: dict[Role, tuple[UnitKind, ...] | None] = {
    Role.ADMIN: None,
    Role.NATIONAL: None,
    Role.PROVINCE: (UnitKind.PROVINCE,),
    Role.DISTRICT: (UnitKind.DISTRICT,),
    Role.COMMUNE: (UnitKind.COMMUNE,),
    Role.LEADER: (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE),
}
_OPS = ("deactivate", "reactivate", "reset")


def role_label(role: Role | str | None) -> str:
    try:
        return tr(*ROLE_LABELS[Role(role)])
    except ValueError:
        return str(role or "")


def _dropdown_labels() -> dict[str, str]:
    return {
        "search": tr("Tìm", "Search"),
        "clear_search": tr("Xóa tìm kiếm", "Clear search"),
        "clear_selection": tr("Bỏ chọn", "Clear"),
        "no_options_found": tr("Không có lựa chọn phù hợp", "No matching option"),
    }


def _role_options() -> list[dict[str, str]]:
    return [{"label": role_label(role), "value": str(role)} for role in ROLE_LABELS]


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    ctx.guard.require(ACTION)
    return html.Div(
        [
            html.H1(tr("Quản lý tài khoản", "Accounts"), className="h3"),
            _create_card(),
            html.H2(tr("Danh sách tài khoản", "All accounts"), className="h4 mt-4"),
            _filters(),
            html.Div(id="acct-edit-notice"),
            html.Div(id="acct-count", className="text-muted small my-2", role="status"),
            dcc.Loading(html.Div(id="acct-table"), delay_show=400),
            _confirm_modal(),
            _edit_modal(),
            dcc.Store(id="acct-pending"),
            dcc.Store(id="acct-edit-user"),
            dcc.Store(id="acct-created"),
            dcc.Store(id="acct-acted"),
            dcc.Store(id="acct-edited"),
        ]
    )


def _field(label: str, control: Any, field_id: str, width: dict[str, int]) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=field_id, className="small mb-1"), control], **width)


def _create_card() -> dbc.Card:
    wide = {"xs": 12, "md": 6, "lg": 4, "xl": 2}
    # Not a <form>: choosing a unit with Enter in the dropdown's search box would submit it.
    # Enter in a text box submits (n_submit), as does the button.
    form = html.Div(
        [
            dbc.Row(
                [
                    _field(
                        tr("Tên đăng nhập", "Username"),
                        dbc.Input(id="acct-new-username", autocomplete="off", maxLength=64),
                        "acct-new-username",
                        wide,
                    ),
                    _field(
                        tr("Họ tên", "Full name"),
                        dbc.Input(id="acct-new-name", autocomplete="off", maxLength=200),
                        "acct-new-name",
                        wide,
                    ),
                    _field(
                        tr("Điện thoại", "Phone"),
                        dbc.Input(id="acct-new-phone", type="tel", maxLength=32),
                        "acct-new-phone",
                        wide,
                    ),
                    _field(
                        tr("Vai trò", "Role"),
                        dcc.Dropdown(
                            id="acct-new-role",
                            options=_role_options(),
                            value=str(Role.COMMUNE),
                            clearable=False,
                            labels=_dropdown_labels(),
                        ),
                        "acct-new-role",
                        wide,
                    ),
                    _field(
                        tr("Phạm vi", "Scope"),
                        dcc.Dropdown(
                            id="acct-new-scope",
                            placeholder=tr("Chọn đơn vị…", "Choose a unit…"),
                            labels=_dropdown_labels(),
                        ),
                        "acct-new-scope",
                        wide,
                    ),
                    dbc.Col(
                        dbc.Button(
                            tr("Tạo tài khoản", "Create account"),
                            id="acct-new-submit",
                            type="button",
                            color="primary",
                            className="w-100",
                        ),
                        xs=12,
                        md=6,
                        lg=4,
                        xl=2,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2",
            ),
        ],
        id="acct-new-form",
        role="form",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(tr("Tạo tài khoản mới", "New account"), className="h5"),
                html.P(
                    tr(
                        "Hệ thống tạo mật khẩu dùng một lần; người dùng phải đổi khi đăng nhập lần "
                        "đầu.",
                        "A one-time password is generated; the user must change it at first login.",
                    ),
                    className="text-muted small mb-2",
                ),
                form,
                html.Div(id="acct-new-errors", className="mt-3"),
                html.Div(id="acct-new-result", className="mt-3", role="status"),
            ]
        ),
        className="mb-3",
    )


def _filters() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(tr("Tìm kiếm", "Search"), html_for="acct-search", className="small"),
                    dbc.Input(
                        id="acct-search",
                        type="search",
                        debounce=True,
                        placeholder=tr(
                            "Tên đăng nhập, họ tên, mã hoặc tên đơn vị",
                            "Username, name, unit code or name",
                        ),
                    ),
                ],
                xs=12,
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Label(
                        tr("Vai trò", "Role"), html_for="acct-role-filter", className="small"
                    ),
                    dcc.Dropdown(
                        id="acct-role-filter",
                        options=_role_options(),
                        placeholder=tr("Mọi vai trò", "Any role"),
                        labels=_dropdown_labels(),
                    ),
                ],
                xs=6,
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(
                        tr("Trạng thái", "Status"), html_for="acct-active-filter", className="small"
                    ),
                    dcc.Dropdown(
                        id="acct-active-filter",
                        options=[
                            {"label": tr("Đang hoạt động", "Active"), "value": "active"},
                            {"label": tr("Đã khóa", "Deactivated"), "value": "inactive"},
                        ],
                        placeholder=tr("Tất cả", "All"),
                        labels=_dropdown_labels(),
                    ),
                ],
                xs=6,
                md=3,
            ),
        ],
        className="g-2",
    )


def _confirm_modal() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id="acct-confirm-title")),
            dbc.ModalBody(html.Div(id="acct-confirm-body", role="status")),
            dbc.ModalFooter(
                [
                    dbc.Button(tr("Hủy", "Cancel"), id="acct-confirm-no", color="secondary"),
                    dbc.Button(tr("Xác nhận", "Confirm"), id="acct-confirm-yes", color="danger"),
                ]
            ),
        ],
        id="acct-confirm",
        is_open=False,
        centered=True,
    )


def _edit_modal() -> dbc.Modal:
    def row(label: str, control: Any, field_id: str) -> html.Div:
        return html.Div([dbc.Label(label, html_for=field_id), control], className="mb-3")

    return dbc.Modal(
        html.Div(
            [
                dbc.ModalHeader(dbc.ModalTitle(id="acct-edit-title")),
                dbc.ModalBody(
                    [
                        row(
                            tr("Họ tên", "Full name"),
                            dbc.Input(id="acct-edit-name", maxLength=200),
                            "acct-edit-name",
                        ),
                        row(
                            tr("Điện thoại", "Phone"),
                            dbc.Input(id="acct-edit-phone", type="tel", maxLength=32),
                            "acct-edit-phone",
                        ),
                        row(
                            tr("Vai trò", "Role"),
                            dcc.Dropdown(
                                id="acct-edit-role",
                                options=_role_options(),
                                clearable=False,
                                labels=_dropdown_labels(),
                            ),
                            "acct-edit-role",
                        ),
                        row(
                            tr("Phạm vi", "Scope"),
                            dcc.Dropdown(
                                id="acct-edit-scope",
                                placeholder=tr("Chọn đơn vị…", "Choose a unit…"),
                                labels=_dropdown_labels(),
                            ),
                            "acct-edit-scope",
                        ),
                        html.P(
                            tr(
                                "Đổi vai trò hoặc phạm vi sẽ kết thúc mọi phiên đăng nhập của "
                                "tài khoản này.",
                                "Changing the role or scope ends every session of this account.",
                            ),
                            className="text-muted small mb-2",
                        ),
                        html.Div(id="acct-edit-errors", role="alert"),
                    ]
                ),
                dbc.ModalFooter(
                    [
                        dbc.Button(tr("Hủy", "Cancel"), id="acct-edit-cancel", color="secondary"),
                        dbc.Button(tr("Lưu", "Save"), id="acct-edit-save"),
                    ]
                ),
            ],
            id="acct-edit-form",
            role="form",
        ),
        id="acct-edit",
        is_open=False,
        centered=True,
        # The dropdowns open in a layer outside the dialog: a focus trap would keep the
        # keyboard out of their search boxes.
        enforceFocus=False,
    )


# --------------------------------------------------------------------------- callbacks


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("acct-table", "children"),
        Output("acct-count", "children"),
        Input("acct-search", "value"),
        Input("acct-role-filter", "value"),
        Input("acct-active-filter", "value"),
        Input("acct-created", "data"),
        Input("acct-acted", "data"),
        Input("acct-edited", "data"),
    )
    def users_table(search, role, active, _created, _acted, _edited):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        role = role if role in set(Role) else None
        state = {"active": True, "inactive": False}.get(active) if isinstance(active, str) else None
        with ctx.db.read() as s:
            rows = list_users(
                s,
                search=search if isinstance(search, str) else None,
                role=role,
                active=state,
                limit=SHOWN + 1,
            )
        if not rows:
            return "", tr("Không có tài khoản nào phù hợp.", "No matching account.")
        count = (
            tr(
                f"Hiển thị {SHOWN} tài khoản đầu tiên — hãy tìm kiếm để thu hẹp.",
                f"Showing the first {SHOWN} accounts — search to narrow down.",
            )
            if len(rows) > SHOWN
            else tr(f"{len(rows)} tài khoản.", f"{len(rows)} accounts.")
        )
        return _users_table(rows[:SHOWN], me), count

    @app.callback(
        Output("acct-new-scope", "options"),
        Output("acct-new-scope", "value"),
        Input("acct-new-role", "value"),
        State("acct-new-scope", "value"),
    )
    def new_scope_options(role, current):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        options = _scope_options(ctx, role)
        return options, _keep_or_default(options, current)

    @app.callback(
        Output("acct-edit-scope", "options"),
        Output("acct-edit-scope", "value"),
        Input("acct-edit-role", "value"),
        Input("acct-edit-user", "data"),
        State("acct-edit-scope", "value"),
        prevent_initial_call=True,
    )
    def edit_scope_options(role, editing, current):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        options = _scope_options(ctx, role)
        opened = "acct-edit-user.data" in callback_context.triggered_prop_ids
        if opened and isinstance(editing, dict):
            current = editing.get("scope")  # the account's own scope, when the dialog opens
        return options, _keep_or_default(options, current)

    @app.callback(
        Output("acct-new-result", "children"),
        Output("acct-new-errors", "children"),
        Output("acct-created", "data"),
        Output("acct-new-username", "value"),
        Output("acct-new-name", "value"),
        Output("acct-new-phone", "value"),
        Input("acct-new-submit", "n_clicks"),
        Input("acct-new-username", "n_submit"),
        Input("acct-new-name", "n_submit"),
        Input("acct-new-phone", "n_submit"),
        State("acct-new-username", "value"),
        State("acct-new-name", "value"),
        State("acct-new-phone", "value"),
        State("acct-new-role", "value"),
        State("acct-new-scope", "value"),
        prevent_initial_call=True,
    )
    def create(_click, _enter1, _enter2, _enter3, username, full_name, phone, role, scope):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        try:
            created = create_user(
                ctx.db,
                username=_text(username),
                role=role,  # the service refuses anything that is not a role
                scope_code=_text(scope),
                full_name=_text(full_name),
                phone=_text(phone),
                actor=me.actor(),
            )
        except AccountError as refused:
            # The last success (and its one-time password) stays on screen.
            return no_update, _problems(refused), no_update, no_update, no_update, no_update
        shown = _text(username).strip()
        notice = dbc.Alert(
            [
                html.Div(tr(f"Đã tạo tài khoản {shown}.", f"Account {shown} created.")),
                _one_time_password(created.one_time_password or ""),
            ],
            color="success",
            dismissable=True,
        )
        return notice, "", time.time_ns(), "", "", ""

    @app.callback(
        Output("acct-confirm", "is_open"),
        Output("acct-confirm-title", "children"),
        Output("acct-confirm-body", "children"),
        Output("acct-confirm-yes", "style"),
        Output("acct-confirm-no", "children"),
        Output("acct-pending", "data"),
        Output("acct-acted", "data"),
        Input({"type": "acct-op", "op": ALL, "user": ALL}, "n_clicks"),
        Input("acct-confirm-yes", "n_clicks"),
        Input("acct-confirm-no", "n_clicks"),
        State("acct-pending", "data"),
        prevent_initial_call=True,
    )
    def confirm(_ops, _yes, _no, pending):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        trigger = callback_context.triggered_id
        if trigger == "acct-confirm-no":
            # Closing also drops what the dialog showed (a one-time password is shown once).
            return False, no_update, "", no_update, no_update, None, no_update
        if trigger == "acct-confirm-yes":
            return _carry_out(ctx, me, pending)
        if not _clicked() or not isinstance(trigger, dict):
            raise PreventUpdate
        op, user_id = trigger.get("op"), trigger.get("user")
        with ctx.db.read() as s:
            user = get_user(s, user_id) if isinstance(user_id, int) else None
        if op not in _OPS or user is None:
            raise NotFound(what="tài khoản", what_en="Account")
        title, question = _question(op, user)
        shown = {"display": "inline-block"}
        return (
            True,
            title,
            question,
            shown,
            tr("Hủy", "Cancel"),
            {"op": op, "user": user.id},
            no_update,
        )

    @app.callback(
        Output("acct-edit", "is_open"),
        Output("acct-edit-title", "children"),
        Output("acct-edit-user", "data"),
        Output("acct-edit-role", "value"),
        Output("acct-edit-name", "value"),
        Output("acct-edit-phone", "value"),
        Output("acct-edit-errors", "children"),
        Output("acct-edited", "data"),
        Output("acct-edit-notice", "children"),
        Input({"type": "acct-edit-open", "user": ALL}, "n_clicks"),
        Input("acct-edit-save", "n_clicks"),
        Input("acct-edit-name", "n_submit"),
        Input("acct-edit-phone", "n_submit"),
        Input("acct-edit-cancel", "n_clicks"),
        State("acct-edit-user", "data"),
        State("acct-edit-role", "value"),
        State("acct-edit-scope", "value"),
        State("acct-edit-name", "value"),
        State("acct-edit-phone", "value"),
        prevent_initial_call=True,
    )
    def edit(_opens, _save, _enter1, _enter2, _cancel, editing, role, scope, full_name, phone):  # type: ignore[no-untyped-def]
        me = ctx.guard.require(ACTION)
        trigger = callback_context.triggered_id
        keep = (no_update,) * 9
        if trigger == "acct-edit-cancel":
            return (False, *keep[1:])
        if trigger in ("acct-edit-save", "acct-edit-name", "acct-edit-phone"):
            user_id = editing.get("id") if isinstance(editing, dict) else None
            try:
                change = update_user(
                    ctx.db,
                    me.actor(),
                    user_id,  # type: ignore[arg-type]  # the service refuses a non-id
                    role=role,
                    scope_code=_text(scope),
                    full_name=_text(full_name),
                    phone=_text(phone),
                )
            except AccountError as refused:
                return (*keep[:6], _problems(refused), no_update, no_update)
            with ctx.db.read() as s:
                user = get_user(s, user_id)  # type: ignore[arg-type]
            name = user.username if user else ""
            text = (
                tr(f"Đã lưu thay đổi của tài khoản {name}.", f"Account {name} saved.")
                if change.changed
                else tr("Không có gì thay đổi.", "Nothing changed.")
            )
            notice = dbc.Alert(text, color="success", dismissable=True, duration=8000)
            return False, *keep[1:6], "", time.time_ns(), notice
        if not _clicked() or not isinstance(trigger, dict):
            raise PreventUpdate
        user_id = trigger.get("user")
        with ctx.db.read() as s:
            user = get_user(s, user_id) if isinstance(user_id, int) else None
        if user is None:
            raise NotFound(what="tài khoản", what_en="Account")
        title = tr(f"Sửa tài khoản {user.username}", f"Edit account {user.username}")
        return (
            True,
            title,
            {"id": user.id, "scope": user.scope_code},
            str(user.role),
            user.full_name,
            user.phone or "",
            "",
            no_update,
            no_update,
        )


def _carry_out(ctx: AppContext, me: Principal, pending: object):  # type: ignore[no-untyped-def]
    """Do the confirmed operation; the dialog then shows what happened."""
    op = pending.get("op") if isinstance(pending, dict) else None
    user_id = pending.get("user") if isinstance(pending, dict) else None
    if op not in _OPS or not isinstance(user_id, int):
        raise PreventUpdate  # nothing pending: a second click on a finished dialog
    hidden = {"display": "none"}
    close = tr("Đóng", "Close")
    with ctx.db.read() as s:
        user = get_user(s, user_id)
    if user is None:
        raise NotFound(what="tài khoản", what_en="Account")
    try:
        if op == "deactivate":
            deactivate_user(ctx.db, me.actor(), user_id)
            body: Any = dbc.Alert(
                tr(
                    f"Đã khóa tài khoản {user.username}. Mọi phiên đăng nhập của tài khoản này "
                    "đã kết thúc.",
                    f"Account {user.username} is deactivated; all its sessions have ended.",
                ),
                color="success",
            )
        elif op == "reactivate":
            reactivate_user(ctx.db, me.actor(), user_id)
            body = dbc.Alert(
                tr(
                    f"Đã mở khóa tài khoản {user.username}.",
                    f"Account {user.username} is active again.",
                ),
                color="success",
            )
        else:
            password = reset_password(ctx.db, me.actor(), user_id)
            body = html.Div(
                [
                    html.P(
                        tr(
                            f"Đã đặt lại mật khẩu của {user.username}; mọi phiên đăng nhập cũ "
                            "đã kết thúc.",
                            f"The password of {user.username} is reset; its old sessions "
                            "have ended.",
                        )
                    ),
                    _one_time_password(password),
                ]
            )
    except AccountError as refused:
        body = _problems(refused)
    title = {
        "deactivate": tr(f"Khóa tài khoản {user.username}", f"Deactivate {user.username}"),
        "reactivate": tr(f"Mở khóa tài khoản {user.username}", f"Reactivate {user.username}"),
        "reset": tr(f"Mật khẩu mới của {user.username}", f"New password of {user.username}"),
    }[op]
    return True, title, body, hidden, close, None, time.time_ns()


# --------------------------------------------------------------------------- pieces


def _clicked() -> bool:
    """Whether the trigger was a real click (not a button appearing in a new table)."""
    triggered = callback_context.triggered
    return bool(triggered) and bool(triggered[0].get("value"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _scope_options(ctx: AppContext, role: object) -> list[dict[str, str]]:
    nation = {"label": tr("VN — Toàn quốc", "VN — Whole nation"), "value": NATION}
    try:
        kinds = _SCOPE_KINDS[Role(role)]
    except ValueError:
        return []
    if kinds is None:
        return [nation]
    with ctx.db.read() as s:
        units = scope_choices(s, kinds)
    options = [{"label": f"{u.code} — {u.name}", "value": u.code} for u in units]
    return [nation, *options] if Role(role) is Role.LEADER else options


def _keep_or_default(options: list[dict[str, str]], current: object) -> str | None:
    values = [o["value"] for o in options]
    if current in values:
        return current  # type: ignore[return-value]
    return values[0] if len(values) == 1 else None


def _problems(refused: AccountError) -> dbc.Alert:
    items = refused.errors(current_lang())
    return dbc.Alert(
        [
            html.Div(tr("Chưa lưu được:", "Not saved:"), className="fw-semibold"),
            html.Ul([html.Li(e["message"]) for e in items], className="mb-0"),
        ],
        color="danger",
    )


def _one_time_password(password: str) -> html.Div:
    return html.Div(
        [
            html.Div(tr("Mật khẩu dùng một lần:", "One-time password:"), className="small"),
            html.Code(password, className="fs-4 user-select-all", id="acct-otp"),
            html.Div(
                tr(
                    "Mật khẩu này chỉ hiển thị một lần. Hãy trao trực tiếp cho người dùng; "
                    "họ phải đổi mật khẩu ngay khi đăng nhập.",
                    "This password is shown only once. Hand it to the user in person; they must "
                    "change it when they log in.",
                ),
                className="small text-muted mt-1",
            ),
        ],
        className="mt-2",
    )


def _question(op: str, user: UserRow) -> tuple[str, Any]:
    name = user.username
    if op == "deactivate":
        return tr(f"Khóa tài khoản {name}?", f"Deactivate {name}?"), tr(
            "Tài khoản sẽ không đăng nhập được nữa và mọi phiên đăng nhập đang mở kết thúc ngay.",
            "The account can no longer log in and every open session ends at once.",
        )
    if op == "reactivate":
        return tr(f"Mở khóa tài khoản {name}?", f"Reactivate {name}?"), tr(
            "Tài khoản sẽ đăng nhập lại được bằng mật khẩu hiện có.",
            "The account can log in again with its current password.",
        )
    return tr(f"Đặt lại mật khẩu của {name}?", f"Reset the password of {name}?"), tr(
        "Mật khẩu cũ hết hiệu lực, mọi phiên đăng nhập kết thúc; một mật khẩu dùng một lần mới "
        "được tạo và chỉ hiển thị một lần.",
        "The old password stops working and every session ends; a new one-time password is "
        "made and shown only once.",
    )


def _users_table(rows: list[UserRow], me: Principal) -> dbc.Table:
    wide_only = "d-none d-lg-table-cell"
    head = html.Thead(
        html.Tr(
            [
                html.Th(tr("Tài khoản", "Account")),
                html.Th(tr("Vai trò", "Role")),
                html.Th(tr("Phạm vi", "Scope")),
                html.Th(tr("Trạng thái", "Status")),
                html.Th(tr("Ngày tạo", "Created"), className=wide_only),
                html.Th(tr("Thao tác", "Actions")),
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody([_user_row(row, me, wide_only) for row in rows])],
        striped=True,
        hover=True,
        size="sm",
        responsive=True,
        className="align-middle",
    )


def _user_row(row: UserRow, me: Principal, wide_only: str) -> html.Tr:
    name = row.username
    myself = row.id == me.user_id
    scope = tr("Toàn quốc", "Whole nation") if row.scope_code == NATION else row.scope_name
    status = [
        dbc.Badge(tr("Hoạt động", "Active"), color="success")
        if row.is_active
        else dbc.Badge(tr("Đã khóa", "Deactivated"), color="secondary")
    ]
    if row.must_change_password:
        status += [
            " ",
            dbc.Badge(
                tr("Phải đổi mật khẩu", "Must change password"), color="warning", text_color="dark"
            ),
        ]
    created = (
        row.created_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if row.created_at else ""
    )
    account: list[Any] = [html.Span(name, className="fw-semibold")]
    if myself:
        account.append(html.Span(tr(" (bạn)", " (you)"), className="text-muted small"))
    if row.full_name and row.full_name != name:
        account += [html.Br(), html.Span(row.full_name, className="small text-muted")]
    if row.phone:
        account += [html.Br(), html.Span(row.phone, className="small text-muted")]
    return html.Tr(
        [
            html.Td(account),
            html.Td(role_label(row.role)),
            html.Td([html.Span(row.scope_code, className="font-monospace"), " ", scope or ""]),
            html.Td(status),
            html.Td(created, className=f"text-nowrap {wide_only}"),
            html.Td(_row_actions(row, myself), className="text-nowrap"),
        ],
        className="" if row.is_active else "text-muted",
    )


def _row_actions(row: UserRow, myself: bool) -> list[html.Button]:
    def button(label: str, aria: str, ident: dict[str, Any], color: str) -> html.Button:
        return html.Button(
            label,
            id=ident,
            type="button",
            className=f"btn btn-sm btn-outline-{color} me-1 my-1",
            title=aria,
            **{"aria-label": aria},
        )

    name = row.username
    actions = [
        button(
            tr("Sửa", "Edit"),
            tr(f"Sửa tài khoản {name}", f"Edit {name}"),
            {"type": "acct-edit-open", "user": row.id},
            "primary",
        )
    ]
    if myself:  # the services refuse these on oneself anyway
        return actions
    actions.append(
        button(
            tr("Đặt lại mật khẩu", "Reset password"),
            tr(f"Đặt lại mật khẩu của {name}", f"Reset the password of {name}"),
            {"type": "acct-op", "op": "reset", "user": row.id},
            "secondary",
        )
    )
    if row.is_active:
        actions.append(
            button(
                tr("Khóa", "Deactivate"),
                tr(f"Khóa tài khoản {name}", f"Deactivate {name}"),
                {"type": "acct-op", "op": "deactivate", "user": row.id},
                "danger",
            )
        )
    else:
        actions.append(
            button(
                tr("Mở khóa", "Reactivate"),
                tr(f"Mở khóa tài khoản {name}", f"Reactivate {name}"),
                {"type": "acct-op", "op": "reactivate", "user": row.id},
                "success",
            )
        )
    return actions
