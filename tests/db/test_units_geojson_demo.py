"""The demo's synthetic units GeoJSON: written next to the demo database, one shape for
every unit of the demo election, read back by the app without a problem."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dashboard.demo import demo_units_geojson, prepare_demo
from data.db import Database
from data.models import Unit
from data.schema import create_all
from data.unit_shapes import coverage, read_unit_shapes


def test_the_demo_map_covers_every_demo_unit(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'demo' / 'baucu.sqlite3'}")
    (tmp_path / "demo").mkdir()
    create_all(db.engine)
    prepared = prepare_demo(db)
    path = demo_units_geojson(db, prepared.election_id)
    assert path.parent == tmp_path / "demo"
    shapes = read_unit_shapes(path)
    with db.read() as s:
        codes = s.scalars(select(Unit.code).where(Unit.election_id == prepared.election_id)).all()
    found = coverage(shapes, codes)
    assert found.complete and found.matched == len(codes) == 40  # VN, Lai Châu, 38 communes
    db.dispose()
