"""The deployment's map of its units: a GeoJSON FeatureCollection matched to units by code.

A deployment may configure one GeoJSON file of its units (``BAUCU_UNITS_GEOJSON``,
docs/configuration.md); each feature names its unit by a code property — ``code``
or ``ma`` unless another name is configured. :func:`read_unit_shapes` validates the
file and keeps, per unit code, a compact feature (the code as its ``id``, the
geometry with its rings wound the way the map renderer needs); features it cannot
use are listed in ``problems`` instead of failing. :func:`load_unit_shapes` reads a
file once per process (again only when the file changes) and never raises: a bad
file is logged and gives ``None``, so a page falls back to its treemap.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

CODE_PROPERTIES = ("code", "ma")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_LISTED = 10  # codes named in one warning


class UnitShapesError(ValueError):
    """The file cannot be used at all (unreadable, not JSON, not a FeatureCollection)."""


@dataclass(frozen=True)
class UnitShapes:
    source: str
    features: Mapping[str, dict[str, Any]]  # unit code -> compact feature
    problems: tuple[str, ...] = ()  # features left out, and why

    def __contains__(self, code: object) -> bool:
        return code in self.features

    def __len__(self) -> int:
        return len(self.features)

    def collection(self, codes: Iterable[str]) -> dict[str, Any]:
        """A FeatureCollection of the features of ``codes`` (those that have one)."""
        return {
            "type": "FeatureCollection",
            "features": [self.features[c] for c in codes if c in self.features],
        }

    def centre(self, code: str) -> tuple[float, float]:
        """(lon, lat) of the middle of the unit's largest ring's bounding box: label anchor."""
        geometry = self.features[code]["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        ring = max((p[0] for p in polygons), key=lambda r: abs(_signed_area(r)))
        lons, lats = [pt[0] for pt in ring], [pt[1] for pt in ring]
        return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


@dataclass(frozen=True)
class ShapeCoverage:
    """How a file's features and an election's units match up."""

    unmatched_features: tuple[str, ...]  # feature codes naming no unit
    units_without_feature: tuple[str, ...]  # unit codes with no feature
    matched: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not (self.unmatched_features or self.units_without_feature or self.problems)

    def warning(self, source: str, election: str) -> str | None:
        """One readable line for the log, or None when everything matches."""
        if self.complete:
            return None
        parts = [f"{source}: {self.matched} unit(s) of election {election} have a shape"]
        if self.units_without_feature:
            parts.append(
                f"{len(self.units_without_feature)} unit(s) have none "
                f"({_listed(self.units_without_feature)})"
            )
        if self.unmatched_features:
            parts.append(
                f"{len(self.unmatched_features)} feature(s) match no unit "
                f"({_listed(self.unmatched_features)})"
            )
        if self.problems:
            parts.append(f"{len(self.problems)} feature(s) unusable ({_listed(self.problems)})")
        return "; ".join(parts)


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f", … +{len(items) - MAX_LISTED}" if len(items) > MAX_LISTED else "")


def coverage(shapes: UnitShapes, unit_codes: Iterable[str]) -> ShapeCoverage:
    codes = set(unit_codes)
    have = set(shapes.features)
    return ShapeCoverage(
        unmatched_features=tuple(sorted(have - codes)),
        units_without_feature=tuple(sorted(codes - have)),
        matched=len(have & codes),
        problems=shapes.problems,
    )


# ---------------------------------------------------------------------- geometry


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Shoelace area in degrees², positive when counterclockwise (lon east, lat north)."""
    return sum((x1 * y2 - x2 * y1) for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring)) / 2.0


def _wound(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """Exterior ring clockwise, holes counterclockwise: the spherical convention of the
    map renderer (d3-geo), the reverse of RFC 7946 — a counterclockwise exterior would be
    drawn as the whole globe minus the unit."""
    out = []
    for i, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        want_clockwise = i == 0
        out.append(ring if clockwise == want_clockwise else list(reversed(ring)))
    return out


def _valid_ring(ring: Any) -> bool:
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(
            isinstance(pt, list)
            and len(pt) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pt[:2])
            for pt in ring
        )
    )


