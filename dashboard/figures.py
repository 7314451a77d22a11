"""Plotly figure builders for the dashboards, as plain dicts (no template: small payloads).

Every builder takes a read-model snapshot and returns a figure; :func:`data_patch`
turns a new figure into a :class:`dash.Patch` of its data arrays only, for a
figure already on screen with the same shape (DESIGN §3: prefer Patch).
Numbers are shown Vietnamese style (``1.234.567``, ``45,67 %``) unless English.
"""

from __future__ import annotations

from typing import Any

import numpy
from dash import Patch
from plotly.io._json import to_json_plotly

from auth.i18n import current_lang, tr
from data.enums import WindowKind
from data.numbers import format_int, format_percent
from data.read_models.dashboard import CommandCentre, NodeFigures

Figure = dict[str, Any]

# plotly (through orjson) imports numpy lazily on the first JSON it writes; a server thread
# serialising while another is still importing numpy crashes the interpreter (SIGILL, seen
# with threaded werkzeug serving the layout and a callback at once). Import it once, here,
# at app start-up.
numpy.zeros(1)
to_json_plotly({"warm": [1, 2.5, "x", None]})

COLOUR_MODES = ("report", "turnout", "count")
SCALE = [[0.0, "#c62828"], [0.5, "#f9a825"], [0.85, "#9ccc65"], [1.0, "#2e7d32"]]
SCOPE_COLOUR = "#0d47a1"
CHILD_COLOURS = [
    "#1e88e5",
    "#43a047",
    "#fb8c00",
    "#8e24aa",
    "#00acc1",
    "#e53935",
    "#6d4c41",
    "#3949ab",
    "#c0ca33",
    "#d81b60",
]


def _separators() -> str:
    return ".," if current_lang() == "en" else ",."


def _theme(dark: bool) -> dict[str, Any]:
    fg = "#f5f5f5" if dark else "#212529"
    grid = "#555" if dark else "#e0e0e0"
    return {
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": fg, "size": 22 if dark else 14},
        "separators": _separators(),
        "xaxis": {"gridcolor": grid, "linecolor": grid, "zeroline": False},
        "yaxis": {"gridcolor": grid, "linecolor": grid, "zeroline": False},
    }


def window_label(cc: CommandCentre, i: int) -> str:
    w = cc.windows[i]
    return tr("Khai mạc", "Opening") if w.kind == WindowKind.OPENING else w.label


def _pct(value: Any) -> float:
    return float(value)


def turnout_lines(cc: CommandCentre, upto: int | None, *, dark: bool = False) -> Figure:
    """Turnout (%) per turnout window: the scope (thick) and each child (thin).

    Windows after ``upto`` (not opened yet) have no point; the x axis keeps every window,
    so the figure's shape never changes during the day (patchable).
    """
    lang = current_lang()
    idx = [i for i, w in enumerate(cc.windows) if w.kind == WindowKind.TURNOUT]
    x = [window_label(cc, i) for i in idx]

    def series(n: NodeFigures) -> tuple[list[float | None], list[str]]:
        ys: list[float | None] = []
        texts: list[str] = []
        for i in idx:
            shown = upto is not None and i <= upto
            ys.append(_pct(n.turnout_pct(i)) if shown else None)
            texts.append(
                f"{format_percent(n.turnout_pct(i), lang)} · "
                f"{format_int(n.voted[i], lang)}/{format_int(n.registered, lang)}"
                if shown
                else ""
            )
        return ys, texts

    children = cc.children()
    many = len(children) > len(CHILD_COLOURS)
    data = []
    for k, child in enumerate(children):
        ys, texts = series(child)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": child.name,
                "x": x,
                "y": ys,
                "text": texts,
                "hovertemplate": "%{fullData.name}<br>%{x}: %{text}<extra></extra>",
                "line": {
                    "width": 1 if many else 2,
                    "color": "#90a4ae" if many else CHILD_COLOURS[k % len(CHILD_COLOURS)],
                },
                "marker": {"size": 3 if many else 6},
                "opacity": 0.6 if many else 0.9,
                "showlegend": not many,
            }
        )
    ys, texts = series(cc.scope)
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "name": cc.scope.name,
            "x": x,
            "y": ys,
            "text": [t.split(" · ")[0] for t in texts],
            "textposition": "top center",
            "hovertemplate": "%{fullData.name}<br>%{x}: %{text}<extra></extra>",
            "line": {"width": 5, "color": "#ffeb3b" if dark else SCOPE_COLOUR},
            "marker": {"size": 10},
        }
    )
    layout = _theme(dark)
    layout.update(
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        yaxis={**layout["yaxis"], "range": [0, 105], "ticksuffix": " %", "fixedrange": True},
        xaxis={**layout["xaxis"], "type": "category", "fixedrange": True},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
        uirevision=cc.scope.code,
    )
    return {"data": data, "layout": layout}


def _colour_value(n: NodeFigures, mode: str, cur: int | None, turnout_i: int | None) -> float:
    if mode == "count":
        return _pct(n.sheets_pct)
    if mode == "turnout":
        return _pct(n.turnout_pct(turnout_i)) if turnout_i is not None else 0.0
    return _pct(n.reported_pct(cur)) if cur is not None else 0.0


