"""A drill's printouts say DIỄN TẬP on every PDF page and in every XLSX sheet; the real
election's printouts never do."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from data.clock import LOCAL_TZ, FixedClock
from data.db import Database
from data.drills import create_drill
from data.enums import Level
from data.reports.model import DRILL_MARK
from data.reports.pdf import render_pdf
from data.reports.sources import (
    constituency_report,
    summary_report,
    tally_report,
    turnout_report,
)
from data.reports.xlsx import render_xlsx
from data.services.actor import SYSTEM
from tests.db.test_reports import flat, pages_text
from tests.factories import make_small_election

PRINTED = datetime(2026, 3, 8, 10, 0, tzinfo=LOCAL_TZ)
START = datetime(2026, 3, 8, 8, 0, tzinfo=LOCAL_TZ)


def reports(session, eid: int):  # type: ignore[no-untyped-def]
    return [
        constituency_report(session, eid, "QH-01", PRINTED),
        turnout_report(session, eid, "01", "0900", PRINTED),
        tally_report(session, eid, "00004-01", Level.HDND_XA, PRINTED),
        summary_report(session, eid, "01", Level.QH, PRINTED),
    ]


@pytest.fixture
def elections(db: Database) -> tuple[int, int]:
    real = make_small_election(db).election_id
    clock = FixedClock(datetime(2026, 3, 8, 7, 0, tzinfo=LOCAL_TZ))
    drill = create_drill(db, SYSTEM, real, "Diễn tập 08/03", START, clock=clock).id
    return real, drill


def test_every_page_of_a_drills_pdf_is_marked(db: Database, elections: tuple[int, int]):
    real, drill = elections
    with db.read() as s:
        drilled, actual = reports(s, drill), reports(s, real)
    for report in drilled:
        assert report.filename.startswith("DIỄN TẬP - ")
        pages = pages_text(render_pdf(report))
        for number, page in enumerate(pages, 1):
            assert DRILL_MARK in flat(page), (report.filename, number)
    assert len(pages_text(render_pdf(drilled[0]))) >= 2  # the mark repeats past page one
    for report in actual:
        assert "DIỄN TẬP" not in report.filename
        assert all("DIỄN TẬP" not in page for page in pages_text(render_pdf(report)))


def test_every_sheet_of_a_drills_workbook_is_marked(db: Database, elections: tuple[int, int]):
    real, drill = elections
    with db.read() as s:
        drilled, actual = reports(s, drill), reports(s, real)
    for report in drilled:
        wb = load_workbook(BytesIO(render_xlsx(report)))
        assert len(wb.sheetnames) >= 1
        for ws in wb.worksheets:
            assert ws.title.startswith("DIỄN TẬP "), ws.title
            assert ws.oddHeader.center.text == DRILL_MARK
        assert wb.worksheets[0]["A1"].value == DRILL_MARK
        assert DRILL_MARK in wb.properties.title
    for report in actual:
        wb = load_workbook(BytesIO(render_xlsx(report)))
        assert all("DIỄN TẬP" not in ws.title for ws in wb.worksheets)
        assert wb.worksheets[0]["A1"].value != DRILL_MARK
