"""Biên bản kết quả kiểm phiếu of one polling area and level, as entered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from data.numbers import percent_of
from data.read_models.entry import TallyForm
from data.reports.common import counts_table
from data.reports.forms import LEVEL_FULL_VI, TALLY_SHEET, form_spec
from data.reports.model import Heading, Meta, Paragraph, Percent, Report, Signatures, Signer, Table

NOT_ENTERED = "Chưa nhập biên bản"


def build_tally_report(
    form_: TallyForm,
    *,
    data_version: int,
    settings: Mapping[str, Any] | None,
    printed_at: datetime,
) -> Report:
    deputies = LEVEL_FULL_VI[form_.level]
    form = form_spec(settings, TALLY_SHEET, form_.level)
    sheet = form_.sheet
    if sheet is None:
        status = NOT_ENTERED
    else:
        t = sheet.updated_at
        status = f"Như đã nhập (lần sửa {sheet.version}, {t:%H:%M %d/%m/%Y})"
        if sheet.on_behalf:
            status += ", nhập hộ"
    meta = Meta(
        committee=(f"Tổ bầu cử {form_.area.name}", form_.commune.name),
        form=form,
        status=status,
        data_version=data_version,
        printed_at=printed_at,
    )
    blocks: list[Any] = [
        Paragraph(
            f"Khu vực bỏ phiếu: {form_.area.name} (mã {form_.area.code}), {form_.commune.name}."
        ),
        Paragraph(
            f"Đơn vị bầu cử: {form_.constituency_name} (mã {form_.constituency_code}); "
            f"số đại biểu được bầu: {form_.seats}."
        ),
    ]
    if sheet is None:
        blocks.append(Paragraph(NOT_ENTERED + ".", bold=True))
    else:
        valid = sheet.counts["ballots_valid"]
        blocks += [
            Heading("I. Kết quả kiểm phiếu"),
            counts_table(sheet.counts),
            Heading("II. Số phiếu bầu cho từng người ứng cử"),
            Table(
                columns=("STT", "Họ và tên", "Số phiếu bầu", "Tỷ lệ so với phiếu hợp lệ"),
                rows=tuple(
                    (
                        c.ballot_order,
                        c.full_name,
                        sheet.votes.get(c.id, 0),
                        Percent(percent_of(sheet.votes.get(c.id, 0), valid)),
                    )
                    for c in form_.candidates
                ),
                widths=(10, 70, 30, 40),
                name="Phiếu bầu",
            ),
        ]
    blocks.append(
        Signatures(
            (
                Signer("THƯ KÝ"),
                Signer("TỔ TRƯỞNG TỔ BẦU CỬ"),
                Signer("NGƯỜI CHỨNG KIẾN", "(Ký, ghi rõ họ tên)"),
            )
        )
    )
    return Report(
        meta=meta,
        title=(form.title, f"{form_.area.name} ({form_.area.code}) — bầu cử đại biểu {deputies}"),
        blocks=tuple(blocks),
        filename=(
            f"Biên bản kiểm phiếu - {form_.commune.name} - {form_.area.name}"
            f" - {form_.level.label_vi}"
        ),
    )
