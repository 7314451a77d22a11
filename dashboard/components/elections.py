"""The election picker every page starts with (newest election chosen)."""

from __future__ import annotations

from dash import dcc

from auth.i18n import tr
from dashboard.context import AppContext
from data.read_models.elections import election_choices


def election_options(ctx: AppContext) -> list[dict[str, object]]:
    with ctx.db.read() as s:
        return [{"label": e.name, "value": e.id} for e in election_choices(s)]


def election_dropdown(ctx: AppContext, id_: str, className: str = "") -> dcc.Dropdown:
    options = election_options(ctx)
    return dcc.Dropdown(
        id=id_,
        options=options,
        value=options[0]["value"] if options else None,
        clearable=False,
        placeholder=tr("Chưa có cuộc bầu cử nào", "No election yet"),
        className=className,
    )
