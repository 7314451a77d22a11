"""Vietnamese collation of candidate names (ballot order A, B, C)."""

from __future__ import annotations

import unicodedata

import pytest

from data.collation import vietnamese_sort_key


def ordered(names: list[str]) -> list[str]:
    return sorted(names, key=vietnamese_sort_key)


def test_given_name_first_then_the_rest() -> None:
    names = ["Phạm Đức", "Nguyễn Văn Bình", "Lê Thị Ánh", "Trần Văn An"]
    assert ordered(names) == ["Trần Văn An", "Lê Thị Ánh", "Nguyễn Văn Bình", "Phạm Đức"]


def test_same_given_name_sorts_by_family_then_middle_names() -> None:
    names = ["Trần Văn An", "Lê Thị An", "Lê An", "Bùi Văn An"]
    assert ordered(names) == ["Bùi Văn An", "Lê An", "Lê Thị An", "Trần Văn An"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Lê Dũng", "Lê Đức"),  # đ after d, whatever follows
        ("Lê Dương", "Lê Đa"),
        ("Lê Đức", "Lê Em"),  # đ before e
        ("Lê Anh", "Lê Ăn"),  # a ă â
        ("Lê Ăn", "Lê Ân"),
        ("Lê Ân", "Lê Bình"),
        ("Lê Em", "Lê Ên"),  # e ê
        ("Lê Oanh", "Lê Ôn"),  # o ô ơ
        ("Lê Ôn", "Lê Ơn"),
        ("Lê Ơn", "Lê Phú"),
        ("Lê Uyên", "Lê Ưng"),  # u ư
        ("Lê Ưng", "Lê Vinh"),
        ("Lê Yến", "Lê Zara"),
        ("Lê An", "Lê Anh"),  # a prefix first
        ("Lê Nhung", "Lê Oanh"),
    ],
)
def test_vietnamese_letter_order(first: str, second: str) -> None:
    assert vietnamese_sort_key(first) < vietnamese_sort_key(second)


def test_tones_only_break_ties_in_order_ngang_huyen_hoi_nga_sac_nang() -> None:
    names = ["Lê Ạn", "Lê Án", "Lê Ãn", "Lê Ản", "Lê Àn", "Lê An"]
    assert ordered(names) == ["Lê An", "Lê Àn", "Lê Ản", "Lê Ãn", "Lê Án", "Lê Ạn"]
    # A tone never beats a letter.
    assert vietnamese_sort_key("Lê Ạn") < vietnamese_sort_key("Lê Anh")
    assert vietnamese_sort_key("Lê Ân") > vietnamese_sort_key("Lê Ạn")


def test_case_whitespace_and_normal_form_do_not_matter() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    assert vietnamese_sort_key(decomposed)[:2] == vietnamese_sort_key("Nguyễn Văn Đức")[:2]
    assert (
        vietnamese_sort_key("  nguyễn   văn đức ")[:2] == vietnamese_sort_key("NGUYỄN VĂN ĐỨC")[:2]
    )


def test_letters_with_tone_and_modifier() -> None:
    # ặ = a + breve + dot below; ự = u + horn + dot below.
    assert ordered(["Lê Ựng", "Lê Ặn", "Lê Ung", "Lê An"]) == ["Lê An", "Lê Ặn", "Lê Ung", "Lê Ựng"]


def test_single_word_and_empty_names() -> None:
    assert ordered(["Bình", "An", ""]) == ["", "An", "Bình"]
