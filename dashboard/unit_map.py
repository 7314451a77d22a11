"""The progress map: a choropleth of the scope's children when the deployment configures a
GeoJSON of its units, otherwise the treemap of :func:`dashboard.figures.progress_map`.

The GeoJSON is the setting ``BAUCU_UNITS_GEOJSON`` (the Flask app config first, then the
environment; ``BAUCU_UNITS_GEOJSON_PROPERTY`` names the code property if it is neither
``code`` nor ``ma``), read once per process by :mod:`data.unit_shapes`. The map draws
with plotly's ``geo`` and no base map at all: no tiles, nothing fetched from outside
(plotly still asks for its world topojson, answered by an empty one in
``assets/topojson/`` — see :func:`graph_config`). Children without a shape are named in
a note under the map; when none has one, the treemap is shown instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dash import Patch, get_asset_url
from flask import current_app, has_app_context
from sqlalchemy import select

from auth.i18n import current_lang, tr
from dashboard import figures
from dashboard.context import AppContext
from data.models import Unit
from data.numbers import format_decimal, is_english
from data.read_models.dashboard import CommandCentre, NodeFigures
from data.unit_shapes import UnitShapes, coverage, load_unit_shapes

log = logging.getLogger(__name__)

GEOJSON_SETTING = "BAUCU_UNITS_GEOJSON"
PROPERTY_SETTING = "BAUCU_UNITS_GEOJSON_PROPERTY"
MAX_LABELS = 40  # children named on the map; more would only overlap
MISSING_NAMED = 6
LIGHT_FILL = (30.0, 92.0)  # values whose colour on figures.SCALE is light enough for dark text
SHORT_PREFIXES = ("Thành phố ", "Tỉnh ", "Quận ", "Huyện ", "Thị xã ", "Phường ", "Xã ", "Đặc khu ")


def graph_config(base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` plus where plotly finds its (empty) world topojson: the app's own assets."""
    return {**base, "topojsonURL": get_asset_url("topojson/")}


def _setting(name: str) -> str | None:
    if has_app_context() and name in current_app.config:
        value = current_app.config[name]
    else:
        value = os.environ.get(name)
    return str(value) if value else None


def configured_shapes() -> UnitShapes | None:
    """The configured GeoJSON's shapes; None when none is configured or it is unusable."""
    path = _setting(GEOJSON_SETTING)
    return load_unit_shapes(path, _setting(PROPERTY_SETTING)) if path else None


_reported: set[tuple[object, ...]] = set()
_reported_lock = threading.Lock()


def report_coverage(ctx: AppContext, election_id: int, version: object, shapes: UnitShapes) -> None:
    """Log, once per process, election and file, which units have no shape and which
    features name no unit of the election."""
    key = (election_id, getattr(version, "born", None), shapes.source, len(shapes))
    with _reported_lock:
        if key in _reported:
            return
        _reported.add(key)
    with ctx.db.read() as s:
        codes = s.scalars(select(Unit.code).where(Unit.election_id == election_id)).all()
    found = coverage(shapes, codes)
    message = found.warning(shapes.source, str(election_id))
    if message:
        log.warning("Units GeoJSON does not cover every unit: %s", message)


# ------------------------------------------------------------------------- figure


def _short(name: str) -> str:
    for prefix in SHORT_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def drawn_children(cc: CommandCentre, shapes: UnitShapes | None) -> list[NodeFigures]:
    return [c for c in cc.children() if c.code in shapes] if shapes is not None else []


def map_token(cc: CommandCentre, shapes: UnitShapes | None) -> str:
    """What the map's shape depends on beyond the scope: same token, patchable figure."""
    drawn = drawn_children(cc, shapes)
    if not drawn:
        return "treemap"
    digest = hashlib.blake2s(",".join(c.code for c in drawn).encode(), digest_size=6)
    return f"choropleth:{digest.hexdigest()}"


_TITLES = {
    "report": ("Khu vực đã báo cáo (%)", "Areas reported (%)"),
    "turnout": ("Tỷ lệ cử tri đi bầu (%)", "Turnout (%)"),
    "count": ("Biên bản kiểm phiếu đã nhập (%)", "Tally sheets in (%)"),
}


