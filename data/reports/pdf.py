"""Render a :class:`Report` as an A4 PDF with embedded DejaVu Sans (exact Vietnamese).

The font ships with matplotlib (``mpl-data/fonts/ttf``), so printing never depends
on the fonts of the machine. Every page's footer repeats the status, the data
version and the time printed, and the page number. A drill's pages also carry a red
"DIỄN TẬP" line at the top and a pale diagonal watermark.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from data.numbers import format_int, format_percent
from data.reports.model import Cell, Heading, Paragraph, Percent, Report, Signatures, Table

FONT = "DejaVu"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@cache
def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def cell_text(value: Cell) -> str:
    """A cell as printed: 1.234.567, 45,67 %, or the text itself."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return format_percent(value.value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return format_int(int(value))
    return str(value)


def datetime_vi(report: Report) -> str:
    t = report.meta.printed_local
    return f"{t:%H:%M} ngày {t:%d/%m/%Y}"


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="L" if report.landscape else "P", unit="mm", format="A4")
        self.report = report
        fonts = font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(True, margin=18)
        meta = report.meta
        self.set_title(" ".join(report.title))
        self.set_creator("Bầu cử Live")
        subject = f"{meta.form.number} - {meta.status} - v{meta.data_version}"
        self.set_subject(f"{meta.drill_mark} - {subject}" if meta.drill else subject)

    def header(self) -> None:
        if self.report.meta.drill:
            _drill_mark(self)
        if self.page_no() == 1:
            return
        self.set_font(FONT, "I", 7)
        self.cell(0, 4, f"{self.report.meta.form.number} — {self.report.title[0]}", align="R")
        self.ln(6)

    def footer(self) -> None:
        meta = self.report.meta
        self.set_y(-14)
        self.set_draw_color(150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 7)
        text = (
            f"Trạng thái: {meta.status} · Phiên bản dữ liệu: {meta.data_version} · "
            f"In lúc {datetime_vi(self.report)}"
        )
        self.cell(self.epw * 0.8, 6, text)
        self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="R")


def _drill_mark(pdf: _Document) -> None:
    """A drill's page: a red line above the header and a pale diagonal watermark under
    the content (drawn first, so the figures print over it)."""
    x, y = pdf.get_x(), pdf.get_y()
    mark = pdf.report.meta.drill_mark
    with pdf.local_context(text_color=(242, 190, 190)):
        pdf.set_font(FONT, "B", 30)
        width = pdf.get_string_width(mark.upper())
        with pdf.rotation(angle=55 if pdf.h > pdf.w else 30, x=pdf.w / 2, y=pdf.h / 2):
            pdf.text(pdf.w / 2 - width / 2, pdf.h / 2 + 5, mark.upper())
    with pdf.local_context(text_color=(200, 0, 0)):
        pdf.set_font(FONT, "B", 9)
        pdf.set_xy(pdf.l_margin, 5)
        pdf.cell(0, 5, mark, align="C")
    pdf.set_xy(x, y)


def _first_page_header(pdf: _Document) -> None:
    meta = pdf.report.meta
    half = pdf.epw / 2 - 2
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 9)
    for line in meta.committee:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(half - 8, 4.5, line.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.set_x(pdf.l_margin)
    pdf.cell(half - 8, 4.5, meta.form.number, align="C")
    left_bottom = pdf.get_y() + 4.5
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(half + 4, 4.5, NATION, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.cell(half + 4, 5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    x, y = pdf.get_x(), pdf.get_y()
    width = pdf.get_string_width(MOTTO)
    pdf.line(x + (half + 4 - width) / 2, y, x + (half + 4 + width) / 2, y)
    pdf.set_font(FONT, "I", 9)
    t = meta.printed_local
    place = f"{meta.place}, " if meta.place else ""
    pdf.cell(half + 4, 7, f"{place}ngày {t:%d} tháng {t:%m} năm {t:%Y}", align="C")
    pdf.set_y(max(left_bottom, pdf.get_y() + 7) + 4)
    title, *rest = pdf.report.title
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    for line in rest:
        pdf.multi_cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf: _Document, table: Table) -> None:
    pdf.set_font(FONT, "", 8)
    total = sum(table.widths)
    widths = tuple(pdf.epw * w / total for w in table.widths)
    bold = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=widths,
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD", fill_color=(220, 220, 220)),
        text_align="CENTER",
        repeat_headings=1,
        padding=1,
    ) as out:
        heading = out.row()
        for name in table.columns:
            heading.cell(name)
        for i, values in enumerate(table.rows):
            row = out.row()
            style = bold if i in table.bold_rows else None
            for value in values:
                numeric = isinstance(value, int | Percent) and not isinstance(value, bool)
                row.cell(cell_text(value), align="RIGHT" if numeric else "LEFT", style=style)
    pdf.ln(3)


def _signatures(pdf: _Document, block: Signatures) -> None:
    n = len(block.signers)
    if pdf.will_page_break(32):
        pdf.add_page()
    width = pdf.epw / n
    top = pdf.get_y() + 2
    for i, signer in enumerate(block.signers):
        pdf.set_xy(pdf.l_margin + i * width, top)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(width, 4.5, signer.title, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "I", 8)
        pdf.multi_cell(width, 4.5, signer.note, align="C")
    pdf.set_y(top + 32)


def render_pdf(report: Report) -> bytes:
    pdf = _Document(report)
    pdf.add_page()
    _first_page_header(pdf)
    for block in report.blocks:
        if isinstance(block, Heading):
            if pdf.will_page_break(16):
                pdf.add_page()
            pdf.set_font(FONT, "B", 10)
            pdf.multi_cell(0, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT, "B" if block.bold else "", 9)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Table):
            _table(pdf, block)
        else:
            _signatures(pdf, block)
    return bytes(pdf.output())
