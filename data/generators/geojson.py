"""A synthetic GeoJSON of an election's units, for the demo and tests: nested rectangles.

The root fills a box in Vietnam's longitudes and latitudes; each unit's children
share its box as a near-square grid of cells, with a small gap so that neighbours'
borders show. Every unit gets a feature (properties ``code`` and ``name``), so a
progress map can draw any level. Rings follow RFC 7946 (exterior counterclockwise).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import Database
from data.models import Unit

# lon min, lat min, lon max, lat max: over Vietnam, wider than tall like a dashboard panel
BOX = (102.0, 14.0, 110.0, 18.0)
GAP = 0.06  # share of a cell left empty on each side of a child
DECIMALS = 5


@dataclass(frozen=True)
class GridUnit:
    code: str
    name: str
    parent_code: str | None  # None for a root


def _cells(box: tuple[float, ...], n: int) -> list[tuple[float, ...]]:
    """``n`` boxes filling ``box`` row by row (top to bottom), cells as square as fits."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0

    def squareness(cols: int) -> tuple[float, int]:
        rows = math.ceil(n / cols)
        return abs(math.log((width / cols) / (height / rows))), cols * rows - n

    cols = min(range(1, n + 1), key=squareness)
    rows = math.ceil(n / cols)
    w, h = width / cols, height / rows
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        cx0, cy1 = x0 + c * w, y1 - r * h
        gx, gy = w * GAP, h * GAP
        out.append((cx0 + gx, cy1 - h + gy, cx0 + w - gx, cy1 - gy))
    return out


def _square(box: tuple[float, ...]) -> list[list[float]]:
    x0, y0, x1, y1 = (round(v, DECIMALS) for v in box)
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]  # counterclockwise


def grid_geojson(
    units: Sequence[GridUnit], box: tuple[float, float, float, float] = BOX
) -> dict[str, Any]:
    """A FeatureCollection with one rectangle per unit, children nested in their parent."""
    children: dict[str | None, list[GridUnit]] = defaultdict(list)
    known = {u.code for u in units}
    for u in units:
        children[u.parent_code if u.parent_code in known else None].append(u)
    features: list[dict[str, Any]] = []
    stack: list[tuple[GridUnit, tuple[float, ...]]] = list(
        zip(children[None], _cells(box, len(children[None])), strict=True)
    )
    while stack:
        unit, cell = stack.pop(0)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": unit.code, "name": unit.name},
                "geometry": {"type": "Polygon", "coordinates": [_square(cell)]},
            }
        )
        kids = children.get(unit.code, [])
        if kids:
            stack.extend(zip(kids, _cells(cell, len(kids)), strict=True))
    return {"type": "FeatureCollection", "features": features}


def election_units(session: Session, election_id: int) -> list[GridUnit]:
    """The election's units in tree order, as the generator wants them."""
    parent = Unit.__table__.alias("parent")
    rows = session.execute(
        select(Unit.code, Unit.name, parent.c.code)
        .outerjoin(parent, parent.c.id == Unit.parent_id)
        .where(Unit.election_id == election_id)
        .order_by(Unit.path)
    )
    return [GridUnit(code, name, parent_code) for code, name, parent_code in rows]


def write_grid_geojson(db: Database, election_id: int, path: Path) -> Path:
    """Write the election's synthetic GeoJSON to ``path`` (its folder is created)."""
    with db.read() as s:
        collection = grid_geojson(election_units(s, election_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path
