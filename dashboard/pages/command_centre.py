"""Command centre (Trung tâm điều hành): the national / province / district picture.

Headline figures, turnout per window for the scope and its children (with the
earlier election at the same scope dashed, when one is loaded: data.read_models.
comparison), per-child completeness, the progress map (a choropleth of the children
when the deployment configures a GeoJSON of its units, otherwise a treemap of the
unit tree sized by voters; both coloured by completeness or turnout: dashboard.
unit_map), the late list (with each late commune's operators and last write) and
the anomalies panel. Clicking a tile or a region drills down (the target must pass
``guard.unit``); "up" and "home" go back.

Live refresh (DESIGN §3): every tick costs the guard's checks and one version
query (the earlier election is chosen again only when the version changes or after
half a minute); an unchanged (election, unit, colour, version, current window, map
shapes, earlier election) answers ``no_update``; a new version recomputes once per
(election, unit, version) through the cache and sends the figures as Patches of
their data arrays when their shape is already on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update
from dash.exceptions import PreventUpdate

from auth.i18n import current_lang, tr
from dashboard import comparison_lines, figures, unit_map
from dashboard.components.elections import election_dropdown
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.enums import Level, UnitKind
from data.numbers import format_int, format_percent
from data.permissions import Action
from data.read_models.anomalies import Anomaly, AnomalyKind, LateContact, anomalies, late_contacts
from data.read_models.cache import CacheKey, current_version, default_cache
from data.read_models.comparison import EarlierTurnout, comparison
from data.read_models.dashboard import (
    CommandCentre,
    command_centre_at,
    current_window,
    last_turnout_window,
    parent_code,
)

PATH = "/"
TITLE = ("Trung tâm điều hành", "Command centre")
ACTION = Action.VIEW_PROGRESS
REFRESH_MS = 3000
LATE_ROWS = 40
ANOMALY_ROWS = 50

KIND_LABELS = {
    UnitKind.NATION.value: ("Toàn quốc", "Nation"),
    UnitKind.PROVINCE.value: ("Tỉnh/thành phố", "Province"),
    UnitKind.DISTRICT.value: ("Quận/huyện", "District"),
    UnitKind.COMMUNE.value: ("Xã/phường", "Commune"),
    "polling_area": ("Khu vực bỏ phiếu", "Polling area"),
}
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtons": [["toImage"]]}
GRAPH_STYLE = {"height": "400px"}
BARS_CONFIG = {"displaylogo": False, "displayModeBar": False}  # height from the figure


# --------------------------------------------------------------------- shared pieces


STATUS_LABELS = {
    "provisional": ("Tạm thời (chưa đủ biên bản)", "Provisional (sheets missing)"),
    "complete": ("Đủ biên bản, chưa xác nhận", "Complete, not confirmed"),
    "confirmed": ("Đã xác nhận", "Confirmed"),
    "official": ("Chính thức", "Official"),
}
STATUS_COLOURS = {
    "provisional": "warning",
    "complete": "info",
    "confirmed": "success",
    "official": "primary",
}


def status_label(status: Any) -> str:
    key = getattr(status, "value", status)
    vi, en = STATUS_LABELS.get(key, (str(key), str(key)))
    return tr(vi, en)


def level_label(level: Level) -> str:
    return tr(level.label_vi, level.label_en)


def valid_election(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def kind_label(kind: str) -> str:
    vi, en = KIND_LABELS.get(kind, (kind, kind))
    return tr(vi, en)


def as_of_text(version: int, now: datetime) -> str:
    return tr(
        "Dữ liệu phiên bản {v} · cập nhật lúc {t}", "Data version {v} · updated at {t}"
    ).format(v=format_int(version, current_lang()), t=f"{now.astimezone(LOCAL_TZ):%H:%M:%S}")


def _card(label: str, value: str, detail: str, tone: str = "") -> dbc.Col:
    return dbc.Col(
        html.Div(
            [
                html.Div(label, className="bc-kpi-label"),
                html.Div(value, className="bc-kpi-value"),
                html.Div(detail, className="bc-kpi-detail"),
            ],
            className=f"bc-kpi {tone}",
        ),
        xs=6,
        md=4,
        xl=True,
    )


def headline(cc: CommandCentre, now: datetime) -> dbc.Row:
    """Turnout now; polling areas reported for the current window; sheets per level;
    communes closed."""
    lang = current_lang()
    n = cc.scope
    cur = current_window(cc.windows, now)
    ti = last_turnout_window(cc, now)
    cards = []
    if ti is not None:
        cards.append(
            _card(
                tr("Cử tri đi bầu (mốc {w})", "Turnout ({w})").format(
                    w=figures.window_label(cc, ti)
                ),
                format_percent(n.turnout_pct(ti), lang),
                f"{format_int(n.voted[ti], lang)} / {format_int(n.registered, lang)}",
                "bc-kpi-main",
            )
        )
    else:
        cards.append(
            _card(
                tr("Cử tri", "Voters"),
                format_int(n.registered, lang),
                tr("{k} khu vực bỏ phiếu", "{k} polling areas").format(
                    k=format_int(n.polling_areas, lang)
                ),
                "bc-kpi-main",
            )
        )
    if cur is not None:
        done = n.reported[cur] >= n.polling_areas
        cards.append(
            _card(
                tr("Khu vực đã báo cáo ({w})", "Areas reported ({w})").format(
                    w=figures.window_label(cc, cur)
                ),
                f"{format_int(n.reported[cur], lang)} / {format_int(n.polling_areas, lang)}",
                format_percent(n.reported_pct(cur), lang),
                "bc-kpi-ok" if done else "bc-kpi-warn",
            )
        )
    for level, sheets_in, expected in zip(cc.levels, n.sheets_in, n.sheets_expected, strict=True):
        cards.append(
            _card(
                tr("Biên bản {l}", "Sheets {l}").format(l=level_label(level)),
                f"{format_int(sheets_in, lang)} / {format_int(expected, lang)}",
                tr("biên bản kết quả kiểm phiếu", "tally sheets in"),
                "bc-kpi-ok" if expected and sheets_in >= expected else "",
            )
        )
    cards.append(
        _card(
            tr("Xã đã kết thúc nhập liệu", "Communes closed"),
            f"{format_int(n.communes_closed, lang)} / {format_int(n.communes, lang)}",
            tr("đơn vị cấp xã", "communes"),
            "bc-kpi-ok" if n.communes and n.communes_closed >= n.communes else "",
        )
    )
    return dbc.Row(cards, className="g-2 bc-kpis")


def _contact_cells(contact: LateContact | None) -> list[html.Td]:
    """The late commune's operators (name, phone) and the time of its last write."""
    if contact is None:
        return [html.Td(""), html.Td("")]
    people = [
        html.Div(
            [
                op.full_name,
                html.A(op.phone, href=f"tel:{op.phone}", className="ms-1") if op.phone else "",
            ]
        )
        for op in contact.operators
    ] or [html.Span(tr("Chưa có tài khoản", "No account"), className="text-muted")]
    last = contact.last_activity
    return [
        html.Td(people, className="small"),
        html.Td(
            f"{last.astimezone(LOCAL_TZ):%H:%M}" if last else tr("Chưa có", "None"),
            className="text-end",
        ),
    ]


