"""Election packages as files: read CSV folders / XLSX workbooks, templates, exports (API.md §1).

A package is a folder of CSV files (UTF-8, with or without BOM, a header row)
or one ``.xlsx`` workbook with one sheet per file name without ``.csv``. Every
problem — a missing file or column, a cell that is not a number or a date, an
unknown kind, and then every rule of :func:`data.loader.validate_package` — is
collected with its file and row before anything is written.

When a package has no ``election.csv``, the election is named by
``election_name`` and keeps its stored date (a new one gets
:data:`DEFAULT_ELECTION_DATE`, the 2026 general election day).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import ElectionKind, Gender, Level, UnitKind
from data.loader import (
    NATION_CODE,
    LoadResult,
    PackageRejected,
    Unparsed,
    load_validated,
    validate_package,
)
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    ReportingWindow,
    Unit,
)
from data.package import (
    CandidateRow,
    ConstituencyRow,
    ElectionPackage,
    ElectionRow,
    MembershipRow,
    PollingAreaRow,
    Problem,
    UnitRow,
    WindowRow,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_ELECTION_DATE",
    "export_package",
    "import_package",
    "read_package",
    "write_template",
]

DEFAULT_ELECTION_DATE = date(2026, 3, 15)
Format = Literal["csv", "xlsx"]

# File → its columns, in template order (API.md §1; a contract).
COLUMNS: dict[str, tuple[str, ...]] = {
    "election.csv": ("name", "date", "kind"),
    "units.csv": ("code", "name", "kind", "parent_code"),
    "polling_areas.csv": (
        "code",
        "unit_code",
        "name",
        "registered_total",
        "registered_male",
        "registered_female",
    ),
    "constituencies.csv": ("code", "level", "name", "seats", "unit_code"),
    "constituency_areas.csv": ("constituency_code", "polling_area_code"),
    "candidates.csv": ("constituency_code", "full_name", "date_of_birth", "gender", "ballot_order"),
    "windows.csv": ("key", "due_at", "opens_at", "closes_at"),
}
OPTIONAL_FILES = frozenset({"election.csv", "windows.csv"})
# Columns that may be left out of the header altogether (their cells are optional).
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {
    "units.csv": frozenset({"parent_code"}),
    "candidates.csv": frozenset({"ballot_order"}),
}
_CODE_COLUMNS = frozenset(
    {"code", "parent_code", "unit_code", "constituency_code", "polling_area_code", "key"}
)
INSTRUCTIONS_SHEET = "Hướng dẫn"
_INSTRUCTIONS = (
    "Gói dữ liệu gốc của một cuộc bầu cử — mỗi trang tính là một tệp; giữ nguyên dòng tiêu đề.",
    "election: name, date (YYYY-MM-DD), kind (real hoặc drill) — một dòng; có thể bỏ trống.",
    "units: code (mã GSO), name, kind (province, district, commune), parent_code"
    " (để trống với tỉnh/thành phố).",
    "polling_areas: code, unit_code (mã xã/phường), name, registered_total,"
    " registered_male, registered_female (nam + nữ = tổng).",
    "constituencies: code, level (QH, HDND_TINH, HDND_HUYEN, HDND_XA), name, seats,"
    " unit_code (đơn vị của Ủy ban bầu cử).",
    "constituency_areas: constituency_code, polling_area_code — mỗi khu vực bỏ phiếu"
    " thuộc đúng một đơn vị bầu cử ở mỗi cấp.",
    "candidates: constituency_code, full_name, date_of_birth (YYYY-MM-DD), gender (M/F),"
    " ballot_order (để trống: xếp theo vần A, B, C).",
    "windows: key, due_at, opens_at, closes_at (giờ HH:MM ngày bầu cử); bỏ trống để dùng"
    " lịch mặc định.",
)


# --- cells ------------------------------------------------------------------


class _CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _required(value: Any) -> str:
    text = _text(value)
    if not text:
        raise _CellError("ô bắt buộc đang để trống")
    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _CellError(f"“{value}” không phải số nguyên")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _CellError(f"“{value}” không phải số nguyên")
    text = _required(value)
    if not re.fullmatch(r"[+-]?\d+", text):
        raise _CellError(f"“{text}” không phải số nguyên")
    return int(text)


def _optional_integer(value: Any) -> int | None:
    return None if _text(value) == "" else _integer(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _required(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _CellError(f"ngày “{text}” không hợp lệ (dạng YYYY-MM-DD)")


def _time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time as a fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    text = _required(value)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise _CellError(f"giờ “{text}” không hợp lệ (dạng HH:MM)")


E = TypeVar("E", bound=StrEnum)


def _enum(enum_cls: type[E], aliases: dict[str, E] | None = None) -> Callable[[Any], E]:
    lookup: dict[str, E] = {member.value.casefold(): member for member in enum_cls}
    lookup.update({k.casefold(): v for k, v in (aliases or {}).items()})
    allowed = ", ".join(member.value for member in enum_cls if member.value != "nation")

    def parse(value: Any) -> E:
        text = _required(value)
        try:
            return lookup[text.casefold()]
        except KeyError:
            raise _CellError(f"“{text}” không hợp lệ, phải là một trong: {allowed}") from None

    return parse


_unit_kind = _enum(UnitKind)
_level = _enum(Level)
_gender = _enum(Gender, {"nam": Gender.MALE, "nữ": Gender.FEMALE, "nu": Gender.FEMALE})
_election_kind = _enum(ElectionKind)


# --- reading ----------------------------------------------------------------


@dataclass
class _Table:
    """One file of the package: its header and its non-blank rows (with row numbers)."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]


