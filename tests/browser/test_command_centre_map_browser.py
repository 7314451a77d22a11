"""The command centre in headless Chromium with a configured GeoJSON and an earlier election:
the demo province (Lai Châu, 38 communes) as a choropleth, its 2021 turnout as a dashed
line, nothing fetched from outside the app, a click on a commune drills down; and a
1920×1080 screenshot (BAUCU_SCREENSHOTS=dir keeps it).
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from data.clock import LOCAL_TZ, FixedClock
from data.db import Database
from data.enums import ElectionKind, Role, WindowKind
from data.generators.demo import demo_package
from data.generators.geojson import write_grid_geojson
from data.loader import load_package
from data.models import Election, PollingArea, ReportingWindow, TurnoutReport, Unit, User
from data.read_models.cache import default_cache
from data.read_models.comparison import forget_choices
from data.schema import create_all
from tests.browser.conftest import _free_port, log_in
from tests.factories import make_user
from tests.http.conftest import _HASH

pytestmark = pytest.mark.browser

NOW = datetime(2026, 3, 15, 13, 20, tzinfo=LOCAL_TZ)
SHARE_2026 = {"0900": 0.31, "1100": 0.58, "1300": 0.74}
SHARE_2021 = {"0900": 0.36, "1100": 0.63, "1300": 0.79, "1500": 0.89, "1700": 0.96, "1900": 0.99}


def fill_turnout(db: Database, election_id: int, shares: dict[str, float], seed: int) -> None:
    """Cumulative reports per area; in 2026 a few communes have not reported 13:00 yet."""
    rng = random.Random(seed)
    with db.write() as s:
        windows = dict(
            s.execute(
                select(ReportingWindow.key, ReportingWindow.id).where(
                    ReportingWindow.election_id == election_id,
                    ReportingWindow.kind == WindowKind.TURNOUT,
                )
            ).all()
        )
        areas = s.execute(
            select(PollingArea.id, PollingArea.registered_total, Unit.code)
            .join(Unit, Unit.id == PollingArea.unit_id)
            .where(PollingArea.election_id == election_id)
        ).all()
        late = {code for code in sorted({c for _, _, c in areas}) if rng.random() < 0.2}
        rows = []
        for area_id, registered, commune in areas:
            pace = rng.uniform(0.85, 1.08)
            for key, share in shares.items():
                if key == "1300" and commune in late and seed == 2026:
                    continue
                rows.append(
                    {
                        "election_id": election_id,
                        "polling_area_id": area_id,
                        "window_id": windows[key],
                        "voted_total": min(registered, int(registered * share * pace)),
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        s.execute(TurnoutReport.__table__.insert(), rows)
        s.execute(
            update(Election)
            .where(Election.id == election_id)
            .values(data_version=Election.data_version + 1)
        )


@dataclass
class MappedApp:
    url: str
    shots: Path
    external: list[str]


@pytest.fixture
def mapped_app(tmp_path: Path) -> Iterator[MappedApp]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    default_cache().invalidate()
    forget_choices()
    db = Database(f"sqlite:///{tmp_path / 'mapped.sqlite3'}")
    create_all(db.engine)
    old = load_package(db, demo_package(election_name="Bầu cử 2021")).election_id
    with db.write() as s:
        s.execute(
            update(Election)
            .where(Election.id == old)
            .values(date=date(2021, 5, 23), kind=ElectionKind.REAL)
        )
    new = load_package(db, demo_package(election_name="Bầu cử 2026")).election_id
    fill_turnout(db, old, SHARE_2021, seed=2021)
    fill_turnout(db, new, SHARE_2026, seed=2026)
    make_user(db, "tinh_laichau", Role.PROVINCE, "12")
    with db.write() as s:
        s.execute(update(User).values(password_hash=_HASH, must_change_password=False))
    app = create_app(db, clock=FixedClock(NOW))
    app.server.config["BAUCU_UNITS_GEOJSON"] = str(
        write_grid_geojson(db, new, tmp_path / "units.geojson")
    )
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = Path(os.environ.get("BAUCU_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield MappedApp(f"http://127.0.0.1:{port}", shots, [])
    finally:
        server.shutdown()
        thread.join(timeout=10)
        db.dispose()
        default_cache().invalidate()
        forget_choices()


def test_the_choropleth_and_the_earlier_line_at_1920(mapped_app: MappedApp, browser: Any) -> None:
    served = mapped_app
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(served.url) else served.external.append(r.url),
    )
    log_in(page, served.url, "tinh_laichau")
    page.goto(f"{served.url}/")
    page.wait_for_selector("#cc-map .choroplethlocation", timeout=20_000)
    page.wait_for_selector("#cc-turnout .legendtext", timeout=20_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(served.shots / "command_centre_map_1920.png"))

    assert page.locator("#cc-map .choroplethlocation").count() == 38  # every commune
    legend = page.inner_text("#cc-turnout")
    assert "Cuộc bầu cử trước: Bầu cử 2021" in legend
    assert page.locator("#cc-turnout .scatterlayer .trace").count() >= 3
    assert not served.external, served.external  # no tiles, no CDN topojson
    assert not problems, problems

    page.click("text=tỷ lệ đi bầu")  # the same colour toggle as the treemap
    page.wait_for_function(
        "() => document.querySelector('#cc-map .colorbar').textContent.includes('đi bầu')",
        timeout=10_000,
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(served.shots / "command_centre_map_turnout_1920.png"))

    box = page.locator("#cc-map .choroplethlocation").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => document.querySelector('#cc-crumbs').innerText.includes('Xã/phường')",
        timeout=10_000,
    )
    # a commune's children are polling areas, which have no shape: the treemap again
    page.wait_for_selector("#cc-map .treemaplayer", timeout=10_000)
    assert page.locator("#cc-map .choroplethlocation").count() == 0
    assert not problems, problems
    page.close()