def _turnout_report_links(election_id: int, unit_code: str, window_key: str) -> html.Div:
    """The progress report (báo cáo tiến độ) of this scope and window; the route re-checks."""
    base = f"/reports/{election_id}/turnout/{unit_code}/{window_key}"
    return html.Div(
        [
            html.Span(tr("Báo cáo tiến độ mốc này: ", "This window's progress report: ")),
            html.A("PDF", href=f"{base}.pdf", className="btn btn-sm btn-outline-secondary"),
            html.A("XLSX", href=f"{base}.xlsx", className="btn btn-sm btn-outline-secondary ms-1"),
        ],
        className="small mt-2",
    )


def late_list(
    cc: CommandCentre,
    now: datetime,
    limit: int = LATE_ROWS,
    contacts: Mapping[str, LateContact] | None = None,
) -> html.Div:
    """Communes (in a commune: polling areas) that have not reported the current window;
    with ``contacts``, each late commune's operators and last write."""
    lang = current_lang()
    cur = current_window(cc.windows, now)
    if cur is None:
        return html.Div(tr("Chưa đến mốc báo cáo nào.", "No window has opened yet."))
    window = cc.windows[cur]
    overdue = window.closes_at <= now
    late = cc.late(cur)
    names = {n.code: n.name for n in cc.nodes}
    head = tr(
        "Mốc {w}: {k} đơn vị chưa báo cáo đủ{o}", "Window {w}: {k} units not fully reported{o}"
    ).format(
        w=figures.window_label(cc, cur),
        k=format_int(len(late), lang),
        o=tr(" (đã quá hạn)", " (overdue)") if overdue else "",
    )
    downloads = _turnout_report_links(cc.election_id, cc.scope.code, window.key)
    if not late:
        return html.Div(
            [
                html.Div(head, className="bc-late-head"),
                html.Div("✓", className="bc-all-in"),
                downloads,
            ]
        )
    rows = [
        html.Tr(
            [
                html.Td(n.name),
                html.Td(names.get(n.parent_code or "", ""), className="text-muted"),
                html.Td(
                    f"{format_int(n.polling_areas - n.reported[cur], lang)}"
                    f" / {format_int(n.polling_areas, lang)}",
                    className="text-end",
                ),
                html.Td(
                    dbc.Badge(tr("Đã khóa", "Closed"), color="secondary") if n.closed else "",
                ),
                *(_contact_cells(contacts.get(n.code)) if contacts is not None else []),
            ],
            className="bc-overdue" if overdue else "",
        )
        for n in late[:limit]
    ]
    more = len(late) - limit
    return html.Div(
        [
            html.Div(head, className="bc-late-head"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(tr("Đơn vị", "Unit")),
                                html.Th(tr("Thuộc", "In")),
                                html.Th(tr("Còn thiếu", "Missing"), className="text-end"),
                                html.Th(""),
                                *(
                                    [
                                        html.Th(tr("Liên hệ", "Contact")),
                                        html.Th(
                                            tr("Nhập lần cuối", "Last write"),
                                            className="text-end",
                                        ),
                                    ]
                                    if contacts is not None
                                    else []
                                ),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                striped=True,
                className="bc-late mb-1",
            ),
            html.Div(
                tr("… và {k} đơn vị khác", "… and {k} more").format(k=format_int(more, lang))
                if more > 0
                else "",
                className="text-muted small",
            ),
            downloads,
        ]
    )


