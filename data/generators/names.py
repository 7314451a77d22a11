"""Realistic Vietnamese names for generated data, deterministic from a ``random.Random``.

Family names follow their approximate frequency (Nguyễn about 38 %, Trần 11 %,
Lê 9.5 % …); middle and given names depend on gender. Village names give
polling areas the look of real ones: ``Bản`` in the north-west, ``Ấp`` in the
south, ``Thôn`` elsewhere, ``Tổ dân phố`` in urban wards. All text is NFC.
"""

from __future__ import annotations

import random
import unicodedata
from itertools import accumulate

from data.enums import Gender


def _nfc(words: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w) for w in words.split())


# (family name, weight in ‰ of the population, approximately)
_FAMILY: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 40),
    ("Huỳnh", 15),
    ("Phan", 45),
    ("Vũ", 25),
    ("Võ", 15),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 10),
    ("Trịnh", 8),
    ("Đoàn", 7),
    ("Lương", 6),
    ("Hà", 6),
    ("Mai", 5),
    ("Cao", 5),
    ("Lâm", 4),
    ("Chu", 3),
    ("Tạ", 3),
    ("Tô", 3),
    ("Vương", 2),
    ("Lò", 2),
    ("Quàng", 1),
    ("Tòng", 1),
    ("Cầm", 1),
)
FAMILY_NAMES: tuple[str, ...] = tuple(unicodedata.normalize("NFC", n) for n, _ in _FAMILY)
_FAMILY_CUM: tuple[float, ...] = tuple(accumulate(w for _, w in _FAMILY))

# "Văn" and "Thị" are by far the most common middle names (about half of the
# people old enough to stand); the others are drawn evenly.
COMMON_MIDDLE: dict[Gender, tuple[str, float]] = {
    Gender.MALE: ("Văn", 0.40),
    Gender.FEMALE: ("Thị", 0.50),
}
MIDDLE_NAMES: dict[Gender, tuple[str, ...]] = {
    Gender.MALE: _nfc(
        "Đức Minh Quang Hữu Công Thanh Xuân Ngọc Trung Đình Tiến "
        "Mạnh Quốc Anh Duy Hoàng Bá Chí Gia Khánh Nhật Thế Trọng Tuấn Việt Hồng"
    ),
    Gender.FEMALE: _nfc(
        "Thu Ngọc Thanh Thùy Minh Phương Kim Bích Hồng Diệu "
        "Hải Khánh Lan Mai Mỹ Quỳnh Thảo Tuyết Xuân Hoài Bảo Thúy"
    ),
}

GIVEN_NAMES: dict[Gender, tuple[str, ...]] = {
    Gender.MALE: _nfc(
        "An Anh Bảo Bình Cường Chiến Công Dũng Duy Đạt Định Đông Đức Giang Hải Hào Hiếu "
        "Hiệp Hòa Hoàng Hùng Huy Hưng Khang Khánh Khoa Kiên Lâm Lộc Long Lợi Luân Mạnh "
        "Minh Nam Nghĩa Nguyên Nhân Phát Phong Phúc Quân Quang Quý Sơn Tài Tân Thái "
        "Thắng Thành Thịnh Thông Toàn Trí Trung Trường Tuấn Tùng Việt Vinh Vũ"
    ),
    Gender.FEMALE: _nfc(
        "An Anh Bích Châu Chi Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huệ Hương "
        "Huyền Lan Liên Linh Loan Mai My Nga Ngân Ngọc Nhung Oanh Phương Quyên Quỳnh "
        "Tâm Thảo Thanh Thu Thúy Thủy Trang Trinh Tuyết Uyên Vân Vy Xuân Yến"
    ),
}

# Village names by region; each list is long enough for 12 areas per commune.
_VILLAGES_NORTHWEST = _nfc(
    "Nà_Khương Hua_Pảng Nậm_Lướng Phiêng_Lúc Pa_Khoang Co_Muông Huổi_Luông Mường_Cang "
    "Nà_Ban Tà_Phìn Sin_Chải Hồ_Thầu Lùng_Thàng Nà_Cà Nậm_Cuổi Pá_Khôm Hua_Nà Bó_Lun "
    "Phiêng_Pẻn Nà_Tăm"
)
_VILLAGES_SOUTH = _nfc(
    "Tân_Lập Long_Hòa Mỹ_Phú Bình_Thạnh An_Thới Phú_Hữu Tân_Quới Hòa_Thuận Vĩnh_Phước "
    "Thạnh_Lợi Phước_Long Mỹ_Hòa Long_Thạnh Tân_Hiệp Bình_An Hưng_Lợi Thới_Bình Kinh_Tế"
)
_VILLAGES_OTHER = _nfc(
    "Tân_Lập Đông_Hòa Phú_Thượng An_Bình Hòa_Bình Thống_Nhất Quyết_Tiến Đoàn_Kết "
    "Tiên_Phong Trung_Tâm Đông_Thịnh Xuân_Mai Yên_Phú Thượng_Lâm Hạ_Vũ Nam_Sơn Bắc_Sơn "
    "Đồng_Tâm Phú_Lộc Thanh_Xuân"
)
# Province codes (2025 tree) whose villages are "bản" / "ấp".
_NORTHWEST = frozenset({"04", "08", "11", "12", "14", "15", "19", "20"})
_SOUTH = frozenset({"75", "79", "80", "82", "86", "91", "92", "96"})


def family_name(rng: random.Random) -> str:
    return rng.choices(FAMILY_NAMES, cum_weights=_FAMILY_CUM)[0]


def full_name(rng: random.Random, gender: Gender) -> str:
    """``Nguyễn Thị Thu Hương``-style: family, middle (sometimes two), given name."""
    middles = MIDDLE_NAMES[gender]
    common, common_share = COMMON_MIDDLE[gender]
    given = rng.choice(GIVEN_NAMES[gender])
    parts = [family_name(rng)]
    if rng.random() < common_share:
        parts.append(common)
        if gender is Gender.FEMALE and rng.random() < 0.2:  # "Nguyễn Thị Thu Hương"
            second = rng.choice(middles)
            if second != given:
                parts.append(second)
    else:
        middle = rng.choice(middles)
        while middle == given:
            middle = rng.choice(middles)
        parts.append(middle)
    parts.append(given)
    return " ".join(parts)


def village_names(rng: random.Random, count: int, province_code: str, *, urban: bool) -> list[str]:
    """``count`` distinct village (or residential group) names for one commune."""
    if urban:
        return [f"Tổ dân phố số {k}" for k in range(1, count + 1)]
    if province_code in _NORTHWEST:
        prefix, pool = "Bản", _VILLAGES_NORTHWEST
    elif province_code in _SOUTH:
        prefix, pool = "Ấp", _VILLAGES_SOUTH
    else:
        prefix, pool = "Thôn", _VILLAGES_OTHER
    if count > len(pool):
        return [f"{prefix} {k}" for k in range(1, count + 1)]
    return [f"{prefix} {name.replace('_', ' ')}" for name in rng.sample(pool, count)]
