"""Report downloads over HTTP: the right user gets the file, everyone else is refused."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard.reports import DOWNLOAD, install_reports
from data.enums import Level
from data.models import AuditEvent, EntryClosure
from tests.db.test_read_results import BA_DINH, add_all
from tests.db.test_reports import PRINTED, flat, pages_text


@pytest.fixture
def app(web):  # type: ignore[no-untyped-def]
    from dashboard.app import create_app

    dash_app = create_app(web.db, clock=web.clock)
    if "reports" not in dash_app.server.blueprints:  # until dashboard/app.py installs it
        install_reports(dash_app.server, dash_app.server.extensions["baucu"])
    return dash_app


@pytest.fixture
def counted(web):  # type: ignore[no-untyped-def]
    add_all(web.db, web.e, "X-00004", Level.HDND_XA, BA_DINH)
    return web


def downloads(web) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        rows = s.execute(
            select(AuditEvent.username, AuditEvent.object_type, AuditEvent.object_key)
            .where(AuditEvent.action == DOWNLOAD)
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(r) for r in rows]


def test_commune_downloads_its_minutes_as_pdf(counted, client_for) -> None:
    web = counted
    response = client_for("xa_badinh").get(f"/reports/{web.eid}/constituency/X-00004.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    name = "Biên bản xác định kết quả bầu cử - Đơn vị bầu cử số 1 (X-00004).pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    text = flat(" ".join(pages_text(response.data)))
    assert "1. Nguyễn Văn A: 1.800 phiếu (82,95 %)" in text
    assert downloads(web) == [("xa_badinh", "constituency_result", "X-00004")]


def test_xlsx_downloads(counted, client_for) -> None:
    web = counted
    client = client_for("xa_badinh")
    response = client.get(f"/reports/{web.eid}/constituency/X-00004.xlsx")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.data))
    assert [r[2] for r in wb["Người ứng cử"].iter_rows(min_row=2, values_only=True)] == [
        1800,
        1110,
        900,
    ]
    turnout = client.get(f"/reports/{web.eid}/turnout/00004/0900.xlsx")
    assert turnout.status_code == 200
    disposition = turnout.headers["Content-Disposition"]
    assert 'filename="Bao cao tien do - Phuong Ba Dinh - 0900.xlsx"' in disposition
    assert quote("Báo cáo tiến độ - Phường Ba Đình - 0900.xlsx") in disposition
    tally = client.get(f"/reports/{web.eid}/tally/00004-01/HDND_XA.xlsx")
    assert tally.status_code == 200
    assert downloads(web) == [
        ("xa_badinh", "constituency_result", "X-00004"),
        ("xa_badinh", "turnout_report", "00004/0900"),
        ("xa_badinh", "tally_sheet", "00004-01/HDND_XA"),
    ]


def test_another_commune_is_refused_everything(counted, client_for) -> None:
    web = counted
    other = client_for("xa_ngocha")
    for path in (
        f"/reports/{web.eid}/constituency/X-00004.pdf",
        f"/reports/{web.eid}/constituency/QH-01.pdf",  # the province's constituency
        f"/reports/{web.eid}/turnout/00004/0900.pdf",
        f"/reports/{web.eid}/turnout/01/0900.xlsx",
        f"/reports/{web.eid}/tally/00004-01/HDND_XA.pdf",
        f"/reports/{web.eid}/tally/00004-01/QH.xlsx",
    ):
        response = other.get(path)
        assert response.status_code == 403, path
        assert not response.data.startswith(b"%PDF"), path
    assert downloads(web) == []
    with web.db.read() as s:
        refused = s.scalars(
            select(AuditEvent.username).where(AuditEvent.action == "permission.refused")
        ).all()
    assert refused.count("xa_ngocha") == 6


def test_anonymous_is_sent_to_login(counted, app) -> None:
    web = counted
    client = app.server.test_client()
    for path in (
        f"/reports/{web.eid}/constituency/X-00004.pdf",
        f"/reports/{web.eid}/turnout/01/0900.pdf",
        f"/reports/{web.eid}/tally/00004-01/HDND_XA.pdf",
    ):
        response = client.get(path)
        assert response.status_code in (302, 401), path
        assert not response.data.startswith(b"%PDF")
    assert downloads(web) == []


def test_leader_gets_results_only_once_confirmed(counted, client_for) -> None:
    web = counted
    leader = client_for("lanhdao")
    path = f"/reports/{web.eid}/constituency/X-00004.pdf"
    tally = f"/reports/{web.eid}/tally/00004-01/HDND_XA.pdf"
    assert leader.get(path).status_code == 403  # complete, not yet confirmed
    assert leader.get(tally).status_code == 403
    assert leader.get(f"/reports/{web.eid}/turnout/01/0900.pdf").status_code == 200
    with web.db.write() as s:
        s.add(EntryClosure(election_id=web.eid, unit_id=web.e.unit_ids["00004"], closed_at=PRINTED))
    response = leader.get(path)
    assert response.status_code == 200
    assert "Trạng thái: Đã xác nhận" in flat(" ".join(pages_text(response.data)))
    assert leader.get(tally).status_code == 200
    assert downloads(web) == [
        ("lanhdao", "turnout_report", "01/0900"),
        ("lanhdao", "constituency_result", "X-00004"),
        ("lanhdao", "tally_sheet", "00004-01/HDND_XA"),
    ]


def test_province_and_admin(counted, client_for) -> None:
    web = counted
    province = client_for("tinh_hanoi")
    assert province.get(f"/reports/{web.eid}/constituency/QH-01.pdf").status_code == 200
    assert province.get(f"/reports/{web.eid}/turnout/01/1100.pdf").status_code == 200
    admin = client_for("quantri")  # technical staff: progress yes, results no
    assert admin.get(f"/reports/{web.eid}/turnout/VN/1100.pdf").status_code == 200
    assert admin.get(f"/reports/{web.eid}/constituency/X-00004.pdf").status_code == 403


def test_unknown_things_are_not_found_or_refused(counted, client_for) -> None:
    web = counted
    client = client_for("xa_badinh")
    assert client.get(f"/reports/{web.eid}/constituency/X-00004.docx").status_code == 404
    assert client.get(f"/reports/{web.eid}/turnout/00004/2300.pdf").status_code == 404
    assert client.get(f"/reports/{web.eid}/tally/00004-01/HDND_HUYEN.pdf").status_code == 404
    assert client.get(f"/reports/{web.eid}/tally/00004-01/XYZ.pdf").status_code == 404
    assert client.get(f"/reports/{web.eid}/constituency/KHONG-CO.pdf").status_code == 403
    assert client.get(f"/reports/{web.eid + 99}/constituency/X-00004.pdf").status_code == 403
    assert downloads(web) == []
