"""Operator home (Nhập liệu): the commune's polling areas × (opening, each turnout window,
each level's tally sheet), what is missing, saved, saved with confirmed warnings, late or
closed; the current window highlighted with a countdown to its close.

A province / district user (backup entry point) first picks a commune in scope.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from auth.i18n import current_lang, tr
from dashboard.components.forms import hhmm
from dashboard.components.selection import register_selection, selection_bar
from dashboard.context import AppContext
from data.numbers import format_int
from data.permissions import Action
from data.read_models.entry import Cell, CellStatus, EntryGrid, GridColumn, entry_grid

PATH = "/entry"
TITLE = ("Nhập liệu", "Data entry")
ACTION = Action.ENTER
PREFIX = "eh"
REFRESH_MS = 20_000

STATUS_TEXT = {
    CellStatus.MISSING: ("Chưa nhập", "Missing"),
    CellStatus.SAVED: ("Đã lưu", "Saved"),
    CellStatus.WARNED: ("Đã lưu, có cảnh báo đã xác nhận", "Saved, warnings confirmed"),
    CellStatus.LATE: ("Quá hạn, chưa nhập", "Late, missing"),
    CellStatus.PENDING: ("Chưa đến giờ", "Not open yet"),
    CellStatus.CLOSED: ("Đã kết thúc nhập liệu", "Entry closed"),
    CellStatus.AWAITING: ("Chờ nhập lần hai", "Awaiting second entry"),
    CellStatus.DIFFERS: ("Hai lần nhập khác nhau", "Entries differ"),
}
STATUS_MARK = {
    CellStatus.MISSING: "○",
    CellStatus.SAVED: "✓",
    CellStatus.WARNED: "⚠",
    CellStatus.LATE: "✗",
    CellStatus.PENDING: "·",
    CellStatus.CLOSED: "■",
    CellStatus.AWAITING: "½",
    CellStatus.DIFFERS: "≠",
}


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    return html.Div(
        [
            html.H1(tr("Nhập liệu", "Data entry"), className="h3"),
            selection_bar(ctx, PREFIX),
            html.Div(id="eh-current"),
            html.Div(id="eh-grid"),
            _legend(),
            dcc.Interval(id="eh-tick", interval=REFRESH_MS),
        ],
        className="entry-home",
    )


def register(app: Dash, ctx: AppContext) -> None:
    register_selection(app, ctx, PREFIX)

    @app.callback(
        Output("eh-current", "children"),
        Output("eh-grid", "children"),
        Input("eh-election", "value"),
        Input("eh-commune", "value"),
        Input("eh-tick", "n_intervals"),
    )
    def refresh(election_id, commune, _tick):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
        if election_id is None or not commune:
            return "", dbc.Alert(
                tr("Chọn xã / phường để xem tình hình nhập liệu.", "Pick a commune."),
                color="secondary",
            )
        ctx.guard.unit(election_id, commune, Action.ENTER)  # refuses outside the user's reach
        with ctx.db.read() as s:
            grid = entry_grid(s, election_id, commune, ctx.clock.now())
        return _current(grid), _grid(grid)


def _current(grid: EntryGrid) -> Any:
    parts: list[Any] = []
    if grid.closure is not None:
        parts.append(
            dbc.Alert(
                tr(
                    f"{grid.closure.unit_name} đã kết thúc nhập liệu ({grid.closure.by}). "
                    "Chỉ cấp trên mới có thể mở lại, kèm lý do.",
                    f"Entry is closed for {grid.closure.unit_name} ({grid.closure.by}). "
                    "Only an upper level can reopen it, with a reason.",
                ),
                color="dark",
                className="py-2",
            )
        )
    state = grid.current
    if state is None:
        return parts
    w = state.window
    name = (
        tr("Khai mạc", "Opening") if w.is_opening else tr(f"Mốc {hhmm(w.due_at)}", hhmm(w.due_at))
    )
    link = _window_link(grid.commune.code, w.key)
    if state.open:
        body = [
            html.Strong(name),
            tr(
                f" đang mở nhập liệu ({hhmm(w.opens_at)}–{hhmm(state.until)}). Còn ",
                f" is open for entry ({hhmm(w.opens_at)}–{hhmm(state.until)}). ",
            ),
            html.Span(
                _clock(state.seconds_left),
                className="entry-countdown fw-bold",
                **{"data-countdown": str(state.seconds_left)},
            ),
            tr(" đến khi đóng. ", " left. "),
            dcc.Link(tr("Nhập ngay →", "Enter now →"), href=link, className="alert-link"),
        ]
        color = "primary"
    elif state.not_yet:
        body = [
            html.Strong(name),
            tr(
                f" mở nhập liệu lúc {hhmm(w.opens_at)} (đến {hhmm(state.until)}).",
                f" opens for entry at {hhmm(w.opens_at)} (until {hhmm(state.until)}).",
            ),
        ]
        color = "secondary"
    else:
        starts = grid.count_starts
        body = [
            tr("Các mốc báo cáo tiến độ đã kết thúc.", "The turnout windows are over."),
            " ",
            tr(
                f"Biên bản kiểm phiếu nhập từ {hhmm(starts)}." if starts else "",
                f"Tally sheets from {hhmm(starts)}." if starts else "",
            ),
        ]
        color = "secondary"
    parts.append(dbc.Alert(body, color=color, className="py-2 entry-current"))
    return parts


def _clock(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _window_link(commune: str, key: str) -> str:
    return "/entry/turnout?" + urlencode({"xa": commune, "moc": key})


def _tally_link(commune: str, area: str, level: str) -> str:
    return "/entry/tally?" + urlencode({"xa": commune, "kv": area, "cap": level})


def _header(col: GridColumn, current_key: str | None) -> html.Th:
    if col.window is not None:
        w = col.window
        label = tr("Khai mạc", "Opening") if w.is_opening else hhmm(w.due_at)
        sub = f"{hhmm(w.opens_at)}–{hhmm(w.closes_at)}"
    else:
        label = tr("BB ", "Sheet ") + (
            col.level.label_vi if current_lang() != "en" else col.level.label_en
        )  # type: ignore[union-attr]
        sub = tr("kiểm phiếu", "tally")
    current = col.key == current_key
    return html.Th(
        [html.Div(label), html.Div(sub, className="small fw-normal text-muted")],
        className="text-center" + (" current-window" if current else ""),
        scope="col",
    )


def _cell(grid: EntryGrid, area_code: str, col: GridColumn, current_key: str | None) -> html.Td:
    cell: Cell = grid.cell(area_code, col.key)
    vi, en = STATUS_TEXT[cell.status]
    text = tr(vi, en)
    shown = STATUS_MARK[cell.status]
    if cell.status in (CellStatus.SAVED, CellStatus.WARNED) and cell.text:
        if col.window is not None and col.window.is_opening:
            shown = f"{shown} {cell.text}"
        elif col.window is not None:
            shown = f"{shown} {format_int(int(cell.text), current_lang())}"
    if cell.on_behalf:
        text += tr(" — nhập thay", " — entered on behalf")
        shown += " ⇄"
    if col.window is not None:
        href = _window_link(grid.commune.code, col.window.key)
    else:
        href = _tally_link(grid.commune.code, area_code, str(col.level))
    classes = f"text-center text-nowrap cell cell-{cell.status}"
    if col.key == current_key:
        classes += " current-window"
    return html.Td(dcc.Link(shown, href=href, title=text, className="cell-link"), className=classes)


def _grid(grid: EntryGrid) -> Any:
    if not grid.areas:
        return dbc.Alert(
            tr("Xã này chưa có khu vực bỏ phiếu.", "No polling areas."), color="warning"
        )
    current_key = grid.current.window.key if grid.current and grid.current.open else None
    head = html.Tr(
        [html.Th(tr("Khu vực bỏ phiếu", "Polling area"), scope="col")]
        + [_header(c, current_key) for c in grid.columns]
    )
    rows = [
        html.Tr(
            [
                html.Th(
                    [html.Div(a.code), html.Div(a.name, className="small text-muted area-name")],
                    scope="row",
                    title=a.name,
                )
            ]
            + [_cell(grid, a.code, c, current_key) for c in grid.columns]
        )
        for a in grid.areas
    ]
    missing_now = 0
    if current_key is not None:
        missing_now = sum(
            1
            for a in grid.areas
            if grid.cell(a.code, current_key).status in (CellStatus.MISSING, CellStatus.LATE)
        )
    summary = html.P(
        tr(
            f"{grid.commune.name}: {len(grid.areas)} khu vực bỏ phiếu"
            + (f"; mốc hiện tại còn {missing_now} khu vực chưa nhập." if current_key else "."),
            f"{grid.commune.name}: {len(grid.areas)} polling areas"
            + (f"; {missing_now} missing for the current window." if current_key else "."),
        ),
        className="mb-1",
    )
    table = html.Div(
        html.Table(
            [html.Thead(head), html.Tbody(rows)],
            className="table table-sm table-bordered entry-grid mb-1",
        ),
        className="table-responsive",
    )
    return html.Div([summary, table])


def _legend() -> html.Div:
    return html.Div(
        [
            html.Span(
                [
                    html.Span(STATUS_MARK[s], className=f"cell cell-{s} legend-mark"),
                    " ",
                    tr(*STATUS_TEXT[s]),
                ],
                className="me-3 text-nowrap",
            )
            for s in CellStatus
        ]
        + [html.Span(["⇄ ", tr("nhập thay", "entered on behalf")], className="text-nowrap")],
        className="small text-muted entry-legend mt-1",
    )
