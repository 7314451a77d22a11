"""Turnout entry (Nhập tiến độ cử tri đi bầu): one reporting window, the commune's polling
areas in one table, saved row by row.

Keyboard only: Enter moves to the next box; Enter in a row's last box saves the row and
goes on to the next row (assets/entry.js). Rule findings appear as you type (the pure
rules of data.rules.turnout); errors refuse the save, warnings need the confirm box and a
reason. Outside the window the table is read-only, with the reason (T05) and who can grant
an exception. What is typed is kept in the browser (local storage) until it is saved.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import dash_bootstrap_components as dbc
from dash import (
    ALL,
    MATCH,
    ClientsideFunction,
    Dash,
    Input,
    Output,
    State,
    dcc,
    html,
    no_update,
)
from dash import ctx as dash_ctx

from auth.guard import NotAuthenticated
from auth.i18n import current_lang, tr
from dashboard.components.forms import (
    BadNumber,
    as_text,
    bad_number,
    confirm_box,
    count_input,
    draft_prefix,
    empty_boxes,
    findings_list,
    hhmm,
    parse_count,
    problems,
    query,
    refusal,
)
from dashboard.components.selection import register_selection, selection_bar
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.numbers import format_int, format_percent, percent_of
from data.permissions import Action
from data.read_models.entry import (
    TurnoutRow,
    WindowState,
    current_window,
    election_date,
    turnout_rows,
    upper_committees,
    window_state,
    windows,
)
from data.rules.findings import Severity
from data.rules.turnout import Registered, TurnoutFigures, check_turnout, check_window_time
from data.services.errors import Forbidden, InvalidRequest, ServiceError, StaleVersion
from data.services.turnout import TurnoutInput, submit_opening, submit_turnout

PATH = "/entry/turnout"
TITLE = ("Tiến độ cử tri", "Turnout entry")
ACTION = Action.ENTER
PREFIX = "to"
FIELDS = ("total", "male", "female")


def _labels() -> dict[str, str]:
    return {
        "voted_total": tr("Tổng số đã bầu", "Voted, total"),
        "voted_male": tr("Nam", "Male"),
        "voted_female": tr("Nữ", "Female"),
        "opened_at": tr("Giờ khai mạc", "Opening time"),
    }


def _fid(area: str, f: str) -> dict[str, str]:
    return {"type": "to-f", "area": area, "f": f}


def _id(kind: str, area: str) -> dict[str, str]:
    return {"type": f"to-{kind}", "area": area}


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    window = dbc.Col(
        [
            dbc.Label(tr("Mốc báo cáo", "Window"), html_for="to-window", className="small mb-0"),
            dcc.Dropdown(id="to-window", clearable=False),
        ],
        md=3,
        className="mb-2",
    )
    return html.Div(
        [
            html.H1(tr("Nhập tiến độ cử tri đi bầu", "Turnout entry"), className="h3"),
            selection_bar(ctx, PREFIX, [window]),
            html.Div(id="to-banner"),
            html.Div(id="to-table", **{"data-entry-form": "turnout"}),
            html.P(
                tr(
                    "Gõ số rồi nhấn Enter để sang ô tiếp theo; Enter ở ô cuối của dòng sẽ lưu "
                    "dòng đó. Số đang gõ được giữ lại trên máy này cho đến khi lưu.",
                    "Type a figure and press Enter for the next box; Enter in a row's last box "
                    "saves the row. What you type is kept on this computer until saved.",
                ),
                className="small text-muted mt-2",
            ),
            dcc.Store(id="to-ctx"),
            dcc.Store(id="to-drafts", storage_type="local"),
        ],
        className="entry-turnout",
    )


def register(app: Dash, ctx: AppContext) -> None:
    register_selection(app, ctx, PREFIX)

    @app.callback(
        Output("to-window", "options"),
        Output("to-window", "value"),
        Input("to-election", "value"),
        State("url", "search"),
    )
    def pick_window(election_id, search):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
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
        wanted = query(search).get("moc")
        if wanted in {w.key for w in wins}:
            return options, wanted
        current = current_window(wins, ctx.clock.now())
        return options, current.key if current else None

    @app.callback(
        Output("to-banner", "children"),
        Output("to-table", "children"),
        Output("to-ctx", "data"),
        Input("to-election", "value"),
        Input("to-commune", "value"),
        Input("to-window", "value"),
        State("to-drafts", "data"),
    )
    def build(election_id, commune, window_key, drafts):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.ENTER)
        if election_id is None or not commune or not window_key:
            return "", "", None
        unit = ctx.guard.unit(election_id, commune, Action.ENTER)
        with ctx.db.read() as s:
            state = window_state(s, election_id, unit.code, str(window_key), ctx.clock.now())
            if state is None:
                return (
                    dbc.Alert(tr("Không có mốc này.", "No such window."), color="warning"),
                    "",
                    None,
                )
            rows = turnout_rows(s, election_id, unit.code, state.window.key)
            uppers = upper_committees(s, election_id, unit.code)
        prefix = draft_prefix(who.user_id, election_id, "turnout", state.window.key)
        table, data = _table(rows, state, prefix, drafts if isinstance(drafts, dict) else {})
        data.update(eid=election_id, commune=unit.code, window=state.window.key, prefix=prefix)
        return _banner(state, uppers), table, data

    @app.callback(
        Output(_id("findings", MATCH), "children"),
        Output(_id("cbox", MATCH), "style"),
        Output(_id("warn", MATCH), "data"),
        Input(_fid(MATCH, "total"), "value"),
        Input(_fid(MATCH, "male"), "value"),
        Input(_fid(MATCH, "female"), "value"),
        State("to-ctx", "data"),
    )
    def live(total, male, female, data):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
        area_code = dash_ctx.outputs_list[0]["id"]["area"]
        if not isinstance(data, dict):
            return None, {"display": "none"}, []
        ctx.guard.area(data.get("eid"), area_code, Action.ENTER)
        if data.get("opening"):
            return _opening_feedback(total), {"display": "none"}, []
        labels = _labels()
        try:
            t, m, f = parse_count(total), parse_count(male), parse_count(female)
        except BadNumber:
            bad = [
                labels[f"voted_{n}"]
                for n, v in zip(FIELDS, (total, male, female), strict=True)
                if _bad(v)
            ]
            return problems([bad_number(x) for x in bad]), {"display": "none"}, []
        if t is None:
            return None, {"display": "none"}, []
        if m is None or f is None:  # the split is checked once both are typed
            m = f = None
        with ctx.db.read() as s:
            found = turnout_rows(s, data["eid"], data["commune"], data["window"], area_code)
            wins = {w.key: w for w in windows(s, data["eid"])}
        if not found or data["window"] not in wins:
            return None, {"display": "none"}, []
        row = found[0]
        findings = check_turnout(
            TurnoutFigures(t, m, f),
            Registered(
                row.area.registered_total, row.area.registered_male, row.area.registered_female
            ),
            _previous(row),
            due_at=wins[data["window"]].due_at.astimezone(LOCAL_TZ).time(),
        )
        warnings = sorted({x.code for x in findings if x.severity is Severity.WARNING})
        if any(x.severity is Severity.ERROR for x in findings):
            warnings = []  # errors first: nothing to confirm until they are fixed
        share = format_percent(percent_of(t, row.area.registered_total), current_lang())
        ok = html.Span(tr(f"Hợp lệ · {share}", f"Valid · {share}"), className="text-success small")
        return (
            findings_list(findings, empty=ok),
            {} if warnings else {"display": "none"},
            warnings,
        )

    @app.callback(
        Output(_id("status", MATCH), "children"),
        Output(_id("version", MATCH), "data"),
        Output(_id("row", MATCH), "className"),
        Input(_id("save", MATCH), "n_clicks"),
        State(_fid(MATCH, "total"), "value"),
        State(_fid(MATCH, "male"), "value"),
        State(_fid(MATCH, "female"), "value"),
        State(_id("confirm", MATCH), "value"),
        State(_id("reason", MATCH), "value"),
        State(_id("warn", MATCH), "data"),
        State(_id("version", MATCH), "data"),
        State("to-ctx", "data"),
        prevent_initial_call=True,
    )
    def save(clicks, total, male, female, confirm, reason, warn, version, data):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.ENTER)
        area_code = dash_ctx.outputs_list[0]["id"]["area"]
        if not clicks or not isinstance(data, dict):
            return no_update, no_update, no_update
        ctx.guard.area(data.get("eid"), area_code, Action.ENTER)
        if version is not None and (
            isinstance(version, bool) or not isinstance(version, int) or version < 0
        ):
            version = -2  # nonsense from the browser: can only be refused as stale
        labels = _labels()
        try:
            if data.get("opening"):
                saved = _save_opening(ctx, who, data, area_code, total, version)
            else:
                try:
                    t, m, f = parse_count(total), parse_count(male), parse_count(female)
                except BadNumber:
                    bad = [
                        labels[f"voted_{n}"]
                        for n, v in zip(FIELDS, (total, male, female), strict=True)
                        if _bad(v)
                    ]
                    return problems([bad_number(x) for x in bad]), no_update, "row-refused"
                if t is None:
                    return (
                        problems([empty_boxes([labels["voted_total"]])]),
                        no_update,
                        "row-refused",
                    )
                confirmed = [str(c) for c in (warn or [])] if confirm and "ok" in confirm else []
                saved = submit_turnout(
                    ctx.db,
                    who.actor(),
                    data["eid"],
                    TurnoutInput(area_code, str(data["window"]), t, m, f),
                    clock=ctx.clock,
                    confirm=confirmed,
                    reason=(reason or "").strip() or None,
                    expected_version=version,
                )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            # After a stale refusal both figures are on screen: saving again is deliberate.
            stale = isinstance(error, StaleVersion)
            return (
                refusal(error, labels),
                (error.current or None) if stale else no_update,
                "row-refused",
            )
        at = hhmm(ctx.clock.now())
        if saved.changed:
            text = tr(
                f"✓ Đã lưu lúc {at} (phiên bản {saved.version})",
                f"✓ Saved at {at} (version {saved.version})",
            )
        else:
            text = tr(
                f"✓ Không có gì thay đổi (phiên bản {saved.version})",
                f"✓ Nothing changed (version {saved.version})",
            )
        return (
            html.Span(text, className="text-success small saved-mark"),
            saved.version,
            "row-saved",
        )

    app.clientside_callback(
        ClientsideFunction(namespace="entry", function_name="turnoutDrafts"),
        Output("to-drafts", "data"),
        Input({"type": "to-f", "area": ALL, "f": ALL}, "value"),
        State({"type": "to-version", "area": ALL}, "data"),
        State("to-ctx", "data"),
        State("to-drafts", "data"),
        prevent_initial_call=True,
    )


def _bad(value: object) -> bool:
    try:
        parse_count(value)
    except BadNumber:
        return True
    return False


def _previous(row: TurnoutRow) -> TurnoutFigures | None:
    p = row.previous
    return TurnoutFigures(p.total, p.male, p.female) if p else None


def _parse_hhmm(value: object) -> time | None:
    text = str(value or "").strip().replace("h", ":").replace(".", ":")
    if not text:
        return None
    if text.isdigit() and len(text) in (3, 4):
        text = f"{text[:-2]}:{text[-2:]}"
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def _opening_feedback(value: object) -> Any:
    try:
        moment = _parse_hhmm(value)
    except ValueError:
        return problems([_bad_time()])
    if moment is None:
        return None
    return html.Span(
        tr(f"Khai mạc lúc {moment:%H:%M}", f"Opened at {moment:%H:%M}"),
        className="text-success small",
    )


def _bad_time() -> dict[str, str]:
    return {
        "code": "E_TIME",
        "severity": "error",
        "field": "opened_at",
        "message": tr("Giờ khai mạc phải có dạng GG:PP, ví dụ 07:00.", "Use HH:MM, e.g. 07:00."),
    }


def _save_opening(
    ctx: AppContext, who: Any, data: dict, area_code: str, value: object, version: Any
):  # type: ignore[no-untyped-def]
    try:
        moment = _parse_hhmm(value)
    except ValueError:
        moment = None
        value = "?"
    if moment is None:
        raise InvalidRequest(
            field="opened_at", detail_vi=_bad_time()["message"], detail_en="Use HH:MM, e.g. 07:00."
        )
    with ctx.db.read() as s:
        day = election_date(s, data["eid"])
    opened = datetime.combine(day, moment, LOCAL_TZ)  # type: ignore[arg-type]
    return submit_opening(
        ctx.db,
        who.actor(),
        data["eid"],
        area_code,
        opened,
        clock=ctx.clock,
        expected_version=version,
    )


def _banner(state: WindowState, uppers: list[str]) -> Any:
    w = state.window
    name = (
        tr("Khai mạc", "Opening") if w.is_opening else tr(f"mốc {hhmm(w.due_at)}", hhmm(w.due_at))
    )
    if state.closure is not None:
        c = state.closure
        return dbc.Alert(
            tr(
                f"Chỉ xem: {c.unit_name} đã kết thúc nhập liệu ({c.by}). "
                "Chỉ cấp trên mới có thể mở lại, kèm lý do.",
                f"Read only: entry is closed for {c.unit_name} ({c.by}). "
                "Only an upper level can reopen it, with a reason.",
            ),
            color="dark",
            className="py-2 window-readonly",
        )
    if state.open:
        extra = ""
        if state.exception_until is not None and state.now > w.closes_at:
            extra = tr(" (được phép nhập muộn)", " (late entry granted)")
        return dbc.Alert(
            [
                tr(
                    f"Đang nhập {name}: mở đến {hhmm(state.until)}{extra}, còn ",
                    f"Entering {name}: open until {hhmm(state.until)}{extra}, ",
                ),
                html.Span(
                    "",
                    className="entry-countdown fw-bold",
                    **{"data-countdown": str(state.seconds_left)},
                ),
                tr(".", " left."),
            ],
            color="primary",
            className="py-2",
        )
    lang = current_lang()
    reasons = check_window_time(state.now, w.opens_at, w.closes_at, state.exception_until)
    reason = " ".join(f.message(lang) for f in reasons)
    who = ", ".join(f"Ủy ban bầu cử {u}" for u in uppers) if uppers else ""
    grant = (
        tr(
            f" Chỉ {who} (tài khoản cấp tỉnh/huyện) có thể cho phép nhập muộn cho xã này.",
            f" Only {who} (province/district accounts) can grant late entry for this commune.",
        )
        if state.over and who
        else ""
    )
    return dbc.Alert(
        [
            html.Strong(tr("Chỉ xem. ", "Read only. ")),
            dbc.Badge("T05", color="danger", className="me-1"),
            reason,
            grant,
        ],
        color="warning",
        className="py-2 window-readonly",
    )


def _row_values(row: TurnoutRow, opening: bool) -> list[str]:
    if opening:
        op = row.opening
        return [f"{op.opened_at.astimezone(LOCAL_TZ):%H:%M}" if op else "", "", ""]
    r = row.report
    if r is None:
        return ["", "", ""]
    return [as_text(r.total), as_text(r.male), as_text(r.female)]


def _table(
    rows: list[TurnoutRow], state: WindowState, prefix: str, drafts: dict
) -> tuple[Any, dict[str, Any]]:
    opening = state.window.is_opening
    editable = state.open
    labels = _labels()
    base: dict[str, list[str]] = {}
    versions: dict[str, int | None] = {}
    body = []
    first = True
    for row in rows:
        code = row.area.code
        stored = _row_values(row, opening)
        stored_version = (
            (row.opening.version if row.opening else None)
            if opening
            else (row.report.version if row.report else None)
        )
        values, version, status = stored, stored_version, None
        draft = drafts.get(f"{prefix}|{code}")
        if editable and isinstance(draft, dict) and isinstance(draft.get("v"), list):
            typed = [str(x or "") for x in draft["v"]][:3]
            typed += [""] * (3 - len(typed))
            if typed != stored:
                values = typed
                dv = draft.get("version")
                version = dv if dv is None or isinstance(dv, int) else stored_version
                status = html.Span(
                    tr("Bản nháp chưa lưu", "Unsaved draft"),
                    className="badge text-bg-info draft-mark",
                )
        base[code] = stored
        versions[code] = version
        if status is None and (row.report or row.opening):
            saved = row.opening if opening else row.report
            status = html.Span(
                tr(f"Đã lưu (phiên bản {saved.version})", f"Saved (version {saved.version})")  # type: ignore[union-attr]
                + (tr(" · nhập thay", " · on behalf") if saved.on_behalf else ""),  # type: ignore[union-attr]
                className="text-muted small",
            )
        body.append(
            _row(
                row,
                values,
                version,
                status,
                editable=editable,
                opening=opening,
                autofocus=first and editable,
            )
        )
        first = False
    if opening:
        head = [tr("Khu vực bỏ phiếu", "Polling area"), labels["opened_at"], "", ""]
    else:
        prev = tr("Mốc trước", "Previous")
        head = [
            tr("Khu vực bỏ phiếu", "Polling area"),
            tr("Cử tri", "Registered"),
            prev,
            labels["voted_total"],
            labels["voted_male"],
            labels["voted_female"],
        ]
    head += [tr("Kiểm tra", "Checks"), tr("Xác nhận cảnh báo", "Confirm warnings"), ""]
    if opening:
        head = [h for i, h in enumerate(head) if i not in (2, 3)]
    table = html.Div(
        html.Table(
            [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)],
            className="table table-sm align-middle entry-table turnout-table",
        ),
        className="table-responsive",
    )
    if not rows:
        table = dbc.Alert(
            tr("Xã này chưa có khu vực bỏ phiếu.", "No polling areas."), color="warning"
        )
    return table, {"opening": opening, "editable": editable, "base": base, "versions": versions}


def _row(
    row: TurnoutRow,
    values: list[str],
    version: int | None,
    status: Any,
    *,
    editable: bool,
    opening: bool,
    autofocus: bool,
) -> html.Tr:
    code = row.area.code
    a = row.area
    labels = _labels()
    lang = current_lang()
    area_cell = html.Th(
        [
            html.Div(code, className="fw-semibold"),
            html.Div(a.name, className="small text-muted area-name"),
        ],
        scope="row",
    )
    if opening:
        fields = [
            html.Td(
                dcc.Input(
                    id=_fid(code, "total"),
                    value=values[0],
                    type="text",
                    placeholder="07:00",
                    autoComplete="off",
                    maxLength=5,
                    disabled=not editable,
                    autoFocus=autofocus,
                    className="form-control form-control-sm entry-field entry-save-on-enter",
                ),
                className="cell-time",
            ),
            # hidden: the row callbacks take the same three boxes in every window
            dcc.Input(id=_fid(code, "male"), value="", type="hidden", disabled=True),
            dcc.Input(id=_fid(code, "female"), value="", type="hidden", disabled=True),
        ]
        lead = [area_cell]
    else:
        prev = row.previous
        if prev is None:
            prev_text: Any = "—"
        else:
            split = (
                f"{format_int(prev.male, lang)} / {format_int(prev.female, lang)}"
                if prev.male is not None and prev.female is not None
                else ""
            )
            prev_text = [
                html.Div(format_int(prev.total, lang), className="fw-semibold"),
                html.Div(
                    f"{prev.window_key[:2]}:{prev.window_key[2:]} " + split,
                    className="small text-muted",
                ),
            ]
        lead = [
            area_cell,
            html.Td(
                [
                    html.Div(format_int(a.registered_total, lang)),
                    html.Div(
                        " / ".join(
                            format_int(n, lang) for n in (a.registered_male, a.registered_female)
                        ),
                        className="small text-muted",
                    ),
                ],
                className="text-end",
            ),
            html.Td(prev_text, className="text-end prev-figure"),
        ]
        fields = [
            html.Td(
                count_input(
                    _fid(code, name),
                    values[i],
                    label=labels[f"voted_{name}"],
                    disabled=not editable,
                    save_on_enter=name == "female",
                    autofocus=autofocus and name == "total",
                ),
                className="cell-count",
            )
            for i, name in enumerate(FIELDS)
        ]
    return html.Tr(
        [
            *lead,
            *fields,
            html.Td(
                [html.Div(id=_id("findings", code)), html.Div(status, id=_id("status", code))],
                className="cell-checks",
            ),
            html.Td(
                confirm_box(
                    _id("confirm", code), _id("reason", code), _id("cbox", code), visible=False
                ),
                className="cell-confirm",
            ),
            html.Td(
                [
                    html.Button(
                        tr("Lưu", "Save"),
                        id=_id("save", code),
                        n_clicks=0,
                        disabled=not editable,
                        className="btn btn-sm btn-primary entry-save",
                        tabIndex="-1",  # Enter saves; the mouse may too
                    ),
                    dcc.Store(id=_id("version", code), data=version),
                    dcc.Store(id=_id("warn", code), data=[]),
                ]
            ),
        ],
        id=_id("row", code),
        **{"data-entry-row": code},
    )
