"""The command centre's progress map from a configured GeoJSON (a choropleth of the scope's
children, the treemap when shapes are missing or the file is bad) and the earlier
election's dashed line, over HTTP: figures, drill-down, patches and the viewer's scope."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from data.generators.geojson import write_grid_geojson
from data.read_models.cache import default_cache
from data.read_models.comparison import forget_choices
from tests.db.test_read_comparison import add_turnout, election_on
from tests.http.test_dashboards import SC_OUT, call, command_centre, out, report, unchanged

GEOJSON = "BAUCU_UNITS_GEOJSON"
EARLIER = "Cuộc bầu cử trước: Bầu cử 2021"


@pytest.fixture(autouse=True)
def _fresh_caches():  # type: ignore[no-untyped-def]
    default_cache().invalidate()
    forget_choices()
    yield
    default_cache().invalidate()
    forget_choices()


@pytest.fixture
def mapped(web, app, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The synthetic GeoJSON of the small election, configured in the app."""
    path = write_grid_geojson(web.db, web.eid, tmp_path / "units.geojson")
    app.server.config[GEOJSON] = str(path)
    return path


def earlier_2021(web) -> None:  # type: ignore[no-untyped-def]
    """The same units in 2021: Ba Đình 777 + Ngọc Hà 450 voted by 09:00, 3.000 by 11:00."""
    old = election_on(web.db, "Bầu cử 2021", date(2021, 5, 23))
    add_turnout(web.db, old, "0900", {"00004-01": 777, "00008-01": 450})
    add_turnout(web.db, old, "1100", {"00004-01": 900, "00004-02": 700, "00008-01": 700})
    add_turnout(web.db, old, "1100", {"00008-02": 700})


def figure(client, eid, output: str = "cc-map", **kw) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return out(command_centre(client, eid, **kw))[output]["figure"]


# ---------------------------------------------------------------------------- map


def test_the_map_is_a_choropleth_of_the_children_with_vietnamese_figures(web, client_for, mapped):
    report(web, "00004-01", 300)
    report(web, "00004-02", 200)
    fig = figure(client_for("tinh_hanoi"), web.eid)
    choropleth, labels = fig["data"]
    assert choropleth["type"] == "choropleth"
    assert choropleth["locations"] == choropleth["ids"] == ["00004", "00008"]
    assert [f["id"] for f in choropleth["geojson"]["features"]] == ["00004", "00008"]
    assert choropleth["z"] == [66.67, 0.0]  # areas reported for 09:00: 2 of 3, 0 of 3
    assert choropleth["text"] == ["Phường Ba Đình", "Phường Ngọc Hà"]
    hover = choropleth["customdata"][0]
    assert "Cử tri: 2.450" in hover and "Mốc 09:00: 2/3 khu vực" in hover
    assert "Đi bầu: 20,41 %" in hover  # 500 of 2.450
    assert "Khu vực đã báo cáo (%)" in json.dumps(choropleth["colorbar"], ensure_ascii=False)
    assert labels["type"] == "scattergeo" and labels["text"][0] == "Ba Đình<br>66,7 %"
    geo = fig["layout"]["geo"]
    assert geo["visible"] is False and geo["fitbounds"] == "locations"
    assert "annotations" not in fig["layout"]  # every child has a shape

    turnout = figure(client_for("tinh_hanoi"), web.eid, colour="turnout")["data"][0]
    assert turnout["z"] == [20.41, 0.0]
    assert "Tỷ lệ cử tri đi bầu (%)" in json.dumps(turnout["colorbar"], ensure_ascii=False)


def test_the_nation_sees_its_province_and_the_graph_finds_the_empty_topojson(
    web, client_for, mapped, app
):
    fig = figure(client_for("hdbcqg"), web.eid)
    assert fig["data"][0]["locations"] == ["01"]
    page = call(client_for("hdbcqg"), [("page", "children")], [("url", "pathname", "/")])
    assert '"topojsonURL": "/assets/topojson/"' in json.dumps(out(page))
    topo = client_for("hdbcqg").get("/assets/topojson/world_110m.json")
    assert topo.status_code == 200 and topo.get_json()["type"] == "Topology"


