"""Users, actors and a frozen clock on election day for the write-service tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data.clock import LOCAL_TZ, FixedClock
from data.db import Database
from data.enums import Role
from data.services.actor import Actor
from tests.factories import SmallElection, make_small_election, make_user


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 3, 15, hours, minutes, tzinfo=LOCAL_TZ)


@dataclass
class World:
    db: Database
    e: SmallElection
    clock: FixedClock
    commune_a: Actor  # operator of 00004
    commune_b: Actor  # operator of 00008
    province: Actor
    admin: Actor
    leader: Actor
    national: Actor

    @property
    def eid(self) -> int:
        return self.e.election_id


def make_world(db: Database, moment: str = "09:05") -> World:
    e = make_small_election(db)

    def actor(name: str, role: Role, scope: str) -> Actor:
        return Actor(make_user(db, name, role, scope), name, role, scope, "127.0.0.1")

    return World(
        db=db,
        e=e,
        clock=FixedClock(at(moment)),
        commune_a=actor("xa_badinh", Role.COMMUNE, "00004"),
        commune_b=actor("xa_ngocha", Role.COMMUNE, "00008"),
        province=actor("tinh_hanoi", Role.PROVINCE, "01"),
        admin=actor("quantri", Role.ADMIN, "VN"),
        leader=actor("lanhdao", Role.LEADER, "01"),
        national=actor("hdbcqg", Role.NATIONAL, "VN"),
    )
