"""Number formatting (data/numbers.py): exact, half-up, per language."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.numbers import (
    format_decimal,
    format_int,
    format_percent,
    is_english,
    percent_of,
    round_half_up,
)


@pytest.mark.parametrize(
    ("n", "vi", "en"),
    [
        (0, "0", "0"),
        (7, "7", "7"),
        (999, "999", "999"),
        (1000, "1.000", "1,000"),
        (1234567, "1.234.567", "1,234,567"),
        (76_400_000, "76.400.000", "76,400,000"),
        (-1, "-1", "-1"),
        (-1234, "-1.234", "-1,234"),
    ],
)
def test_format_int(n: int, vi: str, en: str) -> None:
    assert format_int(n) == vi
    assert format_int(n, "vi") == vi
    assert format_int(n, "en") == en


@pytest.mark.parametrize("lang", ["en", "EN", "en-US", "en_GB", " en "])
def test_english_variants(lang: str) -> None:
    assert is_english(lang)
    assert format_int(1000, lang) == "1,000"


@pytest.mark.parametrize("lang", ["vi", "vi-VN", "", "fr"])
def test_anything_else_is_vietnamese(lang: str) -> None:
    assert not is_english(lang)
    assert format_int(1000, lang) == "1.000"


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (Decimal("45.67"), "45,67 %", "45.67%"),
        (Decimal("45.665"), "45,67 %", "45.67%"),  # half-up, not half-even
        (Decimal("45.675"), "45,68 %", "45.68%"),
        (Decimal("45.6649"), "45,66 %", "45.66%"),
        (Decimal("100"), "100,00 %", "100.00%"),
        (Decimal("0"), "0,00 %", "0.00%"),
        (12.5, "12,50 %", "12.50%"),
        (2.675, "2,68 %", "2.68%"),  # the float 2.675 is 2.67499999…; repr wins
        (0.125, "0,13 %", "0.13%"),
        (3, "3,00 %", "3.00%"),
        (Decimal("1234.5"), "1.234,50 %", "1,234.50%"),
        (Decimal("-0.005"), "-0,01 %", "-0.01%"),
    ],
)
def test_format_percent(value: Decimal | float, vi: str, en: str) -> None:
    assert format_percent(value) == vi
    assert format_percent(value, "en") == en


@pytest.mark.parametrize(
    ("value", "places", "vi", "en"),
    [
        (Decimal("52.3"), 2, "52,30", "52.30"),
        (Decimal("1234567.891"), 2, "1.234.567,89", "1,234,567.89"),
        (Decimal("0.5"), 0, "1", "1"),
        (Decimal("2.5"), 0, "3", "3"),  # half-up even for an even neighbour
        (1.005, 2, "1,01", "1.01"),
    ],
)
def test_format_decimal(value: Decimal | float, places: int, vi: str, en: str) -> None:
    assert format_decimal(value, "vi", places) == vi
    assert format_decimal(value, "en", places) == en


def test_round_half_up_keeps_exact_decimals() -> None:
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    assert round_half_up(0.1 + 0.2) == Decimal("0.30")
    assert str(round_half_up(1)) == "1.00"
    big = Decimal("123456789012345678901234567890.125")
    assert round_half_up(big) == Decimal("123456789012345678901234567890.13")


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 8, "12.50"),
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (1, 6, "16.67"),
        (5, 1000, "0.50"),
        (5, 100000, "0.01"),  # 0.005 → 0.01 half-up
        (4, 100000, "0.00"),  # 0.004 → 0.00
        (1, 1, "100.00"),
        (0, 5, "0.00"),
        (0, 0, "0.00"),
        (7, 0, "0.00"),
        (3, 2, "150.00"),
        (-1, 8, "-12.50"),
        (1, -8, "-12.50"),
        (-1, 200000, "0.00"),  # -0.0005 → 0.00, no "-0.00"
        (38_200_001, 76_400_000, "50.00"),
    ],
)
def test_percent_of(part: int, whole: int, expected: str) -> None:
    result = percent_of(part, whole)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def _reference_half_up(part: int, whole: int) -> Fraction:
    exact = Fraction(part * 100, whole)
    hundredths = Fraction(int(abs(exact) * 100 + Fraction(1, 2)), 100)
    return hundredths if exact >= 0 else -hundredths


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**12))
def test_percent_of_matches_exact_half_up(part: int, whole: int) -> None:
    result = percent_of(part, whole)
    assert Fraction(result) == _reference_half_up(part, whole)
    assert result.as_tuple().exponent == -2


@given(st.integers(0, 10**15))
def test_format_int_round_trips(n: int) -> None:
    assert int(format_int(n, "vi").replace(".", "")) == n
    assert int(format_int(n, "en").replace(",", "")) == n