ANOMALY_KINDS = {
    AnomalyKind.CONFIRMED_WARNING: ("Cảnh báo đã xác nhận", "Confirmed warning", "warning"),
    AnomalyKind.DROP: ("Số liệu giảm", "Figure dropped", "danger"),
    AnomalyKind.FULL_TURNOUT: ("100 % đi bầu", "100% turnout", "info"),
    AnomalyKind.OUTLIER: ("Lệch so với tỉnh", "Outlier in province", "primary"),
}


def _window_text(key: str | None) -> str:
    """``0900`` → ``09:00`` (other keys as they are)."""
    if key is None:
        return ""
    return f"{key[:2]}:{key[2:]}" if len(key) == 4 and key.isdigit() else key


def anomaly_list(found: tuple[Anomaly, ...], limit: int = ANOMALY_ROWS) -> html.Div:
    """The scope's anomalies, newest first, at most ``limit`` rows."""
    lang = current_lang()
    head = tr("{k} bất thường", "{k} anomalies").format(k=format_int(len(found), lang))
    if not found:
        return html.Div(
            [
                html.Div(head, className="bc-late-head"),
                html.Div(tr("Không có bất thường.", "No anomaly."), className="text-muted"),
            ]
        )
    rows = []
    for a in found[:limit]:
        vi, en, colour = ANOMALY_KINDS[a.kind]
        rows.append(
            html.Tr(
                [
                    html.Td(f"{a.at.astimezone(LOCAL_TZ):%H:%M}" if a.at else ""),
                    html.Td(dbc.Badge(tr(vi, en), color=colour, className="bc-anomaly-kind")),
                    html.Td([html.Strong(a.area_code), " ", a.area_name]),
                    html.Td(a.commune_name, className="text-muted"),
                    html.Td(level_label(a.level) if a.level else _window_text(a.window_key)),
                    html.Td(a.message(lang)),
                ],
                className=f"bc-anomaly bc-anomaly-{a.kind.value}",
            )
        )
    more = len(found) - limit
    return html.Div(
        [
            html.Div(head, className="bc-late-head"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(tr("Lúc", "At")),
                                html.Th(tr("Loại", "Kind")),
                                html.Th(tr("Khu vực bỏ phiếu", "Polling area")),
                                html.Th(tr("Xã/phường", "Commune")),
                                html.Th(tr("Mốc / cấp", "Window / level")),
                                html.Th(tr("Nội dung", "Details")),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                striped=True,
                className="bc-anomalies mb-1",
            ),
            html.Div(
                tr("… và {k} bất thường khác", "… and {k} more").format(k=format_int(more, lang))
                if more > 0
                else "",
                className="text-muted small",
            ),
        ]
    )


