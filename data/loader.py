"""Validate an election package and load it into the database (API.md §1).

:func:`validate_package` is pure: it lists every problem of a package, each
pointing at its file and row. :func:`load_package` writes a valid package in
ONE transaction: the election is created or updated, units, polling areas and
constituencies are upserted by code, memberships and candidates follow the
package exactly, and whatever the package no longer holds is deleted — unless
turnout reports or tally sheets already use it, in which case nothing is
written at all. Everything is bulk Core ``INSERT``/``UPDATE``/``DELETE`` with
lists of parameters, so a national package (72,000 polling areas) loads in
seconds.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from data.clock import LOCAL_TZ, clock_from_env
from data.collation import vietnamese_sort_key
from data.db import Database
from data.enums import Level, UnitKind, WindowKind
from data.models import (
    AuditEvent,
    Candidate,
    Constituency,
    ConstituencyArea,
    Contest,
    Election,
    OpeningReport,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TallyVote,
    TurnoutReport,
    Unit,
)
from data.package import CandidateRow, ElectionPackage, Problem, UnitRow
from data.rules.master import check_constituency, check_memberships, check_registered
from data.schedule import DEFAULT_WINDOWS, OPENING_KEY

__all__ = [
    "FILES",
    "NATION_CODE",
    "LoadResult",
    "PackageRejected",
    "Unparsed",
    "ballot_orders",
    "load_package",
    "validate_package",
]

NATION_CODE = "VN"
NATION_NAME = "Việt Nam"
MIN_CANDIDATE_AGE = 21  # Luật Bầu cử 2015: đủ 21 tuổi trở lên có quyền ứng cử

# Package attribute → file name, in the order problems are listed.
FILES: dict[str, str] = {
    "election": "election.csv",
    "units": "units.csv",
    "polling_areas": "polling_areas.csv",
    "constituencies": "constituencies.csv",
    "memberships": "constituency_areas.csv",
    "candidates": "candidates.csv",
    "windows": "windows.csv",
}
_FILE_ORDER = {name: i for i, name in enumerate(FILES.values())}

# The committee that runs each level's constituencies sits at this unit kind.
COMMITTEE_KIND: dict[Level, UnitKind] = {
    Level.QH: UnitKind.PROVINCE,
    Level.HDND_TINH: UnitKind.PROVINCE,
    Level.HDND_HUYEN: UnitKind.DISTRICT,
    Level.HDND_XA: UnitKind.COMMUNE,
}
_PARENT_KINDS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.DISTRICT: (UnitKind.PROVINCE,),
    UnitKind.COMMUNE: (UnitKind.PROVINCE, UnitKind.DISTRICT),
}
_KIND_VI = {
    UnitKind.NATION: "cả nước",
    UnitKind.PROVINCE: "tỉnh/thành phố",
    UnitKind.DISTRICT: "huyện/quận",
    UnitKind.COMMUNE: "xã/phường/đặc khu",
}
_MAX_LEN = {"unit": 16, "area": 32, "constituency": 32, "window": 16, "name": 200}


class PackageRejected(Exception):
    """The package was not loaded; ``problems`` says every reason (file, row, reason)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  … và {more} lỗi khác" if more > 0 else ""
        super().__init__(f"Gói dữ liệu bị từ chối ({len(self.problems)} lỗi):\n{shown}{tail}")


@dataclass
class Unparsed:
    """What the importer could not parse, so validation does not cascade from it.

    Codes of unparsable rows still count as known (a polling area of a unit
    whose row has a bad cell is not reported again as "unknown unit").
    """

    units: set[str] = field(default_factory=set)
    polling_areas: set[str] = field(default_factory=set)
    constituencies: set[str] = field(default_factory=set)
    membership_areas: set[str] = field(default_factory=set)
    membership_constituencies: set[str] = field(default_factory=set)
    candidates: Counter[str] = field(default_factory=Counter)  # by constituency code


@dataclass(frozen=True)
class LoadResult:
    election_id: int
    created: bool
    data_version: int
    counts: dict[str, int]  # rows of the election after the load (units without "VN")
    changes: dict[str, dict[str, int]]  # per table: inserted / updated / deleted


# --- validation -------------------------------------------------------------


def validate_package(
    pkg: ElectionPackage,
    *,
    rows: Mapping[str, Sequence[int]] | None = None,
    unparsed: Unparsed | None = None,
) -> list[Problem]:
    """Every problem of ``pkg``, ordered by file and row (empty when valid).

    ``rows`` maps a file name to the spreadsheet row of each list item (the
    importer's, when it skipped blank or unparsable rows); by default item
    ``i`` is row ``i + 2`` (the header is row 1).
    """
    return _Validator(pkg, rows or {}, unparsed or Unparsed()).run()


def ballot_orders(candidates: Sequence[CandidateRow]) -> list[int]:
    """The ballot order of each candidate of ONE constituency.

    Given orders are kept; when none is given, Vietnamese alphabetical order
    (given name first), then the older candidate first, then file order.
    """
    if any(c.ballot_order is not None for c in candidates):
        return [c.ballot_order or 0 for c in candidates]
    ranked = sorted(
        range(len(candidates)),
        key=lambda i: (vietnamese_sort_key(candidates[i].full_name), candidates[i].date_of_birth),
    )
    orders = [0] * len(candidates)
    for order, index in enumerate(ranked, 1):
        orders[index] = order
    return orders


