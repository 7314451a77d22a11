"""The committee summary over HTTP: the province gets it, another commune is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.reports import install_reports
from data.enums import Level
from data.models import AuditEvent, EntryClosure
from tests.db.test_read_results import BA_DINH, add_all
from tests.db.test_reports import PRINTED, flat, pages_text
from tests.http.test_reports_http import downloads


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


def test_province_downloads_its_summary(counted, client_for) -> None:
    web = counted
    province = client_for("tinh_hanoi")
    response = province.get(f"/reports/{web.eid}/summary/01/HDND_XA.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = flat(" ".join(pages_text(response.data)))
    assert "BIÊN BẢN TỔNG KẾT CUỘC BẦU CỬ ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN XÃ" in text
    assert "1 Nguyễn Văn A 1.800 82,95 %" in text
    assert province.get(f"/reports/{web.eid}/summary/01/QH.xlsx").status_code == 200
    assert province.get(f"/reports/{web.eid}/summary/01/HDND_HUYEN.pdf").status_code == 404
    assert province.get(f"/reports/{web.eid}/summary/01/XYZ.pdf").status_code == 404
    assert province.get(f"/reports/{web.eid}/summary/01/QH.docx").status_code == 404
    assert downloads(web) == [
        ("tinh_hanoi", "summary_report", "01/HDND_XA"),
        ("tinh_hanoi", "summary_report", "01/QH"),
    ]


def test_another_commune_is_refused(counted, client_for) -> None:
    web = counted
    other = client_for("xa_ngocha")
    for path in (
        f"/reports/{web.eid}/summary/00004/HDND_XA.pdf",
        f"/reports/{web.eid}/summary/01/HDND_XA.xlsx",
        f"/reports/{web.eid}/summary/VN/QH.pdf",
    ):
        response = other.get(path)
        assert response.status_code == 403, path
        assert not response.data.startswith(b"%PDF"), path
    assert downloads(web) == []
    with web.db.read() as s:
        refused = s.scalars(
            select(AuditEvent.username).where(AuditEvent.action == "permission.refused")
        ).all()
    assert refused.count("xa_ngocha") == 3


def test_leader_only_once_every_constituency_is_confirmed(counted, client_for) -> None:
    web = counted
    leader = client_for("lanhdao")
    path = f"/reports/{web.eid}/summary/01/HDND_XA.pdf"
    with web.db.write() as s:  # Ba Đình confirmed, Ngọc Hà still provisional
        s.add(EntryClosure(election_id=web.eid, unit_id=web.e.unit_ids["00004"], closed_at=PRINTED))
    assert leader.get(path).status_code == 403
    assert leader.get(f"/reports/{web.eid}/summary/00004/HDND_XA.pdf").status_code == 200
    with web.db.write() as s:
        s.add(EntryClosure(election_id=web.eid, unit_id=web.e.unit_ids["00008"], closed_at=PRINTED))
    response = leader.get(path)
    assert response.status_code == 200
    assert "Trạng thái: Đã xác nhận" in flat(" ".join(pages_text(response.data)))
    assert downloads(web) == [
        ("lanhdao", "summary_report", "00004/HDND_XA"),
        ("lanhdao", "summary_report", "01/HDND_XA"),
    ]