def resolve_unit(ctx: AppContext, election_id: Any, focus: Any) -> str:
    """The unit the page shows: the user's scope, or a drill-down target inside it."""
    if focus is None:
        return ctx.guard.scope(election_id).code
    return ctx.guard.unit(election_id, focus, Action.VIEW_PROGRESS).code


def load(ctx: AppContext, election_id: int, code: str) -> tuple[int, CommandCentre]:
    with ctx.db.read() as s:
        version = current_version(s, election_id)
        return version, command_centre_at(s, election_id, code, version)


def load_comparison(
    ctx: AppContext, election_id: int, version: int, code: str
) -> EarlierTurnout | None:
    """The earlier election's turnout at ``code``, inside the viewer's own scope only."""
    viewer = ctx.guard.principal().scope_code
    with ctx.db.read() as s:
        return comparison(s, election_id, version, code, viewer)


def comparison_token(earlier: EarlierTurnout | None) -> list[int] | None:
    """What the lines' shape depends on beyond the scope: the earlier election and version."""
    return None if earlier is None else [earlier.election.id, int(earlier.election.version)]


def load_anomalies(ctx: AppContext, election_id: int, code: str) -> tuple[int, tuple[Anomaly, ...]]:
    """The scope's anomalies, computed once per (election, unit, data version)."""
    with ctx.db.read() as s:
        version = current_version(s, election_id)
        key = CacheKey(election_id, code, "anomalies", version)
        return version, default_cache().get_or_compute(
            key, lambda: tuple(anomalies(s, election_id, code))
        )


def load_contacts(
    ctx: AppContext, election_id: int, code: str, window_key: str, version: int
) -> dict[str, LateContact]:
    """Late communes' operators and last write, once per (election, unit, window, version)."""
    key = CacheKey(election_id, (code, window_key), "late_contacts", version)
    with ctx.db.read() as s:
        found = default_cache().get_or_compute(
            key, lambda: tuple(late_contacts(s, election_id, code, window_key))
        )
    return {c.code: c for c in found}


# ---------------------------------------------------------------------------- page


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(html.H1(tr(*TITLE), className="h3 mb-0"), md="auto"),
                    dbc.Col(html.Div(id="cc-crumbs", className="bc-crumbs"), md=True),
                    dbc.Col(
                        [
                            dbc.Button(
                                tr("↑ Lên một cấp", "↑ Up"),
                                id="cc-up",
                                size="sm",
                                color="secondary",
                                outline=True,
                                className="me-1",
                            ),
                            dbc.Button(
                                tr("Phạm vi của tôi", "My scope"),
                                id="cc-home",
                                size="sm",
                                color="secondary",
                                outline=True,
                                className="me-1",
                            ),
                            html.A(
                                tr("Màn hình lớn", "Large screen"),
                                href="/screen",
                                className="btn btn-sm btn-dark",
                            ),
                        ],
                        md="auto",
                    ),
                ],
                className="align-items-center g-2 mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(election_dropdown(ctx, "cc-election"), md=4),
                    dbc.Col(
                        dbc.RadioItems(
                            id="cc-colour",
                            options=[
                                {
                                    "label": tr("Tô màu: đã báo cáo", "Colour: reported"),
                                    "value": "report",
                                },
                                {"label": tr("tỷ lệ đi bầu", "turnout"), "value": "turnout"},
                                {"label": tr("kiểm phiếu", "counting"), "value": "count"},
                            ],
                            value="report",
                            inline=True,
                        ),
                        md=8,
                    ),
                ],
                className="g-2 mb-2 align-items-center",
            ),
            html.Div(id="cc-headline"),
            dbc.Row(
                [
                    dbc.Col(
                        _panel(
                            tr("Tỷ lệ cử tri đi bầu theo mốc", "Turnout per window"),
                            dcc.Graph(id="cc-turnout", config=GRAPH_CONFIG, style=GRAPH_STYLE),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        _panel(
                            tr(
                                "Bản đồ tiến độ (bấm để xem chi tiết)",
                                "Progress map (click to drill down)",
                            ),
                            dcc.Graph(
                                id="cc-map",
                                config=unit_map.graph_config(GRAPH_CONFIG),
                                style=GRAPH_STYLE,
                            ),
                        ),
                        lg=6,
                    ),
                ],
                className="g-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _panel(
                            tr("Mức độ đầy đủ theo đơn vị", "Completeness by unit"),
                            dcc.Graph(id="cc-bars", config=BARS_CONFIG),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        _panel(tr("Đơn vị chậm báo cáo", "Late units"), html.Div(id="cc-late")),
                        lg=6,
                    ),
                ],
                className="g-2",
            ),
            dbc.Row(
                dbc.Col(
                    _panel(tr("Bất thường", "Anomalies"), html.Div(id="cc-anomalies")),
                    lg=12,
                ),
                className="g-2",
            ),
            html.Div(id="cc-asof", className="bc-asof"),
            dcc.Store(id="cc-focus"),
            dcc.Store(id="cc-seen"),
            dcc.Store(id="cc-anomalies-seen"),
            dcc.Interval(id="cc-tick", interval=REFRESH_MS),
        ],
        className="bc-command",
    )


