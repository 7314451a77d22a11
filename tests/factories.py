"""A small, fully valid election written straight through the ORM for tests.

Nation VN → province 01 → communes 00004 and 00008, three polling areas each;
QH (2 seats, 4 candidates) and HĐND tỉnh (3 seats, 5 candidates) over the
province, HĐND xã (2 seats, 3 candidates) per commune; the default windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from data.db import Database
from data.enums import ElectionKind, Gender, Level, UnitKind
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    ReportingWindow,
    Unit,
    User,
)
from data.schedule import DEFAULT_WINDOWS

ELECTION_DAY = date(2026, 3, 15)


@dataclass
class SmallElection:
    election_id: int
    unit_ids: dict[str, int] = field(default_factory=dict)  # code -> id
    area_ids: dict[str, int] = field(default_factory=dict)  # code -> id
    constituency_ids: dict[str, int] = field(default_factory=dict)
    candidate_ids: dict[str, list[int]] = field(default_factory=dict)  # constituency code
    window_ids: dict[str, int] = field(default_factory=dict)  # key -> id
    registered: dict[str, tuple[int, int, int]] = field(default_factory=dict)


AREAS = {
    "00004": [
        ("00004-01", 1000, 480, 520),
        ("00004-02", 800, 400, 400),
        ("00004-03", 650, 300, 350),
    ],
    "00008": [
        ("00008-01", 900, 450, 450),
        ("00008-02", 700, 340, 360),
        ("00008-03", 500, 250, 250),
    ],
}


def make_small_election(db: Database, name: str = "Bầu cử thử 2026") -> SmallElection:
    with db.write() as s:
        election = Election(name=name, date=ELECTION_DAY, kind=ElectionKind.REAL, settings={})
        s.add(election)
        s.flush()
        out = SmallElection(election.id)

        def unit(code: str, uname: str, kind: UnitKind, parent: Unit | None) -> Unit:
            u = Unit(
                election_id=election.id,
                code=code,
                name=uname,
                kind=kind,
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                path=(parent.path if parent else "") + code + "/",
            )
            s.add(u)
            s.flush()
            out.unit_ids[code] = u.id
            return u

        nation = unit("VN", "Việt Nam", UnitKind.NATION, None)
        province = unit("01", "Thành phố Hà Nội", UnitKind.PROVINCE, nation)
        communes = {
            "00004": unit("00004", "Phường Ba Đình", UnitKind.COMMUNE, province),
            "00008": unit("00008", "Phường Ngọc Hà", UnitKind.COMMUNE, province),
        }
        areas: dict[str, PollingArea] = {}
        for commune_code, rows in AREAS.items():
            for i, (code, total, male, female) in enumerate(rows, 1):
                pa = PollingArea(
                    election_id=election.id,
                    unit_id=communes[commune_code].id,
                    code=code,
                    name=f"Khu vực bỏ phiếu số {i}",
                    registered_total=total,
                    registered_male=male,
                    registered_female=female,
                )
                s.add(pa)
                areas[code] = pa
                out.registered[code] = (total, male, female)
        s.flush()
        out.area_ids = {code: pa.id for code, pa in areas.items()}

        def constituency(
            code: str,
            level: Level,
            seats: int,
            n_candidates: int,
            unit_: Unit,
            area_codes: list[str],
        ) -> None:
            c = Constituency(
                election_id=election.id,
                level=level,
                code=code,
                name=f"Đơn vị bầu cử số 1 ({code})",
                seats=seats,
                unit_id=unit_.id,
            )
            s.add(c)
            s.flush()
            out.constituency_ids[code] = c.id
            for pa_code in area_codes:
                s.add(
                    ConstituencyArea(
                        constituency_id=c.id, polling_area_id=areas[pa_code].id, level=level
                    )
                )
            ids = []
            for order in range(1, n_candidates + 1):
                cand = Candidate(
                    constituency_id=c.id,
                    full_name=f"Nguyễn Văn {chr(64 + order)}",
                    date_of_birth=date(1970 + order, 1, 1),
                    gender=Gender.MALE if order % 2 else Gender.FEMALE,
                    ballot_order=order,
                )
                s.add(cand)
                s.flush()
                ids.append(cand.id)
            out.candidate_ids[code] = ids

        every_area = list(areas)
        constituency("QH-01", Level.QH, 2, 4, province, every_area)
        constituency("T-01", Level.HDND_TINH, 3, 5, province, every_area)
        for commune_code, commune in communes.items():
            constituency(
                f"X-{commune_code}",
                Level.HDND_XA,
                2,
                3,
                commune,
                [code for code, *_ in AREAS[commune_code]],
            )

        for position, spec in enumerate(DEFAULT_WINDOWS):
            due, opens, closes = spec.on(ELECTION_DAY)
            w = ReportingWindow(
                election_id=election.id,
                key=spec.key,
                kind=spec.kind,
                due_at=due,
                opens_at=opens,
                closes_at=closes,
                position=position,
            )
            s.add(w)
            s.flush()
            out.window_ids[spec.key] = w.id
    return out


def make_user(db: Database, username: str, role: str, scope_code: str) -> int:
    with db.write() as s:
        user = User(
            username=username,
            full_name=username,
            role=role,
            scope_code=scope_code,
            password_hash="!",
            must_change_password=False,
        )
        s.add(user)
        s.flush()
        return user.id
