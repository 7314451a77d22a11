"""The real 2025 administrative tree from ``vietnam-provinces``."""

from __future__ import annotations

from datetime import date

import pytest

from data.enums import UnitKind
from data.loader import validate_package
from data.package import ElectionPackage, ElectionRow
from data.unit_tree import province_name, real_units


def test_whole_country_has_34_provinces_and_3321_communes() -> None:
    units = real_units()
    provinces = [u for u in units if u.kind is UnitKind.PROVINCE]
    communes = [u for u in units if u.kind is UnitKind.COMMUNE]
    assert len(provinces) == 34
    assert len(communes) == 3321
    assert len(units) == 34 + 3321
    codes = [u.code for u in units]
    assert len(set(codes)) == len(codes)
    assert all(len(p.code) == 2 and p.code.isdigit() and p.parent_code is None for p in provinces)
    assert all(len(c.code) == 5 and c.code.isdigit() for c in communes)
    province_codes = {p.code for p in provinces}
    assert {c.parent_code for c in communes} == province_codes
    # Parents come before their children.
    assert units[:34] == provinces


def test_real_tree_is_a_valid_package() -> None:
    pkg = ElectionPackage(ElectionRow("Cây đơn vị", date(2026, 3, 15)), units=real_units())
    assert validate_package(pkg) == []


def test_some_provinces_only() -> None:
    units = real_units(["01", "79"])
    assert [u.code for u in units if u.kind is UnitKind.PROVINCE] == ["01", "79"]
    assert {u.parent_code for u in units if u.kind is UnitKind.COMMUNE} == {"01", "79"}
    hanoi = [u for u in units if u.parent_code == "01"]
    assert 100 < len(hanoi) < 200
    assert any(u.name == "Phường Hoàn Kiếm" and u.code == "00070" for u in hanoi)
    assert real_units(["1"]) == real_units(["01"])


def test_unknown_province() -> None:
    with pytest.raises(KeyError):
        real_units(["99"])
    with pytest.raises(KeyError):
        province_name("99")


def test_province_name() -> None:
    assert province_name("01") == "Thành phố Hà Nội"
    assert province_name(1) == "Thành phố Hà Nội"
    assert province_name("79") == "Thành phố Hồ Chí Minh"