def test_without_shapes_for_the_children_the_treemap_stays(web, client_for, mapped):
    fig = figure(client_for("tinh_hanoi"), web.eid, focus="00004")  # children: polling areas
    assert fig["data"][0]["type"] == "treemap"
    assert figure(client_for("xa_badinh"), web.eid)["data"][0]["type"] == "treemap"


def test_children_without_a_shape_are_named_and_logged(web, client_for, app, tmp_path, caplog):
    path = write_grid_geojson(web.db, web.eid, tmp_path / "partial.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["code"] != "00008"]
    data["features"].append({**data["features"][-1], "properties": {"code": "99999"}})
    path.write_text(json.dumps(data), encoding="utf-8")
    app.server.config[GEOJSON] = str(path)
    with caplog.at_level(logging.WARNING, logger="dashboard.unit_map"):
        fig = figure(client_for("tinh_hanoi"), web.eid)
    assert fig["data"][0]["locations"] == ["00004"]
    note = fig["layout"]["annotations"][0]["text"]
    assert note == "Chưa có ranh giới trên bản đồ: Phường Ngọc Hà"
    assert "1 unit(s) have none (00008)" in caplog.text
    assert "1 feature(s) match no unit (99999)" in caplog.text


@pytest.mark.parametrize(
    "content", ["{not json", '{"type": "Topology"}', '{"type": "FeatureCollection", "features": 3}']
)
def test_a_bad_file_never_breaks_the_page(web, client_for, app, tmp_path, caplog, content):
    bad = tmp_path / "bad.geojson"
    bad.write_text(content, encoding="utf-8")
    app.server.config[GEOJSON] = str(bad)
    with caplog.at_level(logging.WARNING, logger="data.unit_shapes"):
        fig = figure(client_for("tinh_hanoi"), web.eid)
    assert fig["data"][0]["type"] == "treemap"
    assert "Units GeoJSON not used" in caplog.text
    app.server.config[GEOJSON] = str(tmp_path / "missing.geojson")
    assert figure(client_for("tinh_hanoi"), web.eid)["data"][0]["type"] == "treemap"


def test_the_environment_sets_the_file_when_the_app_config_does_not(
    web, client_for, tmp_path, monkeypatch
):
    path = write_grid_geojson(web.db, web.eid, tmp_path / "env.geojson")
    monkeypatch.setenv(GEOJSON, str(path))
    assert figure(client_for("tinh_hanoi"), web.eid)["data"][0]["type"] == "choropleth"


def test_a_click_on_a_region_drills_down_inside_the_scope_only(web, client_for, mapped):
    region = {"points": [{"location": "00004", "id": "00004", "z": 0, "pointNumber": 0}]}

    def click(client, point):  # type: ignore[no-untyped-def]
        return call(
            client,
            [("cc-focus", "data")],
            [
                ("cc-map", "clickData", point),
                ("cc-up", "n_clicks", None),
                ("cc-home", "n_clicks", None),
            ],
            [("cc-focus", "data", None), ("cc-election", "value", web.eid)],
        )

    assert out(click(client_for("tinh_hanoi"), region))["cc-focus"]["data"] == "00004"
    by_location = {"points": [{"location": "00008"}]}
    assert out(click(client_for("tinh_hanoi"), by_location))["cc-focus"]["data"] == "00008"
    assert click(client_for("xa_badinh"), by_location).status_code == 403


def test_a_new_version_patches_the_colours_and_labels_only(web, client_for, mapped):
    client = client_for("tinh_hanoi")
    first = out(command_centre(client, web.eid))
    seen = first["cc-seen"]["data"]
    assert seen[5].startswith("choropleth:")
    assert unchanged(command_centre(client, web.eid, seen=seen))
    report(web, "00008-01", 450)
    got = out(command_centre(client, web.eid, seen=seen))
    patch = json.dumps(got["cc-map"]["figure"], ensure_ascii=False)
    assert '"__dash_patch_update"' in patch
    assert "geojson" not in patch and "layout" not in patch  # the shapes never travel again
    assert "33.33" in patch and "Ngọc Hà<br>33,3 %" in patch


# --------------------------------------------------------------------- comparison


def test_the_earlier_election_is_a_dashed_line_at_the_scope(web, client_for):
    earlier_2021(web)
    report(web, "00004-01", 300)
    lines = figure(client_for("tinh_hanoi"), web.eid, output="cc-turnout")["data"]
    assert [t["name"] for t in lines][-2:] == [EARLIER, "Thành phố Hà Nội"]  # scope on top
    dashed = lines[-2]
    assert dashed["line"]["dash"] == "dash"
    assert dashed["x"] == ["09:00", "11:00", "13:00", "15:00", "17:00", "19:00"]
    # 1.227 and 3.000 of 4.550; the whole earlier day shows although 11:00 has not opened
    assert dashed["y"][:3] == [26.97, 65.93, None]  # no report at 13:00 then: no point
    assert dashed["text"][1] == "65,93 % · 3.000/4.550"
    assert lines[-1]["y"][1] is None


def test_a_commune_sees_the_earlier_figures_of_its_own_commune_only(web, client_for):
    earlier_2021(web)
    client = client_for("xa_ngocha")
    lines = figure(client, web.eid, output="cc-turnout")["data"]
    dashed = next(t for t in lines if t["name"] == EARLIER)
    assert dashed["y"][:2] == [21.43, 66.67]  # 450 and 1.400 of Ngọc Hà's 2.100
    body = json.dumps(out(command_centre(client, web.eid)), ensure_ascii=False)
    assert "777" not in body and "Ba Đình" not in body and "2.450" not in body
    assert command_centre(client, web.eid, focus="00004").status_code == 403


def test_no_line_without_an_earlier_election_or_when_turned_off(web, client_for):
    names = [t["name"] for t in figure(client_for("tinh_hanoi"), web.eid, "cc-turnout")["data"]]
    assert not any(n.startswith("Cuộc bầu cử trước") for n in names)
    earlier_2021(web)
    from sqlalchemy import update

    from data.models import Election

    with web.db.write() as s:
        s.execute(
            update(Election).where(Election.id == web.eid).values(settings={"compare_with": None})
        )
    forget_choices()
    names = [t["name"] for t in figure(client_for("tinh_hanoi"), web.eid, "cc-turnout")["data"]]
    assert EARLIER not in names


def test_an_earlier_election_loaded_later_replaces_the_figure_not_patches_it(web, client_for):
    client = client_for("tinh_hanoi")
    seen = out(command_centre(client, web.eid))["cc-seen"]["data"]
    assert seen[6] is None
    earlier_2021(web)
    forget_choices()  # as after CHOICE_MAX_AGE seconds
    got = out(command_centre(client, web.eid, seen=seen))
    assert got["cc-seen"]["data"][6] is not None
    lines = got["cc-turnout"]["figure"]
    assert "__dash_patch_update" not in json.dumps(lines)
    assert EARLIER in [t["name"] for t in lines["data"]]


def test_the_large_screen_shows_the_choropleth_and_the_earlier_line(web, client_for, mapped):
    earlier_2021(web)
    got = out(
        call(
            client_for("tinh_hanoi"),
            SC_OUT,
            [("sc-election", "value", web.eid), ("sc-tick", "n_intervals", 1)],
            [("sc-seen", "data", None)],
        )
    )
    assert got["sc-map"]["figure"]["data"][0]["type"] == "choropleth"
    assert EARLIER in [t["name"] for t in got["sc-turnout"]["figure"]["data"]]