def progress_choropleth(
    cc: CommandCentre,
    shapes: UnitShapes,
    mode: str,
    cur: int | None,
    turnout_i: int | None,
    *,
    dark: bool = False,
) -> figures.Figure | None:
    """The scope's children with a shape, coloured like the treemap; None if none has one."""
    drawn = drawn_children(cc, shapes)
    if not drawn:
        return None
    lang = current_lang()
    codes = [c.code for c in drawn]
    values = [figures._colour_value(c, mode, cur, turnout_i) for c in drawn]
    data: list[dict[str, Any]] = [
        {
            "type": "choropleth",
            "geojson": shapes.collection(codes),
            "locations": codes,
            "ids": codes,  # a click's point id: the drill-down target, as in the treemap
            "z": values,
            "zmin": 0,
            "zmax": 100,
            "colorscale": figures.SCALE,
            "text": [c.name for c in drawn],
            "customdata": [figures._hover(cc, c, cur, turnout_i, lang) for c in drawn],
            "hovertemplate": "<b>%{text}</b><br>%{customdata}<extra></extra>",
            "marker": {"line": {"width": 1.5, "color": "#222" if dark else "#fff"}},
            "colorbar": {
                "title": {"text": tr(*_TITLES[mode]), "side": "right"},
                "ticksuffix": " %",
                "thickness": 14,
            },
        }
    ]
    if len(drawn) <= MAX_LABELS:
        centres = [shapes.centre(c) for c in codes]
        data.append(
            {
                "type": "scattergeo",
                "mode": "text",
                "lon": [lon for lon, _ in centres],
                "lat": [lat for _, lat in centres],
                "ids": codes,
                "text": _labels(drawn, values, lang),
                "textfont": {"color": label_colours(values), "size": 15 if dark else 12},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    layout = figures._theme(dark)
    layout.pop("xaxis")
    layout.pop("yaxis")
    layout.update(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=cc.scope.code,
        geo={
            "visible": False,  # no base map: no land, coasts or countries to fetch
            "fitbounds": "locations",
            # Its frame is twice as wide as tall, like the panel (Mercator's is square,
            # which left half the panel empty); at Vietnam's latitudes the two barely differ.
            "projection": {"type": "equirectangular"},
            "bgcolor": "rgba(0,0,0,0)",
        },
        dragmode=False,
    )
    missing = [c for c in cc.children() if c.code not in shapes]
    if missing:
        layout["annotations"] = [_missing_note(missing, dark)]
    return {"data": data, "layout": layout}


def label_colours(values: list[float]) -> list[str]:
    """White on the scale's dark ends (red, deep green), near-black on amber and light green."""
    return ["#212529" if LIGHT_FILL[0] <= v <= LIGHT_FILL[1] else "#ffffff" for v in values]


def _labels(drawn: list[NodeFigures], values: list[float], lang: str) -> list[str]:
    """Short name and the colour's value to one decimal (the hover has the exact figures)."""
    unit = "%" if is_english(lang) else " %"
    return [
        f"{_short(c.name)}<br>{format_decimal(v, lang, 1)}{unit}"
        for c, v in zip(drawn, values, strict=True)
    ]


def _missing_note(missing: list[NodeFigures], dark: bool) -> dict[str, Any]:
    names = ", ".join(c.name for c in missing[:MISSING_NAMED])
    more = len(missing) - MISSING_NAMED
    text = tr("Chưa có ranh giới trên bản đồ: {n}", "No shape on the map: {n}").format(
        n=names + (tr(" và {k} đơn vị khác", " and {k} more").format(k=more) if more > 0 else "")
    )
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "align": "left",
        "font": {"size": 18 if dark else 12, "color": "#f5f5f5" if dark else "#212529"},
        "bgcolor": "rgba(0,0,0,0.6)" if dark else "rgba(255,255,255,0.8)",
    }


@dataclass(frozen=True)
class ProgressMap:
    figure: figures.Figure
    token: str  # map_token(): "treemap" or "choropleth:…"

    def patch(self) -> Patch:
        """The data arrays that change with the figures (colours, hover, labels)."""
        if self.token == "treemap":
            return figures.map_patch(self.figure)
        fields: dict[int, tuple[str, ...]] = {0: ("z", "customdata")}
        if len(self.figure["data"]) > 1:
            fields[1] = ("text", "textfont.color")
        return figures.data_patch(self.figure, fields)


def progress_map(
    cc: CommandCentre,
    shapes: UnitShapes | None,
    mode: str,
    cur: int | None,
    turnout_i: int | None,
    *,
    dark: bool = False,
) -> ProgressMap:
    """The choropleth when shapes cover some child, else the treemap."""
    if shapes is not None:
        figure = progress_choropleth(cc, shapes, mode, cur, turnout_i, dark=dark)
        if figure is not None:
            return ProgressMap(figure, map_token(cc, shapes))
    return ProgressMap(figures.progress_map(cc, mode, cur, turnout_i, dark=dark), "treemap")
