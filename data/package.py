"""An election package: master data as plain rows (API.md §1).

The importer reads CSV/XLSX into this shape, the generators build it, and the
loader validates and writes it. Values are already typed; text parsing and its
errors belong to the importer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from data.enums import ElectionKind, Gender, Level, UnitKind


@dataclass(frozen=True)
class ElectionRow:
    name: str
    date: date
    kind: ElectionKind = ElectionKind.REAL


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: UnitKind
    parent_code: str | None  # None: hangs under the nation "VN"


@dataclass(frozen=True)
class PollingAreaRow:
    code: str
    unit_code: str
    name: str
    registered_total: int
    registered_male: int
    registered_female: int


@dataclass(frozen=True)
class ConstituencyRow:
    code: str
    level: Level
    name: str
    seats: int
    unit_code: str


@dataclass(frozen=True)
class MembershipRow:
    constituency_code: str
    polling_area_code: str


@dataclass(frozen=True)
class CandidateRow:
    constituency_code: str
    full_name: str
    date_of_birth: date
    gender: Gender
    ballot_order: int | None = None  # None: Vietnamese alphabetical order


@dataclass(frozen=True)
class WindowRow:
    key: str
    due_at: time
    opens_at: time
    closes_at: time


@dataclass
class ElectionPackage:
    election: ElectionRow
    units: list[UnitRow] = field(default_factory=list)
    polling_areas: list[PollingAreaRow] = field(default_factory=list)
    constituencies: list[ConstituencyRow] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    candidates: list[CandidateRow] = field(default_factory=list)
    windows: list[WindowRow] | None = None  # None: the default schedule


@dataclass(frozen=True)
class Problem:
    """One reason a package cannot be loaded, pointing at its file and row.

    ``row`` counts data rows from 1 as a spreadsheet user sees them (header is
    row 1, so the first data row is 2); ``None`` when it concerns the file.
    """

    file: str
    row: int | None
    reason: str
    code: str | None = None  # rule code (M01…) when a catalogued rule fired

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: {self.reason}"
