"""Results (Kết quả): per constituency in the user's scope — totals, votes and % per
candidate, winners, validity / re-vote / additional-election flags, with the status
(provisional, complete, confirmed, official) and the data version beside every figure.

Leaders see a constituency's figures only once confirmed (``guard.result_visible``).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.i18n import current_lang, tr
from dashboard.components.elections import election_dropdown
from dashboard.context import AppContext
from dashboard.pages.command_centre import (
    STATUS_COLOURS,
    as_of_text,
    level_label,
    status_label,
)
from data.enums import Level
from data.numbers import format_int, format_percent
from data.permissions import Action
from data.read_models.cache import current_version
from data.read_models.dashboard import cached_results, result_levels
from data.read_models.results import ConstituencyResultView

PATH = "/results"
TITLE = ("Kết quả", "Results")
ACTION = Action.VIEW_RESULTS
REFRESH_MS = 5000
MAX_ROWS = 200
ALL_CARDS = 6  # up to this many constituencies: every one as a card


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    return html.Div(
        [
            html.H1(tr("Kết quả bầu cử", "Election results"), className="h3"),
            dbc.Row(
                [
                    dbc.Col(election_dropdown(ctx, "rs-election"), md=4),
                    dbc.Col(
                        dcc.Dropdown(
                            id="rs-level", clearable=False, placeholder=tr("Cấp", "Level")
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id="rs-pick",
                            placeholder=tr("Chọn đơn vị bầu cử…", "Choose a constituency…"),
                        ),
                        md=5,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id="rs-asof", className="bc-asof"),
            html.Div(id="rs-detail"),
            html.Div(id="rs-summary"),
            dcc.Store(id="rs-seen"),
            dcc.Interval(id="rs-tick", interval=REFRESH_MS),
        ],
        className="bc-results",
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("rs-summary", "children"),
        Output("rs-detail", "children"),
        Output("rs-level", "options"),
        Output("rs-level", "value"),
        Output("rs-pick", "options"),
        Output("rs-asof", "children"),
        Output("rs-seen", "data"),
        Input("rs-election", "value"),
        Input("rs-level", "value"),
        Input("rs-pick", "value"),
        Input("rs-tick", "n_intervals"),
        State("rs-seen", "data"),
    )
    def refresh(election_id, level, pick, _tick, seen):  # type: ignore[no-untyped-def]
        ctx.guard.require(ACTION)
        if election_id is None:
            return "", "", [], None, [], "", None
        code = ctx.guard.scope(election_id).code  # the user's own scope
        picked = None
        if pick is not None:  # must be a constituency inside the scope (else refused)
            picked = ctx.guard.constituency(election_id, pick, ACTION)[0].code
        with ctx.db.read() as s:
            version = current_version(s, election_id)
            levels = list(result_levels(s, election_id, code))
            chosen = _level(level, levels)
            key = [election_id, code, chosen.value if chosen else None, picked, version]
            if seen == key:
                return (no_update,) * 7
            rows = cached_results(s, election_id, code, chosen) if chosen else ()
            detail_rows = rows
            if picked is not None and all(r.code != picked for r in rows):
                detail_rows = cached_results(s, election_id, code, None)
        detail: list[Any] = []
        if picked is not None:
            detail = [_card(ctx, r, version, election_id) for r in detail_rows if r.code == picked]
        elif 0 < len(rows) <= ALL_CARDS:
            detail = [_card(ctx, r, version, election_id) for r in rows]
        if chosen is not None and rows:
            detail = [_summary_links(election_id, code, chosen), *detail]
        return (
            _summary(ctx, rows, version) if len(rows) > ALL_CARDS or picked else "",
            detail,
            [{"label": level_label(lv), "value": lv.value} for lv in levels],
            chosen.value if chosen else None,
            [
                {"label": f"{r.code} — {r.name} ({status_label(r.status)})", "value": r.code}
                for r in rows[:MAX_ROWS]
            ],
            as_of_text(version, ctx.clock.now()),
            key,
        )


def _level(value: Any, levels: list[Level]) -> Level | None:
    if isinstance(value, str) and value in {lv.value for lv in levels}:
        return Level(value)
    return levels[0] if levels else None


def _badge(r: ConstituencyResultView, version: int) -> html.Span:
    return html.Span(
        [
            dbc.Badge(
                status_label(r.status), color=STATUS_COLOURS.get(r.status.value, "secondary")
            ),
            html.Span(
                tr(" · phiên bản {v}", " · version {v}").format(
                    v=format_int(version, current_lang())
                ),
                className="bc-version ms-1",
            ),
        ]
    )


def _hidden_note() -> html.Span:
    return html.Span(
        tr("Chưa xác nhận — chưa công bố số liệu", "Not confirmed — figures withheld"),
        className="text-muted",
    )


def _summary(ctx: AppContext, rows: tuple[ConstituencyResultView, ...], version: int) -> Any:
    lang = current_lang()
    if not rows:
        return dbc.Alert(
            tr("Không có đơn vị bầu cử ở cấp này.", "No constituency here."), color="light"
        )
    body = []
    for r in rows[:MAX_ROWS]:
        shown = ctx.guard.result_visible(r.status)
        winners = ", ".join(c.full_name for c in r.candidates if c.elected) if shown else ""
        body.append(
            html.Tr(
                [
                    html.Td(r.code),
                    html.Td(r.name),
                    html.Td(format_int(r.seats, lang), className="text-end"),
                    html.Td(
                        f"{format_int(r.sheets_in, lang)}/{format_int(r.sheets_expected, lang)}"
                        if shown
                        else "",
                        className="text-end",
                    ),
                    html.Td(
                        format_percent(r.turnout_percent, lang) if shown else "",
                        className="text-end",
                    ),
                    html.Td(_flags(r) if shown else _hidden_note()),
                    html.Td(winners or ("—" if shown else "")),
                    html.Td(_badge(r, version)),
                ]
            )
        )
    more = len(rows) - MAX_ROWS
    return html.Div(
        [
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(tr("Mã", "Code")),
                                html.Th(tr("Đơn vị bầu cử", "Constituency")),
                                html.Th(tr("Số ghế", "Seats"), className="text-end"),
                                html.Th(tr("Biên bản", "Sheets"), className="text-end"),
                                html.Th(tr("Đi bầu", "Turnout"), className="text-end"),
                                html.Th(tr("Hiệu lực", "Validity")),
                                html.Th(tr("Người trúng cử", "Elected")),
                                html.Th(tr("Trạng thái", "Status")),
                            ]
                        )
                    ),
                    html.Tbody(body),
                ],
                size="sm",
                striped=True,
                hover=True,
                responsive=True,
                className="bc-results-table",
            ),
            html.Div(
                tr(
                    "Hiển thị {n} đầu tiên; chọn một đơn vị bầu cử ở trên.", "First {n} shown."
                ).format(n=format_int(MAX_ROWS, lang))
                if more > 0
                else "",
                className="small text-muted",
            ),
        ]
    )


def _flags(r: ConstituencyResultView) -> Any:
    flags = []
    if r.sheets_in == 0:
        return html.Span(tr("Chưa có biên bản", "No sheet yet"), className="text-muted")
    if r.valid_election:
        flags.append(dbc.Badge(tr("Hợp lệ", "Valid"), color="success", className="me-1"))
    if r.revote_needed:
        flags.append(
            dbc.Badge(tr("Phải bầu cử lại", "Re-vote needed"), color="danger", className="me-1")
        )
    if r.additional_election_needed:
        flags.append(
            dbc.Badge(
                tr("Phải bầu cử thêm", "Additional election"), color="warning", className="me-1"
            )
        )
    return html.Span(flags)


def _summary_links(election_id: int, unit_code: str, level: Level) -> Any:
    """The committee summary (biên bản tổng kết) of the scope at this level."""
    base = f"/reports/{election_id}/summary/{unit_code}/{level.value}"
    return html.Div(
        [
            html.Span(tr("Biên bản tổng kết: ", "Committee summary: "), className="small"),
            html.A("PDF", href=f"{base}.pdf", className="btn btn-sm btn-outline-secondary"),
            html.A("XLSX", href=f"{base}.xlsx", className="btn btn-sm btn-outline-secondary ms-1"),
        ],
        className="mb-2",
    )


def _downloads(election_id: int, code: str) -> Any:
    """The official minutes of this constituency (the route checks access again)."""
    base = f"/reports/{election_id}/constituency/{code}"
    return html.Div(
        [
            html.Span(tr("Biên bản xác định kết quả: ", "Result minutes: "), className="small"),
            html.A("PDF", href=f"{base}.pdf", className="btn btn-sm btn-outline-secondary"),
            html.A("XLSX", href=f"{base}.xlsx", className="btn btn-sm btn-outline-secondary ms-1"),
        ],
        className="my-2",
    )


def _card(ctx: AppContext, r: ConstituencyResultView, version: int, election_id: int) -> dbc.Card:
    lang = current_lang()
    header = dbc.CardHeader(
        [
            html.Strong(f"{r.name}"),
            html.Span(
                f" · {level_label(r.level)} · {r.code} · "
                + tr("{n} ghế", "{n} seats").format(n=format_int(r.seats, lang)),
                className="text-muted",
            ),
            html.Span(_badge(r, version), className="float-end"),
        ]
    )
    if not ctx.guard.result_visible(r.status):
        return dbc.Card([header, dbc.CardBody(_hidden_note())], className="mb-3 bc-result-card")
    c = r.counts
    totals = [
        (tr("Cử tri trong danh sách", "Voters on the list"), format_int(c.voters_total, lang)),
        (tr("Cử tri đã bầu", "Voters who voted"), format_int(c.voters_voted, lang)),
        (tr("Tỷ lệ đi bầu", "Turnout"), format_percent(r.turnout_percent, lang)),
        (tr("Phiếu hợp lệ", "Valid ballots"), format_int(c.ballots_valid, lang)),
        (tr("Phiếu không hợp lệ", "Invalid ballots"), format_int(c.ballots_invalid, lang)),
        (
            tr("Biên bản đã nhập", "Sheets in"),
            f"{format_int(r.sheets_in, lang)}/{format_int(r.sheets_expected, lang)}",
        ),
    ]
    candidates = [
        html.Tr(
            [
                html.Td(format_int(cand.rank, lang), className="text-end"),
                html.Td(cand.full_name),
                html.Td(format_int(cand.votes, lang), className="text-end"),
                html.Td(
                    html.Div(
                        [
                            html.Div(
                                className="bc-pct-bar",
                                style={"width": f"{min(float(cand.percent), 100):.2f}%"},
                            ),
                            html.Span(format_percent(cand.percent, lang)),
                        ],
                        className="bc-pct",
                    )
                ),
                html.Td(
                    "✓ " + tr("Trúng cử", "Elected") if cand.elected else "",
                    className="text-success fw-bold",
                ),
            ],
            className="bc-elected" if cand.elected else "",
        )
        for cand in r.candidates
    ]
    return dbc.Card(
        [
            header,
            dbc.CardBody(
                [
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Div(label, className="bc-kpi-label"),
                                    html.Div(value, className="bc-fig"),
                                ],
                                className="bc-total",
                            )
                            for label, value in totals
                        ],
                        className="bc-totals",
                    ),
                    html.Div(_flags(r), className="my-2"),
                    _downloads(election_id, r.code),
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(tr("Thứ tự", "Rank"), className="text-end"),
                                        html.Th(tr("Người ứng cử", "Candidate")),
                                        html.Th(tr("Số phiếu", "Votes"), className="text-end"),
                                        html.Th(tr("Tỷ lệ (trên phiếu hợp lệ)", "% of valid")),
                                        html.Th(""),
                                    ]
                                )
                            ),
                            html.Tbody(candidates),
                        ],
                        size="sm",
                        responsive=True,
                        className="mb-0",
                    ),
                ]
            ),
        ],
        className="mb-3 bc-result-card",
    )
