"""Pieces every form shares: the counts table with its percentages, committee names."""

from __future__ import annotations

from data.numbers import percent_of
from data.reports.model import Percent, Table

COUNT_LABELS = (
    ("voters_total", "Tổng số cử tri của đơn vị"),
    ("voters_voted", "Số cử tri đã tham gia bỏ phiếu"),
    ("ballots_issued", "Số phiếu phát ra"),
    ("ballots_received", "Số phiếu thu vào"),
    ("ballots_valid", "Số phiếu hợp lệ"),
    ("ballots_invalid", "Số phiếu không hợp lệ"),
)
# Each count's percentage and what it is a percentage of, as on the official forms.
_BASE = {
    "voters_voted": ("voters_total", "so với tổng số cử tri"),
    "ballots_received": ("ballots_issued", "so với số phiếu phát ra"),
    "ballots_valid": ("ballots_received", "so với số phiếu thu vào"),
    "ballots_invalid": ("ballots_received", "so với số phiếu thu vào"),
}


def counts_table(counts: dict[str, int], name: str = "Tổng hợp") -> Table:
    rows = []
    for i, (field, label) in enumerate(COUNT_LABELS, 1):
        base = _BASE.get(field)
        pct = Percent(percent_of(counts[field], counts[base[0]])) if base else None
        rows.append((i, label, counts[field], pct, base[1] if base else ""))
    return Table(
        columns=("STT", "Chỉ tiêu", "Số lượng", "Tỷ lệ", "Ghi chú"),
        rows=tuple(rows),
        widths=(8, 62, 22, 18, 40),
        name=name,
    )


def committee_of(kind: str, name: str) -> tuple[str, ...]:
    """The election committee of a unit: HĐBCQG for the nation, else Ủy ban bầu cử."""
    if kind == "nation":
        return ("Hội đồng bầu cử quốc gia",)
    return ("Ủy ban bầu cử", name)
