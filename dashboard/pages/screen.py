"""Large-screen mode (Màn hình lớn): the command centre of the user's scope for a projector.

Full screen (the navigation bar is hidden by CSS), high contrast, big numbers; the
panels below the headline rotate (a clientside callback in assets/dashboard.js), and
the data version and the time of the last update are always visible.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.i18n import tr
from dashboard import comparison_lines, figures, unit_map
from dashboard.components.elections import election_dropdown
from dashboard.context import AppContext
from dashboard.pages.command_centre import (
    as_of_text,
    comparison_token,
    headline,
    late_list,
    load,
    load_comparison,
)
from data.permissions import Action
from data.read_models.dashboard import current_window, last_turnout_window

PATH = "/screen"
TITLE = ("Màn hình lớn", "Large screen")
ACTION = Action.VIEW_PROGRESS
REFRESH_MS = 3000
SCREEN_CONFIG = {"displayModeBar": False, "responsive": True}
SCREEN_GRAPH = {"height": "calc(100vh - 24rem)", "minHeight": "400px"}


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    def panel(i: int, title: str, body: object) -> html.Div:
        return html.Div(
            [html.H2(title, className="bc-screen-title"), body],
            className=f"bc-screen-panel bc-screen-panel-{i}",
        )

    return html.Div(
        [
            html.Div(
                [
                    html.Div(id="sc-title", className="bc-screen-scope"),
                    html.Div(
                        election_dropdown(ctx, "sc-election", className="bc-screen-election"),
                        className="bc-screen-pick",
                    ),
                    html.A("✕", href="/", className="bc-screen-exit", title=tr("Thoát", "Exit")),
                ],
                className="bc-screen-top",
            ),
            html.Div(id="sc-headline"),
            html.Div(
                [
                    panel(
                        0,
                        tr("Tỷ lệ cử tri đi bầu theo mốc", "Turnout per window"),
                        dcc.Graph(id="sc-turnout", config=SCREEN_CONFIG, style=SCREEN_GRAPH),
                    ),
                    panel(
                        1,
                        tr("Bản đồ tiến độ báo cáo", "Reporting progress map"),
                        dcc.Graph(
                            id="sc-map",
                            config=unit_map.graph_config(SCREEN_CONFIG),
                            style=SCREEN_GRAPH,
                        ),
                    ),
                    panel(
                        2,
                        tr("Mức độ đầy đủ theo đơn vị", "Completeness by unit"),
                        dcc.Graph(id="sc-bars", config={"displayModeBar": False}),
                    ),
                    panel(3, tr("Đơn vị chậm báo cáo", "Late units"), html.Div(id="sc-late")),
                ],
                id="sc-panels",
                className="bc-screen-panels",
            ),
            html.Div(
                [
                    html.Span(id="sc-asof"),
                    html.Span(tr("Tự động chuyển bảng sau 15 giây", "Panels change every 15 s")),
                ],
                className="bc-screen-foot",
            ),
            dcc.Store(id="sc-seen"),
            dcc.Interval(id="sc-tick", interval=REFRESH_MS),
        ],
        className="bc-screen",
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("sc-title", "children"),
        Output("sc-headline", "children"),
        Output("sc-turnout", "figure"),
        Output("sc-map", "figure"),
        Output("sc-bars", "figure"),
        Output("sc-late", "children"),
        Output("sc-asof", "children"),
        Output("sc-seen", "data"),
        Input("sc-election", "value"),
        Input("sc-tick", "n_intervals"),
        State("sc-seen", "data"),
    )
    def refresh(election_id, _tick, seen):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if election_id is None:
            return "", "", {}, {}, {}, "", "", None
        code = ctx.guard.scope(election_id).code  # the user's own scope, never the browser's
        now = ctx.clock.now()
        version, cc = load(ctx, election_id, code)
        earlier = load_comparison(ctx, election_id, version, code)
        shapes = unit_map.configured_shapes()
        if shapes is not None:
            unit_map.report_coverage(ctx, election_id, version, shapes)
        cur = current_window(cc.windows, now)
        ti = last_turnout_window(cc, now)
        key = [
            election_id,
            code,
            version,
            cur,
            unit_map.map_token(cc, shapes),
            comparison_token(earlier),
        ]
        if seen == key:
            return (no_update,) * 8
        same_shape = isinstance(seen, list) and seen[:2] == key[:2] and seen[4:] == key[4:]
        lines = comparison_lines.with_earlier(
            figures.turnout_lines(cc, ti, dark=True), cc, earlier, dark=True
        )
        tree = unit_map.progress_map(cc, shapes, "report", cur, ti, dark=True)
        return (
            cc.scope.name,
            headline(cc, now),
            figures.lines_patch(lines) if same_shape else lines,
            tree.patch() if same_shape else tree.figure,
            figures.completeness_bars(cc, cur, dark=True),
            late_list(cc, now, limit=14),
            as_of_text(version, now),
            key,
        )