def _geometry(raw: Any) -> dict[str, Any] | None:
    """The geometry with rings rewound, or None if it is not a usable (Multi)Polygon."""
    if not isinstance(raw, dict) or raw.get("type") not in GEOMETRY_TYPES:
        return None
    coords = raw.get("coordinates")
    polygons = [coords] if raw["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return None
    wound = []
    for rings in polygons:
        if not isinstance(rings, list) or not rings or not all(map(_valid_ring, rings)):
            return None
        rings = [[[float(pt[0]), float(pt[1])] for pt in ring] for ring in rings]
        if _signed_area(rings[0]) == 0:
            return None
        wound.append(_wound(rings))
    if raw["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": wound[0]}
    return {"type": "MultiPolygon", "coordinates": wound}


def _code_of(feature: dict[str, Any], code_property: str | None) -> str | None:
    props = feature.get("properties")
    if not isinstance(props, dict):
        return None
    for name in (code_property,) if code_property else CODE_PROPERTIES:
        value = props.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


# ------------------------------------------------------------------------ reading


def parse_unit_shapes(
    data: Any, *, source: str = "GeoJSON", code_property: str | None = None
) -> UnitShapes:
    """Validate a decoded GeoJSON document; raises :class:`UnitShapesError` if unusable."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise UnitShapesError(f"{source}: not a GeoJSON FeatureCollection")
    raw_features = data.get("features")
    if not isinstance(raw_features, list):
        raise UnitShapesError(f"{source}: the FeatureCollection has no 'features' list")
    wanted = f"'{code_property}'" if code_property else " or ".join(map(repr, CODE_PROPERTIES))
    features: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for i, feature in enumerate(raw_features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"#{i}: not a Feature")
            continue
        code = _code_of(feature, code_property)
        if code is None:
            problems.append(f"#{i}: no unit code property {wanted}")
            continue
        geometry = _geometry(feature.get("geometry"))
        if geometry is None:
            problems.append(f"{code}: geometry is not a valid Polygon or MultiPolygon")
            continue
        if code in features:
            problems.append(f"{code}: appears twice, the first one is kept")
            continue
        features[code] = {"type": "Feature", "id": code, "properties": {}, "geometry": geometry}
    if not features:
        raise UnitShapesError(f"{source}: no feature has a unit code ({wanted}) and a polygon")
    return UnitShapes(source, MappingProxyType(features), tuple(problems))


def read_unit_shapes(path: str | os.PathLike[str], code_property: str | None = None) -> UnitShapes:
    """Read and validate a GeoJSON file; raises :class:`UnitShapesError` if unusable."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise UnitShapesError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnitShapesError(f"{source}: not valid JSON ({exc})") from exc
    return parse_unit_shapes(data, source=source, code_property=code_property)


def load_unit_shapes(
    path: str | os.PathLike[str], code_property: str | None = None
) -> UnitShapes | None:
    """The file's shapes, read once per process and file version; None (logged) if unusable."""
    source = os.fspath(path)
    try:
        stat = os.stat(source)
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    return _load(source, code_property or None, stamp)


@functools.lru_cache(maxsize=8)
def _load(source: str, code_property: str | None, stamp: object) -> UnitShapes | None:
    try:
        shapes = read_unit_shapes(source, code_property)
    except UnitShapesError as exc:
        log.warning("Units GeoJSON not used, the progress map stays a treemap: %s", exc)
        return None
    if shapes.problems:
        log.warning(
            "Units GeoJSON %s: %d feature(s) left out: %s",
            source,
            len(shapes.problems),
            _listed(shapes.problems),
        )
    log.info("Units GeoJSON %s: %d unit shape(s) loaded", source, len(shapes))
    return shapes