@dataclass
class _Reader:
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)
    unparsed: Unparsed = field(default_factory=Unparsed)

    def problem(self, file: str, row: int | None, reason: str) -> None:
        self.problems.append(Problem(file, row, reason))

    def problems_for(self, file: str) -> bool:
        return any(p.file == file for p in self.problems)

    def records(self, table: _Table | None) -> Iterator[tuple[int, dict[str, Any]]]:
        """Check the header, then yield (row number, {column: cell}) of each data row."""
        if table is None:
            return
        file = table.file
        expected = COLUMNS[file]
        optional = OPTIONAL_COLUMNS.get(file, frozenset())
        positions: dict[str, int] = {}
        for index, name in enumerate(table.header):
            if not name:
                continue
            if name not in expected:
                self.problem(
                    file, 1, f"cột “{name}” không hợp lệ (các cột là: {', '.join(expected)})"
                )
            elif name in positions:
                self.problem(file, 1, f"cột “{name}” bị lặp lại")
            else:
                positions[name] = index
        missing = [c for c in expected if c not in positions and c not in optional]
        for name in missing:
            self.problem(file, 1, f"thiếu cột “{name}”")
        if missing:
            return
        for number, cells in table.rows:
            yield (
                number,
                {c: cells[i] if i < len(cells) else None for c, i in positions.items()},
            )

    def parse(
        self,
        table: _Table | None,
        build: Callable[[Callable[[str, Callable[[Any], Any]], Any]], Any],
        on_failure: Callable[[dict[str, Any]], None],
    ) -> list[Any]:
        """Build one row object per record; cell errors become problems."""
        out: list[Any] = []
        if table is None:
            return out
        numbers = self.rows.setdefault(table.file, [])
        for number, record in self.records(table):
            errors: list[str] = []

            def cell(column: str, convert: Callable[[Any], Any], record=record, errors=errors):
                try:
                    return convert(record.get(column))
                except _CellError as exc:
                    errors.append(f"cột {column}: {exc}")
                    return None

            row = build(cell)
            if errors:
                for reason in errors:
                    self.problem(table.file, number, reason)
                on_failure(record)
            else:
                out.append(row)
                numbers.append(number)
        return out


def _header_cell(value: Any) -> str:
    return _text(value).lstrip("\ufeff").strip().casefold()


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(_text(c) == "" for c in cells)


