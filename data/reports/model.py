"""A report as plain data: the page header, titled blocks, signatures (no rendering)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from data.clock import LOCAL_TZ
from data.reports.forms import FormSpec

DRILL_MARK = "DIỄN TẬP — dữ liệu không có giá trị"


@dataclass(frozen=True)
class Percent:
    """A percentage with two decimals (``Decimal("45.67")`` is 45,67 %)."""

    value: Decimal


Cell = str | int | Percent | None


@dataclass(frozen=True)
class Meta:
    committee: tuple[str, ...]  # the issuing committee, one line each (printed in capitals)
    form: FormSpec
    status: str  # in Vietnamese, printed on every page
    data_version: int
    printed_at: datetime
    place: str = ""  # "Thành phố Hà Nội", before the date line
    drill: bool = False  # a drill's printout: marked on every page and sheet

    @property
    def drill_mark(self) -> str:
        return DRILL_MARK if self.drill else ""

    @property
    def printed_local(self) -> datetime:
        return self.printed_at.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...]  # relative column widths
    bold_rows: frozenset[int] = frozenset()  # subtotal and total rows
    name: str = ""  # the XLSX sheet it also goes to ("" = the main sheet only)


@dataclass(frozen=True)
class Signer:
    title: str  # "TRƯỞNG BAN BẦU CỬ"
    note: str = "(Ký, ghi rõ họ tên)"


@dataclass(frozen=True)
class Signatures:
    signers: tuple[Signer, ...]


Block = Heading | Paragraph | Table | Signatures


@dataclass(frozen=True)
class Report:
    meta: Meta
    title: tuple[str, ...]  # title lines (the first in capitals)
    blocks: tuple[Block, ...]
    filename: str  # without extension, Vietnamese
    landscape: bool = False

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]