def _panel(title: str, body: Any) -> html.Div:
    return html.Div([html.H2(title, className="bc-panel-title"), body], className="bc-panel")


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("cc-focus", "data"),
        Input("cc-map", "clickData"),
        Input("cc-up", "n_clicks"),
        Input("cc-home", "n_clicks"),
        State("cc-focus", "data"),
        State("cc-election", "value"),
    )
    def drill(click, _up, _home, focus, election_id):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if not valid_election(election_id):
            raise PreventUpdate
        trigger = callback_context.triggered_id
        if trigger == "cc-home":
            return None
        current = resolve_unit(ctx, election_id, focus if isinstance(focus, str) else None)
        if trigger == "cc-up":
            if current == ctx.guard.scope(election_id).code:
                raise PreventUpdate
            with ctx.db.read() as s:
                up = parent_code(s, election_id, current)
            return resolve_unit(ctx, election_id, up)
        code = _clicked(click)
        if code is None or code == current:
            raise PreventUpdate
        return resolve_unit(ctx, election_id, code)  # refused (403) unless inside the scope

    @app.callback(
        Output("cc-headline", "children"),
        Output("cc-turnout", "figure"),
        Output("cc-map", "figure"),
        Output("cc-bars", "figure"),
        Output("cc-late", "children"),
        Output("cc-crumbs", "children"),
        Output("cc-asof", "children"),
        Output("cc-seen", "data"),
        Input("cc-election", "value"),
        Input("cc-tick", "n_intervals"),
        Input("cc-focus", "data"),
        Input("cc-colour", "value"),
        State("cc-seen", "data"),
    )
    def refresh(election_id, _tick, focus, colour, seen):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if election_id is None:
            return "", {}, {}, {}, "", "", "", None
        code = resolve_unit(ctx, election_id, focus)  # guard: scope or a unit inside it
        colour = colour if colour in figures.COLOUR_MODES else "report"
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
            colour,
            version,
            cur,
            unit_map.map_token(cc, shapes),
            comparison_token(earlier),
        ]
        if seen == key:
            return (no_update,) * 8
        same_shape = isinstance(seen, list) and seen[:3] == key[:3] and seen[5:] == key[5:]
        lines = comparison_lines.with_earlier(figures.turnout_lines(cc, ti), cc, earlier)
        tree = unit_map.progress_map(cc, shapes, colour, cur, ti)
        contacts = None
        if cur is not None and cc.scope.kind != UnitKind.COMMUNE.value:
            contacts = load_contacts(ctx, election_id, code, cc.windows[cur].key, version)
        return (
            headline(cc, now),
            figures.lines_patch(lines) if same_shape else lines,
            tree.patch() if same_shape else tree.figure,
            figures.completeness_bars(cc, cur),
            late_list(cc, now, contacts=contacts),
            _crumbs(cc),
            as_of_text(version, now),
            key,
        )

    @app.callback(
        Output("cc-anomalies", "children"),
        Output("cc-anomalies-seen", "data"),
        Input("cc-election", "value"),
        Input("cc-tick", "n_intervals"),
        Input("cc-focus", "data"),
        State("cc-anomalies-seen", "data"),
    )
    def refresh_anomalies(election_id, _tick, focus, seen):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if election_id is None:
            return "", None
        code = resolve_unit(ctx, election_id, focus)  # guard: scope or a unit inside it
        version, found = load_anomalies(ctx, election_id, code)
        key = [election_id, code, version]
        if seen == key:
            return no_update, no_update
        return anomaly_list(found), key


def _clicked(click: Any) -> str | None:
    if not isinstance(click, dict):
        return None
    points = click.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    code = points[0].get("id", points[0].get("location"))  # treemap tile / map region
    return code if isinstance(code, str) and 0 < len(code) <= 32 else None


def _crumbs(cc: CommandCentre) -> Any:
    n = cc.scope
    return html.Span(
        [
            html.Span(kind_label(n.kind), className="badge text-bg-secondary me-2"),
            html.Strong(n.name),
        ]
    )