class _Validator:
    def __init__(self, pkg: ElectionPackage, rows: Mapping[str, Sequence[int]], bad: Unparsed):
        self.pkg = pkg
        self.rows = rows
        self.bad = bad
        self.problems: list[Problem] = []
        self.units: dict[str, tuple[int, UnitRow]] = {}
        self.ancestors: dict[str, frozenset[str] | None] = {}
        self.areas: dict[str, int] = {}
        self.constituencies: dict[str, int] = {}

    def row(self, key: str, index: int) -> int | None:
        numbers = self.rows.get(FILES[key])
        if numbers is None:
            return index + 2
        return numbers[index] if index < len(numbers) else None

    def add(self, key: str, index: int | None, reason: str, code: str | None = None) -> None:
        row = self.row(key, index) if index is not None else None
        self.problems.append(Problem(FILES[key], row, reason, code))

    def run(self) -> list[Problem]:
        self.check_election()
        self.check_units()
        self.check_polling_areas()
        self.check_constituencies()
        self.check_memberships()
        self.check_candidates()
        self.check_windows()
        return sorted(self.problems, key=lambda p: (_FILE_ORDER.get(p.file, 99), p.row or 0))

    # -- helpers --

    def check_code(
        self, key: str, index: int, code: str, what: str, limit: int, seen: dict[str, int]
    ) -> bool:
        """Empty, too long or duplicate codes; True when the row's code is usable."""
        if not code:
            self.add(key, index, f"thiếu mã {what}")
            return False
        if len(code) > limit:
            self.add(key, index, f"mã {what} “{code}” dài quá {limit} ký tự")
            return False
        if code in seen:
            first = self.row(key, seen[code])
            self.add(key, index, f"mã {what} “{code}” bị trùng (đã có ở dòng {first})")
            return False
        seen[code] = index
        return True

    def check_name(self, key: str, index: int, name: str, what: str) -> None:
        if not name.strip():
            self.add(key, index, f"thiếu tên {what}")
        elif len(name) > _MAX_LEN["name"]:
            self.add(key, index, f"tên {what} dài quá {_MAX_LEN['name']} ký tự")

    # -- files --

    def check_election(self) -> None:
        name = self.pkg.election.name
        if not name or not name.strip():
            self.add("election", 0, "thiếu tên cuộc bầu cử (trong election.csv hoặc --election)")
        elif len(name) > _MAX_LEN["name"]:
            self.add("election", 0, f"tên cuộc bầu cử dài quá {_MAX_LEN['name']} ký tự")

    def check_units(self) -> None:
        seen: dict[str, int] = {}
        for i, unit in enumerate(self.pkg.units):
            if unit.code == NATION_CODE:
                self.add("units", i, "mã VN dành cho cả nước (luôn có sẵn), không ghi trong tệp")
                continue
            if self.check_code("units", i, unit.code, "đơn vị hành chính", _MAX_LEN["unit"], seen):
                self.units[unit.code] = (i, unit)
            self.check_name("units", i, unit.name, "đơn vị hành chính")
        known = set(self.units) | self.bad.units
        for code, (i, unit) in self.units.items():
            parent = _parent_code(unit)
            if unit.kind is UnitKind.NATION:
                self.add("units", i, "loại đơn vị phải là province, district hoặc commune")
            elif unit.kind is UnitKind.PROVINCE:
                if parent != NATION_CODE:
                    self.add("units", i, "tỉnh/thành phố không có đơn vị cha: để trống parent_code")
            elif parent == NATION_CODE:
                self.add("units", i, f"thiếu parent_code của {_KIND_VI[unit.kind]} “{code}”")
            elif parent == code:
                self.add("units", i, f"đơn vị “{code}” không thể là cha của chính nó")
            elif parent not in known:
                self.add("units", i, f"parent_code “{parent}” không có trong units.csv")
            elif parent in self.units:
                parent_kind = self.units[parent][1].kind
                if parent_kind not in _PARENT_KINDS[unit.kind]:
                    allowed = " hoặc ".join(_KIND_VI[k] for k in _PARENT_KINDS[unit.kind])
                    self.add(
                        "units",
                        i,
                        f"{_KIND_VI[unit.kind]} “{code}” phải thuộc một {allowed},"
                        f" nhưng “{parent}” là {_KIND_VI[parent_kind]}",
                    )
        self.find_cycles()

    def find_cycles(self) -> None:
        """Report parent loops; fill ``self.ancestors`` (None: chain broken)."""
        reported: set[str] = set()
        for start in self.units:
            chain: list[str] = []
            code: str | None = start
            while code is not None and code in self.units and code not in self.ancestors:
                if code in chain:
                    loop = [*chain[chain.index(code) :], code]
                    for member in loop[:-1]:
                        self.ancestors[member] = None
                        if member not in reported:
                            reported.add(member)
                            self.add(
                                "units",
                                self.units[member][0],
                                "vòng lặp đơn vị cha: " + " → ".join(loop),
                            )
                    break
                chain.append(code)
                parent = _parent_code(self.units[code][1])
                code = None if parent == NATION_CODE else parent
            # Resolve the chain from the top down.
            above: frozenset[str] | None
            if code is None:
                above = frozenset({NATION_CODE})
            elif code in self.ancestors:
                anc = self.ancestors[code]
                above = None if anc is None else anc | {code}
            else:
                above = None  # parent unknown or unparsable
            for member in reversed(chain):
                if member in self.ancestors:  # on a loop
                    above = None
                    continue
                self.ancestors[member] = above
                above = None if above is None else above | {member}

    def unit_kind(self, code: str) -> UnitKind | None:
        entry = self.units.get(code)
        return entry[1].kind if entry else None

    def check_polling_areas(self) -> None:
        seen: dict[str, int] = {}
        known_units = set(self.units) | self.bad.units
        for i, area in enumerate(self.pkg.polling_areas):
            ok = self.check_code(
                "polling_areas", i, area.code, "khu vực bỏ phiếu", _MAX_LEN["area"], seen
            )
            if ok:
                self.areas[area.code] = i
            self.check_name("polling_areas", i, area.name, "khu vực bỏ phiếu")
            if not area.unit_code:
                self.add("polling_areas", i, "thiếu unit_code (mã xã/phường của khu vực)")
            elif area.unit_code not in known_units:
                self.add(
                    "polling_areas", i, f"unit_code “{area.unit_code}” không có trong units.csv"
                )
            elif (kind := self.unit_kind(area.unit_code)) not in (None, UnitKind.COMMUNE):
                self.add(
                    "polling_areas",
                    i,
                    f"khu vực bỏ phiếu phải thuộc một xã/phường/đặc khu, nhưng"
                    f" “{area.unit_code}” là {_KIND_VI[kind]}",
                )
            for f in check_registered(
                area.registered_total, area.registered_male, area.registered_female
            ):
                self.add("polling_areas", i, f.message(), f.code)

    def check_constituencies(self) -> None:
        seen: dict[str, int] = {}
        known_units = set(self.units) | self.bad.units
        candidates = Counter(c.constituency_code for c in self.pkg.candidates)
        members = {m.constituency_code for m in self.pkg.memberships}
        members |= self.bad.membership_constituencies
        for i, con in enumerate(self.pkg.constituencies):
            ok = self.check_code(
                "constituencies", i, con.code, "đơn vị bầu cử", _MAX_LEN["constituency"], seen
            )
            if ok:
                self.constituencies[con.code] = i
            self.check_name("constituencies", i, con.name, "đơn vị bầu cử")
            want = COMMITTEE_KIND[con.level]
            if not con.unit_code:
                self.add("constituencies", i, "thiếu unit_code (đơn vị của Ủy ban bầu cử)")
            elif con.unit_code not in known_units:
                self.add(
                    "constituencies", i, f"unit_code “{con.unit_code}” không có trong units.csv"
                )
            elif (kind := self.unit_kind(con.unit_code)) not in (None, want):
                self.add(
                    "constituencies",
                    i,
                    f"đơn vị bầu cử {con.level.label_vi} do Ủy ban bầu cử {_KIND_VI[want]}"
                    f" phụ trách, nhưng “{con.unit_code}” là {_KIND_VI[kind]}",
                )
            count = candidates[con.code] + self.bad.candidates[con.code]
            for f in check_constituency(con.level, con.seats, count):
                self.add("constituencies", i, f.message(), f.code)
            if ok and con.code not in members:
                self.add(
                    "constituencies",
                    i,
                    f"đơn vị bầu cử “{con.code}” chưa có khu vực bỏ phiếu nào"
                    " trong constituency_areas.csv",
                )

    def check_memberships(self) -> None:
        pkg, bad = self.pkg, self.bad
        known_cons = set(self.constituencies) | bad.constituencies
        known_areas = set(self.areas) | bad.polling_areas
        seen: dict[tuple[str, str], int] = {}
        by_level: dict[Level, list[tuple[str, str]]] = defaultdict(list)
        rows_by_area_level: dict[tuple[str, Level], list[int]] = defaultdict(list)
        for i, m in enumerate(pkg.memberships):
            pair = (m.constituency_code, m.polling_area_code)
            if pair in seen:
                first = self.row("memberships", seen[pair])
                self.add("memberships", i, f"dòng trùng với dòng {first}")
                continue
            seen[pair] = i
            fine = True
            if m.constituency_code not in known_cons:
                fine = False
                self.add(
                    "memberships",
                    i,
                    f"constituency_code “{m.constituency_code}” không có trong constituencies.csv",
                )
            if m.polling_area_code not in known_areas:
                fine = False
                self.add(
                    "memberships",
                    i,
                    f"polling_area_code “{m.polling_area_code}” không có trong polling_areas.csv",
                )
            if not fine or m.constituency_code not in self.constituencies:
                continue
            con = pkg.constituencies[self.constituencies[m.constituency_code]]
            by_level[con.level].append(pair)
            rows_by_area_level[(m.polling_area_code, con.level)].append(i)
            if m.polling_area_code in self.areas:
                self.check_containment(i, con.code, con.unit_code, m.polling_area_code)
        # Areas whose membership rows could not be read are not judged here.
        excused = set(bad.membership_areas)
        excused.update(
            m.polling_area_code
            for m in pkg.memberships
            if m.constituency_code in bad.constituencies
            and m.constituency_code not in self.constituencies
        )
        levels = dict.fromkeys(c.level for c in pkg.constituencies)
        areas = [code for code in self.areas if code not in excused]
        for level in levels:
            for f in check_memberships(areas, by_level.get(level, [])):
                area = str(f.params["area"])
                reason = f"{level.label_vi}: {f.message()}"
                if "constituencies" in f.params:
                    for i in rows_by_area_level[(area, level)][1:]:
                        self.add("memberships", i, reason, f.code)
                else:
                    self.add("polling_areas", self.areas[area], reason, f.code)

    def check_containment(self, i: int, con_code: str, unit_code: str, area_code: str) -> None:
        area = self.pkg.polling_areas[self.areas[area_code]]
        above = self.ancestors.get(area.unit_code)
        if above is None or self.ancestors.get(unit_code) is None:
            return  # the tree itself is broken there: reported already
        if unit_code != area.unit_code and unit_code not in above:
            self.add(
                "memberships",
                i,
                f"khu vực bỏ phiếu “{area_code}” (thuộc “{area.unit_code}”) không nằm trong"
                f" địa bàn “{unit_code}” của đơn vị bầu cử “{con_code}”",
            )

    def check_candidates(self) -> None:
        known = set(self.constituencies) | self.bad.constituencies
        day = self.pkg.election.date
        groups: dict[str, list[int]] = defaultdict(list)
        for i, cand in enumerate(self.pkg.candidates):
            self.check_name("candidates", i, cand.full_name, "người ứng cử")
            if cand.constituency_code not in known:
                self.add(
                    "candidates",
                    i,
                    f"constituency_code “{cand.constituency_code}” không có trong"
                    " constituencies.csv",
                )
            else:
                groups[cand.constituency_code].append(i)
            if _age_on(cand.date_of_birth, day) < MIN_CANDIDATE_AGE:
                self.add(
                    "candidates",
                    i,
                    f"người ứng cử sinh ngày {cand.date_of_birth:%d/%m/%Y} chưa đủ"
                    f" {MIN_CANDIDATE_AGE} tuổi vào ngày bầu cử {day:%d/%m/%Y}",
                )
            if cand.ballot_order is not None and cand.ballot_order < 1:
                self.add("candidates", i, "thứ tự trên phiếu (ballot_order) phải từ 1 trở lên")
        for code, indexes in groups.items():
            self.check_ballot(code, indexes)

    def check_ballot(self, code: str, indexes: list[int]) -> None:
        cands = self.pkg.candidates
        given = [i for i in indexes if cands[i].ballot_order is not None]
        if given and len(given) < len(indexes):
            for i in indexes:
                if cands[i].ballot_order is None:
                    self.add(
                        "candidates",
                        i,
                        f"đơn vị bầu cử “{code}”: ghi ballot_order cho tất cả người ứng cử"
                        " hoặc để trống tất cả",
                    )
        orders: dict[int, int] = {}
        people: dict[tuple[str, date], int] = {}
        for i in indexes:
            cand = cands[i]
            order = cand.ballot_order
            if order is not None and order >= 1:
                if order in orders:
                    first = self.row("candidates", orders[order])
                    self.add(
                        "candidates",
                        i,
                        f"đơn vị bầu cử “{code}”: thứ tự trên phiếu {order} bị trùng"
                        f" (đã có ở dòng {first})",
                    )
                else:
                    orders[order] = i
            person = (" ".join(cand.full_name.split()), cand.date_of_birth)
            if person in people:
                first = self.row("candidates", people[person])
                self.add(
                    "candidates",
                    i,
                    f"người ứng cử “{cand.full_name}” ghi hai lần trong đơn vị bầu cử"
                    f" “{code}” (đã có ở dòng {first})",
                )
            else:
                people[person] = i

    def check_windows(self) -> None:
        windows = self.pkg.windows
        if windows is None:
            return
        if not windows:
            self.add("windows", None, "không có mốc báo cáo nào (bỏ tệp để dùng lịch mặc định)")
        seen: dict[str, int] = {}
        for i, w in enumerate(windows):
            self.check_code("windows", i, w.key, "mốc báo cáo", _MAX_LEN["window"], seen)
            if w.opens_at >= w.closes_at:
                self.add(
                    "windows",
                    i,
                    f"giờ bắt đầu nhập ({w.opens_at:%H:%M}) phải trước giờ kết thúc"
                    f" ({w.closes_at:%H:%M})",
                )
            elif not w.opens_at <= w.due_at <= w.closes_at:
                self.add(
                    "windows",
                    i,
                    f"mốc báo cáo {w.due_at:%H:%M} phải nằm trong thời gian nhập"
                    f" {w.opens_at:%H:%M}–{w.closes_at:%H:%M}",
                )


