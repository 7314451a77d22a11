"""Form pieces: count fields (keyboard first), parsing, findings and refusal messages.

Count fields are text boxes with a numeric keyboard (``inputMode="numeric"``): a
number box would change its value on a mouse wheel and accept ``1e3``. The class
``entry-field`` lets assets/entry.js move to the next field on Enter; the class
``entry-save-on-enter`` also presses the save button of its ``[data-entry-row]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.i18n import current_lang, tr
from data.clock import LOCAL_TZ
from data.numbers import format_int
from data.rules.findings import Finding, Severity
from data.services.errors import RuleErrors, ServiceError, StaleVersion, WarningsNotConfirmed

_NUMBER = re.compile(r"^-?\d+$")


class BadNumber(ValueError):
    """A box holds something that is not a whole number."""


def parse_count(value: object) -> int | None:
    """``"1.234"`` → 1234; ``""``/None → None; ``"12a"`` → BadNumber. Negatives pass
    through so the rules can say R01 in their own words."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadNumber(str(value))
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(".", "").replace(" ", "").replace("\u00a0", "")
    if text == "":
        return None
    if not _NUMBER.match(text) or len(text) > 10:
        raise BadNumber(str(value))
    return int(text)


def as_text(value: int | None) -> str:
    """A stored count as the box shows it (plain digits, easy to retype)."""
    return "" if value is None else str(value)


def count_input(
    id_: Any,
    value: str = "",
    *,
    label: str = "",
    disabled: bool = False,
    save_on_enter: bool = False,
    autofocus: bool = False,
) -> dcc.Input:
    classes = "form-control form-control-sm entry-field entry-count text-end"
    if save_on_enter:
        classes += " entry-save-on-enter"
    return dcc.Input(
        id=id_,
        value=value,
        type="text",
        inputMode="numeric",
        autoComplete="off",
        spellCheck=False,
        maxLength=12,
        disabled=disabled,
        autoFocus=autofocus,
        className=classes,
        debounce=False,
    )


def lang() -> str:
    return current_lang()


def _badge(code: str, severity: str) -> html.Span:
    color = "danger" if severity == "error" else "warning"
    return dbc.Badge(code, color=color, className="me-1 finding-code")


def findings_list(findings: Iterable[Finding], *, empty: Any = None) -> Any:
    """Errors first, then warnings; each with its rule code and plain message."""
    items = sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, f.code))
    if not items:
        return empty
    return html.Ul(
        [
            html.Li(
                [_badge(f.code, str(f.severity)), f.message(lang())],
                className=f"finding finding-{f.severity}",
            )
            for f in items
        ],
        className="list-unstyled mb-0 small findings",
    )


def problems(items: Iterable[Mapping[str, str]]) -> html.Ul:
    """Items shaped like the API's errors: ``{"code","severity","field","message"}``."""
    return html.Ul(
        [
            html.Li(
                [_badge(i["code"], i.get("severity", "error")), i["message"]],
                className=f"finding finding-{i.get('severity', 'error')}",
            )
            for i in items
        ],
        className="list-unstyled mb-0 small findings",
    )


def refusal(error: ServiceError, labels: Mapping[str, str] | None = None) -> html.Div:
    """A refused save: its messages, and for a stale version both sets of figures.

    Rule findings are already listed beside the boxes as the operator types, so a save they
    refused names only their codes here instead of repeating each message."""
    if isinstance(error, RuleErrors | WarningsNotConfirmed):
        codes = sorted({f.code for f in error.findings})
        text = tr(
            "Chưa lưu — cần xử lý: " + ", ".join(codes) + " (xem phần kiểm tra).",
            "Not saved — still to fix: " + ", ".join(codes) + " (see the checks).",
        )
        return html.Div(
            html.Span(text, className="text-danger small"), className="refusal", role="alert"
        )
    body: list[Any] = [problems(error.errors(lang()))]
    if isinstance(error, StaleVersion):
        body.append(stale_table(error, labels or {}))
    return html.Div(body, className="refusal", role="alert")


def stale_table(error: StaleVersion, labels: Mapping[str, str]) -> html.Table:
    keys = [k for k in labels if k in error.stored or k in error.sent]
    rows = [
        html.Tr(
            [
                html.Th(labels[k], scope="row"),
                html.Td(_fmt(error.stored.get(k)), className="text-end stale-stored"),
                html.Td(_fmt(error.sent.get(k)), className="text-end stale-sent"),
            ],
            className="table-warning" if error.stored.get(k) != error.sent.get(k) else "",
        )
        for k in keys
    ]
    head = html.Tr(
        [
            html.Th(""),
            html.Th(
                tr(f"Đã lưu (phiên bản {error.current})", f"Stored (version {error.current})"),
                className="text-end",
            ),
            html.Th(tr("Bạn vừa nhập", "You typed"), className="text-end"),
        ]
    )
    return html.Table(
        [html.Thead(head), html.Tbody(rows)],
        className="table table-sm table-bordered mt-2 mb-1 stale-versions",
    )


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_int(value, lang())
    return str(value)


def bad_number(label: str) -> dict[str, str]:
    return {
        "code": "E_NUMBER",
        "severity": "error",
        "field": "",
        "message": tr(
            f"Ô “{label}” phải là một số nguyên (chỉ gồm chữ số).",
            f"“{label}” must be a whole number (digits only).",
        ),
    }


def empty_boxes(labels: list[str]) -> dict[str, str]:
    return {
        "code": "E_EMPTY",
        "severity": "error",
        "field": "",
        "message": tr(
            "Chưa nhập: " + ", ".join(labels) + ". Ô nào bằng 0 cũng phải gõ số 0.",
            "Not entered: " + ", ".join(labels) + ". Type 0 in every box that is zero.",
        ),
    }


def hhmm(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%H:%M}"


def query(search: object) -> dict[str, str]:
    """``"?xa=00004&moc=0900"`` → ``{"xa": "00004", "moc": "0900"}`` (first values)."""
    if not isinstance(search, str):
        return {}
    return {k: v[0] for k, v in parse_qs(search.lstrip("?")).items() if v}


def confirm_box(id_checkbox: Any, id_reason: Any, box_id: Any, *, visible: bool) -> Any:
    """Confirm warnings: a checkbox and a reason (both needed, DESIGN §5)."""
    return html.Div(
        [
            dcc.Checklist(
                id=id_checkbox,
                options=[
                    {
                        "label": tr(" Tôi xác nhận cảnh báo", " I confirm the warnings"),
                        "value": "ok",
                    }
                ],
                value=[],
                inputClassName="form-check-input entry-field me-1",
                labelClassName="form-check-label small",
                className="form-check mb-1",
            ),
            dcc.Input(
                id=id_reason,
                type="text",
                value="",
                placeholder=tr("Lý do (bắt buộc)", "Reason (required)"),
                className="form-control form-control-sm entry-field entry-save-on-enter",
                autoComplete="off",
                maxLength=500,
            ),
        ],
        id=box_id,
        className="confirm-box",
        style={} if visible else {"display": "none"},
    )


def draft_prefix(user_id: int, election_id: int, *parts: str) -> str:
    """Drafts live in the browser's local storage, keyed by user+election+what."""
    return "|".join([str(user_id), str(election_id), *parts])
