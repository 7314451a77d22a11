"""Render a :class:`Report` as XLSX: the whole form on one sheet, each named table
again on its own sheet (header in row 1, one row per line) for further work.

Counts are written as integers and percentages as numbers with two decimals
(``45.67`` shown as ``45,67`` in a Vietnamese Excel), so nothing is re-typed.
A drill's workbook says so in its first row, in every sheet name and page header.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data.reports.model import Cell, Heading, Paragraph, Percent, Report, Signatures, Table
from data.reports.pdf import MOTTO, NATION, datetime_vi

MAIN_SHEET = "Biên bản"
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDDDDD")
_DRILL_FONT = Font(bold=True, color="C00000", size=13)
_DRILL_PREFIX = "DIỄN TẬP "
_INT = "#,##0"
_PCT = "0.00"


def _value(cell: Cell) -> str | int | float | None:
    if isinstance(cell, Percent):
        return float(cell.value)
    return cell


def _write_table(ws: Worksheet, table: Table, start: int) -> int:
    """The table from row ``start``; returns the next free row."""
    for col, name in enumerate(table.columns, 1):
        c = ws.cell(start, col, name)
        c.font, c.fill = _BOLD, _FILL
        c.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for i, values in enumerate(table.rows):
        for col, value in enumerate(values, 1):
            c = ws.cell(start + 1 + i, col, _value(value))
            if isinstance(value, Percent):
                c.number_format = _PCT
            elif isinstance(value, int):
                c.number_format = _INT
            if i in table.bold_rows:
                c.font = _BOLD
    return start + 1 + len(table.rows)


def _main_sheet(ws: Worksheet, report: Report) -> None:
    meta = report.meta
    ws.title = _sheet_title(MAIN_SHEET, meta.drill)
    lines: list[tuple[str, bool]] = [(meta.drill_mark, True)] if meta.drill else []
    lines += [(line.upper(), True) for line in meta.committee]
    lines += [(NATION, True), (MOTTO, True), (meta.form.number, False), ("", False)]
    lines += [(report.title[0].upper(), True)] + [(t, True) for t in report.title[1:]]
    lines += [
        (f"Trạng thái: {meta.status}", False),
        (f"Phiên bản dữ liệu: {meta.data_version}", False),
        (f"In lúc {datetime_vi(report)}", False),
        ("", False),
    ]
    row = 1
    for text, bold in lines:
        ws.cell(row, 1, text).font = _DRILL_FONT if meta.drill and row == 1 else Font(bold=bold)
        row += 1
    for block in report.blocks:
        if isinstance(block, Heading):
            ws.cell(row, 1, block.text).font = _BOLD
            row += 1
        elif isinstance(block, Paragraph):
            ws.cell(row, 1, block.text).font = Font(bold=block.bold)
            row += 1
        elif isinstance(block, Table):
            row = _write_table(ws, block, row) + 1
        elif isinstance(block, Signatures):
            for col, signer in enumerate(block.signers, 1):
                ws.cell(row, 1 + 2 * (col - 1), signer.title).font = _BOLD
                ws.cell(row + 1, 1 + 2 * (col - 1), signer.note)
            row += 3
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 28


def _sheet_title(name: str, drill: bool) -> str:
    """A drill's sheet names start with "DIỄN TẬP" (a sheet name holds 31 characters)."""
    return f"{_DRILL_PREFIX}{name}"[:31] if drill else name[:31]


def _mark_drill(ws: Worksheet, mark: str) -> None:
    # Printed at the top of every page of the sheet, too.
    ws.oddHeader.center.text = mark
    ws.oddHeader.center.color = "C00000"
    ws.sheet_properties.tabColor = "C00000"


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    drill = report.meta.drill
    _main_sheet(wb.active, report)
    if drill:
        _mark_drill(wb.active, report.meta.drill_mark)
    for table in report.tables():
        if not table.name:
            continue
        ws = wb.create_sheet(_sheet_title(table.name, drill))
        _write_table(ws, table, 1)
        for col in range(1, len(table.columns) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else 26
        ws.freeze_panes = "A2"
        if drill:
            _mark_drill(ws, report.meta.drill_mark)
    wb.properties.title = " ".join(report.title)
    if drill:
        wb.properties.title = f"{report.meta.drill_mark} - {wb.properties.title}"
        wb.properties.keywords = report.meta.drill_mark
    wb.properties.creator = "Bầu cử Live"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