def progress_map(
    cc: CommandCentre,
    mode: str,
    cur: int | None,
    turnout_i: int | None,
    *,
    dark: bool = False,
) -> Figure:
    """The unit tree as a treemap: sized by registered voters, coloured by completeness
    (polling areas reported for the current window, or tally sheets in) or by turnout."""
    lang = current_lang()
    ids, labels, parents, values, colours, hover = [], [], [], [], [], []
    for n in cc.nodes:
        ids.append(n.code)
        labels.append(n.name)
        parents.append(n.parent_code or "")
        values.append(n.registered)
        colours.append(_colour_value(n, mode, cur, turnout_i))
        hover.append(_hover(cc, n, cur, turnout_i, lang))
    title = {
        "report": tr("Khu vực đã báo cáo (%)", "Areas reported (%)"),
        "turnout": tr("Tỷ lệ cử tri đi bầu (%)", "Turnout (%)"),
        "count": tr("Biên bản kiểm phiếu đã nhập (%)", "Tally sheets in (%)"),
    }[mode]
    layout = _theme(dark)
    layout.pop("xaxis")
    layout.pop("yaxis")
    layout.update(margin={"l": 0, "r": 0, "t": 0, "b": 0}, uirevision=cc.scope.code)
    return {
        "data": [
            {
                "type": "treemap",
                "ids": ids,
                "labels": labels,
                "parents": parents,
                "values": values,
                "branchvalues": "total",
                "maxdepth": 3,
                "customdata": hover,
                "hovertemplate": "<b>%{label}</b><br>%{customdata}<extra></extra>",
                "texttemplate": "%{label}",
                "marker": {
                    "colors": colours,
                    "colorscale": SCALE,
                    "cmin": 0,
                    "cmax": 100,
                    "showscale": True,
                    "colorbar": {"title": {"text": title, "side": "right"}, "ticksuffix": " %"},
                    "line": {"width": 1, "color": "#222" if dark else "#fff"},
                },
                "pathbar": {"visible": True},
            }
        ],
        "layout": layout,
    }


# The hover texts, by language: built for every node of a national tree (~3,400), so the
# language is looked up once per figure, not once per line (tr() reads the request).
_HOVER_TEXT = {
    "vi": (
        "Cử tri: {n}",
        "Mốc {w}: {r}/{t} khu vực",
        "Đi bầu: {p}",
        "Biên bản: {a}/{b}",
        "Đã kết thúc nhập liệu",
    ),
    "en": (
        "Voters: {n}",
        "Window {w}: {r}/{t} areas",
        "Turnout: {p}",
        "Sheets: {a}/{b}",
        "Entry closed",
    ),
}


def _hover(
    cc: CommandCentre, n: NodeFigures, cur: int | None, turnout_i: int | None, lang: str
) -> str:
    voters, window, turnout, sheets, closed = _HOVER_TEXT["en" if lang == "en" else "vi"]
    parts = [voters.format(n=format_int(n.registered, lang))]
    if cur is not None:
        parts.append(
            window.format(
                w=window_label(cc, cur),
                r=format_int(n.reported[cur], lang),
                t=format_int(n.polling_areas, lang),
            )
        )
    if turnout_i is not None:
        parts.append(turnout.format(p=format_percent(n.turnout_pct(turnout_i), lang)))
    sheets_in, expected = n.sheets_total
    if sheets_in:
        parts.append(sheets.format(a=format_int(sheets_in, lang), b=format_int(expected, lang)))
    if n.closed:
        parts.append(closed)
    return "<br>".join(parts)


def completeness_bars(cc: CommandCentre, cur: int | None, *, dark: bool = False) -> Figure:
    """Per child: % polling areas reported for the current window and % tally sheets in."""
    lang = current_lang()
    children = cc.children()
    names = [c.name for c in children]
    reported = [_pct(c.reported_pct(cur)) if cur is not None else 0.0 for c in children]
    sheets = [_pct(c.sheets_pct) for c in children]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": tr("Báo cáo mốc {w}", "Window {w} reported").format(
                w=window_label(cc, cur) if cur is not None else "—"
            ),
            "y": names,
            "x": reported,
            "text": [
                f"{format_int(c.reported[cur], lang)}/{format_int(c.polling_areas, lang)}"
                if cur is not None
                else ""
                for c in children
            ],
            "hovertemplate": "%{y}: %{x:.2f} % (%{text})<extra></extra>",
            "marker": {"color": "#1e88e5"},
        },
        {
            "type": "bar",
            "orientation": "h",
            "name": tr("Biên bản kiểm phiếu", "Tally sheets"),
            "y": names,
            "x": sheets,
            "text": [
                f"{format_int(c.sheets_total[0], lang)}/{format_int(c.sheets_total[1], lang)}"
                for c in children
            ],
            "hovertemplate": "%{y}: %{x:.2f} % (%{text})<extra></extra>",
            "marker": {"color": "#43a047"},
        },
    ]
    layout = _theme(dark)
    layout.update(
        barmode="group",
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        xaxis={**layout["xaxis"], "range": [0, 100], "ticksuffix": " %", "fixedrange": True},
        yaxis={**layout["yaxis"], "automargin": True, "autorange": "reversed", "fixedrange": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        height=max(220, (60 if dark else 32) * len(children) + 110),
        uirevision=cc.scope.code,
    )
    return {"data": data, "layout": layout}


def data_patch(figure: Figure, fields: dict[int, tuple[str, ...]]) -> Patch:
    """A Patch replacing, per trace index, the named data fields with ``figure``'s values.

    Field names may be dotted (``marker.colors``)."""
    patch = Patch()
    for i, names in fields.items():
        for name in names:
            src: Any = figure["data"][i]
            target: Any = patch["data"][i]
            *head, last = name.split(".")
            for part in head:
                src, target = src[part], target[part]
            target[last] = src[last]
    return patch


def lines_patch(figure: Figure) -> Patch:
    return data_patch(figure, {i: ("y", "text") for i in range(len(figure["data"]))})


def map_patch(figure: Figure) -> Patch:
    return data_patch(figure, {0: ("marker.colors", "customdata")})
