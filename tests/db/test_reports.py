"""PDF and XLSX reports: every figure equals the read model; Vietnamese text is exact."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import Level, ResultStatus
from data.models import Election, TurnoutReport
from data.numbers import format_int, format_percent
from data.read_models.entry import tally_form
from data.read_models.progress import NotFound, children_progress, unit_progress
from data.read_models.results import result_by_area
from data.reports.forms import FormSpec, form_spec
from data.reports.model import Meta, Paragraph, Report
from data.reports.pdf import render_pdf
from data.reports.sources import constituency_report, tally_report, turnout_report
from data.reports.xlsx import render_xlsx
from tests.db.test_read_results import BA_DINH, NGOC_HA, add_all
from tests.factories import SmallElection, make_small_election

PRINTED = datetime(2026, 3, 15, 21, 5, tzinfo=LOCAL_TZ)
GLYPHS = "ẮẰẲẴẶắằẳẵặ ỐỒỔỖỘốồổỗộ ỨỪỬỮỰứừửữự Đđ"


def pages_text(pdf: bytes) -> list[str]:
    reader = PdfReader(BytesIO(pdf))
    return [unicodedata.normalize("NFC", p.extract_text()) for p in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def sheet_rows(xlsx: bytes, name: str) -> list[tuple]:
    wb = load_workbook(BytesIO(xlsx))
    return [tuple(r) for r in wb[name].iter_rows(values_only=True)]


def pct(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def election(db: Database) -> SmallElection:
    return make_small_election(db)


def test_every_vietnamese_glyph_survives_the_pdf() -> None:
    report = Report(
        meta=Meta(
            ("Ủy ban bầu cử", "Thử"), FormSpec("Mẫu số 1", "Thử phông chữ"), "Thử", 7, PRINTED
        ),
        title=("Thử phông chữ",),
        blocks=(Paragraph(GLYPHS), Paragraph(GLYPHS, bold=True)),
        filename="thử",
    )
    text = flat(pages_text(render_pdf(report))[0])
    assert text.count(GLYPHS) == 2
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text


def test_constituency_minutes_pdf_carries_every_figure(db: Database, election: SmallElection):
    e = election
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    with db.read() as s:
        b = result_by_area(s, e.election_id, "X-00004")
        report = constituency_report(s, e.election_id, "X-00004", PRINTED)
    r = b.result
    pdf = render_pdf(report)
    pages = pages_text(pdf)
    text = flat(" ".join(pages))
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BAN BẦU CỬ ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN XÃ",
        "Mẫu số 23/HĐBC-HĐND",
        "BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN XÃ Ở ĐƠN VỊ BẦU CỬ",
        "Số đại biểu được bầu: 2. Số người ứng cử: 3.",
        "Cuộc bầu cử ở đơn vị bầu cử hợp lệ",
        "1. Nguyễn Văn A: 1.800 phiếu (82,95 %)",
        "2. Nguyễn Văn B: 1.110 phiếu (51,15 %)",
        "Số người trúng cử: 2/2",
        "TRƯỞNG BAN BẦU CỬ",
        "Phường Ba Đình, ngày 15 tháng 03 năm 2026",
    ):
        assert words in text, words
    # the totals, with their percentages as the forms compute them
    assert "Số cử tri đã tham gia bỏ phiếu 2.200 89,80 %" in text
    assert "Số phiếu hợp lệ 2.170 98,64 %" in text
    assert "Số phiếu không hợp lệ 30 1,36 %" in text
    for c in r.candidates:
        row = f"{c.rank} {c.full_name} {format_int(c.votes)} {format_percent(c.percent)}"
        assert row in text, row
    for commune in b.communes:
        for a in commune.areas:
            c = a.counts
            figures = (c.voters_total, c.voters_voted, c.ballots_valid, c.ballots_invalid)
            assert f"{a.code} {a.name} " + " ".join(map(format_int, figures)) in text
            assert f"{a.code} {a.name} " + " ".join(map(format_int, a.votes)) in text
        assert f"Cộng {commune.name} " + " ".join(map(format_int, commune.votes)) in text
    # status, data version and time on every page's footer
    assert len(pages) >= 2
    for page in pages:
        footer = flat(page)
        assert "Trạng thái: Đã đủ biên bản (chưa xác nhận)" in footer
        assert f"Phiên bản dữ liệu: {r.data_version}" in footer
        assert "In lúc 21:05 ngày 15/03/2026" in footer


def test_constituency_minutes_xlsx_equals_the_read_model(db: Database, election: SmallElection):
    e = election
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    with db.read() as s:
        b = result_by_area(s, e.election_id, "X-00004")
        xlsx = render_xlsx(constituency_report(s, e.election_id, "X-00004", PRINTED))
    r = b.result
    totals = sheet_rows(xlsx, "Tổng hợp")[1:]
    assert [row[2] for row in totals] == list(asdict(r.counts).values())
    assert pct(totals[1][3]) == r.turnout_percent
    cands = sheet_rows(xlsx, "Người ứng cử")[1:]
    assert [(row[0], row[1], row[2], pct(row[3]), row[4]) for row in cands] == [
        (c.rank, c.full_name, c.votes, c.percent, "Trúng cử" if c.elected else None)
        for c in r.candidates
    ]
    votes = sheet_rows(xlsx, "Phiếu bầu theo khu vực")
    assert votes[0][2:] == b.candidate_names
    by_code = {row[0]: row[2:] for row in votes[1:] if row[0]}
    for commune in b.communes:
        for a in commune.areas:
            assert by_code[a.code] == a.votes
    assert votes[-2][1:] == (
        "Tổng cộng",
        *(c.votes for c in sorted(r.candidates, key=lambda c: c.ballot_order)),
    )
    main = sheet_rows(xlsx, "Biên bản")
    assert any(row[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" for row in main)
    assert any(row[0] == f"Phiên bản dữ liệu: {r.data_version}" for row in main)


def test_revote_and_missing_sheets_are_stated(db: Database, election: SmallElection) -> None:
    e = election
    add_all(db, e, "X-00008", Level.HDND_XA, dict(list(NGOC_HA.items())[:2]))
    with db.read() as s:
        text = flat(
            " ".join(
                pages_text(render_pdf(constituency_report(s, e.election_id, "X-00008", PRINTED)))
            )
        )
    assert "phải tổ chức bầu cử lại" in text
    assert "Không có người trúng cử." in text
    assert "mới có 2/3 biên bản kiểm phiếu" in text
    assert "Trạng thái: Tạm tính (chưa đủ biên bản)" in text
    assert "00008-03 Khu vực bỏ phiếu số 3 chưa có" in text


def test_form_number_and_title_come_from_the_election(db: Database, election: SmallElection):
    e = election
    forms = {
        "constituency_result.HDND_XA": {"number": "Mẫu số 99/HĐBC-XA", "title": "Tên mẫu riêng"}
    }
    with db.write() as s:
        s.execute(update(Election).values(settings={"forms": forms}))
    with db.read() as s:
        text = flat(
            " ".join(
                pages_text(render_pdf(constituency_report(s, e.election_id, "X-00004", PRINTED)))
            )
        )
    assert "Mẫu số 99/HĐBC-XA" in text and "TÊN MẪU RIÊNG" in text
    assert form_spec({}, "constituency_result", Level.QH).number == "Mẫu số 23/HĐBC-QH"
    assert form_spec({"forms": {"turnout": {"title": "X"}}}, "turnout").title == "X"


def add_turnout(db: Database, e: SmallElection, window: str, voted: dict[str, int]) -> None:
    with db.write() as s:
        for area, n in voted.items():
            s.add(
                TurnoutReport(
                    election_id=e.election_id,
                    polling_area_id=e.area_ids[area],
                    window_id=e.window_ids[window],
                    voted_total=n,
                    created_at=PRINTED,
                    updated_at=PRINTED,
                )
            )


def test_turnout_report_equals_progress(db: Database, election: SmallElection) -> None:
    e = election
    add_turnout(db, e, "1100", {"00004-01": 612, "00004-02": 333, "00008-01": 450})
    with db.read() as s:
        unit = unit_progress(s, e.election_id, "01")
        children = children_progress(s, e.election_id, "01")
        report = turnout_report(s, e.election_id, "01", "1100", PRINTED)
        with pytest.raises(NotFound):
            turnout_report(s, e.election_id, "01", "2300", PRINTED)
    w = unit.window("1100")
    text = flat(" ".join(pages_text(render_pdf(report))))
    assert "BÁO CÁO TIẾN ĐỘ CỬ TRI ĐI BẦU" in text
    assert "ỦY BAN BẦU CỬ THÀNH PHỐ HÀ NỘI" in text
    assert (
        f"cử tri đã tham gia bỏ phiếu: {format_int(w.voted)} ({format_percent(w.turnout_pct)})"
        in text
    )
    for i, child in enumerate(children, 1):
        cw = child.window("1100")
        row = (
            f"{i} {child.name} {cw.reported_areas} {cw.expected_areas} "
            f"{format_int(child.registered)} {format_int(cw.voted)} "
            f"{format_percent(cw.turnout_pct)}"
        )
        assert row in text, row
    rows = sheet_rows(render_xlsx(report), "Tiến độ")[1:]
    expected = [
        (c.name, c.window("1100").voted, c.registered, c.window("1100").turnout_pct)
        for c in children
    ] + [("Tổng cộng", w.voted, unit.registered, w.turnout_pct)]
    assert [(r[1], r[5], r[4], pct(r[6])) for r in rows] == expected
    assert w.voted == 1395


def test_tally_sheet_as_entered(db: Database, election: SmallElection) -> None:
    e = election
    add_all(db, e, "QH-01", Level.QH, {"00004-02": (800, 700, 690, 10, (600, 300, 400, 50))})
    with db.read() as s:
        form = tally_form(s, e.election_id, "00004-02", Level.QH)
        report = tally_report(s, e.election_id, "00004-02", Level.QH, PRINTED)
        empty = tally_report(s, e.election_id, "00004-01", Level.QH, PRINTED)
    assert form is not None and form.sheet is not None
    text = flat(" ".join(pages_text(render_pdf(report))))
    assert "BIÊN BẢN KẾT QUẢ KIỂM PHIẾU BẦU CỬ ĐẠI BIỂU QUỐC HỘI" in text
    assert "Mẫu số 22/HĐBC-QH" in text and "TỔ TRƯỞNG TỔ BẦU CỬ" in text
    assert "Số phiếu hợp lệ 690 98,57 %" in text
    for c in form.candidates:
        assert f"{c.ballot_order} {c.full_name} {format_int(form.sheet.votes[c.id])}" in text
    rows = sheet_rows(render_xlsx(report), "Phiếu bầu")[1:]
    assert [(r[1], r[2]) for r in rows] == [
        (c.full_name, form.sheet.votes[c.id]) for c in form.candidates
    ]
    assert [r[2] for r in sheet_rows(render_xlsx(report), "Tổng hợp")[1:]] == list(
        form.sheet.counts.values()
    )
    assert "Chưa nhập biên bản" in flat(" ".join(pages_text(render_pdf(empty))))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_page_renders_to_png(db: Database, election: SmallElection, tmp_path: Path) -> None:
    e = election
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    with db.read() as s:
        pdf = render_pdf(constituency_report(s, e.election_id, "X-00004", PRINTED))
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "r.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("p*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_status_is_printed_in_vietnamese() -> None:
    from data.reports.forms import status_vi

    assert status_vi(ResultStatus.CONFIRMED) == "Đã xác nhận"
    assert status_vi("official") == "Chính thức (đã công bố)"
