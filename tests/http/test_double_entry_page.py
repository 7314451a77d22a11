"""Double entry through the tally form's callbacks: blind second entry, differences side by
side, the committee's resolution; only matching or resolved sheets count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.enums import DoubleCheck, Role
from data.models import Election, TallySecondEntry, TallySheet
from data.read_models.results import constituency_result
from tests.db.services_support import at
from tests.factories import make_user
from tests.http.conftest import give_passwords
from tests.http.test_entry_pages import GOOD_COUNTS, call, save_sheet, text_of


@pytest.fixture
def double(web):  # type: ignore[no-untyped-def]
    with web.db.write() as s:
        s.get(Election, web.eid).settings = {"double_entry": True}
    make_user(web.db, "xa_badinh_2", Role.COMMUNE, "00004")
    give_passwords(web)
    web.clock.set(at("19:30"))
    return web


def build(client, web):  # type: ignore[no-untyped-def]
    response = call(
        client,
        [("tl-banner", "children"), ("tl-form", "children"), ("tl-ctx", "data")],
        [
            ("tl-election", "value", web.eid),
            ("tl-area", "value", "00004-01"),
            ("tl-level", "value", "QH"),
        ],
        [("tl-drafts", "data", None)],
    )
    assert response.status_code == 200
    return response


def mode_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_json()["response"]["tl-ctx"]["data"]["mode"]


def state(web) -> tuple[DoubleCheck | None, bool]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        sheet = s.scalar(select(TallySheet))
        return sheet.double_check, sheet.counted


def test_the_second_operator_types_blind_and_a_match_counts(double, client_for):
    first, second = client_for("xa_badinh"), client_for("xa_badinh_2")
    assert mode_of(build(first, double)) == "first"
    saved = save_sheet(first, double, mode="first")
    assert "người thứ hai" in text_of(saved)
    assert state(double) == (DoubleCheck.AWAITING, False)

    blind = build(second, double)
    assert mode_of(blind) == "second"
    text = text_of(blind)
    assert "lần nhập thứ hai" in text
    # Nothing of the first entry reaches the second operator's browser.
    assert str(GOOD_COUNTS["ballots_valid"]) not in text
    assert "/reports/" not in text

    matched = save_sheet(second, double, mode="second")
    assert "khớp nhau" in text_of(matched)
    assert state(double) == (DoubleCheck.MATCHED, True)
    with double.db.read() as s:
        assert constituency_result(s, double.eid, "QH-01").sheets_in == 1


def test_differences_are_listed_side_by_side_and_the_committee_resolves(double, client_for):
    first, second = client_for("xa_badinh"), client_for("xa_badinh_2")
    save_sheet(first, double, mode="first")
    a, b, c, d = double.e.candidate_ids["QH-01"]
    differs = save_sheet(second, double, mode="second", votes={a: 400, b: 305, c: 200, d: 150})
    assert "khác nhau" in text_of(differs)
    assert state(double) == (DoubleCheck.DIFFERS, False)

    view = build(first, double)
    assert mode_of(view) == "resolve"
    text = text_of(view)
    assert "double-differences" in text and "305" in text and "350" in text
    assert "xa_badinh_2" in text

    no_reason = save_sheet(first, double, mode="resolve", version=1)
    assert "E_REASON_REQUIRED" in text_of(no_reason)
    assert state(double) == (DoubleCheck.DIFFERS, False)
    resolved = save_sheet(first, double, mode="resolve", version=1, resolution="Bản giấy ghi 350")
    assert "đã được giải quyết" in text_of(resolved), text_of(resolved)
    assert state(double) == (DoubleCheck.RESOLVED, True)


def test_a_page_built_before_the_state_changed_is_told_to_reload(double, client_for):
    first, second = client_for("xa_badinh"), client_for("xa_badinh_2")
    save_sheet(first, double, mode="first")
    stale_page = save_sheet(second, double, mode="first")  # built before the first save
    assert "tải lại trang" in text_of(stale_page)
    with double.db.read() as s:
        assert s.scalar(select(TallySecondEntry)) is None
        assert s.scalar(select(TallySheet.version)) == 1


def test_the_home_grid_marks_sheets_awaiting_and_differing(double, client_for):
    first = client_for("xa_badinh")
    save_sheet(first, double, mode="first")
    grid = call(
        first,
        [("eh-current", "children"), ("eh-grid", "children")],
        [
            ("eh-election", "value", double.eid),
            ("eh-commune", "value", "00004"),
            ("eh-tick", "n_intervals", 1),
        ],
    )
    assert "cell-awaiting" in text_of(grid), text_of(grid)[:500]


def test_the_second_operator_cannot_read_the_first_entry_as_a_printout(double, client_for):
    save_sheet(client_for("xa_badinh"), double, mode="first")
    path = f"/reports/{double.eid}/tally/00004-01/QH.pdf"
    assert client_for("xa_badinh_2").get(path).status_code == 403
    assert client_for("xa_badinh").get(path).status_code == 200