def _csv_table(file: str, raw: bytes) -> _Table:
    text = raw.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(reader, 1):
        if number == 1:
            header = [_header_cell(c) for c in cells]
        elif not _is_blank(cells):
            rows.append((number, list(cells)))
    return _Table(file, header, rows)


def _read_folder(folder: Path, reader: _Reader) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for file in COLUMNS:
        path = folder / file
        if not path.is_file():
            continue
        try:
            tables[file] = _csv_table(file, path.read_bytes())
        except UnicodeDecodeError:
            reader.problem(file, None, "tệp không ở bảng mã UTF-8 (hãy lưu lại dạng CSV UTF-8)")
    return tables


def _read_workbook(path: Path, reader: _Reader) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        reader.problem(path.name, None, f"không mở được tệp Excel: {exc}")
        return tables
    try:
        sheets = {
            name.strip().casefold().removesuffix(".csv"): name for name in workbook.sheetnames
        }
        for file in COLUMNS:
            name = sheets.get(file.removesuffix(".csv"))
            if name is None:
                continue
            header: list[str] = []
            rows: list[tuple[int, list[Any]]] = []
            for number, cells in enumerate(workbook[name].iter_rows(values_only=True), 1):
                if number == 1:
                    header = [_header_cell(c) for c in cells]
                elif not _is_blank(cells):
                    rows.append((number, list(cells)))
            tables[file] = _Table(file, header, rows)
    finally:
        workbook.close()
    return tables


def read_package(
    path: Path,
    *,
    election_name: str | None = None,
    default_date: date | None = None,
) -> ElectionPackage:
    """Read and validate a package; raise :class:`PackageRejected` with ALL its problems.

    ``path`` is a folder of CSV files or an ``.xlsx`` workbook. ``election_name``
    names the election (over ``election.csv``); ``default_date`` is its date when
    the package has no ``election.csv``.
    """
    path = Path(path)
    reader = _Reader()
    if path.is_dir():
        tables = _read_folder(path, reader)
    elif path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        tables = _read_workbook(path, reader)
    else:
        raise PackageRejected(
            [Problem(path.name, None, "cần một thư mục các tệp CSV hoặc một tệp .xlsx")]
        )
    for file in COLUMNS:
        if file not in tables and file not in OPTIONAL_FILES and not reader.problems_for(file):
            reader.problem(file, None, "thiếu tệp (hoặc trang tính) này trong gói dữ liệu")
    pkg = _build(tables, reader, election_name, default_date or DEFAULT_ELECTION_DATE)
    problems = reader.problems + validate_package(pkg, rows=reader.rows, unparsed=reader.unparsed)
    if problems:
        order = {file: i for i, file in enumerate(COLUMNS)}
        unique = list(dict.fromkeys(problems))
        unique.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))
        raise PackageRejected(unique)
    return pkg


