"""The real 2025 administrative tree (34 provinces, 3,321 communes) from ``vietnam-provinces``.

Codes are the GSO codes as zero-padded text: provinces ``"01"``, communes
``"00070"``. After the 2025 reform there is no district level: communes hang
directly under their province.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from vietnam_provinces import Province, Ward

from data.enums import UnitKind
from data.package import UnitRow

__all__ = ["commune_code", "province_code", "province_name", "real_units"]


def province_code(code: int | str) -> str:
    """``1`` / ``"1"`` / ``"01"`` → ``"01"``; ValueError when not a number."""
    return f"{int(str(code).strip()):02d}"


def commune_code(code: int | str) -> str:
    """``70`` / ``"70"`` → ``"00070"``."""
    return f"{int(str(code).strip()):05d}"


@cache
def _provinces() -> dict[str, str]:
    """Province code → name, in code order."""
    rows = sorted(Province.iter_all(), key=lambda p: int(p.code))
    return {province_code(int(p.code)): p.name for p in rows}


@cache
def _communes() -> tuple[tuple[str, str, str], ...]:
    """(commune code, name, province code), in code order."""
    rows = sorted(Ward.iter_all(), key=lambda w: int(w.code))
    return tuple(
        (commune_code(int(w.code)), w.name, province_code(int(w.province_code))) for w in rows
    )


def province_name(code: int | str) -> str:
    """The name of province ``code`` (``"01"`` → "Thành phố Hà Nội"); KeyError if unknown."""
    try:
        return _provinces()[province_code(code)]
    except (KeyError, ValueError):
        raise KeyError(f"không có tỉnh/thành phố mã {code!r}") from None


def real_units(province_codes: Iterable[str] | None = None) -> list[UnitRow]:
    """The provinces (parent ``None``: under the nation) and then their communes.

    ``province_codes`` limits the tree to those provinces (``["01", "79"]``);
    an unknown code raises KeyError.
    """
    provinces = _provinces()
    if province_codes is None:
        wanted = list(provinces)
    else:
        wanted = list(dict.fromkeys(province_code(code) for code in province_codes))
        unknown = [code for code in wanted if code not in provinces]
        if unknown:
            raise KeyError(f"không có tỉnh/thành phố mã {', '.join(unknown)}")
    chosen = set(wanted)
    units = [
        UnitRow(code=code, name=provinces[code], kind=UnitKind.PROVINCE, parent_code=None)
        for code in sorted(wanted)
    ]
    units.extend(
        UnitRow(code=code, name=name, kind=UnitKind.COMMUNE, parent_code=parent)
        for code, name, parent in _communes()
        if parent in chosen
    )
    return units
