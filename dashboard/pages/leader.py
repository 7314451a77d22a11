"""Leader summary (Lãnh đạo): one phone screen for the user's scope.

Turnout now, completeness, late units, and results once the committee has confirmed
them (``guard.result_visible``). Plain HTML only (no plotly: a small payload on a phone
network); refreshed when the data version or the current window changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.i18n import current_lang, tr
from dashboard import figures
from dashboard.components.elections import election_dropdown
from dashboard.context import AppContext
from dashboard.pages.command_centre import (
    as_of_text,
    level_label,
    load,
    status_label,
)
from data.enums import ResultStatus
from data.numbers import format_int, format_percent
from data.permissions import Action, Reach, reach
from data.read_models.dashboard import (
    CommandCentre,
    cached_results,
    current_window,
    last_turnout_window,
)
from data.read_models.results import ConstituencyResultView

CONFIRMED = (ResultStatus.CONFIRMED, ResultStatus.OFFICIAL)

PATH = "/leader"
TITLE = ("Lãnh đạo", "Leader")
ACTION = Action.VIEW_PROGRESS
REFRESH_MS = 5000
LATE_NAMES = 5
MAX_LISTED = 30


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    return html.Div(
        [
            election_dropdown(ctx, "ld-election", className="bc-leader-election"),
            html.Div(id="ld-body"),
            dcc.Store(id="ld-seen"),
            dcc.Interval(id="ld-tick", interval=REFRESH_MS),
        ],
        className="bc-leader",
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("ld-body", "children"),
        Output("ld-seen", "data"),
        Input("ld-election", "value"),
        Input("ld-tick", "n_intervals"),
        State("ld-seen", "data"),
    )
    def refresh(election_id, _tick, seen):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if election_id is None:
            return "", None
        code = ctx.guard.scope(election_id).code  # always the user's own scope
        now = ctx.clock.now()
        version, cc = load(ctx, election_id, code)
        key = [election_id, code, version, current_window(cc.windows, now)]
        if seen == key:
            return no_update, no_update
        results: tuple[ConstituencyResultView, ...] = ()
        if _may_view_results(ctx):
            with ctx.db.read() as s:
                results = cached_results(s, election_id, code)
        visible = [r for r in results if ctx.guard.result_visible(r.status)]
        return _body(cc, now, version, results, visible), key


def _may_view_results(ctx: AppContext) -> bool:
    return reach(ctx.guard.principal().role, Action.VIEW_RESULTS) is not Reach.NONE


def _body(
    cc: CommandCentre,
    now: datetime,
    version: int,
    results: tuple[ConstituencyResultView, ...],
    visible: list[ConstituencyResultView],
) -> list[Any]:
    lang = current_lang()
    n = cc.scope
    ti = last_turnout_window(cc, now)
    cur = current_window(cc.windows, now)
    out: list[Any] = [
        html.H1(n.name, className="bc-leader-title"),
        html.Div(as_of_text(version, now), className="bc-asof"),
    ]
    # Turnout now, and the curve as a row of figures.
    if ti is not None:
        out.append(
            html.Section(
                [
                    html.Div(
                        tr("Cử tri đi bầu · mốc {w}", "Turnout · {w}").format(
                            w=figures.window_label(cc, ti)
                        ),
                        className="bc-kpi-label",
                    ),
                    html.Div(format_percent(n.turnout_pct(ti), lang), className="bc-big"),
                    html.Div(
                        f"{format_int(n.voted[ti], lang)} / {format_int(n.registered, lang)}",
                        className="bc-kpi-detail",
                    ),
                    html.Div(
                        [
                            html.Span(
                                [
                                    html.Small(figures.window_label(cc, i)),
                                    html.Br(),
                                    format_percent(n.turnout_pct(i), lang),
                                ],
                                className="bc-mini",
                            )
                            for i, w in enumerate(cc.windows)
                            if w.kind.value == "turnout" and i <= ti
                        ],
                        className="bc-minis",
                    ),
                ],
                className="bc-leader-card",
            )
        )
    else:
        out.append(
            html.Section(
                tr("Chưa đến mốc báo cáo cử tri đi bầu.", "No turnout window yet."),
                className="bc-leader-card",
            )
        )
    # Completeness.
    bars = []
    if cur is not None:
        bars.append(
            _bar(
                tr("Khu vực đã báo cáo mốc {w}", "Areas reported, {w}").format(
                    w=figures.window_label(cc, cur)
                ),
                n.reported[cur],
                n.polling_areas,
            )
        )
    for level, sheets_in, expected in zip(cc.levels, n.sheets_in, n.sheets_expected, strict=True):
        bars.append(
            _bar(
                tr("Biên bản {l}", "Sheets {l}").format(l=level_label(level)),
                sheets_in,
                expected,
            )
        )
    bars.append(
        _bar(tr("Xã đã kết thúc nhập liệu", "Communes closed"), n.communes_closed, n.communes)
    )
    out.append(
        html.Section(
            [html.H2(tr("Tiến độ", "Progress"), className="bc-leader-h"), *bars],
            className="bc-leader-card",
        )
    )
    # Late units.
    if cur is not None:
        late = cc.late(cur)
        names = ", ".join(u.name for u in late[:LATE_NAMES])
        more = len(late) - LATE_NAMES
        out.append(
            html.Section(
                [
                    html.H2(
                        tr("Chậm báo cáo mốc {w}: {k}", "Late for {w}: {k}").format(
                            w=figures.window_label(cc, cur), k=format_int(len(late), lang)
                        ),
                        className="bc-leader-h" + (" text-danger" if late else " text-success"),
                    ),
                    html.Div(
                        names
                        + (
                            tr(" và {k} đơn vị khác", " and {k} more").format(k=more)
                            if more > 0
                            else ""
                        ),
                        className="small",
                    ),
                ],
                className="bc-leader-card",
            )
        )
    out.append(_results(results, visible, version))
    return out


def _bar(label: str, done: int, total: int) -> html.Div:
    lang = current_lang()
    value = float(100 * done / total) if total else 0.0
    return html.Div(
        [
            html.Div(
                [
                    html.Span(label),
                    html.Span(
                        f"{format_int(done, lang)} / {format_int(total, lang)}",
                        className="float-end",
                    ),
                ],
                className="small",
            ),
            dbc.Progress(
                value=value,
                color="success" if total and done >= total else "primary",
                className="mb-2 bc-progress",
            ),
        ]
    )


def _results(
    results: tuple[ConstituencyResultView, ...],
    visible: list[ConstituencyResultView],
    version: int,
) -> html.Section:
    lang = current_lang()
    title = html.H2(tr("Kết quả bầu cử", "Results"), className="bc-leader-h")
    if not results:
        return html.Section(
            [title, html.Div(tr("Không có đơn vị bầu cử.", "No constituency."))],
            className="bc-leader-card",
        )
    body: list[Any] = [
        title,
        html.Div(
            tr("Đã xác nhận: {a}/{b} đơn vị bầu cử", "Confirmed: {a}/{b} constituencies").format(
                a=format_int(sum(r.status in CONFIRMED for r in results), lang),
                b=format_int(len(results), lang),
            ),
            className="small text-muted mb-2",
        ),
    ]
    listed = visible[:MAX_LISTED]  # QH first, then HĐND tỉnh, …
    if not visible:
        body.append(
            html.Div(
                tr(
                    "Kết quả sẽ hiển thị khi Ủy ban bầu cử xác nhận.",
                    "Results show once the committee confirms them.",
                ),
                className="bc-wait",
            )
        )
    for r in listed:
        winners = [c for c in r.candidates if c.elected]
        body.append(
            html.Div(
                [
                    html.Div(
                        [
                            html.Strong(f"{level_label(r.level)} · {r.name}"),
                            dbc.Badge(status_label(r.status), color="success", className="ms-2"),
                        ]
                    ),
                    html.Ul(
                        [
                            html.Li(
                                f"{c.full_name} — {format_int(c.votes, lang)}"
                                f" ({format_percent(c.percent, lang)})"
                            )
                            for c in winners
                        ]
                        or [html.Li(tr("Không có người trúng cử", "No one elected"))],
                        className="mb-1",
                    ),
                    html.Div(
                        tr("Phiên bản dữ liệu {v}", "Data version {v}").format(
                            v=format_int(version, lang)
                        ),
                        className="bc-version",
                    ),
                ],
                className="bc-leader-result",
            )
        )
    return html.Section(body, className="bc-leader-card")
