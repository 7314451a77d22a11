"""Báo cáo tiến độ cử tri đi bầu: one unit at one window, with its children's rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from data.clock import LOCAL_TZ
from data.enums import WindowKind
from data.numbers import format_int, format_percent
from data.read_models.progress import ChildProgress, Progress
from data.reports.common import committee_of
from data.reports.forms import TURNOUT, form_spec
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

PROGRESS_STATUS = "Số liệu báo cáo nhanh (tạm thời)"


def window_label(due_at: datetime) -> str:
    t = due_at.astimezone(LOCAL_TZ)
    return f"{t:%H:%M} ngày {t:%d/%m/%Y}"


def build_turnout_report(
    unit: Progress,
    children: Sequence[ChildProgress],
    window_key: str,
    *,
    settings: Mapping[str, Any] | None,
    printed_at: datetime,
) -> Report:
    w = unit.window(window_key)
    opening = w.kind is WindowKind.OPENING
    form = form_spec(settings, TURNOUT)
    meta = Meta(
        committee=committee_of(str(unit.unit_kind), unit.unit_name),
        form=form,
        status=PROGRESS_STATUS,
        data_version=unit.data_version,
        printed_at=printed_at,
    )
    reported = "Số KVBP đã khai mạc" if opening else "Số KVBP đã báo cáo"
    rows: list[tuple[Cell, ...]] = []
    for i, child in enumerate(children, 1):
        cw = child.window(window_key)
        rows.append(
            (
                i,
                child.name,
                cw.reported_areas,
                cw.expected_areas,
                child.registered,
                cw.voted,
                Percent(cw.turnout_pct),
            )
        )
    rows.append(
        (
            "",
            "Tổng cộng",
            w.reported_areas,
            w.expected_areas,
            unit.registered,
            w.voted,
            Percent(w.turnout_pct),
        )
    )
    table = Table(
        columns=(
            "STT",
            "Đơn vị",
            reported,
            "Tổng số KVBP",
            "Tổng số cử tri",
            "Cử tri đã bỏ phiếu",
            "Tỷ lệ",
        ),
        rows=tuple(rows),
        widths=(8, 46, 20, 18, 22, 22, 16),
        bold_rows=frozenset({len(rows) - 1}),
        name="Tiến độ",
    )
    summary = (
        f"Đến {window_label(w.due_at)}: {reported.lower()} "
        f"{format_int(w.reported_areas)}/{format_int(w.expected_areas)}."
    )
    voters = f"Tổng số cử tri: {format_int(unit.registered)}"
    if not opening:
        voters += (
            f"; cử tri đã tham gia bỏ phiếu: {format_int(w.voted)} "
            f"({format_percent(w.turnout_pct)})"
        )
    blocks = [
        Heading(f"Đơn vị: {unit.unit_name} (mã {unit.unit_code})"),
        Paragraph(summary.replace("kvbp", "khu vực bỏ phiếu")),
        Paragraph(voters + "."),
        Heading("Chi tiết theo đơn vị trực thuộc"),
        table,
        Signatures(
            (
                Signer("NGƯỜI LẬP BÁO CÁO"),
                Signer("TM. ỦY BAN BẦU CỬ", "(Ký, ghi rõ họ tên và đóng dấu)"),
            )
        ),
    ]
    return Report(
        meta=meta,
        title=(form.title, f"{unit.unit_name} — mốc {window_label(w.due_at)}"),
        blocks=tuple(blocks),
        filename=f"Báo cáo tiến độ - {unit.unit_name} - {w.key}",
    )
