"""Master data rules (data/rules/master.py): R01, M01–M04."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.enums import Level
from data.rules.findings import codes
from data.rules.master import (
    check_constituency,
    check_memberships,
    check_registered,
    seat_range,
    surplus_required,
)

HDND = [Level.HDND_TINH, Level.HDND_HUYEN, Level.HDND_XA]


@pytest.mark.parametrize(
    ("level", "seats", "surplus"),
    [
        (Level.QH, 1, 2),
        (Level.QH, 2, 2),
        (Level.QH, 3, 2),
        *[(level, 1, 1) for level in HDND],
        *[(level, 2, 1) for level in HDND],
        *[(level, 3, 2) for level in HDND],
        *[(level, 4, 3) for level in HDND],
        *[(level, 5, 3) for level in HDND],
    ],
)
def test_surplus_required(level: Level, seats: int, surplus: int) -> None:
    assert surplus_required(level, seats) == surplus


def test_surplus_accepts_the_level_code() -> None:
    assert surplus_required("QH", 1) == 2  # type: ignore[arg-type]
    assert surplus_required("HDND_XA", 3) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "expected"),
    [(Level.QH, (1, 3)), *[(level, (1, 5)) for level in HDND]],
)
def test_seat_range(level: Level, expected: tuple[int, int]) -> None:
    assert seat_range(level) == expected


@pytest.mark.parametrize(
    ("level", "seats", "candidates", "expected"),
    [
        # M02: the range ends pass, one beyond fails
        (Level.QH, 0, 5, ["M02"]),
        (Level.QH, 1, 3, []),
        (Level.QH, 3, 5, []),
        (Level.QH, 4, 6, ["M02"]),
        (Level.HDND_XA, 0, 5, ["M02"]),
        (Level.HDND_XA, 1, 2, []),
        (Level.HDND_XA, 5, 8, []),
        (Level.HDND_XA, 6, 9, ["M02"]),
        (Level.HDND_TINH, -1, 5, ["M02"]),
        # M01: seats + surplus candidates pass, one fewer fails
        (Level.QH, 1, 2, ["M01"]),
        (Level.QH, 2, 4, []),
        (Level.QH, 2, 3, ["M01"]),
        (Level.QH, 3, 4, ["M01"]),
        (Level.HDND_TINH, 1, 1, ["M01"]),
        (Level.HDND_TINH, 2, 3, []),
        (Level.HDND_TINH, 2, 2, ["M01"]),
        (Level.HDND_HUYEN, 3, 5, []),
        (Level.HDND_HUYEN, 3, 4, ["M01"]),
        (Level.HDND_XA, 4, 7, []),
        (Level.HDND_XA, 4, 6, ["M01"]),
        (Level.HDND_XA, 5, 7, ["M01"]),
        (Level.HDND_XA, 3, 0, ["M01"]),
        # both: seats out of range and too few candidates for them
        (Level.QH, 4, 5, ["M02", "M01"]),
    ],
)
def test_check_constituency(level: Level, seats: int, candidates: int, expected: list[str]) -> None:
    assert codes(check_constituency(level, seats, candidates)) == expected


def test_constituency_messages_name_the_numbers() -> None:
    [m02] = check_constituency(Level.QH, 4, 6)
    assert m02.fields == ("seats",)
    assert m02.params == {"seats": 4, "level": Level.QH, "min": 1, "max": 3}
    assert m02.message() == (
        "Số đại biểu được bầu (4) không hợp lệ: đơn vị bầu cử Quốc hội bầu từ 1 đến 3 đại biểu."
    )
    [m01] = check_constituency(Level.HDND_XA, 4, 6)
    assert m01.fields == ("candidates",)
    assert m01.params == {
        "level": Level.HDND_XA,
        "seats": 4,
        "surplus": 3,
        "required": 7,
        "candidates": 6,
    }
    message = m01.message()
    assert "HĐND xã" in message and "4 đại biểu" in message
    assert "ít nhất 7 người" in message and "hiện chỉ có 6" in message
    assert "needs at least 7 candidates" in m01.message("en")


@pytest.mark.parametrize(
    ("total", "male", "female", "expected"),
    [
        (0, 0, 0, []),
        (1000, 480, 520, []),
        (1001, 480, 520, ["M04"]),
        (999, 480, 520, ["M04"]),
        (-1, 0, 0, ["R01"]),
        (0, -1, 1, ["R01"]),
        (0, 1, -1, ["R01"]),
    ],
)
def test_check_registered(total: int, male: int, female: int, expected: list[str]) -> None:
    assert codes(check_registered(total, male, female)) == expected


def test_registered_fields() -> None:
    [m04] = check_registered(1001, 480, 520)
    assert m04.fields == ("registered_male", "registered_female", "registered_total")
    assert m04.params == {"male": 480, "female": 520, "sum": 1000, "total": 1001}
    found = check_registered(-3, -1, 5)
    assert [(f.code, f.fields) for f in found] == [
        ("R01", ("registered_total",)),
        ("R01", ("registered_male",)),
    ]
    assert "không được là số âm (đã nhập -3)" in found[0].message()


def test_memberships_all_fine() -> None:
    assert check_memberships(["A", "B"], [("X", "A"), ("Y", "B")]) == []
    assert check_memberships([], []) == []


def test_memberships_none_and_many() -> None:
    found = check_memberships(
        ["A", "B", "C", "D"],
        [("X", "A"), ("Y", "A"), ("X", "B"), ("X", "B"), ("Z", "D"), ("Y", "D"), ("X", "D")],
    )
    assert [(f.code, f.fields, dict(f.params)) for f in found] == [
        ("M03", ("polling_area",), {"area": "A", "constituencies": ("X", "Y")}),
        ("M03", ("polling_area",), {"area": "C"}),
        ("M03", ("polling_area",), {"area": "D", "constituencies": ("X", "Y", "Z")}),
    ]
    assert "Khu vực bỏ phiếu C" in found[1].message()
    assert "X, Y, Z" in found[2].message("en")


def test_memberships_ignore_unknown_areas_and_duplicate_areas() -> None:
    found = check_memberships(iter(["A", "A"]), iter([("X", "A"), ("X", "Q")]))
    assert found == []


@given(
    st.lists(st.text("ABC0123", min_size=1, max_size=3), unique=True, max_size=12),
    st.lists(
        st.tuples(st.sampled_from("XYZ"), st.text("ABC0123", min_size=1, max_size=3)), max_size=30
    ),
)
def test_memberships_property(areas: list[str], memberships: list[tuple[str, str]]) -> None:
    found = check_memberships(areas, memberships)
    flagged = [f.params["area"] for f in found]
    for area in areas:
        count = len({c for c, a in memberships if a == area})
        assert (area in flagged) == (count != 1)
    assert all(f.code == "M03" for f in found)
