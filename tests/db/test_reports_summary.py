"""Biên bản tổng kết (province and nation): every figure equals the read models."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import update

from data.db import Database
from data.enums import Level
from data.models import Election
from data.numbers import format_int, format_percent, percent_of
from data.read_models.progress import NotFound
from data.read_models.results import constituency_results
from data.reports.forms import form_spec
from data.reports.pdf import render_pdf
from data.reports.sources import summary_report
from data.reports.summary import summed_counts
from data.reports.xlsx import render_xlsx
from tests.db.test_read_results import BA_DINH, NGOC_HA, add_all
from tests.db.test_reports import PRINTED, flat, pages_text, pct, sheet_rows
from tests.factories import SmallElection, make_small_election

# QH-01 (2 seats, 4 candidates) over every polling area of the province.
QH = {
    "00004-01": (1000, 900, 880, 20, (700, 500, 300, 100)),
    "00004-02": (800, 700, 690, 10, (600, 300, 400, 50)),
    "00004-03": (650, 600, 600, 0, (500, 310, 200, 90)),
    "00008-01": (900, 400, 390, 10, (300, 250, 100, 20)),
    "00008-02": (700, 350, 350, 0, (200, 200, 100, 30)),
    "00008-03": (500, 300, 300, 0, (250, 100, 50, 40)),
}


@pytest.fixture
def election(db: Database) -> SmallElection:
    e = make_small_election(db)
    add_all(db, e, "QH-01", Level.QH, QH)
    add_all(db, e, "X-00004", Level.HDND_XA, BA_DINH)
    add_all(db, e, "X-00008", Level.HDND_XA, dict(list(NGOC_HA.items())[:2]))
    return e


def text_of(pdf: bytes) -> tuple[list[str], str]:
    pages = pages_text(pdf)
    return pages, flat(" ".join(pages))


@pytest.mark.parametrize("unit", ["01", "VN"])
def test_summary_pdf_carries_every_figure(db: Database, election: SmallElection, unit: str):
    e = election
    with db.read() as s:
        results = constituency_results(s, e.election_id, unit, Level.HDND_XA)
        report = summary_report(s, e.election_id, unit, Level.HDND_XA, PRINTED)
    assert [r.code for r in results] == ["X-00004", "X-00008"]
    total = summed_counts(results)
    pages, text = text_of(render_pdf(report))
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Mẫu số 24/HĐBC-HĐND",
        "BIÊN BẢN TỔNG KẾT CUỘC BẦU CỬ ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN XÃ",
        "Số đơn vị bầu cử: 2.",
        "Số đại biểu được bầu: 4.",
        "Số người ứng cử: 6.",
        f"Tổng số cử tri trong danh sách: {format_int(total.voters_total)}.",
        f"Số cử tri đã tham gia bỏ phiếu: {format_int(total.voters_voted)} "
        f"({format_percent(percent_of(total.voters_voted, total.voters_total))}).",
        "Các đơn vị bầu cử phải tổ chức bầu cử lại: Đơn vị bầu cử số 1 (X-00008)",
    ):
        assert words in text, words
    valid_pct = format_percent(percent_of(total.ballots_valid, total.ballots_received))
    assert f"Số phiếu hợp lệ {format_int(total.ballots_valid)} {valid_pct}" in text
    invalid_pct = format_percent(percent_of(total.ballots_invalid, total.ballots_received))
    assert f"Số phiếu không hợp lệ {format_int(total.ballots_invalid)} {invalid_pct}" in text
    for i, r in enumerate(results, 1):
        c = r.counts
        row = (
            f"{i} {r.code} {r.name} {r.seats} {len(r.candidates)} "
            f"{format_int(c.voters_total)} {format_int(c.voters_voted)} "
            f"{format_percent(r.turnout_percent)} {format_int(c.ballots_valid)} "
            f"{format_int(c.ballots_invalid)} {len(r.elected_ids)}"
        )
        assert row in text, row
        for n, cand in enumerate((c for c in r.candidates if c.elected), 1):
            winner = f"{n} {cand.full_name} {format_int(cand.votes)} {format_percent(cand.percent)}"
            assert winner in text, winner
    assert results[1].revote_needed and not results[1].elected_ids
    assert "Không có người trúng cử Bầu cử lại" in text
    # the least advanced status, the data version and the time on every page
    for page in pages:
        footer = flat(page)
        assert "Trạng thái: Tạm tính (chưa đủ biên bản)" in footer
        assert f"Phiên bản dữ liệu: {results[0].data_version}" in footer
        assert "In lúc 21:05 ngày 15/03/2026" in footer
    committee = "HỘI ĐỒNG BẦU CỬ QUỐC GIA" if unit == "VN" else "ỦY BAN BẦU CỬ THÀNH PHỐ HÀ NỘI"
    assert committee in text


def test_summary_xlsx_equals_the_read_models(db: Database, election: SmallElection) -> None:
    e = election
    with db.read() as s:
        results = constituency_results(s, e.election_id, "01", Level.QH)
        xlsx = render_xlsx(summary_report(s, e.election_id, "01", Level.QH, PRINTED))
    (r,) = results
    totals = sheet_rows(xlsx, "Tổng hợp")[1:]
    assert [row[2] for row in totals] == list(asdict(summed_counts(results)).values())
    assert pct(totals[1][3]) == r.turnout_percent
    rows = sheet_rows(xlsx, "Theo đơn vị bầu cử")[1:]
    c = r.counts
    expected = (
        1,
        r.code,
        r.name,
        r.seats,
        len(r.candidates),
        c.voters_total,
        c.voters_voted,
        r.turnout_percent,
        c.ballots_valid,
        c.ballots_invalid,
        len(r.elected_ids),
        None,
    )
    assert (*rows[0][:7], pct(rows[0][7]), *rows[0][8:]) == expected
    assert rows[-1][2] == "Tổng cộng" and rows[-1][5:7] == (c.voters_total, c.voters_voted)
    winners = sheet_rows(xlsx, "Người trúng cử")[1:]
    assert [(w[0], w[3], w[4], pct(w[5])) for w in winners] == [
        (r.code, cand.full_name, cand.votes, cand.percent) for cand in r.candidates if cand.elected
    ]
    assert len(winners) == r.seats == 2
    main = sheet_rows(xlsx, "Biên bản")
    assert any(row[0] == f"Phiên bản dữ liệu: {r.data_version}" for row in main)
    assert any(row[0] == "Trạng thái: Đã đủ biên bản (chưa xác nhận)" for row in main)


def test_summary_form_and_missing_level(db: Database, election: SmallElection) -> None:
    e = election
    with db.write() as s:
        forms = {"summary.QH": {"number": "Mẫu số 99/HĐBC-QH", "title": "Tổng kết riêng"}}
        s.execute(update(Election).values(settings={"forms": forms}))
    with db.read() as s:
        _pages, text = text_of(
            render_pdf(summary_report(s, e.election_id, "VN", Level.QH, PRINTED))
        )
        with pytest.raises(NotFound):
            summary_report(s, e.election_id, "01", Level.HDND_HUYEN, PRINTED)
        with pytest.raises(NotFound):
            summary_report(s, e.election_id, "KHONG-CO", Level.QH, PRINTED)
    assert "Mẫu số 99/HĐBC-QH" in text and "TỔNG KẾT RIÊNG" in text
    assert form_spec({}, "summary", Level.QH).number == "Mẫu số 24/HĐBC-QH"