def _build(
    tables: dict[str, _Table], reader: _Reader, election_name: str | None, default_date: date
) -> ElectionPackage:
    bad = reader.unparsed
    election = _read_election(tables.get("election.csv"), reader, election_name, default_date)
    units = reader.parse(
        tables.get("units.csv"),
        lambda c: UnitRow(
            code=c("code", _required),
            name=c("name", _required),
            kind=c("kind", _unit_kind),
            parent_code=c("parent_code", _text) or None,
        ),
        lambda r: bad.units.add(_text(r.get("code"))),
    )
    areas = reader.parse(
        tables.get("polling_areas.csv"),
        lambda c: PollingAreaRow(
            code=c("code", _required),
            unit_code=c("unit_code", _required),
            name=c("name", _required),
            registered_total=c("registered_total", _integer),
            registered_male=c("registered_male", _integer),
            registered_female=c("registered_female", _integer),
        ),
        lambda r: bad.polling_areas.add(_text(r.get("code"))),
    )
    constituencies = reader.parse(
        tables.get("constituencies.csv"),
        lambda c: ConstituencyRow(
            code=c("code", _required),
            level=c("level", _level),
            name=c("name", _required),
            seats=c("seats", _integer),
            unit_code=c("unit_code", _required),
        ),
        lambda r: bad.constituencies.add(_text(r.get("code"))),
    )

    def bad_membership(r: dict[str, Any]) -> None:
        bad.membership_areas.add(_text(r.get("polling_area_code")))
        bad.membership_constituencies.add(_text(r.get("constituency_code")))

    memberships = reader.parse(
        tables.get("constituency_areas.csv"),
        lambda c: MembershipRow(
            constituency_code=c("constituency_code", _required),
            polling_area_code=c("polling_area_code", _required),
        ),
        bad_membership,
    )

    def bad_candidate(r: dict[str, Any]) -> None:
        bad.candidates[_text(r.get("constituency_code"))] += 1

    candidates = reader.parse(
        tables.get("candidates.csv"),
        lambda c: CandidateRow(
            constituency_code=c("constituency_code", _required),
            full_name=c("full_name", _required),
            date_of_birth=c("date_of_birth", _date),
            gender=c("gender", _gender),
            ballot_order=c("ballot_order", _optional_integer),
        ),
        bad_candidate,
    )
    # No windows.csv, or one without rows: the default schedule.
    windows: list[WindowRow] | None = None
    if (windows_table := tables.get("windows.csv")) is not None:
        parsed = reader.parse(
            windows_table,
            lambda c: WindowRow(
                key=c("key", _required),
                due_at=c("due_at", _time),
                opens_at=c("opens_at", _time),
                closes_at=c("closes_at", _time),
            ),
            lambda r: None,
        )
        windows = parsed or None  # every row broken: reported already
    return ElectionPackage(
        election=election,
        units=units,
        polling_areas=areas,
        constituencies=constituencies,
        memberships=memberships,
        candidates=candidates,
        windows=windows,
    )


def _read_election(
    table: _Table | None, reader: _Reader, name: str | None, default_date: date
) -> ElectionRow:
    file = "election.csv"
    records = list(reader.records(table))
    reader.rows[file] = []
    if not records:
        return ElectionRow(name=name or "", date=default_date)
    number, record = records[0]
    for extra, _ in records[1:]:
        reader.problem(file, extra, "election.csv chỉ có một dòng")
    reader.rows[file] = [number]
    day, kind = default_date, ElectionKind.REAL
    try:
        day = _date(record.get("date"))
    except _CellError as exc:
        reader.problem(file, number, f"cột date: {exc}")
    if _text(record.get("kind")):
        try:
            kind = _election_kind(record.get("kind"))
        except _CellError as exc:
            reader.problem(file, number, f"cột kind: {exc}")
    return ElectionRow(name=name or _text(record.get("name")), date=day, kind=kind)


def import_package(
    db: Database, path: Path, election_name: str | None = None, now: datetime | None = None
) -> LoadResult:
    """``baucu import PATH --election NAME``: read, validate and load in one transaction."""
    stored_date = None
    if election_name:
        with db.read() as session:
            stored_date = session.scalar(
                select(Election.date).where(Election.name == election_name)
            )
    pkg = read_package(Path(path), election_name=election_name, default_date=stored_date)
    return load_validated(db, pkg, now=now)


# --- writing ----------------------------------------------------------------


def write_template(path: Path, fmt: Format = "xlsx") -> Path:
    """An empty package: headers only (CSV folder, or a workbook with instructions)."""
    return _write(Path(path), fmt, {file: [] for file in COLUMNS})


def export_package(db: Database, election_id: int, path: Path, fmt: Format = "xlsx") -> Path:
    """Write an election's master data as a package that imports back unchanged."""
    return _write(Path(path), fmt, _export_tables(db, election_id))


