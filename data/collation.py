"""Vietnamese collation for names on the ballot (sorted A, B, C, DESIGN §4).

Vietnamese lists people by the given name (the last word), then by the rest of
the full name. Letters follow the Vietnamese alphabet — ``a ă â b c d đ e ê g
h i k l m n o ô ơ p q r s t u ư v x y`` (the Latin ``f j w z`` of foreign
names slot in where Latin puts them) — and tones only break ties, in the order
ngang, huyền, hỏi, ngã, sắc, nặng (``a à ả ã á ạ``), as in Unicode CLDR ``vi``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["vietnamese_sort_key"]

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Base letter + vowel modifier (NFD) → the Vietnamese letter it spells.
_WITH_MODIFIER = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
_OTHER = 1_000  # characters outside the alphabet sort after letters, by code point

_WordKey = tuple[int, ...]
SortKey = tuple[object, ...]


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[_WordKey, _WordKey, _WordKey]:
    """(letters, tones, case) of one word; each a tuple of ints per letter."""
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in word:
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        if unicodedata.combining(base):
            continue  # a stray combining mark: no letter of its own
        lower = base.lower()
        tone = 0
        for mark in marks:
            if (lower, mark) in _WITH_MODIFIER:
                lower = _WITH_MODIFIER[(lower, mark)]
            elif mark in _TONES:
                tone = _TONES[mark]
        if lower in _LETTER_RANK:
            letters.append(_LETTER_RANK[lower])
        else:
            letters.append(_OTHER + ord(lower))
        tones.append(tone)
        cases.append(0 if base == lower or not base.isalpha() else 1)
    return tuple(letters), tuple(tones), tuple(cases)


def vietnamese_sort_key(full_name: str) -> SortKey:
    """A key that orders full names as a Vietnamese ballot does.

    Given name (last word) first, then the rest of the name word by word; letters
    first, tones second, letter case last, the exact text as a final tie-break::

        sorted(names, key=vietnamese_sort_key)
        # Trần Văn An, Lê Thị Ánh, Nguyễn Văn Bình, Phạm Đức
    """
    words = unicodedata.normalize("NFC", full_name).split()
    ordered = words[-1:] + words[:-1]
    keys = [_word_keys(word) for word in ordered]
    letters = tuple(k[0] for k in keys)
    tones = tuple(k[1] for k in keys)
    cases = tuple(k[2] for k in keys)
    return (letters, tones, cases, " ".join(words))
