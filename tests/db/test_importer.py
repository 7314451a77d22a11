"""CSV / XLSX packages: import, templates, exports (API.md §1), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from data.clock import LOCAL_TZ
from data.db import Database
from data.importer import (
    COLUMNS,
    DEFAULT_ELECTION_DATE,
    export_package,
    import_package,
    read_package,
    write_template,
)
from data.loader import PackageRejected
from data.models import (
    Base,
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    ReportingWindow,
    Unit,
)

PACKAGES = Path(__file__).resolve().parent.parent / "data" / "packages"
VALID = PACKAGES / "valid"
BROKEN = PACKAGES / "broken"
NAME = "Bầu cử thử nghiệm 2026"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL_TZ)
VALID_COUNTS = {
    "units": 5,
    "polling_areas": 7,
    "constituencies": 7,
    "memberships": 21,
    "candidates": 22,
    "windows": 5,
}


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def csv_rows(folder: Path, file: str) -> list[list[str]]:
    with (folder / file).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def folder_to_xlsx(folder: Path, target: Path, *, typed: bool = False) -> Path:
    """The CSV package as one workbook (cells as text, or typed like Excel would)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for file in COLUMNS:
        if not (folder / file).exists():
            continue
        sheet = workbook.create_sheet(file.removesuffix(".csv"))
        rows = csv_rows(folder, file)
        sheet.append(rows[0])
        for row in rows[1:]:
            sheet.append([_typed(h, v) if typed else v for h, v in zip(rows[0], row, strict=True)])
    workbook.save(target)
    return target


def _typed(column: str, value: str) -> Any:
    if column.startswith("registered_") or column in ("seats", "ballot_order"):
        return int(value) if value else None
    if value and column in ("date", "date_of_birth"):
        return datetime.fromisoformat(value)
    return value


