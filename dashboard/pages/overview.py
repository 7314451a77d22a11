"""Overview (Tổng quan): the user's scope as plain tables — per reporting window, counting
per level, and the units one level down; refreshed when the election's data version changes.

The graphical command centre is at "/" (pages/command_centre.py); this page keeps the
same figures as accessible, printable tables."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.i18n import tr
from dashboard.components.elections import election_dropdown
from dashboard.context import AppContext
from data.numbers import format_int, format_percent
from data.permissions import Action
from data.read_models.cache import current_version
from data.read_models.progress import children_progress, unit_progress

PATH = "/tong-quan"
TITLE = ("Tổng quan", "Overview")
ACTION = Action.VIEW_PROGRESS
REFRESH_MS = 3000


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    return html.Div(
        [
            html.H1(tr("Tiến độ bầu cử", "Election progress"), className="h3"),
            election_dropdown(ctx, "election"),
            html.Div(id="as-of", className="text-muted my-2"),
            html.H2(tr("Tiến độ cử tri đi bầu", "Turnout"), className="h4 mt-3"),
            html.Div(id="windows"),
            html.H2(tr("Tiến độ kiểm phiếu", "Counting"), className="h4 mt-3"),
            html.Div(id="counting"),
            html.H2(tr("Theo đơn vị", "By unit"), className="h4 mt-3"),
            html.Div(id="children"),
            dcc.Store(id="seen-version"),
            dcc.Interval(id="tick", interval=REFRESH_MS),
        ]
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("windows", "children"),
        Output("counting", "children"),
        Output("children", "children"),
        Output("as-of", "children"),
        Output("seen-version", "data"),
        Input("election", "value"),
        Input("tick", "n_intervals"),
        State("seen-version", "data"),
    )
    def refresh(election_id, _tick, seen):  # type: ignore[no-untyped-def]
        if election_id is None:
            return "", "", "", "", None
        scope = ctx.guard.scope(election_id)  # the user's own unit: never what the browser says
        with ctx.db.read() as s:
            version = current_version(s, election_id)
            if seen == [election_id, version]:
                return no_update, no_update, no_update, no_update, no_update
            progress = unit_progress(s, election_id, scope.code, now=ctx.clock.now())
            children = children_progress(s, election_id, scope.code)
        as_of = tr("Dữ liệu phiên bản {v} — cập nhật lúc {t}", "Data version {v} — updated {t}")
        return (
            _windows_table(progress),
            _counting_table(progress),
            _children_table(children, progress),
            as_of.format(v=version, t=f"{ctx.clock.now():%H:%M:%S %d/%m/%Y}"),
            [election_id, version],
        )


def _table(rows: list[dict[str, str]], columns: list[tuple[str, str]]) -> dbc.Table:
    def cell(tag, key: str, value: str):  # type: ignore[no-untyped-def]
        return tag(value, className="text-start" if key == "name" else "text-end")

    head = html.Thead(html.Tr([cell(html.Th, key, label) for key, label in columns]))
    body = html.Tbody(
        [html.Tr([cell(html.Td, key, row[key]) for key, _ in columns]) for row in rows]
    )
    return dbc.Table([head, body], striped=True, bordered=True, hover=True, size="sm")


def _windows_table(progress):  # type: ignore[no-untyped-def]
    rows = [
        {
            "name": w.key if w.key != "opening" else "Khai mạc",
            "reported": f"{format_int(w.reported_areas)} / {format_int(w.expected_areas)}",
            "voted": format_int(w.voted),
            "turnout": format_percent(w.turnout_pct),
        }
        for w in progress.windows
    ]
    return _table(
        rows,
        [
            ("name", "Mốc"),
            ("reported", "Khu vực đã báo cáo"),
            ("voted", "Cử tri đã bầu"),
            ("turnout", "Tỷ lệ"),
        ],
    )


def _counting_table(progress):  # type: ignore[no-untyped-def]
    rows = [
        {
            "name": c.level.label_vi,
            "sheets": f"{format_int(c.sheets_in)} / {format_int(c.sheets_expected)}",
        }
        for c in progress.counting
    ]
    return _table(rows, [("name", "Cấp"), ("sheets", "Biên bản đã nhập")])


def _children_table(children, progress):  # type: ignore[no-untyped-def]
    last = next((w.key for w in reversed(progress.windows) if w.reported_areas), None)
    rows = []
    for child in children:
        window = child.window(last) if last else None
        rows.append(
            {
                "name": child.name,
                "areas": format_int(child.polling_areas),
                "registered": format_int(child.registered),
                "turnout": format_percent(window.turnout_pct) if window else "—",
            }
        )
    return _table(
        rows,
        [
            ("name", "Đơn vị"),
            ("areas", "Khu vực bỏ phiếu"),
            ("registered", "Cử tri"),
            ("turnout", f"Tỷ lệ mốc {last or '—'}"),
        ],
    )
