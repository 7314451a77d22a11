"""``baucu demo``: the demo election, its accounts, and the simulated day."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import func, select

from data.clock import LOCAL_TZ, ScaledClock
from data.db import Database, default_sqlite_path
from data.enums import Role, UnitKind
from data.generators.demo import demo_package
from data.generators.geojson import write_grid_geojson
from data.loader import load_package
from data.models import Election, PollingArea, Unit, User
from data.numbers import format_int
from data.passwords import hash_password
from data.simulation import DaySimulator

DEMO_NAME = "Bầu cử demo 2026"
DEMO_PASSWORD = "demo-BauCu-2026"  # printed on start; demo data only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    scope: str


@dataclass(frozen=True)
class PreparedDemo:
    election_id: int
    election_name: str
    summary: str
    accounts: list[DemoAccount]


def prepare_demo(db: Database) -> PreparedDemo:
    """Load the demo election once, and make sure its accounts exist."""
    with db.read() as s:
        election_id = s.scalar(select(Election.id).where(Election.name == DEMO_NAME))
    if election_id is None:
        election_id = load_package(db, demo_package(election_name=DEMO_NAME)).election_id
    with db.write() as s:
        province = s.scalar(
            select(Unit).where(Unit.election_id == election_id, Unit.kind == UnitKind.PROVINCE)
        )
        communes = s.scalars(
            select(Unit)
            .where(Unit.election_id == election_id, Unit.kind == UnitKind.COMMUNE)
            .order_by(Unit.code)
        ).all()
        accounts = [
            DemoAccount("quantri", DEMO_PASSWORD, Role.ADMIN, "VN"),
            DemoAccount("hdbcqg", DEMO_PASSWORD, Role.NATIONAL, "VN"),
            DemoAccount("tinh", DEMO_PASSWORD, Role.PROVINCE, province.code),
            DemoAccount("lanhdao", DEMO_PASSWORD, Role.LEADER, province.code),
            DemoAccount("xa1", DEMO_PASSWORD, Role.COMMUNE, communes[0].code),
            DemoAccount("xa2", DEMO_PASSWORD, Role.COMMUNE, communes[1].code),
        ]
        existing = set(s.scalars(select(User.username)))
        demo_hash = hash_password(DEMO_PASSWORD)
        for a in accounts:
            if a.username not in existing:
                s.add(_user(a.username, a.role, a.scope, demo_hash))
        # The simulated operators of the other communes cannot log in ("!" is no hash).
        for commune in communes[2:]:
            name = f"sim_{commune.code}"
            if name not in existing:
                s.add(_user(name, Role.COMMUNE, commune.code, "!"))
        areas, voters = s.execute(
            select(func.count(), func.sum(PollingArea.registered_total)).where(
                PollingArea.election_id == election_id
            )
        ).one()
    summary = (
        f"{province.name}: {len(communes)} xã/phường, {format_int(areas)} khu vực bỏ phiếu,"
        f" {format_int(voters)} cử tri"
    )
    return PreparedDemo(election_id, DEMO_NAME, summary, accounts)


def demo_units_geojson(db: Database, election_id: int) -> Path:
    """A synthetic GeoJSON of the demo units (a grid of rectangles), written next to the
    demo database (SQLite) or in the app's home folder, for the command centre's map."""
    database = db.engine.url.database if db.is_sqlite else None
    folder = Path(database).parent if database else default_sqlite_path().parent
    return write_grid_geojson(db, election_id, folder / f"demo-units-{election_id}.geojson")


def _user(username: str, role: Role, scope: str, password_hash: str) -> User:
    return User(
        username=username,
        full_name=username,
        role=role,
        scope_code=scope,
        password_hash=password_hash,
        must_change_password=False,
    )


def start_simulation(db: Database, election_id: int, speed: float = 60.0) -> ScaledClock:
    """Run the election day from 06:40 at ``speed``× in a background thread."""
    with db.read() as s:
        day = s.scalar(select(Election.date).where(Election.id == election_id))
    clock = ScaledClock(datetime.combine(day, time(6, 40), LOCAL_TZ), speed)
    simulator = DaySimulator(db, election_id, clock)
    thread = threading.Thread(
        target=simulator.run, args=(threading.Event(),), daemon=True, name="demo-simulation"
    )
    thread.start()
    return clock