def _parent_code(unit: UnitRow) -> str:
    parent = (unit.parent_code or "").strip()
    return parent or NATION_CODE


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- loading ----------------------------------------------------------------


def load_package(
    db: Database,
    pkg: ElectionPackage,
    *,
    election_name: str | None = None,
    now: datetime | None = None,
    user_id: int | None = None,
    username: str | None = None,
    role: str | None = None,
    address: str | None = None,
    reason: str | None = None,
) -> LoadResult:
    """Create or update the election's master data from ``pkg`` in one transaction.

    ``election_name`` (the ``--election`` of the command line) names the target
    election, otherwise ``pkg.election.name``. Raises :class:`PackageRejected`
    and writes nothing when the package is invalid, when the election's master
    data is frozen (``now >= freeze_at``), or when the update would delete
    polling areas, constituencies, candidates or windows that reports or tally
    sheets already use.
    """
    if election_name:
        pkg = dataclasses.replace(
            pkg, election=dataclasses.replace(pkg.election, name=election_name)
        )
    problems = validate_package(pkg)
    if problems:
        raise PackageRejected(problems)
    return load_validated(
        db,
        pkg,
        now=now,
        actor={"user_id": user_id, "username": username, "role": role, "address": address},
        reason=reason,
    )


def load_validated(
    db: Database,
    pkg: ElectionPackage,
    *,
    now: datetime | None = None,
    actor: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> LoadResult:
    """:func:`load_package` for a package that :func:`validate_package` passed."""
    moment = now or clock_from_env().now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    with db.write() as session:
        return _Loader(session, pkg, moment, db.is_postgres).run(dict(actor or {}), reason)


_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Loader:
    def __init__(self, session: Session, pkg: ElectionPackage, now: datetime, pg: bool):
        self.s = session
        self.pkg = pkg
        self.now = now
        self.pg = pg
        self.eid = 0  # the election's id, once found or created
        self.changes: dict[str, dict[str, int]] = {}
        self.blocking: list[Problem] = []

    # -- bulk helpers --

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """One Core executemany (psycopg pipelines it; measured as fast as multi-row pages)."""
        if rows:
            self.s.execute(insert(table), rows)

    def update(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Rows are dicts with ``id`` and the columns to set (same keys in every row)."""
        if not rows:
            return
        columns = [k for k in rows[0] if k != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns})
        )
        self.s.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    def delete_ids(self, table: Table, ids: Sequence[int]) -> None:
        for chunk in _chunks(list(ids)):
            self.s.execute(delete(table).where(table.c.id.in_(chunk)))

    def used(self, column: Any, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` appear in ``column`` (reports and sheets referencing them)."""
        found: set[int] = set()
        id_list = list(ids)
        for chunk in _chunks(id_list):
            found.update(self.s.scalars(select(column).where(column.in_(chunk)).distinct()))
        return found

    def note(self, table: str, inserted: int = 0, updated: int = 0, deleted: int = 0) -> None:
        entry = self.changes.setdefault(table, {"inserted": 0, "updated": 0, "deleted": 0})
        entry["inserted"] += inserted
        entry["updated"] += updated
        entry["deleted"] += deleted

    def block(self, key: str, reason: str) -> None:
        self.blocking.append(Problem(FILES[key], None, reason))

    # -- the load --

    def run(self, actor: dict[str, Any], reason: str | None) -> LoadResult:
        election, created = self.election()
        self.eid = eid = election.id
        before = None if created else self.counts()
        old_date = election.date
        plan = self.plan(old_date)
        if self.blocking:
            raise PackageRejected(self.blocking)
        if not created:
            election.date = self.pkg.election.date  # the kind (real/drill) never changes
        self.write_units(plan)
        self.write_areas(plan)
        self.write_constituencies(plan)
        self.write_memberships(plan)
        self.write_candidates(plan)
        self.delete_removed(plan)
        self.write_windows(plan)
        self.write_contests()
        election.data_version = (election.data_version or 0) + 1
        self.s.flush()
        counts = self.counts()
        self.s.execute(
            insert(AuditEvent.__table__),
            [
                {
                    "election_id": eid,
                    "at": self.now,
                    "user_id": actor.get("user_id"),
                    "username": actor.get("username"),
                    "role": actor.get("role"),
                    "address": actor.get("address"),
                    "action": "master_data.import",
                    "object_type": "election",
                    "object_key": election.name,
                    "unit_path": f"{NATION_CODE}/",
                    "before": before,
                    "after": {**counts, "changes": self.changes},
                    "reason": reason,
                }
            ],
        )
        return LoadResult(eid, created, election.data_version, counts, self.changes)

    def election(self) -> tuple[Election, bool]:
        row = self.pkg.election
        stmt = select(Election).where(Election.name == row.name)
        if self.pg:
            stmt = stmt.with_for_update()
        election = self.s.scalars(stmt).one_or_none()
        if election is None:
            election = Election(
                name=row.name, date=row.date, kind=row.kind, settings={}, data_version=0
            )
            self.s.add(election)
            self.s.flush()
            return election, True
        if election.freeze_at is not None and self.now >= election.freeze_at:
            frozen = election.freeze_at.astimezone(LOCAL_TZ)
            raise PackageRejected(
                [
                    Problem(
                        FILES["election"],
                        None,
                        f"dữ liệu gốc của cuộc bầu cử “{row.name}” đã khóa từ"
                        f" {frozen:%H:%M %d/%m/%Y}; chỉ cấp trên mới được thay đổi",
                    )
                ]
            )
        return election, False

    def counts(self) -> dict[str, int]:
        eid = self.eid
        s = self.s

        def count(stmt: Any) -> int:
            return int(s.scalar(stmt) or 0)

        cons = select(Constituency.id).where(Constituency.election_id == eid)
        return {
            "units": count(
                select(func.count())
                .select_from(Unit)
                .where(Unit.election_id == eid, Unit.code != NATION_CODE)
            ),
            "polling_areas": count(
                select(func.count()).select_from(PollingArea).where(PollingArea.election_id == eid)
            ),
            "constituencies": count(select(func.count()).select_from(cons.subquery())),
            "memberships": count(
                select(func.count())
                .select_from(ConstituencyArea)
                .where(ConstituencyArea.constituency_id.in_(cons))
            ),
            "candidates": count(
                select(func.count())
                .select_from(Candidate)
                .where(Candidate.constituency_id.in_(cons))
            ),
            "windows": count(
                select(func.count())
                .select_from(ReportingWindow)
                .where(ReportingWindow.election_id == eid)
            ),
        }

    # -- planning: compare the package with what is stored --

    def plan(self, old_date: date) -> _Plan:
        plan = _Plan()
        self.plan_units(plan)
        self.plan_areas(plan)
        self.plan_constituencies(plan)
        self.plan_memberships(plan)
        self.plan_candidates(plan)
        self.plan_windows(plan, old_date)
        return plan

    def plan_units(self, plan: _Plan) -> None:
        eid = self.eid
        rows = self.s.execute(
            select(
                Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.depth, Unit.path
            ).where(Unit.election_id == eid)
        ).all()
        plan.unit_ids = {r.code: r.id for r in rows}
        plan.old_units = {r.code: r for r in rows}
        # Paths from the tree, parents first.
        by_code = {u.code: u for u in self.pkg.units}
        depth: dict[str, int] = {NATION_CODE: 0}
        path: dict[str, str] = {NATION_CODE: f"{NATION_CODE}/"}

        def resolve(code: str) -> None:
            stack = [code]
            while stack:
                top = stack[-1]
                parent = _parent_code(by_code[top])
                if parent in depth:
                    depth[top] = depth[parent] + 1
                    path[top] = f"{path[parent]}{top}/"
                    stack.pop()
                else:
                    stack.append(parent)

        for code in by_code:
            if code not in depth:
                resolve(code)
        plan.units = [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "parent": _parent_code(u),
                "depth": depth[u.code],
                "path": path[u.code],
            }
            for u in self.pkg.units
        ]
        plan.removed_units = [r.id for r in rows if r.code not in by_code and r.code != NATION_CODE]

    def plan_areas(self, plan: _Plan) -> None:
        rows = self.s.execute(
            select(
                PollingArea.id,
                PollingArea.code,
                PollingArea.unit_id,
                PollingArea.name,
                PollingArea.registered_total,
                PollingArea.registered_male,
                PollingArea.registered_female,
            ).where(PollingArea.election_id == self.eid)
        ).all()
        plan.old_areas = {r.code: r for r in rows}
        wanted = {a.code for a in self.pkg.polling_areas}
        removed = {r.id: r.code for r in rows if r.code not in wanted}
        plan.removed_areas = list(removed)
        for column, what in (
            (TurnoutReport.polling_area_id, "báo cáo tiến độ"),
            (OpeningReport.polling_area_id, "báo cáo khai mạc"),
            (TallySheet.polling_area_id, "biên bản kiểm phiếu"),
        ):
            for area_id in sorted(self.used(column, removed)):
                self.block(
                    "polling_areas",
                    f"không thể xóa khu vực bỏ phiếu “{removed[area_id]}”: đã có {what}",
                )

    def plan_constituencies(self, plan: _Plan) -> None:
        rows = self.s.execute(
            select(
                Constituency.id,
                Constituency.code,
                Constituency.level,
                Constituency.name,
                Constituency.seats,
                Constituency.unit_id,
            ).where(Constituency.election_id == self.eid)
        ).all()
        plan.old_constituencies = {r.code: r for r in rows}
        wanted = {c.code for c in self.pkg.constituencies}
        removed = {r.id: r.code for r in rows if r.code not in wanted}
        plan.removed_constituencies = list(removed)
        for cid in sorted(self.used(TallySheet.constituency_id, removed)):
            self.block(
                "constituencies",
                f"không thể xóa đơn vị bầu cử “{removed[cid]}”: đã có biên bản kiểm phiếu",
            )
        # A level change would strand the sheets entered under the old level.
        levels = {c.code: c.level for c in self.pkg.constituencies}
        changed = {r.id: r.code for r in rows if r.code in levels and levels[r.code] != r.level}
        for cid in sorted(self.used(TallySheet.constituency_id, changed)):
            self.block(
                "constituencies",
                f"không thể đổi cấp của đơn vị bầu cử “{changed[cid]}”: đã có biên bản kiểm phiếu",
            )

    def plan_memberships(self, plan: _Plan) -> None:
        ca, con, pa = ConstituencyArea, Constituency, PollingArea
        rows = self.s.execute(
            select(ca.constituency_id, ca.polling_area_id, ca.level, con.code, pa.code.label("pa"))
            .join(con, con.id == ca.constituency_id)
            .join(pa, pa.id == ca.polling_area_id)
            .where(con.election_id == self.eid)
        ).all()
        wanted = {(m.constituency_code, m.polling_area_code) for m in self.pkg.memberships}
        plan.wanted_memberships = wanted
        old = {(r.code, r.pa): r for r in rows}
        plan.old_memberships = set(old)
        removed = [r for key, r in old.items() if key not in wanted]
        plan.removed_memberships = [(r.constituency_id, r.polling_area_id) for r in removed]
        if removed:
            sheets = set()
            area_ids = sorted({r.polling_area_id for r in removed})
            for chunk in _chunks(area_ids):
                sheets.update(
                    self.s.execute(
                        select(TallySheet.polling_area_id, TallySheet.constituency_id).where(
                            TallySheet.polling_area_id.in_(chunk)
                        )
                    ).all()
                )
            for r in removed:
                if (r.polling_area_id, r.constituency_id) in sheets:
                    self.block(
                        "memberships",
                        f"không thể chuyển khu vực bỏ phiếu “{r.pa}” khỏi đơn vị bầu cử"
                        f" “{r.code}”: đã có biên bản kiểm phiếu",
                    )

    def plan_candidates(self, plan: _Plan) -> None:
        cand, con = Candidate, Constituency
        rows = self.s.execute(
            select(
                cand.id,
                cand.full_name,
                cand.date_of_birth,
                cand.gender,
                cand.ballot_order,
                con.code,
            )
            .join(con, con.id == cand.constituency_id)
            .where(con.election_id == self.eid)
        ).all()
        old = {(r.code, r.full_name, r.date_of_birth): r for r in rows}
        groups: dict[str, list[CandidateRow]] = defaultdict(list)
        for c in self.pkg.candidates:
            groups[c.constituency_code].append(c)
        new: list[tuple[str, CandidateRow, int]] = []
        for code, members in groups.items():
            for c, order in zip(members, ballot_orders(members), strict=True):
                new.append((code, c, order))
        plan.new_candidates = []
        plan.changed_candidates = []
        seen: set[tuple[str, str, date]] = set()
        for code, c, order in new:
            key = (code, " ".join(c.full_name.split()), c.date_of_birth)
            seen.add(key)
            was = old.get(key)
            if was is None:
                plan.new_candidates.append((code, c, order))
            elif was.gender != c.gender or was.ballot_order != order:
                plan.changed_candidates.append((was.id, c, order, was.ballot_order != order))
        removed = {r.id: r for key, r in old.items() if key not in seen}
        plan.removed_candidates = list(removed)
        for cid in sorted(self.used(TallyVote.candidate_id, removed)):
            r = removed[cid]
            self.block(
                "candidates",
                f"không thể xóa người ứng cử “{r.full_name}” (đơn vị bầu cử “{r.code}”):"
                " đã có số phiếu trong biên bản kiểm phiếu",
            )

    def plan_windows(self, plan: _Plan, old_date: date) -> None:
        rows = self.s.execute(
            select(
                ReportingWindow.id,
                ReportingWindow.key,
                ReportingWindow.kind,
                ReportingWindow.due_at,
                ReportingWindow.opens_at,
                ReportingWindow.closes_at,
                ReportingWindow.position,
            ).where(ReportingWindow.election_id == self.eid)
        ).all()
        day = self.pkg.election.date
        plan.old_windows = {r.key: r for r in rows}
        wanted: list[dict[str, Any]] = []
        if self.pkg.windows is not None:
            specs = sorted(self.pkg.windows, key=lambda w: (w.due_at, w.opens_at))
            for w in specs:
                kind = WindowKind.OPENING if w.key == OPENING_KEY else WindowKind.TURNOUT
                wanted.append(
                    {
                        "key": w.key,
                        "kind": kind,
                        **_on(day, w.due_at, w.opens_at, w.closes_at),
                    }
                )
        elif not rows:
            for spec in DEFAULT_WINDOWS:
                due, opens, closes = spec.on(day)
                wanted.append(
                    {
                        "key": spec.key,
                        "kind": spec.kind,
                        "due_at": due,
                        "opens_at": opens,
                        "closes_at": closes,
                    }
                )
        else:
            # No windows in the package: keep the stored ones, moved to a new date.
            shift = timedelta(days=(day - old_date).days)
            for r in sorted(rows, key=lambda r: r.position):
                wanted.append(
                    {
                        "key": r.key,
                        "kind": r.kind,
                        "due_at": r.due_at + shift,
                        "opens_at": r.opens_at + shift,
                        "closes_at": r.closes_at + shift,
                    }
                )
        for position, w in enumerate(wanted):
            w["position"] = position
        plan.windows = wanted
        keys = {w["key"] for w in wanted}
        removed = {r.id: r.key for r in rows if r.key not in keys}
        plan.removed_windows = list(removed)
        for wid in sorted(self.used(TurnoutReport.window_id, removed)):
            self.block(
                "windows", f"không thể xóa mốc báo cáo “{removed[wid]}”: đã có báo cáo tiến độ"
            )

    # -- writing --

    def write_units(self, plan: _Plan) -> None:
        table = Unit.__table__
        ids = plan.unit_ids
        if NATION_CODE not in ids:
            self.insert(
                table,
                [
                    {
                        "election_id": self.eid,
                        "code": NATION_CODE,
                        "name": NATION_NAME,
                        "kind": UnitKind.NATION,
                        "parent_id": None,
                        "depth": 0,
                        "path": f"{NATION_CODE}/",
                    }
                ],
            )
            self.refresh_ids(plan)
        new = [u for u in plan.units if u["code"] not in plan.old_units]
        for depth in sorted({u["depth"] for u in new}):
            level_rows = [u for u in new if u["depth"] == depth]
            self.insert(table, [self.unit_values(u, plan) for u in level_rows])
            self.refresh_ids(plan)
        changed = []
        for u in plan.units:
            old = plan.old_units.get(u["code"])
            if old is None:
                continue
            values = self.unit_values(u, plan)
            if any(getattr(old, k) != values[k] for k in _UNIT_COLUMNS):
                changed.append({"id": old.id, **{k: values[k] for k in _UNIT_COLUMNS}})
        self.update(table, changed)
        self.note("units", inserted=len(new), updated=len(changed))

    def unit_values(self, u: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        return {
            "election_id": self.eid,
            "code": u["code"],
            "name": u["name"],
            "kind": u["kind"],
            "parent_id": plan.unit_ids[u["parent"]],
            "depth": u["depth"],
            "path": u["path"],
        }

    def refresh_ids(self, plan: _Plan) -> None:
        plan.unit_ids = dict(
            self.s.execute(select(Unit.code, Unit.id).where(Unit.election_id == self.eid)).all()
        )

    def write_areas(self, plan: _Plan) -> None:
        new, changed = [], []
        for a in self.pkg.polling_areas:
            values = {
                "unit_id": plan.unit_ids[a.unit_code],
                "name": a.name,
                "registered_total": a.registered_total,
                "registered_male": a.registered_male,
                "registered_female": a.registered_female,
            }
            old = plan.old_areas.get(a.code)
            if old is None:
                new.append({"election_id": self.eid, "code": a.code, **values})
            elif any(getattr(old, k) != v for k, v in values.items()):
                changed.append({"id": old.id, **values})
        self.insert(PollingArea.__table__, new)
        self.update(PollingArea.__table__, changed)
        self.note("polling_areas", inserted=len(new), updated=len(changed))
        plan.area_ids = dict(
            self.s.execute(
                select(PollingArea.code, PollingArea.id).where(PollingArea.election_id == self.eid)
            ).all()
        )

    def write_constituencies(self, plan: _Plan) -> None:
        new, changed = [], []
        for c in self.pkg.constituencies:
            values = {
                "level": c.level,
                "name": c.name,
                "seats": c.seats,
                "unit_id": plan.unit_ids[c.unit_code],
            }
            old = plan.old_constituencies.get(c.code)
            if old is None:
                new.append({"election_id": self.eid, "code": c.code, **values})
            elif any(getattr(old, k) != v for k, v in values.items()):
                changed.append({"id": old.id, **values})
        self.insert(Constituency.__table__, new)
        self.update(Constituency.__table__, changed)
        self.note("constituencies", inserted=len(new), updated=len(changed))
        plan.constituency_ids = {}
        plan.constituency_levels = {}
        for code, cid, level in self.s.execute(
            select(Constituency.code, Constituency.id, Constituency.level).where(
                Constituency.election_id == self.eid
            )
        ).all():
            plan.constituency_ids[code] = cid
            plan.constituency_levels[code] = level

    def write_memberships(self, plan: _Plan) -> None:
        table = ConstituencyArea.__table__
        # Level changes of a kept pair: delete and re-insert it with the new level.
        relevel_codes = {
            (c, a)
            for c, a in plan.wanted_memberships & plan.old_memberships
            if plan.old_constituencies[c].level != plan.constituency_levels[c]
        }
        relevel = [(plan.constituency_ids[c], plan.area_ids[a]) for c, a in relevel_codes]
        gone = plan.removed_memberships + relevel
        by_constituency: dict[int, list[int]] = defaultdict(list)
        for cid, area_id in gone:
            by_constituency[cid].append(area_id)
        for cid, area_ids in by_constituency.items():
            for chunk in _chunks(area_ids):
                self.s.execute(
                    delete(table).where(
                        table.c.constituency_id == cid, table.c.polling_area_id.in_(chunk)
                    )
                )
        new = [
            {
                "constituency_id": plan.constituency_ids[m.constituency_code],
                "polling_area_id": plan.area_ids[m.polling_area_code],
                "level": plan.constituency_levels[m.constituency_code],
            }
            for m in self.pkg.memberships
            if (m.constituency_code, m.polling_area_code) not in plan.old_memberships
            or (m.constituency_code, m.polling_area_code) in relevel_codes
        ]
        self.insert(table, new)
        self.note(
            "memberships",
            inserted=len(new) - len(relevel),
            updated=len(relevel),
            deleted=len(plan.removed_memberships),
        )

    def write_candidates(self, plan: _Plan) -> None:
        table = Candidate.__table__
        self.delete_ids(table, plan.removed_candidates)
        moving = [(cid, order) for cid, _c, order, moved in plan.changed_candidates if moved]
        # Park moving candidates on negative orders so the unique order never collides.
        self.update(table, [{"id": cid, "ballot_order": -cid} for cid, _ in moving])
        self.insert(
            table,
            [
                {
                    "constituency_id": plan.constituency_ids[code],
                    "full_name": " ".join(c.full_name.split()),
                    "date_of_birth": c.date_of_birth,
                    "gender": c.gender,
                    "ballot_order": order,
                }
                for code, c, order in plan.new_candidates
            ],
        )
        self.update(
            table,
            [
                {"id": cid, "gender": c.gender, "ballot_order": order}
                for cid, c, order, _ in plan.changed_candidates
            ],
        )
        self.note(
            "candidates",
            inserted=len(plan.new_candidates),
            updated=len(plan.changed_candidates),
            deleted=len(plan.removed_candidates),
        )

    def delete_removed(self, plan: _Plan) -> None:
        self.delete_ids(Constituency.__table__, plan.removed_constituencies)
        self.delete_ids(PollingArea.__table__, plan.removed_areas)
        # Children before parents (a cascade would do it too, but say it plainly).
        depth = {old.id: old.depth for old in plan.old_units.values()}
        self.delete_ids(
            Unit.__table__, sorted(plan.removed_units, key=lambda i: depth[i], reverse=True)
        )
        self.note("constituencies", deleted=len(plan.removed_constituencies))
        self.note("polling_areas", deleted=len(plan.removed_areas))
        self.note("units", deleted=len(plan.removed_units))

    def write_windows(self, plan: _Plan) -> None:
        table = ReportingWindow.__table__
        self.delete_ids(table, plan.removed_windows)
        new, changed = [], []
        for w in plan.windows:
            old = plan.old_windows.get(w["key"])
            if old is None:
                new.append({"election_id": self.eid, **w})
            elif any(getattr(old, k) != v for k, v in w.items()):
                changed.append({"id": old.id, **{k: v for k, v in w.items() if k != "key"}})
        self.insert(table, new)
        self.update(table, changed)
        self.note(
            "windows", inserted=len(new), updated=len(changed), deleted=len(plan.removed_windows)
        )

    def write_contests(self) -> None:
        table = Contest.__table__
        levels = list(dict.fromkeys(c.level for c in self.pkg.constituencies))
        old = dict(
            self.s.execute(
                select(Contest.level, Contest.id).where(Contest.election_id == self.eid)
            ).all()
        )
        self.insert(
            table,
            [
                {
                    "election_id": self.eid,
                    "level": level,
                    "name": f"Bầu cử đại biểu {level.label_vi}",
                }
                for level in levels
                if level not in old
            ],
        )
        self.delete_ids(table, [cid for level, cid in old.items() if level not in levels])


_UNIT_COLUMNS = ("name", "kind", "parent_id", "depth", "path")


def _on(day: date, due: Any, opens: Any, closes: Any) -> dict[str, datetime]:
    return {
        "due_at": datetime.combine(day, due, LOCAL_TZ),
        "opens_at": datetime.combine(day, opens, LOCAL_TZ),
        "closes_at": datetime.combine(day, closes, LOCAL_TZ),
    }


@dataclass
class _Plan:
    """What is stored and what the package wants, by code."""

    units: list[dict[str, Any]] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    old_units: dict[str, Any] = field(default_factory=dict)
    removed_units: list[int] = field(default_factory=list)
    old_areas: dict[str, Any] = field(default_factory=dict)
    area_ids: dict[str, int] = field(default_factory=dict)
    removed_areas: list[int] = field(default_factory=list)
    old_constituencies: dict[str, Any] = field(default_factory=dict)
    constituency_ids: dict[str, int] = field(default_factory=dict)
    constituency_levels: dict[str, Level] = field(default_factory=dict)
    removed_constituencies: list[int] = field(default_factory=list)
    wanted_memberships: set[tuple[str, str]] = field(default_factory=set)
    old_memberships: set[tuple[str, str]] = field(default_factory=set)
    removed_memberships: list[tuple[int, int]] = field(default_factory=list)
    new_candidates: list[tuple[str, CandidateRow, int]] = field(default_factory=list)
    changed_candidates: list[tuple[int, CandidateRow, int, bool]] = field(default_factory=list)
    removed_candidates: list[int] = field(default_factory=list)
    old_windows: dict[str, Any] = field(default_factory=dict)
    windows: list[dict[str, Any]] = field(default_factory=list)
    removed_windows: list[int] = field(default_factory=list)
