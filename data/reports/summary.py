"""Biên bản tổng kết cuộc bầu cử: a province's or the nation's constituencies of one level.

The figures are the sums of :func:`data.read_models.results.constituency_results`
over the scope; the report's status is the least advanced of its constituencies'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from data.enums import Level, ResultStatus, UnitKind
from data.numbers import format_int, format_percent, percent_of
from data.read_models.results import ConstituencyResultView, Counts
from data.reports.common import committee_of, counts_table
from data.reports.forms import LEVEL_FULL_VI, SUMMARY, form_spec, status_vi
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

_STATUS_ORDER = tuple(ResultStatus)  # provisional < complete < confirmed < official
REVOTE = "Bầu cử lại"
ADDITIONAL = "Bầu cử thêm"


@dataclass(frozen=True)
class SummaryScope:
    code: str
    name: str
    kind: UnitKind
    data_version: int


def overall_status(results: Sequence[ConstituencyResultView]) -> ResultStatus:
    """The least advanced status: the summary is only as final as its weakest constituency."""
    return min((r.status for r in results), key=_STATUS_ORDER.index)


def summed_counts(results: Sequence[ConstituencyResultView]) -> Counts:
    return Counts(
        **{f.name: sum(getattr(r.counts, f.name) for r in results) for f in fields(Counts)}
    )


def flags(r: ConstituencyResultView) -> str:
    out = []
    if r.revote_needed:
        out.append(REVOTE)
    if r.additional_election_needed:
        out.append(ADDITIONAL)
    return ", ".join(out)


def _constituency_table(results: Sequence[ConstituencyResultView], total: Counts) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for i, r in enumerate(results, 1):
        c = r.counts
        rows.append(
            (
                i,
                r.code,
                r.name,
                r.seats,
                len(r.candidates),
                c.voters_total,
                c.voters_voted,
                Percent(percent_of(c.voters_voted, c.voters_total)),
                c.ballots_valid,
                c.ballots_invalid,
                len(r.elected_ids),
                flags(r),
            )
        )
    rows.append(
        (
            "",
            "",
            "Tổng cộng",
            sum(r.seats for r in results),
            sum(len(r.candidates) for r in results),
            total.voters_total,
            total.voters_voted,
            Percent(percent_of(total.voters_voted, total.voters_total)),
            total.ballots_valid,
            total.ballots_invalid,
            sum(len(r.elected_ids) for r in results),
            "",
        )
    )
    return Table(
        columns=(
            "STT",
            "Mã ĐVBC",
            "Đơn vị bầu cử",
            "Số đại biểu được bầu",
            "Số người ứng cử",
            "Cử tri",
            "Đã bỏ phiếu",
            "Tỷ lệ",
            "Phiếu hợp lệ",
            "Không hợp lệ",
            "Số trúng cử",
            "Ghi chú",
        ),
        rows=tuple(rows),
        widths=(9, 18, 46, 16, 16, 20, 20, 15, 20, 18, 14, 24),
        bold_rows=frozenset({len(rows) - 1}),
        name="Theo đơn vị bầu cử",
    )


def _winners_table(results: Sequence[ConstituencyResultView]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for r in results:
        note = flags(r)
        elected = [c for c in r.candidates if c.elected]
        if not elected:
            rows.append((r.code, r.name, "", "Không có người trúng cử", None, None, note))
        for i, c in enumerate(elected, 1):
            rows.append((r.code, r.name, i, c.full_name, c.votes, Percent(c.percent), note))
    return Table(
        columns=(
            "Mã ĐVBC",
            "Đơn vị bầu cử",
            "STT",
            "Họ và tên người trúng cử",
            "Số phiếu bầu",
            "Tỷ lệ so với phiếu hợp lệ",
            "Ghi chú",
        ),
        rows=tuple(rows),
        widths=(18, 50, 9, 52, 22, 24, 24),
        name="Người trúng cử",
    )


def _conclusions(results: Sequence[ConstituencyResultView]) -> list[Paragraph]:
    out = []
    revote = [r for r in results if r.revote_needed]
    additional = [r for r in results if r.additional_election_needed]
    if revote:
        names = "; ".join(f"{r.name} (mã {r.code})" for r in revote)
        out.append(Paragraph(f"Các đơn vị bầu cử phải tổ chức bầu cử lại: {names}.", bold=True))
    if additional:
        names = "; ".join(
            f"{r.name} (mã {r.code}, thiếu {r.seats - len(r.elected_ids)})" for r in additional
        )
        out.append(Paragraph(f"Các đơn vị bầu cử phải tổ chức bầu cử thêm: {names}.", bold=True))
    if not revote and not additional:
        out.append(
            Paragraph("Không có đơn vị bầu cử nào phải tổ chức bầu cử lại hoặc bầu cử thêm.")
        )
    return out


def build_summary_report(
    scope: SummaryScope,
    level: Level,
    results: Sequence[ConstituencyResultView],
    *,
    settings: Mapping[str, Any] | None,
    printed_at: datetime,
) -> Report:
    """``results``: every constituency of ``level`` in the scope (at least one)."""
    deputies = LEVEL_FULL_VI[level]
    form = form_spec(settings, SUMMARY, level)
    status = overall_status(results)
    meta = Meta(
        committee=committee_of(str(scope.kind), scope.name),
        form=form,
        status=status_vi(status),
        data_version=scope.data_version,
        printed_at=printed_at,
        place="" if scope.kind == UnitKind.NATION else scope.name,
    )
    total = summed_counts(results)
    seats = sum(r.seats for r in results)
    candidates = sum(len(r.candidates) for r in results)
    elected = sum(len(r.elected_ids) for r in results)
    by_status = Counter(r.status for r in results)
    statuses = "; ".join(f"{status_vi(s)}: {by_status[s]}" for s in _STATUS_ORDER if by_status[s])
    turnout = format_percent(percent_of(total.voters_voted, total.voters_total))
    blocks = [
        Heading("I. Tổng quát"),
        Paragraph(f"Đơn vị: {scope.name} (mã {scope.code}) — bầu cử đại biểu {deputies}."),
        Paragraph(f"Số đơn vị bầu cử: {format_int(len(results))}."),
        Paragraph(f"Số đại biểu được bầu: {format_int(seats)}."),
        Paragraph(f"Số người ứng cử: {format_int(candidates)}."),
        Paragraph(f"Số người trúng cử: {format_int(elected)}/{format_int(seats)}."),
        Paragraph(f"Tổng số cử tri trong danh sách: {format_int(total.voters_total)}."),
        Paragraph(f"Số cử tri đã tham gia bỏ phiếu: {format_int(total.voters_voted)} ({turnout})."),
        Paragraph(f"Tình trạng số liệu theo đơn vị bầu cử: {statuses}."),
        Heading("II. Kết quả kiểm phiếu"),
        counts_table(asdict(total)),
        Heading("III. Kết quả theo từng đơn vị bầu cử"),
        _constituency_table(results, total),
        Heading("IV. Danh sách người trúng cử theo từng đơn vị bầu cử"),
        _winners_table(results),
        Heading("V. Kết luận"),
        *_conclusions(results),
        Paragraph("Biên bản này được lập thành nhiều bản theo quy định của pháp luật về bầu cử."),
        Signatures(
            (
                Signer("THƯ KÝ"),
                Signer("PHÓ CHỦ TỊCH"),
                Signer("CHỦ TỊCH", "(Ký, ghi rõ họ tên và đóng dấu)"),
            )
        ),
    ]
    return Report(
        meta=meta,
        title=(form.title, f"{scope.name} — {status_vi(status)}"),
        blocks=tuple(blocks),
        filename=f"Biên bản tổng kết cuộc bầu cử - {scope.name} - {level.value}",
        landscape=True,
    )
