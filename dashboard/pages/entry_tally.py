"""Tally-sheet entry (Nhập biên bản kết quả kiểm phiếu): one polling area × one level.

The boxes follow the paper minutes: voters on the list, voters who voted, ballots issued,
received, valid, invalid, then each candidate in ballot order. Every box must be typed
(zeros too). Sums and rule checks (data.rules.tally) update as you type; errors refuse the
save, warnings need the confirm box and a reason; a sheet someone else saved meanwhile is
refused with both sets of figures side by side.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update
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
from data.enums import DoubleCheck, Level
from data.numbers import format_int, format_percent, percent_of
from data.permissions import Action
from data.read_models.entry import COUNTS, TallyForm, area_levels, commune_areas, tally_form
from data.rules.findings import Finding, Severity
from data.rules.tally import TallyContext, TallyFigures, check_tally, vote_field
from data.services.double_entry import resolve_differences, save_second_entry
from data.services.errors import Forbidden, ServiceError, StaleVersion
from data.services.tally import TallyInput, save_tally_sheet

PATH = "/entry/tally"
TITLE = ("Biên bản kiểm phiếu", "Tally sheets")
ACTION = Action.ENTER
PREFIX = "tl"
COUNT_ID = "tl-count"
VOTE_ID = "tl-vote"
BTYPE_ID = "tl-btype"  # optional breakdown: valid ballots that kept k names


class Mode(StrEnum):
    """How this user enters this sheet (double entry: a blind second entry, a resolution)."""

    SINGLE = "single"  # no double entry
    FIRST = "first"
    SECOND = "second"  # blind: the first entry is never sent to this browser
    RESOLVE = "resolve"  # the entries differ: the committee types the paper's figures


def entry_mode(form: TallyForm, user_id: int | None) -> Mode:
    if not form.double_entry:
        return Mode.SINGLE
    sheet, second = form.sheet, form.second
    if sheet is None:
        return Mode.FIRST
    if sheet.double_check is DoubleCheck.DIFFERS:
        return Mode.RESOLVE
    if second is not None and second.entered_by_id == user_id:
        return Mode.SECOND
    if sheet.entered_by_id == user_id or second is not None:
        return Mode.FIRST
    return Mode.SECOND


def count_labels() -> dict[str, str]:
    return {
        "voters_total": tr("Tổng số cử tri trong danh sách", "Voters on the list"),
        "voters_voted": tr("Số cử tri đã tham gia bỏ phiếu", "Voters who voted"),
        "ballots_issued": tr("Số phiếu phát ra", "Ballots issued"),
        "ballots_received": tr("Số phiếu thu vào", "Ballots received"),
        "ballots_valid": tr("Số phiếu hợp lệ", "Valid ballots"),
        "ballots_invalid": tr("Số phiếu không hợp lệ", "Invalid ballots"),
    }


def _level_label(level: Level) -> str:
    return level.label_en if current_lang() == "en" else level.label_vi


def layout(ctx: AppContext):  # type: ignore[no-untyped-def]
    area = dbc.Col(
        [
            dbc.Label(
                tr("Khu vực bỏ phiếu", "Polling area"), html_for="tl-area", className="small mb-0"
            ),
            dcc.Dropdown(id="tl-area", clearable=False),
        ],
        md=2,
        className="mb-2",
    )
    level = dbc.Col(
        [
            dbc.Label(tr("Cấp bầu cử", "Level"), html_for="tl-level", className="small mb-0"),
            dcc.Dropdown(id="tl-level", clearable=False),
        ],
        md=2,
        className="mb-2",
    )
    return html.Div(
        [
            html.H1(tr("Nhập biên bản kết quả kiểm phiếu", "Tally sheet entry"), className="h3"),
            selection_bar(ctx, PREFIX, [area, level]),
            html.Div(id="tl-banner"),
            html.Div(id="tl-form"),
            dcc.Store(id="tl-ctx"),
            dcc.Store(id="tl-drafts", storage_type="local"),
        ],
        className="entry-tally",
    )


def register(app: Dash, ctx: AppContext) -> None:
    register_selection(app, ctx, PREFIX)

    @app.callback(
        Output("tl-area", "options"),
        Output("tl-area", "value"),
        Input("tl-election", "value"),
        Input("tl-commune", "value"),
        State("url", "search"),
        State("tl-area", "value"),
    )
    def pick_area(election_id, commune, search, current):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
        if election_id is None or not commune:
            return [], None
        unit = ctx.guard.unit(election_id, commune, Action.ENTER)
        with ctx.db.read() as s:
            areas = commune_areas(s, election_id, unit.code)
        codes = [a.code for a in areas]
        options = [{"label": f"{a.code} · {a.name}", "value": a.code} for a in areas]
        for wanted in (current, query(search).get("kv")):
            if wanted in codes:
                return options, wanted
        return options, codes[0] if codes else None

    @app.callback(
        Output("tl-level", "options"),
        Output("tl-level", "value"),
        Input("tl-election", "value"),
        Input("tl-area", "value"),
        State("url", "search"),
        State("tl-level", "value"),
    )
    def pick_level(election_id, area, search, current):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
        if election_id is None or not area:
            return [], None
        pa, _unit = ctx.guard.area(election_id, area, Action.ENTER)
        with ctx.db.read() as s:
            levels = area_levels(s, election_id, pa.code)
        options = [{"label": _level_label(lv), "value": str(lv)} for lv in levels]
        values = [str(lv) for lv in levels]
        for wanted in (current, query(search).get("cap")):
            if wanted in values:
                return options, wanted
        return options, values[0] if values else None

    @app.callback(
        Output("tl-banner", "children"),
        Output("tl-form", "children"),
        Output("tl-ctx", "data"),
        Input("tl-election", "value"),
        Input("tl-area", "value"),
        Input("tl-level", "value"),
        State("tl-drafts", "data"),
    )
    def build(election_id, area, level, drafts):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.ENTER)
        if election_id is None or not area or level not in {str(lv) for lv in Level}:
            return "", "", None
        pa, _unit = ctx.guard.area(election_id, area, Action.ENTER)
        with ctx.db.read() as s:
            form = tally_form(s, election_id, pa.code, Level(level))
        if form is None:
            return (
                dbc.Alert(
                    tr("Khu vực này không bầu cấp này.", "No such contest here."), color="warning"
                ),
                "",
                None,
            )
        now = ctx.clock.now()
        mode = entry_mode(form, who.user_id)
        banner, editable = _banner(form, now)
        prefix = draft_prefix(who.user_id, election_id, f"tally-{mode}", pa.code, str(level))
        draft = (drafts or {}).get(prefix) if isinstance(drafts, dict) else None
        body, _version = _form(form, editable, draft, mode)
        data = {
            "eid": election_id,
            "area": pa.code,
            "level": str(level),
            "prefix": prefix,
            "editable": editable,
            "base": _stored_values(form, mode),
            "mode": str(mode),
        }
        double = _double_banner(form, mode)
        if double is not None:
            banner = [double, banner] if banner is not None else double
        if form.sheet is not None and mode is not Mode.SECOND:  # the stored minutes
            base = f"/reports/{election_id}/tally/{pa.code}/{level}"
            links = html.Div(
                [
                    html.Span(tr("Biên bản đã lưu: ", "Stored minutes: "), className="small"),
                    html.A("PDF", href=f"{base}.pdf", className="btn btn-sm btn-outline-secondary"),
                    html.A(
                        "XLSX",
                        href=f"{base}.xlsx",
                        className="btn btn-sm btn-outline-secondary ms-1",
                    ),
                ],
                className="mb-2",
            )
            banner = [links, banner] if banner is not None else links
        return banner, body, data

    @app.callback(
        Output("tl-sums", "children"),
        Output("tl-findings", "children"),
        Output("tl-cbox", "style"),
        Output("tl-warn", "data"),
        Input({"type": COUNT_ID, "f": ALL}, "value"),
        Input({"type": VOTE_ID, "cand": ALL}, "value"),
        Input({"type": BTYPE_ID, "k": ALL}, "value"),
        State("tl-ctx", "data"),
    )
    def live(_counts, _votes, _types, data):  # type: ignore[no-untyped-def]
        ctx.guard.require(Action.ENTER)
        if not isinstance(data, dict):
            return no_update, no_update, no_update, no_update
        pa, _unit = ctx.guard.area(data.get("eid"), data.get("area"), Action.ENTER)
        with ctx.db.read() as s:
            form = tally_form(s, data["eid"], pa.code, Level(data["level"]))
        if form is None:
            return None, None, {"display": "none"}, []
        counts, votes = _typed(dash_ctx.inputs_list[0], dash_ctx.inputs_list[1])
        types = _typed_types(dash_ctx.inputs_list[2], form.seats)
        bad = _bad_labels(form, counts, votes) + _bad_types(types)
        if bad:
            return None, problems([bad_number(x) for x in bad]), {"display": "none"}, []
        parsed_counts = {k: parse_count(v) for k, v in counts.items()}
        parsed_votes = {c.id: parse_count(votes.get(c.id)) for c in form.candidates}
        parsed_types = {k: parse_count(v) for k, v in types.items()}
        findings = _live_findings(form, parsed_counts, parsed_votes, parsed_types)
        warnings = sorted({f.code for f in findings if f.severity is Severity.WARNING})
        if any(f.severity is Severity.ERROR for f in findings):
            warnings = []  # errors first: nothing to confirm until they are fixed
        missing = [k for k, v in parsed_counts.items() if v is None] + [
            vote_field(k) for k, v in parsed_votes.items() if v is None
        ]
        ok = None
        if not missing:
            ok = html.Span(
                tr("Biên bản hợp lệ.", "The sheet checks out."), className="text-success"
            )
        return (
            _sums(form, parsed_counts, parsed_votes, len(missing)),
            findings_list(findings, empty=ok),
            {} if warnings else {"display": "none"},
            warnings,
        )

    @app.callback(
        Output("tl-status", "children"),
        Output("tl-version", "data"),
        Input("tl-save", "n_clicks"),
        State({"type": COUNT_ID, "f": ALL}, "value"),
        State({"type": VOTE_ID, "cand": ALL}, "value"),
        State({"type": BTYPE_ID, "k": ALL}, "value"),
        State("tl-confirm", "value"),
        State("tl-reason", "value"),
        State("tl-warn", "data"),
        State("tl-version", "data"),
        State("tl-ctx", "data"),
        State("tl-resolve-reason", "value"),
        prevent_initial_call=True,
    )
    def save(clicks, _c, _v, _t, confirm, reason, warn, version, data, resolution):  # type: ignore[no-untyped-def]
        who = ctx.guard.require(Action.ENTER)
        if not clicks or not isinstance(data, dict):
            return no_update, no_update
        pa, _unit = ctx.guard.area(data.get("eid"), data.get("area"), Action.ENTER)
        if data.get("level") not in {str(lv) for lv in Level}:
            return problems([empty_boxes([tr("cấp bầu cử", "level")])]), no_update
        if version is not None and (
            isinstance(version, bool) or not isinstance(version, int) or version < 0
        ):
            version = -2  # nonsense from the browser: can only be refused as stale
        counts, votes = _typed(dash_ctx.states_list[0], dash_ctx.states_list[1])
        types = _typed_types(dash_ctx.states_list[2], None)
        labels = count_labels()
        try:
            parsed_counts = {k: parse_count(counts.get(k)) for k in COUNTS}
            parsed_votes = {int(k): parse_count(v) for k, v in votes.items()}
            parsed_types = {k: parse_count(v) for k, v in types.items()}
        except (BadNumber, ValueError):
            with ctx.db.read() as s:
                form = tally_form(s, data["eid"], pa.code, Level(data["level"]))
            bad = _bad_labels(form, counts, votes) if form else []
            return problems([bad_number(x) for x in bad or ["?"]]), no_update
        empty = [labels[k] for k, v in parsed_counts.items() if v is None]
        empty += [tr("phiếu bầu của một người ứng cử", "a candidate's votes")] * any(
            v is None for v in parsed_votes.values()
        )
        if any(v is not None for v in parsed_types.values()):
            empty += [type_label(k) for k, v in sorted(parsed_types.items()) if v is None]
        if empty:
            return problems([empty_boxes(empty)]), no_update
        breakdown = (
            {k: v for k, v in parsed_types.items() if v is not None}
            if any(v is not None for v in parsed_types.values())
            else None
        )
        confirmed = [str(c) for c in (warn or [])] if confirm and "ok" in confirm else []
        level = Level(data["level"])
        with ctx.db.read() as s:
            current = tally_form(s, data["eid"], pa.code, level)
        mode = entry_mode(current, who.user_id) if current else Mode.SINGLE
        if mode != data.get("mode", Mode.SINGLE):  # saved by someone else meanwhile
            return (
                dbc.Alert(
                    tr(
                        "Tình trạng nhập hai lần của biên bản này vừa thay đổi. "
                        "Hãy tải lại trang trước khi lưu.",
                        "This sheet's double-entry state has just changed. "
                        "Reload the page before saving.",
                    ),
                    color="warning",
                    className="py-2 mb-0",
                ),
                no_update,
            )
        sheet = TallyInput(
            pa.code,
            level,
            **{k: v for k, v in parsed_counts.items()},  # type: ignore[arg-type]
            votes={k: v for k, v in parsed_votes.items()},  # type: ignore[misc]
            ballot_types=breakdown,
        )
        reason = (reason or "").strip() or None
        try:
            args = (ctx.db, who.actor(), data["eid"], sheet)
            if mode is Mode.SECOND:
                saved = save_second_entry(*args, clock=ctx.clock, confirm=confirmed, reason=reason)
            elif mode is Mode.RESOLVE:
                saved = resolve_differences(
                    *args,
                    clock=ctx.clock,
                    confirm=confirmed,
                    reason=resolution.strip() if isinstance(resolution, str) else None,
                    expected_version=version,
                )
            else:
                saved = save_tally_sheet(
                    *args,
                    clock=ctx.clock,
                    confirm=confirmed,
                    reason=reason,
                    expected_version=version,
                )
        except (Forbidden, NotAuthenticated):
            raise
        except ServiceError as error:
            stale = isinstance(error, StaleVersion)
            with ctx.db.read() as s:
                form = tally_form(s, data["eid"], pa.code, Level(data["level"]))
            names = {**labels, **_vote_labels(form)} if form else labels
            return refusal(_flat(error), names), (error.current or None) if stale else no_update
        at = hhmm(ctx.clock.now())
        if saved.changed:
            text = tr(
                f"✓ Đã lưu biên bản lúc {at} (phiên bản {saved.version})",
                f"✓ Sheet saved at {at} (version {saved.version})",
            )
        else:
            text = tr(
                f"✓ Không có gì thay đổi (phiên bản {saved.version})",
                f"✓ Nothing changed (version {saved.version})",
            )
        if mode is not Mode.SINGLE:
            with ctx.db.read() as s:
                after = tally_form(s, data["eid"], pa.code, level)
            state = after.sheet.double_check if after and after.sheet else None
            text = [text, html.Br(), _double_state(state)]
        if mode is Mode.SECOND:
            return dbc.Alert(text, color="success", className="py-2 mb-0 saved-mark"), no_update
        return dbc.Alert(text, color="success", className="py-2 mb-0 saved-mark"), saved.version

    app.clientside_callback(
        ClientsideFunction(namespace="entry", function_name="tallyDrafts"),
        Output("tl-drafts", "data"),
        Input({"type": COUNT_ID, "f": ALL}, "value"),
        Input({"type": VOTE_ID, "cand": ALL}, "value"),
        Input({"type": BTYPE_ID, "k": ALL}, "value"),
        State("tl-version", "data"),
        State("tl-ctx", "data"),
        State("tl-drafts", "data"),
        prevent_initial_call=True,
    )


def _flat(error: ServiceError) -> ServiceError:
    """A stale sheet compares flat: ``votes`` becomes one row per candidate."""
    if isinstance(error, StaleVersion):
        for side in (error.stored, error.sent):
            votes = side.pop("votes", None) or {}
            for cid, n in votes.items():
                side[f"votes.{cid}"] = n
    return error


def _vote_labels(form: TallyForm) -> dict[str, str]:
    return {f"votes.{c.id}": f"{c.ballot_order}. {c.full_name}" for c in form.candidates}


def _typed(
    counts_list: list[dict], votes_list: list[dict]
) -> tuple[dict[str, Any], dict[Any, Any]]:
    counts = {
        item["id"]["f"]: item.get("value")
        for item in counts_list
        if isinstance(item.get("id"), dict) and item["id"].get("f") in COUNTS
    }
    votes = {
        item["id"]["cand"]: item.get("value")
        for item in votes_list
        if isinstance(item.get("id"), dict) and "cand" in item["id"]
    }
    return counts, votes


def type_label(k: int) -> str:
    return tr(f"Số phiếu bầu {k} đại biểu", f"Ballots keeping {k} names")


def _typed_types(items: list[dict], seats: int | None) -> dict[int, Any]:
    """The breakdown boxes by k; ids the browser made up (k not an int in 1..seats) dropped."""
    types: dict[int, Any] = {}
    for item in items:
        k = item.get("id", {}).get("k") if isinstance(item.get("id"), dict) else None
        if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= (seats or 10_000):
            types[k] = item.get("value")
    return types


def _bad_types(types: dict[int, Any]) -> list[str]:
    return [type_label(k) for k, v in sorted(types.items()) if _bad(v)]


def _bad(value: object) -> bool:
    try:
        parse_count(value)
    except BadNumber:
        return True
    return False


def _bad_labels(form: TallyForm, counts: dict[str, Any], votes: dict[Any, Any]) -> list[str]:
    labels = count_labels()
    names = {c.id: c.full_name for c in form.candidates}
    bad = [labels[k] for k in COUNTS if _bad(counts.get(k))]
    bad += [names.get(cid, str(cid)) for cid, v in votes.items() if _bad(v)]
    return bad


def _live_findings(
    form: TallyForm,
    counts: dict[str, int | None],
    votes: dict[int, int | None],
    types: dict[int, int | None] | None = None,
) -> list[Finding]:
    """The rules over what is typed so far: a box not typed yet counts as 0, and findings
    about untyped boxes are held back until they are typed."""
    missing = {k for k, v in counts.items() if v is None}
    missing |= {vote_field(k) for k, v in votes.items() if v is None}
    if any(v is None for v in votes.values()):
        missing.add("votes")
    if len(missing) == len(COUNTS) + len(votes) + (1 if votes else 0):
        return []
    typed_types = {k: v for k, v in (types or {}).items() if v is not None}
    if types and len(typed_types) < len(types):
        missing.add("ballot_types")  # judged once the whole breakdown is typed
    figures = TallyFigures(
        *(counts.get(k) or 0 for k in COUNTS),
        votes={k: v or 0 for k, v in votes.items()},
        ballot_types=typed_types or None,
    )
    context = TallyContext(
        seats=form.seats,
        candidate_ids=frozenset(c.id for c in form.candidates),
        registered_total=form.area.registered_total,
        last_turnout=form.last_turnout,
    )
    return [f for f in check_tally(figures, context) if missing.isdisjoint(f.fields)]


def _sums(
    form: TallyForm, counts: dict[str, int | None], votes: dict[int, int | None], missing: int
) -> Any:
    lang = current_lang()

    def n(value: int | None) -> str:
        return "—" if value is None else format_int(value, lang)

    valid, invalid = counts.get("ballots_valid"), counts.get("ballots_invalid")
    received = counts.get("ballots_received")
    both = None if valid is None or invalid is None else valid + invalid
    typed = [v for v in votes.values() if v is not None]
    votes_sum = sum(typed)
    voted, total = counts.get("voters_voted"), counts.get("voters_total")
    share = format_percent(percent_of(voted, total), lang) if voted is not None and total else "—"
    lower = n(valid)
    upper = n(valid * form.seats) if valid is not None else "—"
    items = [
        (
            tr("Hợp lệ + không hợp lệ", "Valid + invalid"),
            f"{n(both)}",
            tr(
                f"phải bằng số phiếu thu vào ({n(received)})",
                f"must equal ballots received ({n(received)})",
            ),
            both is not None and received is not None and both == received,
        ),
        (
            tr("Tổng số phiếu bầu cho người ứng cử", "Sum of candidates' votes"),
            format_int(votes_sum, lang),
            tr(
                f"từ {lower} đến {upper} ({form.seats} đại biểu)",
                f"from {lower} to {upper} ({form.seats} seats)",
            ),
            valid is not None
            and valid <= votes_sum <= valid * form.seats
            and len(typed) == len(votes),
        ),
        (tr("Tỷ lệ cử tri đi bầu", "Turnout"), share, "", None),
    ]
    rows = [
        html.Tr(
            [
                html.Th(label, scope="row", className="fw-normal"),
                html.Td(value, className="text-end text-nowrap fw-semibold"),
                html.Td(
                    [("✓ " if good else "✗ " if good is False else ""), note],
                    className="small "
                    + (
                        "text-success" if good else "text-danger" if good is False else "text-muted"
                    ),
                ),
            ]
        )
        for label, value, note, good in items
    ]
    footer = (
        html.Div(
            tr(
                f"Còn {missing} ô chưa nhập (ô bằng 0 cũng phải gõ 0).",
                f"{missing} boxes not typed yet (type 0 for zero).",
            ),
            className="small text-muted",
        )
        if missing
        else None
    )
    return html.Div(
        [html.Table(html.Tbody(rows), className="table table-sm mb-1 tally-sums"), footer]
    )


def _banner(form: TallyForm, now) -> tuple[Any, bool]:  # type: ignore[no-untyped-def]
    if form.closure is not None:
        c = form.closure
        return dbc.Alert(
            tr(
                f"Chỉ xem: {c.unit_name} đã kết thúc nhập liệu ({c.by}). "
                "Chỉ cấp trên mới có thể mở lại, kèm lý do.",
                f"Read only: entry is closed for {c.unit_name} ({c.by}). "
                "Only an upper level can reopen it.",
            ),
            color="dark",
            className="py-2 window-readonly",
        ), False
    if form.count_starts is not None and now < form.count_starts:
        at = hhmm(form.count_starts)
        return dbc.Alert(
            tr(
                f"Chỉ xem: chưa đến giờ kiểm phiếu — biên bản được nhập từ {at}.",
                f"Read only: counting has not started — sheets can be entered from {at}.",
            ),
            color="warning",
            className="py-2 window-readonly",
        ), False
    return None, True


def _stored_values(form: TallyForm, mode: Mode) -> dict[str, Any]:
    """What the boxes start with: never the first entry's figures for a blind second entry;
    for a resolution, only the figures both entries agree on."""
    counts: dict[str, int | None] = {k: None for k in COUNTS}
    votes: dict[int, int | None] = {c.id: None for c in form.candidates}
    types: dict[int, int | None] = {k: None for k in range(1, form.seats + 1)}
    first, second = form.sheet, form.second
    shown = second if mode is Mode.SECOND else first
    if mode is Mode.RESOLVE and first is not None and second is not None:
        counts.update({k: v for k, v in first.counts.items() if second.counts.get(k) == v})
        votes.update(
            {
                cid: first.votes.get(cid)
                for cid in votes
                if first.votes.get(cid) == second.votes.get(cid)
            }
        )
        types.update(
            {
                k: first.ballot_types.get(k)
                for k in types
                if first.ballot_types.get(k) == second.ballot_types.get(k)
            }
        )
    elif shown is not None:
        counts.update(shown.counts)
        votes.update({cid: shown.votes.get(cid) for cid in votes})
        types.update({k: shown.ballot_types.get(k) for k in types})
    return {
        "counts": {k: as_text(v) for k, v in counts.items()},
        "votes": {str(cid): as_text(v) for cid, v in votes.items()},
        "types": {str(k): as_text(v) for k, v in types.items()},
    }


def _double_state(state: DoubleCheck | None) -> Any:
    text = {
        DoubleCheck.AWAITING: (
            "Đang chờ người thứ hai nhập lại biên bản (chưa được tính vào kết quả).",
            "Waiting for a second operator to re-enter the sheet (not counted yet).",
        ),
        DoubleCheck.MATCHED: (
            "Hai lần nhập khớp nhau: biên bản được tính vào kết quả.",
            "Both entries match: the sheet counts.",
        ),
        DoubleCheck.DIFFERS: (
            "Hai lần nhập khác nhau: Ủy ban bầu cử xã đối chiếu với bản giấy và quyết định "
            "(chưa được tính vào kết quả).",
            "The two entries differ: the commune committee checks the paper and decides "
            "(not counted yet).",
        ),
        DoubleCheck.RESOLVED: (
            "Khác biệt đã được giải quyết: biên bản được tính vào kết quả.",
            "Differences resolved: the sheet counts.",
        ),
    }
    if state is None:
        return ""
    return html.Span(tr(*text[state]), className=f"double-state double-{state}")


def _double_banner(form: TallyForm, mode: Mode) -> Any:
    if mode is Mode.SINGLE:
        return None
    if mode is Mode.SECOND:
        return dbc.Alert(
            tr(
                "Nhập hai lần — lần nhập thứ hai: gõ lại toàn bộ biên bản từ bản giấy. "
                "Số liệu lần đầu được ẩn; hệ thống tự so sánh khi lưu.",
                "Double entry — second entry: type the whole sheet again from the paper. "
                "The first entry is hidden; the two are compared when you save.",
            ),
            color="info",
            className="py-2 double-second",
        )
    if mode is Mode.RESOLVE:
        return dbc.Alert(
            [
                html.Div(
                    tr(
                        "Hai lần nhập khác nhau. Đối chiếu với bản giấy, gõ số đúng vào các ô "
                        "để trống (các ô hai lần nhập giống nhau đã điền sẵn), ghi lý do rồi lưu.",
                        "The two entries differ. Check the paper, type the right figures into "
                        "the empty boxes (boxes both entries agree on are filled in), give a "
                        "reason and save.",
                    ),
                    className="mb-2",
                ),
                _differences(form),
            ],
            color="warning",
            className="py-2 double-resolve",
        )
    state = form.sheet.double_check if form.sheet else None
    return html.Div(_double_state(state), className="mb-2 small") if state else None


def _differences(form: TallyForm) -> Any:
    """The boxes where the two entries disagree, side by side."""
    lang = current_lang()
    first, second = form.sheet, form.second
    if first is None or second is None:
        return None
    labels = count_labels()
    rows = [
        (labels[k], first.counts.get(k), second.counts.get(k))
        for k in COUNTS
        if first.counts.get(k) != second.counts.get(k)
    ]
    rows += [
        (f"{c.ballot_order}. {c.full_name}", first.votes.get(c.id), second.votes.get(c.id))
        for c in form.candidates
        if first.votes.get(c.id) != second.votes.get(c.id)
    ]
    rows += [
        (type_label(k), first.ballot_types.get(k), second.ballot_types.get(k))
        for k in range(1, form.seats + 1)
        if first.ballot_types.get(k) != second.ballot_types.get(k)
    ]

    def n(value: int | None) -> str:
        return "—" if value is None else format_int(value, lang)

    return html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(tr("Ô", "Box")),
                        html.Th(
                            tr(f"Lần 1 ({first.entered_by})", f"1st ({first.entered_by})"),
                            className="text-end",
                        ),
                        html.Th(
                            tr(f"Lần 2 ({second.entered_by})", f"2nd ({second.entered_by})"),
                            className="text-end",
                        ),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(label, scope="row", className="fw-normal"),
                            html.Td(n(a), className="text-end"),
                            html.Td(n(b), className="text-end"),
                        ]
                    )
                    for label, a, b in rows
                ]
            ),
        ],
        className="table table-sm mb-0 double-differences w-auto",
    )


def _form(form: TallyForm, editable: bool, draft: Any, mode: Mode) -> tuple[Any, int | None]:
    lang = current_lang()
    labels = count_labels()
    stored = _stored_values(form, mode)
    values = stored
    version = form.sheet.version if form.sheet else None
    note: Any = None
    if mode is Mode.SECOND:
        note = (
            html.Span(
                tr(
                    f"Lần nhập thứ hai đã lưu (phiên bản {form.second.version})",
                    f"Second entry saved (version {form.second.version})",
                ),
                className="text-muted small",
            )
            if form.second is not None
            else None
        )
    elif form.sheet is not None:
        note = html.Span(
            tr(f"Đã lưu (phiên bản {form.sheet.version})", f"Saved (version {form.sheet.version})")
            + (tr(" · nhập thay", " · on behalf") if form.sheet.on_behalf else "")
            + (
                tr(" · cảnh báo đã xác nhận: ", " · confirmed warnings: ")
                + ", ".join(form.sheet.confirmed_warnings)
                if form.sheet.confirmed_warnings
                else ""
            ),
            className="text-muted small",
        )
    if editable and isinstance(draft, dict) and isinstance(draft.get("counts"), dict):
        typed = {
            "counts": {k: str(draft["counts"].get(k) or "") for k in COUNTS},
            "votes": {
                str(c.id): str((draft.get("votes") or {}).get(str(c.id)) or "")
                for c in form.candidates
            },
            "types": {
                str(k): str((draft.get("types") or {}).get(str(k)) or "")
                for k in range(1, form.seats + 1)
            },
        }
        if typed != stored:
            values = typed
            dv = draft.get("version")
            version = (
                dv if dv is None or (isinstance(dv, int) and not isinstance(dv, bool)) else version
            )
            note = html.Span(
                tr(
                    "Bản nháp chưa lưu — kiểm tra rồi nhấn Lưu.",
                    "Unsaved draft — check it, then save.",
                ),
                className="badge text-bg-info draft-mark",
            )

    last = format_int(form.last_turnout, lang) if form.last_turnout is not None else "—"
    registered = format_int(form.area.registered_total, lang)
    n_cands = len(form.candidates)
    header = html.Div(
        [
            html.Div(
                [
                    html.Strong(f"{form.area.code} · {form.area.name}"),
                    html.Span(f" — {_level_label(form.level)}", className="fw-semibold"),
                ]
            ),
            html.Div(
                tr(
                    f"{form.constituency_name}: bầu {form.seats} đại biểu; "
                    f"{n_cands} người ứng cử. Cử tri đăng ký: {registered}; "
                    f"báo cáo tiến độ gần nhất: {last}.",
                    f"{form.constituency_name}: {form.seats} seats; {n_cands} candidates. "
                    f"Registered: {registered}; last turnout report: {last}.",
                ),
                className="small text-muted",
            ),
        ],
        className="mb-2",
    )
    first = True
    count_rows = []
    for i, key in enumerate(COUNTS, 1):
        count_rows.append(
            html.Tr(
                [
                    html.Td(f"{i}.", className="text-muted small num"),
                    html.Th(html.Label(labels[key]), scope="row", className="fw-normal"),
                    html.Td(
                        count_input(
                            {"type": COUNT_ID, "f": key},
                            values["counts"][key],
                            label="",
                            disabled=not editable,
                            autofocus=first and editable,
                        ),
                        className="cell-count",
                    ),
                ]
            )
        )
        first = False
    vote_rows = []
    for j, c in enumerate(form.candidates):
        last = j == len(form.candidates) - 1
        vote_rows.append(
            html.Tr(
                [
                    html.Td(f"{c.ballot_order}.", className="text-muted small num"),
                    html.Th(c.full_name, scope="row", className="fw-normal"),
                    html.Td(
                        count_input(
                            {"type": VOTE_ID, "cand": c.id},
                            values["votes"][str(c.id)],
                            label="",
                            disabled=not editable,
                            save_on_enter=last,
                        ),
                        className="cell-count",
                    ),
                ]
            )
        )
    counts_table = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(""),
                        html.Th(tr("Cử tri và phiếu bầu", "Voters and ballots")),
                        html.Th(tr("Số", "Count"), className="text-end"),
                    ]
                )
            ),
            html.Tbody(count_rows),
        ],
        className="table table-sm align-middle tally-table mb-2",
    )
    votes_table = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(""),
                        html.Th(
                            tr(
                                "Số phiếu bầu cho từng người ứng cử (theo thứ tự trên phiếu)",
                                "Votes per candidate (ballot order)",
                            )
                        ),
                        html.Th(tr("Số phiếu", "Votes"), className="text-end"),
                    ]
                )
            ),
            html.Tbody(vote_rows),
        ],
        className="table table-sm align-middle tally-table mb-2",
    )
    type_rows = [
        html.Tr(
            [
                html.Td(f"{k}.", className="text-muted small num"),
                html.Th(html.Label(type_label(k)), scope="row", className="fw-normal"),
                html.Td(
                    count_input(
                        {"type": BTYPE_ID, "k": k},
                        values["types"][str(k)],
                        label="",
                        disabled=not editable,
                    ),
                    className="cell-count",
                ),
            ]
        )
        for k in range(1, form.seats + 1)
    ]
    breakdown = html.Details(
        [
            html.Summary(
                tr(
                    "Phân loại phiếu hợp lệ theo số đại biểu được bầu (không bắt buộc)",
                    "Valid ballots by number of names kept (optional)",
                ),
                className="small fw-semibold",
            ),
            html.Div(
                tr(
                    "Nếu nhập, gõ đủ mọi ô (kể cả 0); tổng phải bằng số phiếu hợp lệ.",
                    "If used, type every box (zeros too); they must add up to the valid ballots.",
                ),
                className="small text-muted",
            ),
            html.Table(html.Tbody(type_rows), className="table table-sm align-middle tally-table"),
        ],
        open=any(values["types"].values()),
        className="mb-2 ballot-types",
    )
    checks = html.Div(
        [
            html.H2(tr("Kiểm tra", "Checks"), className="h6"),
            html.Div(id="tl-sums"),
            html.Div(id="tl-findings", className="mb-2"),
            confirm_box("tl-confirm", "tl-reason", "tl-cbox", visible=False),
            html.Div(
                [
                    dbc.Label(
                        tr(
                            "Lý do (kết quả đối chiếu với bản giấy)",
                            "Reason (what the paper shows)",
                        ),
                        html_for="tl-resolve-reason",
                        className="small mb-0",
                    ),
                    dbc.Input(id="tl-resolve-reason", type="text", maxLength=500),
                ],
                style={} if mode is Mode.RESOLVE else {"display": "none"},
                className="mb-2",
            ),
            html.Button(
                tr("Lưu biên bản", "Save sheet")
                if mode is not Mode.RESOLVE
                else tr("Lưu kết quả đối chiếu", "Save the resolution"),
                id="tl-save",
                n_clicks=0,
                disabled=not editable,
                className="btn btn-primary mt-2 entry-save",
            ),
            html.Div(note, id="tl-status", className="mt-2"),
            dcc.Store(id="tl-version", data=version),
            dcc.Store(id="tl-warn", data=[]),
        ],
        className="tally-checks",
    )
    body = html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col([counts_table, votes_table, breakdown], lg=7),
                    dbc.Col(checks, lg=5),
                ]
            ),
        ],
        className="tally-form",
        **{"data-entry-form": "tally", "data-entry-row": "sheet"},
    )
    return body, version
