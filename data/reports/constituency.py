"""Biên bản xác định kết quả bầu cử ở đơn vị bầu cử (DESIGN §6), from the read model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from data.numbers import format_int, format_percent
from data.read_models.results import AreaBreakdown
from data.reports.common import counts_table
from data.reports.forms import CONSTITUENCY_RESULT, LEVEL_FULL_VI, form_spec, status_vi
from data.reports.model import (
    Cell,
    Heading,
    Meta,
    Paragraph,
    Percent,
    Report,
    Signatures,
    Signer,
    Table,
)

CANDIDATES_PER_TABLE = 6
_AREA_COUNTS = ("voters_total", "voters_voted", "ballots_valid", "ballots_invalid")


def _area_counts_table(b: AreaBreakdown) -> Table:
    rows: list[tuple[Cell, ...]] = []
    bold: set[int] = set()
    for commune in b.communes:
        for a in commune.areas:
            figures: tuple[Cell, ...] = (
                tuple(getattr(a.counts, f) for f in _AREA_COUNTS)
                if a.has_sheet
                else ("chưa có", None, None, None)
            )
            rows.append((a.code, a.name, *figures))
        bold.add(len(rows))
        rows.append(
            ("", f"Cộng {commune.name}", *(getattr(commune.subtotal, f) for f in _AREA_COUNTS))
        )
    bold.add(len(rows))
    total = b.result.counts
    rows.append(("", "Tổng cộng", *(getattr(total, f) for f in _AREA_COUNTS)))
    return Table(
        columns=("Mã KVBP", "Khu vực bỏ phiếu", "Cử tri", "Đã bỏ phiếu", "Hợp lệ", "Không hợp lệ"),
        rows=tuple(rows),
        widths=(16, 40, 18, 18, 18, 18),
        bold_rows=frozenset(bold),
        name="Theo khu vực",
    )


def _area_votes_tables(b: AreaBreakdown) -> list[Table]:
    by_id = {c.id: c for c in b.result.candidates}
    n = len(b.candidate_ids)
    tables = []
    for start in range(0, max(n, 1), CANDIDATES_PER_TABLE):
        idx = range(start, min(n, start + CANDIDATES_PER_TABLE))
        rows: list[tuple[Cell, ...]] = []
        bold: set[int] = set()
        for commune in b.communes:
            for a in commune.areas:
                votes = [a.votes[i] if a.has_sheet else None for i in idx]
                rows.append((a.code, a.name, *votes))
            bold.add(len(rows))
            rows.append(("", f"Cộng {commune.name}", *(commune.votes[i] for i in idx)))
        bold |= {len(rows), len(rows) + 1}
        cands = [by_id[b.candidate_ids[i]] for i in idx]
        rows.append(("", "Tổng cộng", *(c.votes for c in cands)))
        rows.append(("", "Tỷ lệ so với phiếu hợp lệ", *(Percent(c.percent) for c in cands)))
        tables.append(
            Table(
                columns=("Mã KVBP", "Khu vực bỏ phiếu", *(b.candidate_names[i] for i in idx)),
                rows=tuple(rows),
                widths=(16, 34, *([20] * len(idx))),
                bold_rows=frozenset(bold),
                name="Phiếu bầu theo khu vực"
                + (f" {start // CANDIDATES_PER_TABLE + 1}" if n > CANDIDATES_PER_TABLE else ""),
            )
        )
    return tables


def _conclusions(b: AreaBreakdown) -> list[Paragraph]:
    r = b.result
    out = []
    turnout = format_percent(r.turnout_percent)
    if r.valid_election:
        out.append(
            Paragraph(
                f"Cuộc bầu cử ở đơn vị bầu cử hợp lệ: số cử tri đã tham gia bỏ phiếu đạt "
                f"{turnout}, quá một nửa tổng số cử tri trong danh sách."
            )
        )
    else:
        out.append(
            Paragraph(
                f"Số cử tri đã tham gia bỏ phiếu chỉ đạt {turnout}, không quá một nửa tổng số "
                f"cử tri trong danh sách: phải tổ chức bầu cử lại ở đơn vị bầu cử này.",
                bold=True,
            )
        )
    elected = len(r.elected_ids)
    if r.additional_election_needed:
        out.append(
            Paragraph(
                f"Số người trúng cử ({elected}) chưa đủ so với số đại biểu được bầu "
                f"({r.seats}): phải tổ chức bầu cử thêm.",
                bold=True,
            )
        )
    elif r.valid_election:
        out.append(Paragraph(f"Số người trúng cử: {elected}/{r.seats} đại biểu được bầu."))
    if r.sheets_in < r.sheets_expected:
        out.append(
            Paragraph(
                f"Lưu ý: số liệu tạm tính, mới có {r.sheets_in}/{r.sheets_expected} biên bản "
                f"kiểm phiếu của các Tổ bầu cử.",
                bold=True,
            )
        )
    return out


def build_constituency_report(
    b: AreaBreakdown, *, settings: Mapping[str, Any] | None, printed_at: datetime, place: str = ""
) -> Report:
    r = b.result
    deputies = LEVEL_FULL_VI[r.level]
    form = form_spec(settings, CONSTITUENCY_RESULT, r.level)
    meta = Meta(
        committee=(f"Ban bầu cử đại biểu {deputies}", r.name),
        form=form,
        status=status_vi(r.status),
        data_version=r.data_version,
        printed_at=printed_at,
        place=place,
    )
    ranked = Table(
        columns=("Thứ tự", "Họ và tên", "Số phiếu bầu", "Tỷ lệ so với phiếu hợp lệ", "Kết quả"),
        rows=tuple(
            (c.rank, c.full_name, c.votes, Percent(c.percent), "Trúng cử" if c.elected else "")
            for c in r.candidates
        ),
        widths=(14, 60, 26, 30, 24),
        name="Người ứng cử",
    )
    elected = [c for c in r.candidates if c.elected]
    winners = [
        Paragraph(f"{i}. {c.full_name}: {format_int(c.votes)} phiếu ({format_percent(c.percent)})")
        for i, c in enumerate(elected, 1)
    ] or [Paragraph("Không có người trúng cử.")]
    blocks = [
        Heading("I. Thông tin đơn vị bầu cử"),
        Paragraph(f"Đơn vị bầu cử: {r.name} (mã {r.code}) — bầu cử đại biểu {deputies}."),
        Paragraph(f"Số đại biểu được bầu: {r.seats}. Số người ứng cử: {len(r.candidates)}."),
        Paragraph(f"Số Tổ bầu cử đã gửi biên bản kiểm phiếu: {r.sheets_in}/{r.sheets_expected}."),
        Heading("II. Kết quả kiểm phiếu"),
        counts_table(asdict(r.counts)),
        Heading("III. Số phiếu bầu cho từng người ứng cử (theo thứ tự số phiếu)"),
        ranked,
        Heading("IV. Kết quả theo từng khu vực bỏ phiếu"),
        _area_counts_table(b),
        *_area_votes_tables(b),
        Heading("V. Những người trúng cử"),
        *winners,
        Heading("VI. Kết luận"),
        *_conclusions(b),
        Paragraph("Biên bản này được lập thành nhiều bản theo quy định của pháp luật về bầu cử."),
        Signatures(
            (
                Signer("THƯ KÝ"),
                Signer("PHÓ TRƯỞNG BAN BẦU CỬ"),
                Signer("TRƯỞNG BAN BẦU CỬ", "(Ký, ghi rõ họ tên và đóng dấu)"),
            )
        ),
    ]
    return Report(
        meta=meta,
        title=(form.title, f"{r.name} — {status_vi(r.status)}"),
        blocks=tuple(blocks),
        filename=f"Biên bản xác định kết quả bầu cử - {r.name}",
    )