def _export_tables(db: Database, election_id: int) -> dict[str, list[list[Any]]]:
    eid = election_id
    with db.read() as s:
        election = s.get(Election, eid)
        if election is None:
            raise LookupError(f"không có cuộc bầu cử mã {eid}")
        codes = dict(s.execute(select(Unit.id, Unit.code).where(Unit.election_id == eid)).all())
        units = s.execute(
            select(Unit.code, Unit.name, Unit.kind, Unit.parent_id)
            .where(Unit.election_id == eid, Unit.code != NATION_CODE)
            .order_by(Unit.depth, Unit.code)
        ).all()
        areas = s.execute(
            select(PollingArea).where(PollingArea.election_id == eid).order_by(PollingArea.code)
        ).scalars()
        area_rows = [
            [
                a.code,
                codes[a.unit_id],
                a.name,
                a.registered_total,
                a.registered_male,
                a.registered_female,
            ]
            for a in areas
        ]
        cons = list(
            s.scalars(
                select(Constituency)
                .where(Constituency.election_id == eid)
                .order_by(Constituency.level, Constituency.code)
            )
        )
        con_codes = {c.id: c.code for c in cons}
        members = s.execute(
            select(ConstituencyArea.constituency_id, PollingArea.code)
            .join(PollingArea, PollingArea.id == ConstituencyArea.polling_area_id)
            .where(PollingArea.election_id == eid)
            .order_by(ConstituencyArea.constituency_id, PollingArea.code)
        ).all()
        candidates = s.execute(
            select(Candidate)
            .join(Constituency, Constituency.id == Candidate.constituency_id)
            .where(Constituency.election_id == eid)
            .order_by(Constituency.code, Candidate.ballot_order)
        ).scalars()
        candidate_rows = [
            [
                con_codes[c.constituency_id],
                c.full_name,
                c.date_of_birth,
                c.gender.value,
                c.ballot_order,
            ]
            for c in candidates
        ]
        windows = s.scalars(
            select(ReportingWindow)
            .where(ReportingWindow.election_id == eid)
            .order_by(ReportingWindow.position)
        ).all()
        return {
            "election.csv": [[election.name, election.date, election.kind.value]],
            "units.csv": [
                [
                    u.code,
                    u.name,
                    u.kind.value,
                    "" if codes.get(u.parent_id) in (None, NATION_CODE) else codes[u.parent_id],
                ]
                for u in units
            ],
            "polling_areas.csv": area_rows,
            "constituencies.csv": [
                [c.code, c.level.value, c.name, c.seats, codes[c.unit_id]] for c in cons
            ],
            "constituency_areas.csv": [[con_codes[cid], code] for cid, code in members],
            "candidates.csv": candidate_rows,
            "windows.csv": [
                [w.key, _hhmm(w.due_at), _hhmm(w.opens_at), _hhmm(w.closes_at)] for w in windows
            ],
        }


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write(path: Path, fmt: Format, tables: dict[str, list[list[Any]]]) -> Path:
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for file, rows in tables.items():
            # With a BOM so that Excel shows Vietnamese letters right.
            with (path / file).open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS[file])
                writer.writerows([_csv_value(v) for v in row] for row in rows)
        return path
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r} (csv or xlsx)")
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    guide = workbook.active
    guide.title = INSTRUCTIONS_SHEET
    guide.column_dimensions["A"].width = 120
    for line in _INSTRUCTIONS:
        guide.append([line])
    guide["A1"].font = Font(bold=True)
    for file, rows in tables.items():
        _xlsx_sheet(workbook, file, rows)
    workbook.save(path)
    return path


def _xlsx_sheet(workbook: Workbook, file: str, rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(file.removesuffix(".csv"))
    columns = COLUMNS[file]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(list(row))
    for index, column in enumerate(columns, 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if column in _CODE_COLUMNS else 24
        # Codes stay text (leading zeros), dates show as YYYY-MM-DD.
        number_format = "@" if column in _CODE_COLUMNS else None
        if column in ("date", "date_of_birth"):
            number_format = "yyyy-mm-dd"
        if number_format is None:
            continue
        for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            for cell in cells:
                cell.number_format = number_format
        # Empty template: format the whole column so typed codes keep their zeros.
        sheet.column_dimensions[letter].number_format = number_format
