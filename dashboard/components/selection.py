"""Which election and commune an entry page works on.

A commune operator always works on their own commune. A province or district user
(backup entry point) first picks a commune in scope; whatever they save is marked
"on behalf" by the services. The choice may come in the address (``?xa=00004``) so
the operator home can link straight to a form; the guard still decides.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from auth.i18n import tr
from dashboard.components.elections import election_dropdown
from dashboard.components.forms import query
from dashboard.context import AppContext
from data.enums import Role
from data.permissions import Action
from data.read_models.entry import communes_for


def selection_bar(ctx: AppContext, prefix: str, extra: list[Any] | None = None) -> html.Div:
    picker = election_dropdown(ctx, f"{prefix}-election")
    election = dbc.Col(
        [
            dbc.Label(
                tr("Cuộc bầu cử", "Election"), html_for=f"{prefix}-election", className="small mb-0"
            ),
            picker,
        ],
        md=4,
        className="mb-2",
        style={} if len(picker.options) > 1 else {"display": "none"},
    )
    commune = dbc.Col(
        [
            dbc.Label(
                tr("Xã / phường", "Commune"), html_for=f"{prefix}-commune", className="small mb-0"
            ),
            dcc.Dropdown(
                id=f"{prefix}-commune",
                clearable=False,
                placeholder=tr("Chọn xã / phường cần nhập thay", "Pick a commune to enter for"),
            ),
        ],
        md=4,
        className="mb-2",
    )
    return html.Div(
        [
            dbc.Row([election, commune, *(extra or [])], className="g-2 align-items-end"),
            html.Div(id=f"{prefix}-note"),
        ],
        className="entry-selection mb-2",
    )


def register_selection(app: Dash, ctx: AppContext, prefix: str) -> None:
    @app.callback(
        Output(f"{prefix}-commune", "options"),
        Output(f"{prefix}-commune", "value"),
        Output(f"{prefix}-commune", "disabled"),
        Output(f"{prefix}-note", "children"),
        Input(f"{prefix}-election", "value"),
        State("url", "search"),
    )
    def pick_commune(election_id, search):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.ENTER)
        if election_id is None:
            return [], None, True, ""
        eid = ctx.guard.election(election_id)
        with ctx.db.read() as s:
            communes = communes_for(s, eid, who.scope_code)
        options = [{"label": f"{c.name} ({c.code})", "value": c.code} for c in communes]
        codes = [c.code for c in communes]
        wanted = query(search).get("xa")
        notes: list[Any] = []
        if wanted and wanted not in codes:
            notes.append(
                dbc.Alert(
                    tr(
                        f"Bạn không có quyền nhập liệu cho đơn vị “{wanted}”.",
                        f"You may not enter data for unit “{wanted}”.",
                    ),
                    color="danger",
                    className="py-2",
                )
            )
        own = who.role is Role.COMMUNE
        if wanted in codes:
            value = wanted
        elif own and codes:
            value = codes[0]
        else:
            value = None
        if not own:
            notes.append(
                dbc.Alert(
                    tr(
                        "Điểm nhập liệu dự phòng: bạn nhập thay cho xã / phường đã chọn. "
                        "Mọi số liệu bạn lưu đều được ghi là nhập thay, kèm tên tài khoản của bạn.",
                        "Backup entry point: you enter on behalf of the chosen commune. "
                        "Everything you save is marked as entered on its behalf, "
                        "with your account.",
                    ),
                    color="info",
                    className="py-2 small on-behalf-note",
                )
            )
        return options, value, own, notes
