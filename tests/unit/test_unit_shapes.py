"""The units GeoJSON: validation, ring winding, loading once, coverage; and the synthetic
grid generator."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from data.generators.geojson import GridUnit, grid_geojson
from data.unit_shapes import (
    UnitShapesError,
    _signed_area,
    coverage,
    load_unit_shapes,
    parse_unit_shapes,
    read_unit_shapes,
)

CCW = [[105.0, 15.0], [106.0, 15.0], [106.0, 16.0], [105.0, 16.0], [105.0, 15.0]]
HOLE_CW = [[105.2, 15.2], [105.2, 15.8], [105.8, 15.8], [105.8, 15.2], [105.2, 15.2]]


def feature(props: dict[str, Any], geometry: Any = None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": geometry if geometry is not None else {"type": "Polygon", "coordinates": [CCW]},
    }


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_codes_from_code_or_ma_and_problems_listed() -> None:
    shapes = parse_unit_shapes(
        collection(
            feature({"code": "01"}),
            feature({"ma": "00004", "ten": "Ba Đình"}),
            feature({"ma": 8}),  # a number: its digits
            feature({"name": "no code"}),
            feature({"code": "02"}, {"type": "Point", "coordinates": [105, 15]}),
            feature({"code": "03"}, {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}),
            feature({"code": "01"}),
            "not a feature",
        )
    )
    assert set(shapes.features) == {"01", "00004", "8"}
    assert "01" in shapes and "02" not in shapes and len(shapes) == 3
    assert shapes.problems == (
        "#3: no unit code property 'code' or 'ma'",
        "02: geometry is not a valid Polygon or MultiPolygon",
        "03: geometry is not a valid Polygon or MultiPolygon",
        "01: appears twice, the first one is kept",
        "#7: not a Feature",
    )
    kept = shapes.features["00004"]
    assert kept["id"] == "00004" and kept["properties"] == {}  # compact: code and geometry only


def test_a_configured_property_name_is_the_only_one_read() -> None:
    data = collection(feature({"MA_XA": "00004", "code": "x"}), feature({"code": "01"}))
    shapes = parse_unit_shapes(data, code_property="MA_XA")
    assert set(shapes.features) == {"00004"}
    assert shapes.problems == ("#1: no unit code property 'MA_XA'",)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"type": "Feature"},
        {"type": "FeatureCollection"},
        collection(feature({"name": "no code"})),
    ],
)
def test_an_unusable_document_is_refused(data: Any) -> None:
    with pytest.raises(UnitShapesError):
        parse_unit_shapes(data)


def test_rings_are_wound_for_the_renderer_whatever_the_file_says() -> None:
    """d3-geo (plotly's geo) fills the outside of a counterclockwise exterior ring."""
    rfc = feature({"code": "a"}, {"type": "Polygon", "coordinates": [CCW, HOLE_CW]})
    d3 = feature(
        {"code": "b"},
        {"type": "MultiPolygon", "coordinates": [[list(reversed(CCW)), list(reversed(HOLE_CW))]]},
    )
    shapes = parse_unit_shapes(collection(rfc, d3))
    outer, hole = shapes.features["a"]["geometry"]["coordinates"]
    assert _signed_area(outer) < 0 < _signed_area(hole)
    [[outer_b, hole_b]] = shapes.features["b"]["geometry"]["coordinates"]
    assert _signed_area(outer_b) < 0 < _signed_area(hole_b)
    assert shapes.centre("a") == (105.5, 15.5)
    assert shapes.collection(["b", "zz", "a"])["features"] == [
        shapes.features["b"],
        shapes.features["a"],
    ]


def test_files_are_read_once_and_again_when_changed(tmp_path: Path, caplog) -> None:
    path = tmp_path / "units.geojson"
    path.write_text(json.dumps(collection(feature({"code": "01"}))), encoding="utf-8")
    first = load_unit_shapes(path)
    assert first is not None and load_unit_shapes(str(path)) is first
    path.write_text(
        json.dumps(collection(feature({"code": "01"}), feature({"code": "02"}))), encoding="utf-8"
    )
    os.utime(path, ns=(1, 1))
    second = load_unit_shapes(path)
    assert second is not None and second is not first and len(second) == 2

    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="data.unit_shapes"):
        assert load_unit_shapes(bad) is None
        assert load_unit_shapes(tmp_path / "missing.geojson") is None
    assert "not valid JSON" in caplog.text and "cannot be read" in caplog.text
    with pytest.raises(UnitShapesError, match="not valid JSON"):
        read_unit_shapes(bad)


def test_coverage_names_both_sides() -> None:
    shapes = parse_unit_shapes(
        collection(feature({"code": "01"}), feature({"code": "99"}), feature({"x": 1}))
    )
    found = coverage(shapes, ["VN", "01", "00004"])
    assert found.matched == 1
    assert found.unmatched_features == ("99",)
    assert found.units_without_feature == ("00004", "VN")
    text = found.warning("units.geojson", "3")
    assert text is not None
    assert "2 unit(s) have none (00004, VN)" in text and "1 feature(s) match no unit (99)" in text
    assert "1 feature(s) unusable" in text
    full = coverage(parse_unit_shapes(collection(feature({"code": "01"}))), ["01"])
    assert full.complete and full.warning("x", "1") is None


def _box(f: dict[str, Any]) -> tuple[float, float, float, float]:
    ring = f["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def test_the_grid_nests_children_inside_their_parent_without_overlap() -> None:
    units = [GridUnit("VN", "Việt Nam", None)]
    for p in range(3):
        units.append(GridUnit(f"0{p}", f"Tỉnh {p}", "VN"))
        units += [GridUnit(f"0{p}{c:03d}", f"Xã {c}", f"0{p}") for c in range(7)]
    data = grid_geojson(units)
    boxes = {f["properties"]["code"]: _box(f) for f in data["features"]}
    assert set(boxes) == {u.code for u in units}
    for u in units:
        if u.parent_code:
            x0, y0, x1, y1 = boxes[u.code]
            px0, py0, px1, py1 = boxes[u.parent_code]
            assert px0 < x0 < x1 < px1 and py0 < y0 < y1 < py1
    siblings = [boxes[f"01{c:03d}"] for c in range(7)]
    for i, a in enumerate(siblings):
        for b in siblings[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    shapes = parse_unit_shapes(data)  # what the app reads back: every unit, no problem
    assert len(shapes) == len(units) and shapes.problems == ()
