"""The election picker every page starts with, and the drill banner that follows it.

The picker offers every election, newest first, and starts on the newest REAL one:
a drill is chosen on purpose, never by default. Whenever the chosen election is a
drill, the banner at the top of the page says so (registered once, in the shell,
over every picker id listed in :data:`PICKER_IDS`).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.i18n import tr
from dashboard.context import AppContext
from data.drills import DrillInfo
from data.enums import ElectionKind
from data.read_models.elections import ElectionChoice, election_choices

# Every id an election picker is created with: the drill banner listens to each one.
PICKER_IDS: tuple[str, ...] = (
    "election",  # overview
    "cc-election",  # command centre
    "ld-election",  # leader
    "rs-election",  # results
    "sc-election",  # large screen
    "ec-election",  # close entry
    "eh-election",  # operator home
    "to-election",  # turnout entry
    "tl-election",  # tally entry
)
BANNER_ID = "drill-banner"


def drill_label(name: str) -> str:
    return f"{tr('DIỄN TẬP', 'DRILL')} · {name}"


def _options(choices: list[ElectionChoice]) -> list[dict[str, object]]:
    return [
        {"label": drill_label(e.name) if e.kind is ElectionKind.DRILL else e.name, "value": e.id}
        for e in choices
    ]


def election_options(ctx: AppContext) -> list[dict[str, object]]:
    with ctx.db.read() as s:
        return _options(election_choices(s))


def election_dropdown(ctx: AppContext, id_: str, className: str = "") -> dcc.Dropdown:
    if id_ not in PICKER_IDS:
        raise ValueError(
            f"election picker {id_!r}: add it to PICKER_IDS so the drill banner follows it"
        )
    with ctx.db.read() as s:
        choices = election_choices(s)
    real = [e for e in choices if e.kind is ElectionKind.REAL]
    first = (real or choices)[:1]
    return dcc.Dropdown(
        id=id_,
        options=_options(choices),
        value=first[0].id if first else None,
        clearable=False,
        placeholder=tr("Chưa có cuộc bầu cử nào", "No election yet"),
        className=className,
    )


def drill_banner_slot() -> html.Div:
    """Where the banner goes: the top of every page."""
    return html.Div(id=BANNER_ID)


def drill_banner(drill: DrillInfo | None) -> Any:
    if drill is None:
        return None
    source = (
        tr(f" · bản sao dữ liệu của “{drill.source_name}”", f" · a copy of “{drill.source_name}”")
        if drill.source_name
        else ""
    )
    return dbc.Alert(
        [
            html.Div(
                tr("DIỄN TẬP — dữ liệu không có giá trị", "DRILL — not real data"),
                className="fw-bold fs-5",
            ),
            html.Div(f"{drill.name}{source}", className="small"),
        ],
        color="danger",
        # Solid red, unlike any other alert of the app: no one mistakes a drill for the day.
        className="drill-banner bg-danger text-white border-0 text-center py-2 mb-3",
    )