def master_data(db: Database, election_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """An election's master data without ids (to compare two elections)."""
    with db.read() as s:
        codes = dict(
            s.execute(select(Unit.id, Unit.code).where(Unit.election_id == election_id)).all()
        )
        cons = {
            c.id: c
            for c in s.scalars(select(Constituency).where(Constituency.election_id == election_id))
        }
        areas = {
            a.id: a
            for a in s.scalars(select(PollingArea).where(PollingArea.election_id == election_id))
        }
        return {
            "units": {
                (u.code, u.name, u.kind, codes.get(u.parent_id), u.depth, u.path)
                for u in s.scalars(select(Unit).where(Unit.election_id == election_id))
            },
            "areas": {
                (a.code, codes[a.unit_id], a.name, a.registered_total, a.registered_male)
                for a in areas.values()
            },
            "constituencies": {
                (c.code, c.level, c.name, c.seats, codes[c.unit_id]) for c in cons.values()
            },
            "memberships": {
                (cons[m.constituency_id].code, areas[m.polling_area_id].code, m.level)
                for m in s.scalars(
                    select(ConstituencyArea).where(ConstituencyArea.constituency_id.in_(cons))
                )
            },
            "candidates": {
                (
                    cons[c.constituency_id].code,
                    c.full_name,
                    c.date_of_birth,
                    c.gender,
                    c.ballot_order,
                )
                for c in s.scalars(select(Candidate).where(Candidate.constituency_id.in_(cons)))
            },
            "windows": {
                (w.key, w.kind, w.due_at, w.opens_at, w.closes_at, w.position)
                for w in s.scalars(
                    select(ReportingWindow).where(ReportingWindow.election_id == election_id)
                )
            },
        }


def assert_valid_loaded(db: Database, election_id: int) -> None:
    with db.read() as s:
        e = s.get(Election, election_id)
        assert e is not None and e.date == date(2026, 3, 15)
        qh = s.scalars(select(Constituency).where(Constituency.code == "QH-01-1")).first()
        assert qh is not None
        assert [c.full_name for c in qh.candidates] == [
            "Trần Văn An",
            "Lê Thị Ánh",
            "Nguyễn Văn Bình",
            "Phạm Đức",
        ]
        assert s.scalar(select(Unit.path).where(Unit.code == "26734")) == "VN/79/26734/"


# --- reading and importing --------------------------------------------------


def test_valid_csv_folder_imports(db: Database) -> None:
    result = import_package(db, VALID, now=NOW)
    assert result.created
    assert result.counts == VALID_COUNTS
    counts = table_counts(db)
    assert counts["unit"] == 6  # with the nation
    assert counts["polling_area"] == 7
    assert counts["constituency"] == 7
    assert counts["constituency_area"] == 21
    assert counts["candidate"] == 22
    assert counts["reporting_window"] == 5
    assert counts["contest"] == 3
    assert counts["audit_event"] == 1
    assert_valid_loaded(db, result.election_id)
    with db.read() as s:
        assert s.scalar(select(Election.name)) == NAME


@pytest.mark.parametrize("typed", [False, True], ids=["text-cells", "typed-cells"])
def test_valid_xlsx_imports(db: Database, tmp_path: Path, typed: bool) -> None:
    workbook = folder_to_xlsx(VALID, tmp_path / "goi.xlsx", typed=typed)
    result = import_package(db, workbook, now=NOW)
    assert result.counts == VALID_COUNTS
    assert_valid_loaded(db, result.election_id)


def test_reimport_is_idempotent(db: Database, tmp_path: Path) -> None:
    first = import_package(db, VALID, now=NOW)
    counts = table_counts(db)
    before = master_data(db, first.election_id)
    second = import_package(db, VALID, now=NOW)
    again = import_package(db, folder_to_xlsx(VALID, tmp_path / "goi.xlsx"), now=NOW)
    assert second.election_id == first.election_id == again.election_id
    assert second.counts == again.counts == VALID_COUNTS
    assert all(sum(c.values()) == 0 for c in again.changes.values())
    assert table_counts(db) == {**counts, "audit_event": 3}
    assert master_data(db, first.election_id) == before
    with db.read() as s:
        assert s.scalar(select(Election.data_version)) == 3


EXPECTED_BROKEN = {
    ("election.csv", 2, "cột kind"),
    ("units.csv", 4, "cột kind"),
    ("units.csv", 5, "bị trùng"),
    ("units.csv", 6, "“77” không có"),
    ("units.csv", 7, "không có đơn vị cha"),
    ("polling_areas.csv", 3, "M04"),
    ("polling_areas.csv", 4, "cột registered_total"),
    ("polling_areas.csv", 6, "phải thuộc một xã"),
    ("polling_areas.csv", 7, "R01"),
    ("polling_areas.csv", 8, "M03"),
    ("constituencies.csv", 2, "M02"),
    ("constituencies.csv", 2, "M01"),
    ("constituencies.csv", 5, "cột level"),
    ("constituency_areas.csv", 19, "dòng trùng với dòng 14"),
    ("constituency_areas.csv", 20, "“00004-99” không có"),
    ("constituency_areas.csv", 21, "không nằm trong địa bàn"),
    ("constituency_areas.csv", 22, "M03"),
    ("candidates.csv", 7, "cột date_of_birth"),
    ("candidates.csv", 13, "thứ tự trên phiếu 2 bị trùng"),
    ("candidates.csv", 14, "cột gender"),
    ("candidates.csv", 18, "“QH-99” không có"),
    ("candidates.csv", 19, "chưa đủ 21 tuổi"),
    ("windows.csv", 3, "phải trước giờ kết thúc"),
    ("windows.csv", 4, "cột closes_at"),
}


def _matches(problems: list[Any], expected: set[tuple[str, int, str]]) -> None:
    """Every problem matches exactly one expectation and every expectation is met."""
    unmatched = []
    for p in problems:
        text = f"{p.code or ''} {p.reason}"
        hits = [e for e in expected if e[0] == p.file and e[1] == p.row and e[2] in text]
        if len(hits) != 1:
            unmatched.append((p.file, p.row, p.code, p.reason, hits))
    assert not unmatched, unmatched
    assert len(problems) == len(expected), [str(p) for p in problems]


def test_broken_package_lists_every_bad_row_and_writes_nothing(db: Database) -> None:
    loaded = import_package(db, VALID, now=NOW)
    counts = table_counts(db)
    with pytest.raises(PackageRejected) as info:
        import_package(db, BROKEN, election_name=NAME, now=NOW)
    _matches(info.value.problems, EXPECTED_BROKEN)
    assert "24 lỗi" in str(info.value)
    assert table_counts(db) == counts
    with db.read() as s:
        assert s.get(Election, loaded.election_id).data_version == 1  # type: ignore[union-attr]
    # Nor is the broken package's own election created.
    with pytest.raises(PackageRejected):
        import_package(db, BROKEN, now=NOW)
    assert table_counts(db) == counts


def test_broken_xlsx_lists_the_same_rows(tmp_path: Path) -> None:
    workbook = folder_to_xlsx(BROKEN, tmp_path / "loi.xlsx")
    with pytest.raises(PackageRejected) as info:
        read_package(workbook)
    _matches(info.value.problems, EXPECTED_BROKEN)


def test_file_level_problems(tmp_path: Path) -> None:
    folder = tmp_path / "goi"
    shutil.copytree(VALID, folder)
    (folder / "candidates.csv").unlink()
    rows = csv_rows(folder, "units.csv")
    rows[0] = ["code", "ten", "kind", "parent_code"]
    with (folder / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (folder / "windows.csv").write_text("key,due_at\n", encoding="utf-8")
    (folder / "election.csv").write_bytes(
        "name,date,kind\nBâu cú,2026-03-15,real\n".encode("latin-1")
    )
    with pytest.raises(PackageRejected) as info:
        read_package(folder)
    got = {(p.file, p.row, p.reason) for p in info.value.problems}
    assert ("candidates.csv", None, "thiếu tệp (hoặc trang tính) này trong gói dữ liệu") in got
    assert any(f == "units.csv" and r == 1 and "“ten” không hợp lệ" in t for f, r, t in got)
    assert any(f == "units.csv" and r == 1 and "thiếu cột “name”" in t for f, r, t in got)
    assert any(f == "windows.csv" and r == 1 and "thiếu cột “opens_at”" in t for f, r, t in got)
    assert any(f == "election.csv" and r is None and "UTF-8" in t for f, r, t in got)


def test_bom_semicolons_blank_rows_and_no_election_file(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "goi"
    shutil.copytree(VALID, folder)
    (folder / "election.csv").unlink()
    (folder / "windows.csv").unlink()
    rows = csv_rows(folder, "polling_areas.csv")
    with (folder / "polling_areas.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerows(rows[:3])
        writer.writerow([""] * 6)  # a blank line in the middle is skipped
        writer.writerows(rows[3:])
    # Without election.csv the name must come from --election.
    with pytest.raises(PackageRejected) as info:
        read_package(folder)
    assert [(p.file, p.row) for p in info.value.problems] == [("election.csv", None)]
    result = import_package(db, folder, election_name="Bầu cử không có election.csv", now=NOW)
    assert result.counts == {**VALID_COUNTS, "windows": 7}  # the default schedule
    with db.read() as s:
        assert s.scalar(select(Election.date)) == DEFAULT_ELECTION_DATE


def test_missing_election_file_keeps_the_stored_date(db: Database, tmp_path: Path) -> None:
    first = import_package(db, VALID, now=NOW)
    with db.write() as s:
        s.get(Election, first.election_id).date = date(2026, 5, 1)  # type: ignore[union-attr]
    folder = tmp_path / "goi"
    shutil.copytree(VALID, folder)
    (folder / "election.csv").unlink()
    import_package(db, folder, election_name=NAME, now=NOW)
    with db.read() as s:
        assert s.get(Election, first.election_id).date == date(2026, 5, 1)  # type: ignore[union-attr]


def test_bad_row_numbers_follow_the_file(tmp_path: Path) -> None:
    """Skipped blank rows and unparsable rows never shift the reported rows."""
    folder = tmp_path / "goi"
    shutil.copytree(VALID, folder)
    rows = csv_rows(folder, "candidates.csv")
    rows[3][2] = "30/02/1980"  # row 4 (Lê Thị Ánh): no such day
    rows.insert(6, [""] * 5)  # row 7 is now blank; Đặng Minh Khoa moves to row 8
    rows[8][4] = "1"  # row 9 (Huỳnh Văn Dũng): order 1 again, as on row 6
    rows[10][3] = "Nam"  # row 11: Vietnamese gender words are fine
    with (folder / "candidates.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(PackageRejected) as info:
        read_package(folder)
    got = [(p.file, p.row) for p in info.value.problems]
    assert got == [("candidates.csv", 4), ("candidates.csv", 9)]
    assert "dòng 6" in info.value.problems[1].reason


# --- templates, exports, freeze ---------------------------------------------


def test_csv_template_fill_import(db: Database, tmp_path: Path) -> None:
    folder = write_template(tmp_path / "mau", "csv")
    assert sorted(p.name for p in folder.iterdir()) == sorted(COLUMNS)
    for file in COLUMNS:
        raw = (folder / file).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
        assert csv_rows(folder, file) == [list(COLUMNS[file])]
    # Fill: everything but election.csv and windows.csv (left as empty templates).
    for file in COLUMNS:
        if file in ("election.csv", "windows.csv"):
            continue
        with (folder / file).open("a", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(csv_rows(VALID, file)[1:])
    result = import_package(db, folder, election_name="Từ mẫu CSV", now=NOW)
    assert result.counts == {**VALID_COUNTS, "windows": 7}


def test_xlsx_template_fill_import(db: Database, tmp_path: Path) -> None:
    path = write_template(tmp_path / "mau.xlsx", "xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames[0] == "Hướng dẫn"
    assert workbook.sheetnames[1:] == [f.removesuffix(".csv") for f in COLUMNS]
    for file, columns in COLUMNS.items():
        sheet = workbook[file.removesuffix(".csv")]
        header = [c.value for c in sheet[1]]
        assert header == list(columns)
        assert all(c.font.bold for c in sheet[1])
        assert sheet.max_row == 1
        for row in csv_rows(VALID, file)[1:]:
            sheet.append(row)
    workbook.save(path)
    result = import_package(db, path, now=NOW)
    assert result.counts == VALID_COUNTS
    assert_valid_loaded(db, result.election_id)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_round_trip(db: Database, tmp_path: Path, fmt: str) -> None:
    original = import_package(db, VALID, now=NOW)
    target = tmp_path / ("xuat" if fmt == "csv" else "xuat.xlsx")
    export_package(db, original.election_id, target, fmt)  # type: ignore[arg-type]
    copy = import_package(db, target, election_name="Bản sao", now=NOW)
    assert copy.created and copy.counts == VALID_COUNTS
    assert master_data(db, copy.election_id) == master_data(db, original.election_id)
    # Exported back into the same election: nothing changes.
    same = import_package(db, target, election_name=NAME, now=NOW)
    assert all(sum(c.values()) == 0 for c in same.changes.values())
    # The export is exactly the files of the fixture, up to row order.
    if fmt == "csv":
        for file in ("units.csv", "polling_areas.csv", "constituency_areas.csv"):
            exported = csv_rows(target, file)
            assert exported[0] == list(COLUMNS[file])
            assert sorted(exported[1:]) == sorted(csv_rows(VALID, file)[1:])


def test_freeze_refuses_import(db: Database) -> None:
    result = import_package(db, VALID, now=NOW)
    freeze_at = datetime(2026, 3, 14, 19, 0, tzinfo=LOCAL_TZ)
    with db.write() as s:
        s.get(Election, result.election_id).freeze_at = freeze_at  # type: ignore[union-attr]
    counts = table_counts(db)
    with pytest.raises(PackageRejected) as info:
        import_package(db, VALID, now=datetime(2026, 3, 14, 19, 30, tzinfo=LOCAL_TZ))
    assert "đã khóa" in info.value.problems[0].reason
    assert table_counts(db) == counts
    with db.read() as s:
        assert s.get(Election, result.election_id).data_version == 1  # type: ignore[union-attr]


def test_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("?")
    with pytest.raises(PackageRejected):
        read_package(tmp_path / "x.txt")
    with pytest.raises(PackageRejected) as info:
        read_package(tmp_path / "khong-co")
    assert len(info.value.problems) == 1
